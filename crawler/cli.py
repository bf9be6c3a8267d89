"""`govreports`: the one command-line entry point (demo, crawl, extract, serve, sites)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import click

PUBLISH_DIR = Path(__file__).parent / "publish"
DEFAULT_DATA_DIR = Path(os.environ.get("GOVREPORTS_DATA_DIR", "data"))


def _db_path(db: str | None, data_dir: Path) -> Path:
    return Path(db) if db else data_dir / "archive.db"


@click.group()
@click.version_option(package_name="govreports")
def main() -> None:
    """Open archive of Chinese government information-disclosure annual reports."""


# ── crawl ─────────────────────────────────────────────────────────────────────

# Politeness settings a registry entry may override for its own site (sites are data: they
# may slow us down or change how we identify, not reconfigure the crawler).
SITE_SETTINGS = {"DOWNLOAD_DELAY", "CONCURRENT_REQUESTS_PER_DOMAIN", "ROBOTSTXT_OBEY", "USER_AGENT",
                 "AUTOTHROTTLE_START_DELAY", "AUTOTHROTTLE_MAX_DELAY", "AUTOTHROTTLE_TARGET_CONCURRENCY",
                 "RETRY_TIMES", "DOWNLOAD_TIMEOUT"}


def spider_for_site(cls: type, site: dict, jobdir: Path | None, distributed: bool = False) -> type:
    """The platform spider with this site's own settings: its politeness overrides from the
    registry and, when resuming is asked for, a JOBDIR of its own. In distributed mode each
    site's spider gets its own name, which keys its shared queue in Redis."""
    custom = dict(cls.custom_settings or {})
    for key, value in (site.get("settings") or {}).items():
        if key not in SITE_SETTINGS:
            raise click.ClickException(f"site {site['id']}: setting {key} cannot be set per site")
        custom[key] = value
    if jobdir:
        custom["JOBDIR"] = str(Path(jobdir) / site["id"])
    if not custom and not distributed:
        return cls
    attrs: dict = {"custom_settings": custom}
    if distributed:
        attrs["name"] = f"{cls.name}-{site['id']}"
    return type(f"{cls.__name__}_{site['id']}", (cls,), attrs)


def run_crawl(sites: list[dict], db: Path, data_dir: Path, overrides: dict | None = None,
              jobdir: Path | None = None, start_urls: tuple[str, ...] = (), distributed: bool = False) -> dict:
    """Crawl `sites` (registry entries) into the archive, in this process. Returns the summary."""
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    from scrapy.utils.project import get_project_settings

    from pipelines.store import now, open_db, summary

    from . import workers, writer
    from .process import BoundedCrawlerProcess
    from .spiders.discover import DiscoverSpider, site_for_start_url
    from .spiders.gkmlpt import GkmlptSpider
    from .spiders.hanweb import HanwebSpider
    from .spiders.static_list import StaticListSpider
    from .spiders.trs import TrsSpider

    spiders = {"trs": TrsSpider, "hanweb": HanwebSpider, "gkmlpt": GkmlptSpider, "static": StaticListSpider}
    settings = get_project_settings()
    settings.set("GOVREPORTS_DB", str(db), priority="cmdline")
    settings.set("GOVREPORTS_DATA_DIR", str(data_dir), priority="cmdline")
    for key, value in (overrides or {}).items():
        settings.set(key, value, priority="cmdline")
    jobs: list[tuple[type, dict]] = []
    for site in sites:
        cls = spiders.get(site["platform"])
        if cls is None:
            raise click.ClickException(f"site {site['id']}: no spider for platform {site['platform']!r}")
        jobs.append((spider_for_site(cls, site, jobdir, distributed), {"site": site}))
    for url in start_urls:
        # Any site without code: the platform is recognised from the page itself.
        jobs.append((spider_for_site(DiscoverSpider, site_for_start_url(url, None), jobdir, distributed),
                     {"start_url": url}))
    process = BoundedCrawlerProcess(settings)
    process.crawl_bounded(jobs, settings.getint("GOVREPORTS_CONCURRENT_SITES"))
    started = now()
    try:
        process.start()
    finally:
        workers.shutdown()
        writer.close_all()
    with open_db(db) as conn:
        result = summary(conn)
        result["monitor_failures"] = [
            f"{r['sites']}: {f}" for r in conn.query(
                "select sites, monitor_failures from crawl_runs where started_at >= ? and monitor_failures is not null",
                [started]) for f in json.loads(r["monitor_failures"])]
        return result


def _parse_settings(pairs: tuple[str, ...]) -> dict:
    out = {}
    for pair in pairs:
        if "=" not in pair:
            raise click.BadParameter(f"expected NAME=VALUE, got {pair!r}", param_hint="-s")
        k, v = pair.split("=", 1)
        out[k] = v
    return out


def _print_summary(s: dict, seconds: float) -> None:
    click.echo(
        f"archive: {s['reports']} reports ({s['ok']} ok, {s['needs_review']} need review, "
        f"{s['other_status']} other), {s['cells']} cells, {s['files']} original files, "
        f"{s['failed_checks']} of {s['checks']} checks failed — built in {seconds:.1f} s"
    )


@main.command()
@click.argument("site_ids", nargs=-1)
@click.option("--db", help="archive database (default: DATA_DIR/archive.db)")
@click.option("--data-dir", type=click.Path(path_type=Path), default=DEFAULT_DATA_DIR, show_default=True)
@click.option("--sites-file", type=click.Path(exists=True, path_type=Path), help="site registry (YAML)")
@click.option("-s", "--set", "settings", multiple=True, help="Scrapy setting NAME=VALUE")
@click.option("--jobdir", type=click.Path(path_type=Path),
              help="keep the request queue here so a crawl paused with Ctrl-C resumes where it was (Scrapy JOBDIR, "
                   "one per site); after a crash or SIGKILL delete it and simply run again")
@click.option("--revalidate", is_flag=True, help="re-request known reports (conditionally) to catch changed ones")
@click.option("--start-url", "start_urls", multiple=True,
              help="the annual-report column of a site outside the registry; its platform is detected from the page")
@click.option("--redis", "redis_url", help="run as a scrapy-redis worker: shared queue here, reports pushed for `drain`")
@click.option("--run-id", default="default", show_default=True, help="with --redis: the run this worker belongs to")
def crawl(site_ids: tuple[str, ...], db: str | None, data_dir: Path, sites_file: Path | None,
          settings: tuple[str, ...], jobdir: Path | None, revalidate: bool, start_urls: tuple[str, ...],
          redis_url: str | None, run_id: str) -> None:
    """Crawl the registry's sites (all, or SITE_IDS) into the archive: the scheduled-run entry point.

    Runs are incremental: known reports are not fetched again, list pages are asked
    conditionally. A run killed at any point is resumed by running it again: every report is
    stored in one transaction, so none is lost or stored twice."""
    from .registry import SITES_FILE, load_sites

    sites = load_sites(sites_file or SITES_FILE)
    if site_ids:
        unknown = set(site_ids) - {s["id"] for s in sites}
        if unknown:
            raise click.ClickException(f"unknown site(s): {', '.join(sorted(unknown))} (see `govreports sites`)")
        sites = [s for s in sites if s["id"] in site_ids]
    elif start_urls:
        sites = []
    from .spiders.base import is_http_url

    for url in start_urls:
        if not is_http_url(url):
            raise click.BadParameter(f"{url}: only http(s) URLs are crawled", param_hint="--start-url")
    if not sites and not start_urls:
        raise click.ClickException("no sites to crawl")
    start = time.monotonic()
    overrides = _parse_settings(settings)
    if revalidate:
        overrides["GOVREPORTS_REVALIDATE"] = True
    if redis_url:
        from .distributed import worker_settings

        overrides = {**worker_settings(redis_url, run_id), **overrides}
    s = run_crawl(sites, _db_path(db, data_dir), data_dir, overrides, jobdir, start_urls, bool(redis_url))
    _print_summary(s, time.monotonic() - start)
    if s["monitor_failures"]:
        for failure in s["monitor_failures"]:
            click.echo(f"monitor failed: {failure}", err=True)
        sys.exit(3)


@main.command()
@click.option("--sites-file", type=click.Path(exists=True, path_type=Path))
def sites(sites_file: Path | None) -> None:
    """List the sites in the registry."""
    from .registry import SITES_FILE, load_sites

    for s in load_sites(sites_file or SITES_FILE):
        click.echo(f"{s['id']:<28} {s['platform']:<8} {s.get('province') or '':<6} {s['name']}  {s['column_url']}")


@main.command()
@click.option("--data-dir", type=click.Path(path_type=Path), default=DEFAULT_DATA_DIR, show_default=True)
@click.option("--db", help="database to write (default: DATA_DIR/archive.db, replaced when done)")
@click.option("--force", is_flag=True,
              help="replace the database even when the rebuilt one lacks reports it holds")
def rebuild(data_dir: Path, db: str | None, force: bool) -> None:
    """Rebuild the database from the archive (WARC manifests and originals), without crawling.

    The rebuilt database is compared with the one it replaces (or, written elsewhere, with
    DATA_DIR/archive.db): reports it would lose are listed, and it is then written beside
    the old one (DB.rebuilt), which stays, and the exit status is 1, unless --force."""
    from pipelines.rebuild import rebuild as do_rebuild

    if not (data_dir / "warc").is_dir():
        raise click.ClickException(f"no WARC files under {data_dir / 'warc'}: nothing to rebuild from")
    start = time.monotonic()

    def progress(n: int, manifest: dict) -> None:
        if n % 50 == 0:
            click.echo(f"  {n} reports re-ingested…", err=True)

    target = _db_path(db, data_dir)
    s = do_rebuild(data_dir, target, progress, force=force, compare_with=_db_path(None, data_dir))
    _print_summary(s, time.monotonic() - start)
    click.echo(f"rebuilt from {s['manifests']} report manifests into {s['path']}")
    for d in s["damaged_warcs"]:
        click.echo(f"damaged WARC: {d['file']}: {d['error']} at byte {d['offset']}; {d['records']} records "
                   "read before it, none after", err=True)
    for r in s["unreadable"]:
        click.echo(f"not rebuilt, original missing: {r['site_id']} {r['url']} {r['title'] or ''}", err=True)
    for r in s["failed"]:
        click.echo(f"not rebuilt, could not be stored: {r['site_id']} {r['url']}: {r['error']}", err=True)
    for r in s["missing"]:
        click.echo(f"missing from the rebuilt database: {r['site_id']} {r['url']} {r['title'] or ''} "
                   f"(version {r['version']})", err=True)
    lost = len(s["missing"]) or s["compare_error"]
    if not lost:
        return
    why = s["compare_error"] or f"the rebuilt database lacks {len(s['missing'])} report versions of {s['compared_with']}"
    if s["replaced"]:
        click.echo(f"{target} replaced (--force), although {why}", err=True)
        return
    if force:
        click.echo(f"warning: {why}", err=True)
        return
    if s["path"] != str(target):
        click.echo(f"{target} NOT replaced: {why}. The rebuilt database is at {s['path']}; "
                   "run again with --force to replace it anyway.", err=True)
    else:
        click.echo(f"warning: {why}; pass --force to accept that.", err=True)
    sys.exit(1)


@main.command()
@click.option("--redis", "redis_url", required=True, help="the Redis the workers push to")
@click.option("--run-id", default="default", show_default=True)
@click.option("--db", help="archive database (default: DATA_DIR/archive.db)")
@click.option("--data-dir", type=click.Path(path_type=Path), default=DEFAULT_DATA_DIR, show_default=True)
@click.option("--idle-timeout", default=30.0, show_default=True, help="stop after this many seconds without a report")
def drain(redis_url: str, run_id: str, db: str | None, data_dir: Path, idle_timeout: float) -> None:
    """The single writer of a distributed crawl: store the reports workers pushed to Redis."""
    from .distributed import drain as do_drain

    start = time.monotonic()

    def progress(n: int, fetch) -> None:
        if n % 50 == 0:
            click.echo(f"  {n} reports stored…", err=True)

    counts = do_drain(redis_url, run_id, _db_path(db, data_dir), data_dir, idle_timeout, progress)
    click.echo(f"drained run {run_id}: {counts['new']} new, {counts['changed']} changed, "
               f"{counts['unchanged']} unchanged in {time.monotonic() - start:.1f} s")


# ── extract ───────────────────────────────────────────────────────────────────

def _read_source(source: str) -> tuple[bytes, str | None]:
    """The document's bytes, never more than the document budget plus one byte (a larger
    document is refused by extraction as `too_large`, without holding all of it)."""
    from pipelines.budgets import DOCUMENT_BYTES

    cap = DOCUMENT_BYTES.limit + 1
    scheme = source.split(":", 1)[0].lower() if "://" in source else ""
    if scheme in ("http", "https"):
        from .settings import USER_AGENT

        req = urllib.request.Request(source, headers={"User-Agent": USER_AGENT})
        with urllib.request.urlopen(req, timeout=60) as resp:
            # urllib follows redirects to http(s) only; the final URL is checked all the same.
            if not resp.geturl().lower().startswith(("http://", "https://")):
                raise click.ClickException(f"{source}: redirected to a non-HTTP URL")
            return resp.read(cap), resp.headers.get("Content-Type")
    if scheme:
        raise click.ClickException(f"{source}: only http(s) URLs and local files can be read")
    path = Path(source)
    if not path.is_file():
        raise click.ClickException(f"no such file: {source}")
    with path.open("rb") as fh:
        return fh.read(cap), None


@main.command()
@click.argument("source")
@click.option("--json", "as_json", is_flag=True, help="print the full JSON result (schema: report-schema.md)")
def extract(source: str, as_json: bool) -> None:
    """Extract one report document (a file or URL) and print what was read."""
    from pipelines.extract import extract_document

    try:
        data, content_type = _read_source(source)
    except OSError as exc:
        raise click.ClickException(f"cannot read {source}: {exc}") from exc
    try:
        result = extract_document(data, content_type)
    except Exception as exc:  # a reader choking on a corrupt file: report it, no traceback
        raise click.ClickException(f"{source}: extraction failed: {type(exc).__name__}: {exc}") from exc
    out = result.to_json()
    if as_json:
        click.echo(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        _print_extraction(out)
    if result.status not in ("ok", "needs_review", "pre2019"):
        click.echo(f"error: {source}: {result.status}: {result.message}", err=True)
        sys.exit(1)


def _print_extraction(out: dict) -> None:
    click.echo(f"status:   {out['status']}" + (f" ({out['message']})" if out.get("message") else ""))
    click.echo(f"report:   {out.get('title')}  [{out['format']}, template {out['template']}, year {out['year']}]")
    apps = out.get("applications") or {}
    if apps:
        totals = {k: (v or {}).get("total") for k, v in apps.items()}
        click.echo("section 三 (总计 column): " + ", ".join(f"{k}={v}" for k, v in totals.items()))
    failed = [c for c in out.get("checks", []) if c["passed"] is False]
    click.echo(f"checks:   {len(out.get('checks', []))} run, {len(failed)} failed")
    for c in failed:
        click.echo(f"  FAILED {c['rule']} [{c['column']}]: {c['detail']}")
    for n in out.get("nulls", [])[:20]:
        click.echo(f"  null {n['key']}: {n['reason']}")
    for w in out.get("warnings", []):
        click.echo(f"  warning: {w}")


# ── serve / demo ──────────────────────────────────────────────────────────────

def datasette_command(db: Path, host: str, port: int, immutable: bool = False,
                      inspect_file: Path | None = None) -> list[str]:
    args = [sys.executable, "-m", "datasette", "serve", "--host", host, "--port", str(port),
            "--metadata", str(PUBLISH_DIR / "metadata.yml"),
            "--setting", "sql_time_limit_ms", "3000",
            "--setting", "default_page_size", "50"]
    if immutable:
        # Facet suggestions run one query per column on every table page: seconds on a large archive.
        args += ["--setting", "suggest_facets", "off"]
        if inspect_file is not None:
            args += ["--inspect-file", str(inspect_file)]
    templates = PUBLISH_DIR / "templates"
    if templates.is_dir():
        args += ["--template-dir", str(templates)]
    plugins = PUBLISH_DIR / "plugins"
    if plugins.is_dir():
        args += ["--plugins-dir", str(plugins)]
    # Immutable mode skips locking and change detection: for a finished archive only.
    args += ["--immutable", str(db)] if immutable else [str(db)]
    return args


@main.command()
@click.option("--db", help="archive database (default: DATA_DIR/archive.db)")
@click.option("--data-dir", type=click.Path(path_type=Path), default=DEFAULT_DATA_DIR, show_default=True)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8001, show_default=True)
@click.option("--immutable", is_flag=True, help="serve a finished archive read-only, with cached counts")
def serve(db: str | None, data_dir: Path, host: str, port: int, immutable: bool) -> None:
    """Serve the archive with Datasette (at /archive, whatever the database file is called)."""
    path = _db_path(db, data_dir)
    if not path.exists():
        raise click.ClickException(f"no archive at {path}: run `govreports demo` or `govreports crawl` first")
    inspect_file = None
    if immutable:
        # Cached row counts: counting millions of cells on every page is what makes large archives slow.
        inspect_file = path.with_name(path.stem + ".inspect.json")
        if not inspect_file.exists() or inspect_file.stat().st_mtime < path.stat().st_mtime:
            subprocess.check_call([sys.executable, "-m", "datasette", "inspect", str(path),
                                   "--inspect-file", str(inspect_file)])
    env = dict(os.environ)
    # Originals live in files/ beside the database (the data directory's layout), else in
    # DATA_DIR/files: a --db elsewhere keeps its own originals.
    files = next((d for d in (path.parent / "files", data_dir / "files") if d.is_dir()), None)
    if files is not None:
        env.setdefault("GOVREPORTS_FILES_DIR", str(files.resolve()))
    click.echo(f"Datasette: http://{host}:{port}/  (Ctrl-C to stop)")
    sys.exit(subprocess.call(datasette_command(path, host, port, immutable, inspect_file), env=env))


@main.command()
@click.option("--data-dir", type=click.Path(path_type=Path), default=DEFAULT_DATA_DIR, show_default=True)
@click.option("--serve/--no-serve", "do_serve", default=True, help="serve Datasette after the build")
@click.option("--port", default=8001, show_default=True, help="Datasette port")
@click.option("--fresh/--keep", default=True, help="start from an empty archive (default) or add to it")
def demo(data_dir: Path, do_serve: bool, port: int, fresh: bool) -> None:
    """Crawl the bundled sample sites on 127.0.0.1 into DATA_DIR/archive.db, then serve it."""
    from .registry import SAMPLE_SITES_FILE, load_sites
    from .sample_sites.server import SampleSites

    db = data_dir / "archive.db"
    if fresh:
        for suffix in ("", "-wal", "-shm"):
            Path(str(db) + suffix).unlink(missing_ok=True)
    start = time.monotonic()
    with SampleSites() as samples:
        for site_id, url in samples.base_urls.items():
            click.echo(f"sample site {site_id}: {url}")
        sites = load_sites(SAMPLE_SITES_FILE, base_urls=samples.base_urls)
        # Loopback sample sites: no need to wait between requests.
        s = run_crawl(sites, db, data_dir, {"DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False,
                                            "LOG_LEVEL": "WARNING"})
    _print_summary(s, time.monotonic() - start)
    if do_serve:
        click.echo(f"Datasette: http://127.0.0.1:{port}/  (Ctrl-C to stop)")
        sys.exit(subprocess.call(datasette_command(db, "127.0.0.1", port)))
    click.echo(f"archive written to {db}; browse it with `govreports serve --db {db}`")


def _register_release() -> None:
    from pipelines.release import release_command

    main.add_command(release_command, "release")


_register_release()


if __name__ == "__main__":
    main()

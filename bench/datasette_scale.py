"""Time the Datasette layer on a large archive: every canned query and every facet page.

    python bench/generate_archive.py 100000 --db /tmp/big/archive.db
    python bench/datasette_scale.py --db /tmp/big/archive.db

Starts Datasette the way `govreports serve --immutable` does (crawler.cli.datasette_command;
with an inspect file, made first with `datasette inspect`, unless --mutable), then requests
each page over HTTP and prints the time of the first (cold) request and the median of the
next --repeat. Targets: a canned query under 1 s, a facet page under 2 s. Facets that hit
Datasette's facet time limit are reported (the page still answers, without that facet).
Not a test: it prints figures.
"""

from __future__ import annotations

import argparse
import json
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from crawler.cli import PUBLISH_DIR, datasette_command  # noqa: E402

QUERY_LIMIT, FACET_LIMIT = 1.0, 2.0
QUERY_PARAMS = {"search": [{"q": "行政复议"}, {"q": "复议"}], "year_on_year_changes": [{}, {"measure": "denied"}]}


def facet_pages(sample: dict) -> list[str]:
    province = urllib.parse.quote(sample["province"])
    return [
        "/archive/reports",
        f"/archive/reports?province={province}",
        f"/archive/reports?year={sample['year']}&level=county-department",
        f"/archive/reports?province={province}&_facet=city&_facet=county",
        "/archive/sites",
        "/archive/report_summary",
        f"/archive/report_summary?province={province}&year={sample['year']}",
        "/archive/report_totals",
        "/archive/checks?passed=0",
        "/archive/checks",
        f"/archive/applications?report_id={sample['report_id']}",
        "/archive/applications",
        f"/archive/applications_wide?province={province}&year={sample['year']}",
        "/archive/active_disclosure",
        "/archive/reviews_litigation",
        "/archive/files",
    ]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(url: str) -> tuple[float, int, bytes]:
    start = time.perf_counter()
    try:
        with urllib.request.urlopen(url, timeout=120) as resp:
            body = resp.read()
            status = resp.status
    except urllib.error.HTTPError as exc:
        body, status = exc.read(), exc.code
    return time.perf_counter() - start, status, body


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", type=Path, required=True)
    ap.add_argument("--mutable", action="store_true", help="serve without --immutable and inspect file")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()

    db = args.db.resolve()
    work = Path(tempfile.mkdtemp(prefix="dsscale-"))
    if db.stem != "archive":  # metadata.yml configures the database named "archive"
        (work / "archive.db").symlink_to(db)
        db = work / "archive.db"
    port = free_port()
    cmd = datasette_command(db, "127.0.0.1", port, immutable=not args.mutable)
    if not args.mutable and "--inspect-file" not in cmd:
        inspect = work / "counts.json"
        t = time.perf_counter()
        subprocess.run([sys.executable, "-m", "datasette", "inspect", str(db), "--inspect-file", str(inspect)],
                       check=True)
        print(f"datasette inspect: {time.perf_counter() - t:.1f} s")
        cmd += ["--inspect-file", str(inspect)]
    if "suggest_facets" not in cmd:
        # Facet suggestions run one query per column on every table page (3 s on 100,000
        # reports): `govreports serve --immutable` turns them off, as here.
        cmd += ["--setting", "suggest_facets", "off"]
        print("suggest_facets off (added: crawler.cli does not pass it yet)")
    log = open(work / "datasette.log", "wb")
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(base + "/-/versions.json", timeout=2).read()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit((work / "datasette.log").read_text()[-3000:]) from None
                time.sleep(0.3)
        sample = json.loads(fetch(base + "/archive.json?_shape=array&sql=" + urllib.parse.quote(
            "select id as report_id, year, province from reports where is_latest = 1 and province is not null "
            "and template = '2021' order by id desc limit 1"))[2])[0]
        total = json.loads(fetch(base + "/archive.json?_shape=array&sql=" + urllib.parse.quote(
            "select count(*) as n from reports"))[2])[0]["n"]
        print(f"archive: {db} ({total:,} reports), {'mutable' if args.mutable else 'immutable + inspect file'}")

        def measure(path: str) -> tuple[float, float, int, dict]:
            cold, status, body = fetch(base + path)
            warm = [fetch(base + path)[0] for _ in range(args.repeat)]
            return cold, statistics.median(warm) if warm else cold, status, body

        meta = yaml.safe_load((PUBLISH_DIR / "metadata.yml").read_text(encoding="utf-8"))
        queries = meta["databases"]["archive"]["queries"]
        worst = {"query": 0.0, "facet": 0.0}
        print(f"\ncanned queries (target < {QUERY_LIMIT:.0f} s)             cold      warm  rows  status")
        for name in queries:
            for params in QUERY_PARAMS.get(name, [{"report_id": sample["report_id"]} if name == "report_cells" else {}]):
                path = f"/archive/{name}" + ("?" + urllib.parse.urlencode(params) if params else "")
                cold, warm, status, _ = measure(path)
                rows = json.loads(fetch(base + path.replace(f"/{name}", f"/{name}.json", 1)
                                        + ("&" if params else "?") + "_shape=array")[2])
                worst["query"] = max(worst["query"], cold, warm)
                flag = "" if max(cold, warm) < QUERY_LIMIT and status == 200 else "  <-- SLOW" if status == 200 else "  <-- ERROR"
                label = name + (f" {params}" if params and name != "report_cells" else "")
                print(f"  {label:<44} {cold:6.3f} s {warm:6.3f} s {len(rows):5d}  {status}{flag}")
        print(f"\nfacet pages (target < {FACET_LIMIT:.0f} s)                cold      warm  facets shown (timed out)")
        for path in facet_pages(sample):
            cold, warm, status, _ = measure(path)
            sep = "&" if "?" in path else "?"
            jpath = path.replace("?", ".json?", 1) if "?" in path else path + ".json"
            data = json.loads(fetch(base + jpath + sep + "_size=1")[2])
            facets = list((data.get("facet_results") or {}).keys())
            table = path.split("?")[0].rsplit("/", 1)[1]
            wanted = set((meta["databases"]["archive"]["tables"].get(table) or {}).get("facets") or [])
            wanted |= set(urllib.parse.parse_qs(urllib.parse.urlsplit(path).query).get("_facet", []))
            timed_out = sorted(wanted - set(facets))
            worst["facet"] = max(worst["facet"], cold, warm)
            flag = "" if max(cold, warm) < FACET_LIMIT and status == 200 else "  <-- SLOW" if status == 200 else "  <-- ERROR"
            label = urllib.parse.unquote(path)
            print(f"  {label:<44} {cold:6.3f} s {warm:6.3f} s  {len(facets)}"
                  + (f" ({', '.join(timed_out)})" if timed_out else "") + flag)
        print(f"\nslowest canned query {worst['query']:.3f} s, slowest facet page {worst['facet']:.3f} s")
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()


if __name__ == "__main__":
    main()

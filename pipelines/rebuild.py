"""Rebuild the database from the archive alone: the report manifests in the WARC files and
the originals under data/files/ (or, failing those, the WARC response records).

Nothing is lost in silence: a WARC file cut short or corrupt, a manifest whose original is
gone, a report that cannot be stored are all in the result (`govreports rebuild` prints
them), and the rebuilt database is compared with the archive it would replace. When that
archive holds reports the rebuilt one lacks, the rebuilt database is written beside it
(`archive.db.rebuilt`) unless forced."""

from __future__ import annotations

import logging
import os
import sqlite3
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

from .ingest import FetchedFile, ReportFetch, doc_key, ingest
from .store import open_db, refresh_cross_year_checks, summary, upsert_site
from .warc import WarcDamage, iter_report_manifests, iter_responses

logger = logging.getLogger(__name__)

BESIDE_SUFFIX = ".rebuilt"


def _body(data_dir: Path, entry: dict, responses: dict[str, bytes] | None) -> bytes | None:
    if entry.get("path") and (data_dir / entry["path"]).exists():
        return (data_dir / entry["path"]).read_bytes()
    if responses is not None:
        return responses.get(entry["url"])
    return None


def _remove_db(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)


def _report_versions(db_path: Path) -> list[dict]:
    """Every report version of a database, as `missing_reports` compares them."""
    conn = sqlite3.connect(db_path, timeout=30)
    conn.row_factory = sqlite3.Row
    try:
        if not conn.execute("select 1 from sqlite_master where type = 'table' and name = 'reports'").fetchone():
            return []
        return [dict(r) for r in conn.execute(
            "select site_id, doc_key, version, fingerprint, url, title, page_sha256, sha256 from reports"
            " order by site_id, doc_key, version")]
    finally:
        conn.close()


def missing_reports(old_db: Path, new_db: Path, ingested: set[tuple[str, str, str]]) -> list[dict]:
    """The report versions of `old_db` that `new_db` lacks (site_id, doc_key, version, url,
    title). A version is kept when the new database holds the same report (site and doc_key)
    with the same fingerprint, or when the rebuild stored the same original for it (`ingested`:
    site, doc_key and sha256 of every original ingested): an extractor that reads an original
    differently changes its fingerprint but loses nothing."""
    new = {(r["site_id"], r["doc_key"], r["fingerprint"]) for r in _report_versions(new_db)}
    lost = []
    for r in _report_versions(old_db):
        key = (r["site_id"], r["doc_key"])
        if (*key, r["fingerprint"]) in new:
            continue
        if any((*key, sha) in ingested for sha in (r["page_sha256"], r["sha256"]) if sha):
            continue
        lost.append({k: r[k] for k in ("site_id", "doc_key", "version", "url", "title")})
    return lost


def rebuild(data_dir: Path, db_path: Path, progress: Callable[[int, dict], None] | None = None,
            force: bool = False, compare_with: Path | None = None) -> dict:
    """Write a new database at `db_path` from the archive under `data_dir`. Returns the
    database's summary, plus:

    - `path`: where the rebuilt database is; `replaced`: whether it replaced an existing
      `db_path` (written beside it, at `db_path` + `.rebuilt`, when reports would be lost);
    - `compared_with`: the archive it was compared with (`db_path` when it exists, else
      `compare_with`), or None; `missing`: that archive's report versions the rebuilt one lacks;
      `compare_error`: why that archive could not be read, which counts as a loss;
    - `damaged_warcs`: WARC files read only up to a cut or corruption (file, records, offset, error);
    - `unreadable`: manifests whose page is neither under files/ nor in a WARC;
    - `failed`: manifests whose report could not be stored (url, error);
    - `manifests`: how many manifests were read.

    The existing database is replaced only once the rebuilt one is complete, and only when it
    holds every report of it (as far as it can be read), or with `force`."""
    data_dir, db_path = Path(data_dir), Path(db_path)
    warc_dir = data_dir / "warc"
    tmp = db_path.with_name(db_path.name + ".rebuilding")
    _remove_db(tmp)
    db = open_db(tmp)
    responses: dict[str, bytes] | None = None
    damaged: list[WarcDamage] = []
    unreadable: list[dict] = []
    failed: list[dict] = []
    ingested: set[tuple[str, str, str]] = set()
    n = 0
    manifests = 0
    for m in iter_report_manifests(warc_dir, damaged):
        manifests += 1
        entries = [m["page"], *m["attachments"]]
        if responses is None and any(_body(data_dir, e, None) is None for e in entries if not e.get("error")):
            # An original is missing from files/: fall back to the bodies kept in the WARCs.
            # Damage seen here was already seen reading the manifests of the same files.
            responses = {url: body for url, status, body in iter_responses(warc_dir, []) if status == 200}
        upsert_site(db, m["site"])
        page_body = _body(data_dir, m["page"], responses)
        if page_body is None:
            logger.info("report %s: its page is neither under files/ nor in a WARC", m["url"])
            unreadable.append({"site_id": m["site"]["id"], "url": m["url"], "title": m.get("title")})
            continue
        fetch = ReportFetch(
            site=m["site"], url=m["url"], title=m["title"], list_date=m.get("list_date"),
            fetched_at=m["fetched_at"],
            page=FetchedFile(url=m["page"]["url"], body=page_body, content_type=m["page"].get("content_type")),
            attachments=[FetchedFile(url=a["url"], body=_body(data_dir, a, responses) or b"",
                                     content_type=a.get("content_type"), filename=a.get("filename"),
                                     linked_url=a.get("linked_url"), error=a.get("error"))
                         for a in m["attachments"]],
        )
        try:
            _, _, files = ingest(db, data_dir, fetch, data_dir / "cache" / "converted")
        except Exception as exc:  # noqa: BLE001 - one report that cannot be stored is reported, not fatal
            logger.info("report %s could not be stored", m["url"], exc_info=True)
            failed.append({"site_id": m["site"]["id"], "url": m["url"], "error": f"{type(exc).__name__}: {exc}"})
            continue
        ingested.update((m["site"]["id"], doc_key(m["url"]), f.sha256) for f in files)
        n += 1
        if progress:
            progress(n, m)
    refresh_cross_year_checks(db)
    result = summary(db)
    db.close()
    for suffix in ("-wal", "-shm"):
        Path(str(tmp) + suffix).unlink(missing_ok=True)

    replacing = db_path.exists()
    reference = db_path if replacing else (Path(compare_with) if compare_with and Path(compare_with).exists()
                                          else None)
    missing: list[dict] = []
    compare_error = None
    if reference is not None:
        try:
            missing = missing_reports(reference, tmp, ingested)
        except sqlite3.DatabaseError as exc:  # a damaged archive: what it held cannot be vouched for
            compare_error = f"cannot read {reference}: {exc}"
    target = db_path
    if replacing and (missing or compare_error) and not force:
        target = db_path.with_name(db_path.name + BESIDE_SUFFIX)
        _remove_db(target)
    elif not replacing:
        _remove_db(db_path)  # a stale -wal of a database no longer there must not meet the new one
    os.replace(tmp, target)
    return {**result, "path": str(target), "replaced": replacing and target == db_path,
            "compared_with": str(reference) if reference else None, "compare_error": compare_error,
            "missing": missing,
            "damaged_warcs": [asdict(d) for d in damaged], "unreadable": unreadable, "failed": failed,
            "manifests": manifests}

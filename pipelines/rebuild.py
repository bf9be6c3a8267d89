"""Rebuild the database from the archive alone: the report manifests in the WARC files and
the originals under data/files/ (or, failing those, the WARC response records)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from .ingest import FetchedFile, ReportFetch, ingest
from .store import open_db, refresh_cross_year_checks, summary, upsert_site
from .warc import iter_report_manifests, iter_responses


def _body(data_dir: Path, entry: dict, responses: dict[str, bytes] | None) -> bytes | None:
    if entry.get("path") and (data_dir / entry["path"]).exists():
        return (data_dir / entry["path"]).read_bytes()
    if responses is not None:
        return responses.get(entry["url"])
    return None


def rebuild(data_dir: Path, db_path: Path, progress: Callable[[int, dict], None] | None = None) -> dict:
    """Write a new database at db_path (replacing it only once complete). Returns the summary."""
    data_dir, db_path = Path(data_dir), Path(db_path)
    warc_dir = data_dir / "warc"
    tmp = db_path.with_name(db_path.name + ".rebuilding")
    for suffix in ("", "-wal", "-shm"):
        Path(str(tmp) + suffix).unlink(missing_ok=True)
    db = open_db(tmp)
    responses: dict[str, bytes] | None = None
    n = 0
    for m in iter_report_manifests(warc_dir):
        entries = [m["page"], *m["attachments"]]
        if responses is None and any(_body(data_dir, e, None) is None for e in entries if not e.get("error")):
            # An original is missing from files/: fall back to the bodies kept in the WARCs.
            responses = {url: body for url, status, body in iter_responses(warc_dir) if status == 200}
        upsert_site(db, m["site"])
        page_body = _body(data_dir, m["page"], responses)
        if page_body is None:
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
        ingest(db, data_dir, fetch, data_dir / "cache" / "converted")
        n += 1
        if progress:
            progress(n, m)
    refresh_cross_year_checks(db)
    result = summary(db)
    db.close()
    for suffix in ("-wal", "-shm"):
        Path(str(tmp) + suffix).unlink(missing_ok=True)
    os.replace(tmp, db_path)
    return result

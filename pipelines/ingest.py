"""One fetched report (its page and attachments) → originals on disk → extraction → a stored
report. The crawler's item pipeline and `govreports rebuild` both go through `ingest`, so a
rebuilt archive holds exactly what a crawl would have stored."""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import sqlite_utils

from .archive import store_original, sync_original
from .documents.sniff import sniff_format
from .extract import Extraction, extract_document
from .store import FileRecord, ReportRecord, ReportRows, report_rows, save_rows

logger = logging.getLogger(__name__)

_USABLE = ("ok", "needs_review")
_YEAR_IN_TITLE = __import__("re").compile(r"((?:19|20)\d{2})\s*年")


@dataclass
class FetchedFile:
    url: str  # after redirects
    body: bytes
    content_type: str | None = None
    filename: str | None = None  # display name from the site: a label, never a path
    linked_url: str | None = None  # as linked from the page (Hanweb downfile.jsp before its 302)
    error: str | None = None


@dataclass
class ReportFetch:
    site: dict
    url: str
    title: str  # as listed in the column
    list_date: str | None
    fetched_at: str
    page: FetchedFile
    attachments: list[FetchedFile] = field(default_factory=list)


def doc_key(url: str) -> str:
    """A report's identity within its site: the URL without scheme and host, so the same
    report is recognised when a site moves between http/https or hosts (or, for the bundled
    sample sites, between ports)."""
    p = urlparse(url)
    return p.path + (f"?{p.query}" if p.query else "")


def choose_source(candidates: list[tuple[FileRecord, Extraction]]) -> tuple[FileRecord, Extraction]:
    """The document the cells come from: the one yielding most cells; on a tie the page
    itself, since it is what the site shows first."""
    def rank(pair: tuple[FileRecord, Extraction]) -> tuple[int, int, int, int]:
        f, ex = pair
        return (ex.status in _USABLE, ex.n_values, ex.status == "pre2019", f.role == "page")

    return max(candidates, key=rank)


def _file(data_dir: Path, f: FetchedFile, role: str, sync: bool = True) -> FileRecord:
    fmt = sniff_format(f.body)
    sha, rel = store_original(data_dir, f.body, fmt, sync)
    return FileRecord(sha, rel, len(f.body), fmt, f.url, role, f.filename, f.content_type)


def manifest(fetch: ReportFetch, files: list[FileRecord]) -> dict:
    """What `rebuild` needs to redo this ingest from the originals: everything but the bytes,
    which are named by their sha256 under data/files/."""
    by_url = {(f.role, f.url): f for f in files}
    out = {k: v for k, v in asdict(fetch).items() if k not in ("page", "attachments")}

    def entry(x: FetchedFile, role: str) -> dict:
        rec = by_url.get((role, x.url))
        return {"url": x.url, "linked_url": x.linked_url, "content_type": x.content_type,
                "filename": x.filename, "error": x.error, "sha256": rec.sha256 if rec else None,
                "path": rec.path if rec else None}

    out["page"] = entry(fetch.page, "page")
    out["attachments"] = [entry(a, "attachment") for a in fetch.attachments]
    return out


def documents(fetch: ReportFetch) -> list[FetchedFile]:
    """The page and every attachment that arrived, in order."""
    out = [fetch.page]
    for att in fetch.attachments:
        if att.error or not att.body:
            # The spider already logged the skips its budgets made, once a report.
            if not (att.error or "").startswith("too_large"):
                logger.warning("attachment %s of %s not fetched: %s", att.url, fetch.url, att.error or "empty")
            continue
        out.append(att)
    return out


def prepare(fetch: ReportFetch, data_dir: Path, cache_dir: Path | None = None, sync: bool = True,
            unread: str | None = None) -> tuple[list[FileRecord], list[Extraction]]:
    """The part of an ingest that needs no database: every original written to disk (before
    any row can refer to it), then every document extracted. Pure apart from the
    content-addressed files. With `sync=False` the originals are not yet durable: whoever
    stores the report syncs them first. With `unread`, the documents are not read at all
    (reading them killed the process that tried): each gets status `error` with that reason,
    and the originals are kept all the same."""
    docs = documents(fetch)
    files = [_file(data_dir, d, "page" if i == 0 else "attachment", sync) for i, d in enumerate(docs)]
    if unread is not None:
        return files, [Extraction(status="error", format=f.format, message=unread) for f in files]
    return files, [extract_document(d.body, d.content_type, cache_dir) for d in docs]


def build_record(fetch: ReportFetch, files: list[FileRecord], extractions: list[Extraction]) -> ReportRecord:
    """The report to store: the best document's cells, with title, agency, year and date from
    wherever they were read (the source, the page, the column's listing)."""
    candidates = list(zip(files, extractions, strict=True))
    source, extraction = choose_source(candidates)
    # A researcher sees in the report's warnings which attachments the archive lacks, and why.
    extraction.warnings += [f"attachment {a.url} not fetched: {a.error or 'empty response'}"
                            for a in fetch.attachments if a.error or not a.body]
    page_ex = candidates[0][1]
    m = _YEAR_IN_TITLE.search(fetch.title or "")
    return ReportRecord(
        site_id=fetch.site["id"], doc_key=doc_key(fetch.url), url=fetch.url, extraction=extraction,
        source=source, files=files,
        title=page_ex.title or fetch.title,
        agency=extraction.agency or page_ex.agency or fetch.site.get("agency"),
        year=extraction.year or page_ex.year or (int(m.group(1)) if m else None),
        published=page_ex.published or fetch.list_date, fetched_at=fetch.fetched_at,
    )


def prepare_rows(fetch: ReportFetch, data_dir: Path, cache_dir: Path | None = None, sync: bool = True,
                 unread: str | None = None) -> ReportRows:
    """`prepare`, then the rows to store: everything of an ingest but the database write.
    The crawl runs it in a worker process (crawler/workers.py)."""
    return report_rows(build_record(fetch, *prepare(fetch, data_dir, cache_dir, sync, unread)))


def ingest(db: sqlite_utils.Database, data_dir: Path, fetch: ReportFetch,
           cache_dir: Path | None = None, prepared: ReportRows | None = None, synced: bool = False,
           ) -> tuple[str, int, list[FileRecord]]:
    """Store the originals, extract every document, keep the best, save the report (or save
    what `prepare_rows` made elsewhere). Returns (new | changed | unchanged, report id, files).
    `synced`: the caller made the prepared originals durable (the crawl's writer does it for
    a whole commit at once, crawler/writer.py)."""
    if prepared is None:
        rows = prepare_rows(fetch, data_dir, cache_dir)
    else:
        rows = prepared
        if not synced:
            for f in rows.files:  # durable before the row that refers to them is committed
                sync_original(data_dir, f.path)
    outcome, report_id = save_rows(db, rows)
    logger.info("report %s (%s): %s, %s from %s", report_id, rows.report["title"], outcome,
                rows.report["status"], rows.report["source_format"])
    return outcome, report_id, rows.files

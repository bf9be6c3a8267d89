"""The Scrapy item pipeline: keep every original, extract, store. It only wires the
crawler to `pipelines/`, which does the work and is usable without a crawl."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from pipelines.archive import store_original
from pipelines.documents.sniff import sniff_format
from pipelines.extract import Extraction, extract_document
from pipelines.store import (
    FileRecord,
    ReportRecord,
    now,
    open_db,
    refresh_cross_year_checks,
    save_report,
    upsert_site,
)

from .items import ReportPage
from .spiders.base import title_year

logger = logging.getLogger(__name__)

# When several documents of one report carry tables, the one that yields the most cells
# wins; on a tie the page itself, since it is what the site shows first.
_USABLE = ("ok", "needs_review")


def doc_key(url: str) -> str:
    """A report's identity within its site: the URL without scheme and host, so the same
    report is recognised when a site moves between http/https or hosts (or, for the
    bundled sample sites, between ports)."""
    p = urlparse(url)
    return p.path + (f"?{p.query}" if p.query else "")


def choose_source(candidates: list[tuple[FileRecord, Extraction]]) -> tuple[FileRecord, Extraction]:
    def rank(pair: tuple[FileRecord, Extraction]) -> tuple[int, int, int, int]:
        f, ex = pair
        return (ex.status in _USABLE, ex.n_values, ex.status == "pre2019", f.role == "page")

    return max(candidates, key=rank)


class ArchivePipeline:
    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        settings = crawler.settings
        self.data_dir = Path(settings.get("GOVREPORTS_DATA_DIR", "data"))
        self.db_path = settings.get("GOVREPORTS_DB") or str(self.data_dir / "archive.db")
        # Converted DOC/WPS files, by sha256 of the original: a rebuild never converts twice.
        self.cache_dir = self.data_dir / "cache" / "converted"
        self.db = None
        self.counts = {"new": 0, "changed": 0, "unchanged": 0}

    @classmethod
    def from_crawler(cls, crawler: Any) -> ArchivePipeline:
        return cls(crawler)

    def open_spider(self, spider: Any = None) -> None:
        self.db = open_db(self.db_path)
        site = getattr(self.crawler.spider, "site", None)
        if site:
            upsert_site(self.db, site)
        self.started_at = now()

    def close_spider(self, spider: Any = None) -> None:
        if self.db is None:
            return
        refresh_cross_year_checks(self.db)
        stats = self.crawler.stats
        site = getattr(self.crawler.spider, "site", {}) or {}
        self.db["crawl_runs"].insert({
            "started_at": self.started_at, "finished_at": now(),
            "finish_reason": stats.get_value("finish_reason"),
            "sites": site.get("id"), "pages": stats.get_value("response_received_count", 0),
            "reports_new": self.counts["new"], "reports_changed": self.counts["changed"],
            "reports_unchanged": self.counts["unchanged"],
            "errors": stats.get_value("log_count/ERROR", 0),
        })
        self.db.close()

    def _file(self, body: bytes, url: str, role: str, filename: str | None, content_type: str | None) -> FileRecord:
        fmt = sniff_format(body)
        sha, rel = store_original(self.data_dir, body, fmt)
        return FileRecord(sha, rel, len(body), fmt, url, role, filename, content_type)

    def process_item(self, item: ReportPage, spider: Any = None) -> ReportPage:
        # Originals first: the archive must hold the bytes before any row refers to them.
        page = self._file(item.body, item.url, "page", None, item.content_type)
        candidates = [(page, extract_document(item.body, item.content_type, self.cache_dir))]
        files = [page]
        for att in item.attachments:
            if att.error or not att.body:
                logger.warning("attachment %s of %s not fetched: %s", att.url, item.url, att.error or "empty")
                continue
            f = self._file(att.body, att.final_url, "attachment", att.filename, att.content_type)
            files.append(f)
            candidates.append((f, extract_document(att.body, att.content_type, self.cache_dir)))
        source, extraction = choose_source(candidates)
        page_ex = candidates[0][1]
        record = ReportRecord(
            site_id=item.site_id, doc_key=doc_key(item.url), url=item.url, extraction=extraction,
            source=source, files=files,
            title=page_ex.title or item.title,
            agency=extraction.agency or page_ex.agency or (self.crawler.spider.site.get("agency")),
            year=extraction.year or page_ex.year or title_year(item.title),
            published=page_ex.published or item.list_date, fetched_at=item.fetched_at,
        )
        outcome, report_id = save_report(self.db, record)
        self.counts[outcome] += 1
        self.crawler.stats.inc_value(f"govreports/reports_{outcome}")
        logger.info("report %s (%s): %s, %s from %s", report_id, record.title, outcome, extraction.status, source.format)
        return item

"""The Scrapy item pipeline: wires the crawler to `pipelines.ingest`, which does the work
(originals first, then extraction and storage) and is shared with `govreports rebuild`."""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path
from typing import Any

from scrapy import signals

from pipelines.ingest import FetchedFile, ReportFetch, ingest, manifest
from pipelines.store import now, refresh_cross_year_checks, upsert_site

from .items import ReportPage
from .workers import prepare_in_pool
from .writer import writer_for

logger = logging.getLogger(__name__)


def to_fetch(item: ReportPage, site: dict) -> ReportFetch:
    return ReportFetch(
        site=site, url=item.url, title=item.title, list_date=item.list_date, fetched_at=item.fetched_at,
        page=FetchedFile(url=item.url, body=item.body, content_type=item.content_type),
        attachments=[FetchedFile(url=a.final_url, body=a.body, content_type=a.content_type,
                                 filename=a.filename, linked_url=a.url, error=a.error)
                     for a in item.attachments],
    )


class ArchivePipeline:
    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        settings = crawler.settings
        self.data_dir = Path(settings.get("GOVREPORTS_DATA_DIR", "data"))
        self.db_path = settings.get("GOVREPORTS_DB") or str(self.data_dir / "archive.db")
        # Converted DOC/WPS files, by sha256 of the original: a rebuild never converts twice.
        self.cache_dir = self.data_dir / "cache" / "converted"
        self.writer = None
        self.workers = {"documents": settings.getint("GOVREPORTS_EXTRACT_WORKERS"),
                        "converters": settings.getint("GOVREPORTS_CONVERT_WORKERS")}
        self.counts = {"new": 0, "changed": 0, "unchanged": 0}
        # The run row, shared with the writer thread, which puts the row's id in it.
        self.run: dict | None = None
        # Scrapy knows why a crawl ended (finished, shutdown, closespider_*) only after the item
        # pipelines have closed: the signal brings it.
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Any) -> ArchivePipeline:
        return cls(crawler)

    def open_spider(self, spider: Any = None) -> None:
        self.site = getattr(self.crawler.spider, "site", None) or {}
        # A site's own rows go through the writer thread like its reports, not waited for: in
        # order with them, and the event loop never waits on the write lock (on the loop, the
        # writes of sites opening and closing stalled every download for up to 2 s at 5,000
        # reports; bench/performance.py).
        self.writer = writer_for(self.db_path)
        if self.site:
            self.writer.fire(upsert_site, self.site)
        self.started_at = now()

    def close_spider(self, spider: Any = None) -> None:
        if self.writer is None:
            return
        stats = self.crawler.stats
        blocked = stats.get_value("govreports/blocked")
        warc = getattr(self.crawler, "govreports_warc", None)
        run = {
            "started_at": self.started_at, "finished_at": now(),
            "finish_reason": "blocked" if blocked else None,  # set by spider_closed
            "sites": self.site.get("id"), "pages": stats.get_value("response_received_count", 0),
            "reports_new": self.counts["new"], "reports_changed": self.counts["changed"],
            "reports_unchanged": self.counts["unchanged"],
            "errors": stats.get_value("log_count/ERROR", 0), "blocked": blocked,
            "skipped_known": stats.get_value("govreports/skipped_known_reports", 0),
            "not_modified": stats.get_value("govreports/not_modified", 0),
            "warc_files": json.dumps([p.name for p in warc.paths]) if warc else None,
        }
        status = {
            "status": "blocked" if blocked else "ok", "status_reason": blocked, "last_crawled_at": now(),
            "robots": "obeyed" if self.crawler.settings.getbool("ROBOTSTXT_OBEY") else "ignored",
        }
        # Queued after every report of the site (each was awaited until committed).
        self.run = {"row": run}
        self.writer.fire(record_site_close, dict(self.site), self.run, status)

    def spider_closed(self, spider: Any = None, reason: str | None = None) -> None:
        if self.writer is None or self.run is None:
            return
        if self.run["row"]["blocked"] and reason == "finished":
            reason = "blocked"  # blocked by the last response, as the crawl was ending anyway
        # Queued after the run row, by the same writer thread: the row exists by then.
        self.writer.fire(record_finish_reason, self.run, reason)

    async def process_item(self, item: ReportPage, spider: Any = None) -> ReportPage:
        fetch = to_fetch(item, self.site or {"id": item.site_id})
        # Originals written, documents read and rows built in a worker process (crawler/workers.py):
        # fetching goes on meanwhile; the one database write stays here.
        rows = await prepare_in_pool(fetch, self.data_dir, self.cache_dir, self.workers)
        # The worker wrote the originals without an fsync; the writer syncs them, with those of
        # the reports it commits together, before the commit.
        durable = [self.data_dir / f.path for f in rows.files]
        warc = getattr(self.crawler, "govreports_warc", None)
        if warc is not None:
            # The report's manifest is in its WARC file before the report can be committed:
            # `rebuild` finds every stored report, and a kill in between leaves a manifest
            # without a row, which the next run fetches again and rebuild stores once.
            # Its file is synced with the originals, so power loss cannot part them either.
            durable.append(await asyncio.wrap_future(warc.write_report(item.url, manifest(fetch, rows.files))))
        # Stored by the process's one writer thread (crawler/writer.py), off the event loop.
        outcome, _, _ = await self.writer.run(ingest, self.data_dir, fetch, self.cache_dir, rows, True,
                                              durable=durable)
        self.counts[outcome] += 1
        self.crawler.stats.inc_value(f"govreports/reports_{outcome}")
        return item


def record_site_close(db: Any, site: dict, run: dict, status: dict) -> None:
    """What a site's crawl leaves besides its reports: the cross-year checks of its reports,
    its crawl run (`run["row"]`; its id is put in `run["id"]`), and its status."""
    refresh_cross_year_checks(db, site.get("id"))
    if site.get("discovered"):
        # A discovered site learns its name and platform from its first page, after open.
        upsert_site(db, site)
    run["id"] = db["crawl_runs"].insert(run["row"]).last_pk
    if site:
        db["sites"].update(site["id"], status)


def record_finish_reason(db: Any, run: dict, reason: str | None) -> None:
    """Why the crawl of a site ended, on its run row (`record_site_close` wrote it)."""
    if run.get("id") is not None:
        db.execute("update crawl_runs set finish_reason = ? where id = ?", [reason, run["id"]])

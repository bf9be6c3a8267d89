"""Distributed crawling on scrapy-redis: many workers share one scheduler and duplicate
filter in Redis and push the reports they fetch to a Redis list; one writer drains that list
into SQLite (the one component that must stay single: SQLite has one writer at a time).

    worker (any machine):  govreports crawl --redis redis://HOST:6379/0 --run-id 2026-01
    writer (archive host): govreports drain --redis redis://HOST:6379/0 --run-id 2026-01

Items cross Redis as JSON with base64 bodies, never pickle: a shared Redis must not be a way
to run code on the writer.
"""

from __future__ import annotations

import base64
import json
import logging
from dataclasses import asdict
from pathlib import Path
from typing import Any

from pipelines.archive import fsync_file
from pipelines.ingest import FetchedFile, ReportFetch, ingest, manifest, prepare_rows
from pipelines.store import open_db, refresh_cross_year_checks, upsert_site
from pipelines.warc import WarcRecorder

from . import settings as project_settings
from .archiving import to_fetch

logger = logging.getLogger(__name__)


def items_key(run_id: str) -> str:
    return f"govreports:{run_id}:items"


def worker_settings(redis_url: str, run_id: str) -> dict[str, Any]:
    """Scrapy settings that turn a crawl into a scrapy-redis worker of run `run_id`."""
    return {
        "SCHEDULER": "scrapy_redis.scheduler.Scheduler",
        "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
        # Keys carry the run id and the (per-site) spider name: runs and sites never mix.
        "SCHEDULER_QUEUE_KEY": f"govreports:{run_id}:%(spider)s:requests",
        "SCHEDULER_DUPEFILTER_KEY": f"govreports:{run_id}:%(spider)s:dupefilter",
        # A worker that finishes must not delete the queue the others still use.
        "SCHEDULER_PERSIST": True,
        "REDIS_URL": redis_url,
        # One crawler per site, one request at a time per site: a worker that buffered more
        # would take requests other workers could be fetching.
        "CONCURRENT_REQUESTS": 2,
        "ITEM_PIPELINES": {
            "spidermon.contrib.scrapy.pipelines.ItemValidationPipeline": 200,
            "crawler.distributed.RedisItemPipeline": 300,
        },
        # The archive database lives with the writer: workers keep no crawl state of their own.
        "DOWNLOADER_MIDDLEWARES": {**project_settings.DOWNLOADER_MIDDLEWARES,
                                   "crawler.middlewares.IncrementalMiddleware": None},
        "EXTENSIONS": {**project_settings.EXTENSIONS, "crawler.distributed.WorkerIdle": 600},
        "GOVREPORTS_RUN_ID": run_id,
    }


class WorkerIdle:
    """Keep an idle worker alive while the shared queue has requests, and for a grace period
    after (GOVREPORTS_WORKER_IDLE seconds): another worker may still be parsing a list page
    whose report requests have not reached Redis yet."""

    def __init__(self, crawler: Any) -> None:
        from scrapy import signals

        self.crawler = crawler
        self.grace = crawler.settings.getfloat("GOVREPORTS_WORKER_IDLE", 10.0)
        self.idle_since: float | None = None
        crawler.signals.connect(self.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(self.busy, signal=signals.response_received)

    @classmethod
    def from_crawler(cls, crawler: Any) -> WorkerIdle:
        return cls(crawler)

    def busy(self, *args: Any, **kwargs: Any) -> None:
        self.idle_since = None

    def spider_idle(self, spider: Any = None) -> None:
        import time

        from scrapy.exceptions import DontCloseSpider

        scheduler = getattr(getattr(self.crawler.engine, "_slot", None), "scheduler", None)
        if scheduler is not None and len(getattr(scheduler, "queue", ())) > 0:
            self.idle_since = None
            raise DontCloseSpider("requests waiting in the shared queue")
        now = time.monotonic()
        if self.idle_since is None:
            self.idle_since = now
        if now - self.idle_since < self.grace:
            raise DontCloseSpider("waiting for other workers")


def encode_fetch(fetch: ReportFetch) -> bytes:
    data = asdict(fetch)
    for doc in [data["page"], *data["attachments"]]:
        doc["body"] = base64.b64encode(doc["body"]).decode("ascii")
    return json.dumps(data, ensure_ascii=False).encode("utf-8")


def decode_fetch(raw: bytes) -> ReportFetch:
    data = json.loads(raw)

    def file(d: dict) -> FetchedFile:
        return FetchedFile(**{**d, "body": base64.b64decode(d["body"])})

    return ReportFetch(**{**data, "page": file(data["page"]), "attachments": [file(a) for a in data["attachments"]]})


class RedisItemPipeline:
    """Worker side: push each report (page and attachments, as fetched) to the run's list."""

    def __init__(self, crawler: Any) -> None:
        import redis

        self.crawler = crawler
        self.redis = redis.Redis.from_url(crawler.settings.get("REDIS_URL"))
        self.key = items_key(crawler.settings.get("GOVREPORTS_RUN_ID"))

    @classmethod
    def from_crawler(cls, crawler: Any) -> RedisItemPipeline:
        return cls(crawler)

    def process_item(self, item: Any, spider: Any = None) -> Any:
        site = getattr(self.crawler.spider, "site", None) or {"id": item.site_id}
        self.redis.rpush(self.key, encode_fetch(to_fetch(item, site)))
        self.crawler.stats.inc_value("govreports/items_pushed")
        return item


def drain(redis_url: str, run_id: str, db_path: Path, data_dir: Path, idle_timeout: float = 30.0,
          progress: Any = None) -> dict[str, int]:
    """Writer side: store every report the workers pushed, until the list stays empty for
    `idle_timeout` seconds. Each report is stored before it is removed from Redis (LMOVE to a
    processing list, deleted after commit), so a writer killed mid-way loses nothing; its
    manifest is in the writer's WARC before its commit, as in a local crawl."""
    import redis

    r = redis.Redis.from_url(redis_url)
    key, processing = items_key(run_id), items_key(run_id) + ":processing"
    # Reports a previous writer took but did not finish go back first.
    while r.lmove(processing, key, "RIGHT", "LEFT"):
        pass
    counts = {"new": 0, "changed": 0, "unchanged": 0}
    db = open_db(db_path)
    warc = WarcRecorder(data_dir / "warc", f"writer-{run_id}", {"software": "govreports drain", "run": run_id})
    try:
        while True:
            raw = r.blmove(key, processing, idle_timeout, "LEFT", "RIGHT")
            if raw is None:
                break
            fetch = decode_fetch(raw)
            rows = prepare_rows(fetch, data_dir, data_dir / "cache" / "converted")  # originals synced
            # The manifest is in the WARC, synced, before the report is committed: a writer killed
            # in between leaves a manifest without a row, never a row `rebuild` cannot find.
            fsync_file(warc.write_report(fetch.url, manifest(fetch, rows.files)).result())
            upsert_site(db, fetch.site)
            outcome, _, _ = ingest(db, data_dir, fetch, prepared=rows, synced=True)
            r.lrem(processing, 1, raw)
            counts[outcome] += 1
            if progress:
                progress(sum(counts.values()), fetch)
        refresh_cross_year_checks(db)
    finally:
        warc.close()
        db.close()
    return counts

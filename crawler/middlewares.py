"""Downloader middlewares: what every response goes through before a spider sees it.

- SchemeMiddleware (first of all): only http(s) requests are fetched.
- WarcMiddleware (closest to the network): every exchange into the run's WARC, as received.
- BlockingMiddleware: anti-bot answers (瑞数 412, 加速乐 521, challenge pages served with 200)
  stop the site with a recorded reason; a challenge page never reaches a spider as a report.
- IncrementalMiddleware: known reports are not fetched again unless revalidating; pages
  we hold are requested conditionally, and a 304 is answered from the archive.
- BackoffRetryMiddleware: Scrapy's retries, with exponential backoff.
- MetaRefreshMiddleware: Scrapy's <meta http-equiv=refresh> redirects, without decoding
  pages that cannot hold one.
"""

from __future__ import annotations

import asyncio
import logging
import re
from pathlib import Path
from typing import Any

from scrapy import signals
from scrapy.downloadermiddlewares.redirect import (
    MetaRefreshMiddleware as ScrapyMetaRefreshMiddleware,
)
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import HtmlResponse, Request, Response
from scrapy.utils.defer import deferred_from_coro
from scrapy.utils.httpobj import urlparse_cached

from pipelines.archive import original_path, sha256_of, store_original
from pipelines.documents.sniff import sniff_format
from pipelines.ingest import doc_key
from pipelines.store import now, open_db
from pipelines.warc import WarcRecorder

from .writer import writer_for

logger = logging.getLogger(__name__)


# ── Schemes ──────────────────────────────────────────────────────────────────

class SchemeMiddleware:
    """Refuses every request that is not http(s), whoever made it: a spider's link, a
    redirect, a meta refresh. A file:// URL naming the site's own host passes the offsite
    check, and Scrapy would read the crawler's disk for it."""

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Any) -> SchemeMiddleware:
        return cls(crawler)

    def process_request(self, request: Request, spider: Any = None) -> None:
        scheme = urlparse_cached(request).scheme.lower()
        if scheme in ("http", "https"):
            return None
        self.crawler.stats.inc_value("govreports/refused_scheme")
        logger.warning("refused %s: only http and https are fetched", request.url[:200])
        raise IgnoreRequest(f"refused_scheme: {scheme}: only http and https are fetched")


# ── WARC ─────────────────────────────────────────────────────────────────────

class WarcMiddleware:
    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        self.recorder: WarcRecorder | None = None
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Any) -> WarcMiddleware:
        return cls(crawler)

    def spider_opened(self, spider: Any) -> None:
        settings = self.crawler.settings
        site = getattr(spider, "site", {}) or {}
        directory = Path(settings.get("GOVREPORTS_DATA_DIR", "data")) / "warc"
        self.recorder = WarcRecorder(directory, site.get("id", spider.name), {
            "software": "govreports (Scrapy)", "operator": settings.get("GOVREPORTS_CONTACT") or "",
            "http-header-user-agent": settings.get("USER_AGENT"),
            "robots": "obey" if settings.getbool("ROBOTSTXT_OBEY") else "ignore",
            "description": f"crawl of {site.get('name', '')} {site.get('column_url', '')}",
        }, background=True)
        # The archive pipeline adds one metadata record per report to the same file.
        self.crawler.govreports_warc = self.recorder

    def spider_closed(self, spider: Any) -> None:
        if self.recorder:
            self.recorder.close()

    def process_response(self, request: Request, response: Response, spider: Any = None) -> Response:
        if self.recorder is not None:
            def pairs(headers) -> list[tuple[str, str]]:
                return [(k.decode("latin-1"), v.decode("latin-1")) for k, vs in headers.items() for v in vs]
            self.recorder.write_exchange(
                response.url, request.method, pairs(request.headers), response.status,
                "", pairs(response.headers), response.body, request.body or b"")
        return response


# ── Blocking ─────────────────────────────────────────────────────────────────

_CHALLENGE_MARKERS = [m.encode(enc) for m in ("请稍候", "安全验证", "访问验证", "人机验证", "滑动验证", "访问异常")
                      for enc in ("utf-8", "gb18030")]
_CHALLENGE_MARKERS += [b"Just a moment...", b"cf-chl", b"challenge-platform", b"__jsl_clearance"]


def block_reason(status: int, headers: dict[str, list[bytes]], body: bytes) -> str | None:
    """Why a response is an anti-bot answer rather than content, or None."""
    head = body[:8192]
    cookies = b";".join(headers.get(b"Set-Cookie", []) + headers.get(b"set-cookie", []))
    if status == 412 and (b"$_ts" in head or b"_$" in head):
        return "blocked_rs: 瑞数 412 challenge ($_ts)"
    if status == 521 and (b"__jsluid" in cookies or b"__jsl" in head or b"document.cookie" in head):
        return "blocked_jsl: 加速乐 521 challenge (__jsluid)"
    if b"$_ts" in head and b"<script" in head and len(body) < 20000:
        return "blocked_rs: 瑞数 challenge page ($_ts)"
    if len(body) < 50000 and any(m in head for m in _CHALLENGE_MARKERS):
        return f"blocked_challenge: challenge page served with {status}"
    return None


class BlockingMiddleware:
    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Any) -> BlockingMiddleware:
        return cls(crawler)

    def process_response(self, request: Request, response: Response, spider: Any = None) -> Response:
        reason = block_reason(response.status, dict(response.headers), response.body)
        if reason is None:
            return response
        spider = self.crawler.spider
        stats = self.crawler.stats
        stats.inc_value("govreports/blocked_responses")
        if not getattr(spider, "blocked_reason", None):
            spider.blocked_reason = reason
            stats.set_value("govreports/blocked", reason)
            logger.warning("site %s is blocking us: %s (%s)", getattr(spider, "site", {}).get("id"), reason, request.url)
            # Persisting with a blocked site only adds load on it: stop this site's run.
            deferred_from_coro(self.crawler.engine.close_spider_async(reason="blocked"))
        raise IgnoreRequest(reason)


# ── Incremental ──────────────────────────────────────────────────────────────

_REVALIDATE_HINT = re.compile(r"^(1|true|yes)$", re.I)


class IncrementalMiddleware:
    """State lives in the archive database (table fetch_state), so it survives between runs
    and is rebuilt with the archive."""

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        settings = crawler.settings
        self.data_dir = Path(settings.get("GOVREPORTS_DATA_DIR", "data"))
        self.db_path = settings.get("GOVREPORTS_DB") or str(self.data_dir / "archive.db")
        self.revalidate = settings.getbool("GOVREPORTS_REVALIDATE")
        self.db = None
        self.known: set[str] = set()
        self.fetched: set[str] = set()
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Any) -> IncrementalMiddleware:
        return cls(crawler)

    def spider_opened(self, spider: Any) -> None:
        self.db = open_db(self.db_path, cache_kib=256)  # small reads; one per site crawled
        site = getattr(spider, "site", {}) or {}
        self.known = {r["doc_key"] for r in self.db.query(
            "select doc_key from reports where site_id = ? and is_latest = 1", [site.get("id")])}

    def spider_closed(self, spider: Any) -> None:
        if self.db is not None:
            self.db.close()

    def process_request(self, request: Request, spider: Any = None) -> None:
        if request.meta.get("govreports_report"):
            key = doc_key(request.url)
            if key in self.fetched and not request.meta.get("retry_times"):
                # Listed twice in one run (a 热点 box, two list pages): fetched once.
                raise IgnoreRequest("report already fetched in this run")
            if not self.revalidate and key in self.known:
                self.crawler.stats.inc_value("govreports/skipped_known_reports")
                raise IgnoreRequest("report already archived (set GOVREPORTS_REVALIDATE to re-check)")
            self.fetched.add(key)
        state = self._state(request.url)
        if state and state["sha256"] and (self.data_dir / state["path"]).exists():
            if state["etag"]:
                request.headers.setdefault("If-None-Match", state["etag"])
            if state["last_modified"]:
                request.headers.setdefault("If-Modified-Since", state["last_modified"])
        return None

    def process_response(self, request: Request, response: Response, spider: Any = None) -> Response:
        if response.status == 304:
            state = self._state(request.url)
            if state and (self.data_dir / state["path"]).exists():
                self.crawler.stats.inc_value("govreports/not_modified")
                body = (self.data_dir / state["path"]).read_bytes()
                return response.replace(status=200, body=body, flags=[*response.flags, "not_modified"])
            return response
        if response.status == 200 and response.body:
            fmt = sniff_format(response.body)
            if request.meta.get("govreports_report") or request.meta.get("govreports_attachment"):
                # Written by the ingest, in a worker process (crawler/workers.py); until then
                # the path does not exist and process_request sends no conditional headers.
                sha = sha256_of(response.body)
                rel = original_path(sha, fmt)
            else:
                sha, rel = store_original(self.data_dir, response.body, fmt)
            # Through the writer thread, not waited for: a commit per response on the event
            # loop would also wait on the lock of the report being stored (crawler/writer.py).
            writer_for(self.db_path).fire(_save_fetch_state, {
                "url": request.url, "etag": _header(response, b"ETag"),
                "last_modified": _header(response, b"Last-Modified"), "sha256": sha, "path": rel,
                "status": response.status, "fetched_at": now(),
            })
        return response

    def _state(self, url: str) -> dict | None:
        rows = list(self.db.query("select * from fetch_state where url = ?", [url]))
        return rows[0] if rows else None


def _save_fetch_state(db: Any, row: dict) -> None:
    db["fetch_state"].upsert(row, pk="url")  # a savepoint inside the writer's batch


def _header(response: Response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None


# ── Retries with backoff ─────────────────────────────────────────────────────

class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's retries, waiting RETRY_BACKOFF_BASE × 2^(attempt-1) seconds (capped at
    RETRY_BACKOFF_MAX) before each one: an overloaded government server gets room to recover
    instead of an immediate second hit. The wait does not block other sites' downloads."""

    def __init__(self, settings: Any) -> None:
        super().__init__(settings)
        self.base = settings.getfloat("RETRY_BACKOFF_BASE", 2.0)
        self.cap = settings.getfloat("RETRY_BACKOFF_MAX", 60.0)

    async def _backoff(self, result: Any) -> Any:
        if isinstance(result, Request):
            attempt = result.meta.get("retry_times", 1)
            delay = min(self.base * 2 ** (attempt - 1), self.cap)
            self.crawler.stats.inc_value("govreports/retry_backoff_seconds", delay)
            await asyncio.sleep(delay)
        return result

    async def process_response(self, request: Request, response: Response, spider: Any = None) -> Any:
        return await self._backoff(super().process_response(request, response))

    async def process_exception(self, request: Request, exception: Exception, spider: Any = None) -> Any:
        return await self._backoff(super().process_exception(request, exception))


# ── Meta refresh ─────────────────────────────────────────────────────────────

class MetaRefreshMiddleware(ScrapyMetaRefreshMiddleware):
    """Scrapy's meta-refresh redirects, for the pages that can hold one. Scrapy decodes a whole
    page to search its first 4,096 characters; the spiders decode report pages with their own
    decoder (pipelines/documents/html.py), so that decoding served only this search and was a
    tenth of the crawl thread's time (py-spy over bench/performance.py). A page whose first
    bytes never spell "refresh" in ASCII cannot redirect: w3lib's pattern needs the word."""

    # Bytes enough for 4,096 characters in UTF-8 or GB18030 (at most 4 bytes each); UTF-16
    # and UTF-32 pages, whose ASCII has NUL bytes, go to Scrapy as they are.
    _HEAD_BYTES = 4096 * 4

    def process_response(self, request: Request, response: Response, spider: Any = None) -> Request | Response:
        if isinstance(response, HtmlResponse):
            head = response.body[:self._HEAD_BYTES]
            if b"\x00" not in head and b"refresh" not in head.lower():
                return response
        return super().process_response(request, response)

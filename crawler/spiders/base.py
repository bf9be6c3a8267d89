"""What every platform spider shares: which links are reports, which files are attached,
and how a report page and its attachments become one item.

The decisions (is this a report? which year? which attachments?) are pure functions of
text, tested on saved pages without a crawl.
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from itertools import islice
from typing import Any
from urllib.parse import parse_qs, unquote, urljoin, urlparse, urlsplit

import scrapy
from parsel import Selector
from scrapy.http import Response
from twisted.internet.defer import CancelledError

from pipelines.budgets import (
    ATTACHMENTS_PER_REPORT,
    DOCUMENT_BYTES,
    LIST_LINKS,
    LIST_PAGE_BYTES,
    REPORT_BYTES,
    Budget,
    TooLarge,
)
from pipelines.documents.html import decode_html

from ..items import Attachment, ReportPage

logger = logging.getLogger(__name__)

try:
    from scrapy.exceptions import DownloadCancelledError
except ImportError:  # Scrapy before 2.14 lets Twisted's CancelledError through
    DownloadCancelledError = CancelledError

_REPORT_RE = re.compile(r"(政府)?信息公开.{0,6}(年度报告|年报)|政务公开.{0,4}年度报告")
_YEAR_RE = re.compile(r"(19|20)\d{2}\s*年")
# Companion posts that share the report's title but are not the report.
_NOT_REPORT_RE = re.compile(
    r"解读|图解|一图|图读|图说|答记者问|问答|视频|动漫|H5|通知|会议|培训|部署|工作要点|情况说明|征集"
)
ATTACHMENT_EXT_RE = re.compile(r"\.(pdf|docx?|wps|ofd|xlsx?|et|zip|rar)(?:$|[?#])", re.I)
# hrefs anywhere in the page, scripts included: TRS writes some attachments with document.write.
_HREF_RE = re.compile(r"""href\s*=\s*\\?["']([^"'\\<>]+)\\?["']""", re.I)


def is_http_url(url: str) -> bool:
    """Only http(s) is ever fetched: a page's file:// link would read the crawler's own disk
    (Scrapy ignores the host of a file URL), and data:, ftp: or s3: reach past the site."""
    return urlsplit(url).scheme.lower() in ("http", "https")


def is_report_title(title: str) -> bool:
    """Is this link title an annual report (not its 解读, 图解 or a notice about it)?"""
    t = re.sub(r"\s+", "", title or "")
    return bool(_REPORT_RE.search(t) and _YEAR_RE.search(t) and not _NOT_REPORT_RE.search(t))


def title_year(title: str) -> int | None:
    m = _YEAR_RE.search(title or "")
    return int(m.group(0)[:4]) if m else None


def is_attachment_url(url: str) -> bool:
    path = urlparse(url).path
    return bool(ATTACHMENT_EXT_RE.search(path)) or path.endswith("downfile.jsp")


def attachment_name(url: str, link_text: str | None = None) -> str | None:
    """A display name for an attachment: Hanweb's showname=, else the link text, else the
    URL's last segment. Used as a label only, never as a path on disk."""
    qs = parse_qs(urlparse(url).query)
    if qs.get("showname"):
        return unquote(qs["showname"][0])
    if link_text and link_text.strip():
        return link_text.strip()
    last = urlparse(url).path.rsplit("/", 1)[-1]
    return unquote(last) or None


# Every attachment link's text holds one of these (the extensions of ATTACHMENT_EXT_RE, Hanweb's
# download script, a dot written as a character reference): a page with none has no
# attachment, and is not parsed on the crawl's event loop for nothing. Each pattern starts with
# a literal, which the regex engine finds with a fast search; the hints tested one by one, or
# as one alternation, took 4x as long on a 90 KB page (0.6 ms of the crawl thread a report).
_EXTENSION_HINT = re.compile(rb"\.(?:pdf|doc|wps|ofd|xls|et|zip|rar)")
_DOT_REFERENCE_HINT = re.compile(rb"&#(?:46|x2e)")


def may_have_attachments(body: bytes) -> bool:
    """False only for a page that cannot link an attachment: read on the bytes, before any
    decoding (ASCII reads the same in UTF-8 and the GB encodings; UTF-16 is not gated)."""
    if body[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return True
    lowered = body.lower()
    return (_EXTENSION_HINT.search(lowered) is not None or b"downfile.jsp" in lowered
            or _DOT_REFERENCE_HINT.search(lowered) is not None)


def find_attachments(html: str, base_url: str, max_links: int = LIST_LINKS.limit) -> list[tuple[str, str | None]]:
    """Http(s) attachment links of a report page: <a href> to documents and hrefs inside
    scripts, at most `max_links` links of each kind read. Returns [(absolute url, display
    name)], in page order, without duplicates."""
    sel = Selector(text=html)
    found: dict[str, str | None] = {}
    for a in read_links(sel, max_links):
        href = a.attrib.get("href", "").strip()
        url = urljoin(base_url, href)
        if is_attachment_url(url) and is_http_url(url):
            text = " ".join(a.css("::text").getall()) or a.attrib.get("title")
            found.setdefault(url, attachment_name(url, text))
    hrefs = (href for script in sel.css("script::text").getall() for href in _HREF_RE.findall(script))
    for href in islice(hrefs, max_links):
        url = urljoin(base_url, href)
        if is_attachment_url(url) and is_http_url(url):
            found.setdefault(url, attachment_name(url))
    return list(found.items())


def read_links(sel: Selector, max_links: int, over_links: Callable[[], None] | None = None) -> list[Selector]:
    """The page's first `max_links` <a href> elements (a Selector a link is what a page of
    links costs in Python); `over_links` is called when the page has more."""
    links = sel.xpath(f"(//a[@href])[position() <= {int(max_links) + 1}]")
    if len(links) > max_links:
        if over_links is not None:
            over_links()
        links = links[:max_links]
    return links


def decoded_text(response: Response, max_bytes: int | None = None) -> str:
    """The page as our own decoder reads it: Scrapy trusts a gb2312 label that real pages
    break, and misses malformed meta charsets. With `max_bytes`, only the page's first bytes,
    cut before a tag so that no character is cut in two."""
    body = response.body
    if max_bytes is not None and len(body) > max_bytes:
        cut = body.rfind(b"<", 0, max_bytes)
        body = body[:cut if cut > 0 else max_bytes]
    text, _ = decode_html(body, response.headers.get("Content-Type", b"").decode("latin-1"))
    return text


def now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


class ReportSpider(scrapy.Spider):
    """Base for platform spiders. A run covers one site from the registry, passed as the
    `site` argument (a registry dict, or an id looked up in the default registry)."""

    platform = "generic"

    def __init__(self, site: dict | str | None = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if isinstance(site, str):
            from ..registry import load_sites
            matches = [s for s in load_sites() if s["id"] == site]
            if not matches:
                raise ValueError(f"unknown site {site!r}: see `govreports sites`")
            site = matches[0]
        if not site:
            raise ValueError(f"{self.name}: a site is required (-a site=<id>)")
        self.site = site
        netloc = urlparse(site["column_url"]).netloc
        self.allowed_domains = [netloc.split(":")[0]] + list(site.get("extra_domains", []))

    async def start(self) -> AsyncIterator[Any]:
        yield scrapy.Request(self.site["column_url"], callback=self.parse_list)

    def parse_list(self, response: Response) -> Iterator[Any]:
        raise NotImplementedError

    def budget(self, default: Budget, setting: str) -> Budget:
        """`default` with the limit this run's settings give it (tests use small figures)."""
        return replace(default, limit=self.crawler.settings.getint(setting, default.limit))

    # ── List pages: what one page may cost the crawl's event loop, shared by every site ──

    def list_text(self, response: Response) -> str:
        """A list page's text, parsed only up to the list_page_bytes budget."""
        budget = self.budget(LIST_PAGE_BYTES, "GOVREPORTS_MAX_LIST_PAGE_BYTES")
        if len(response.body) > budget.limit:
            self.list_over_budget(response, TooLarge(budget, len(response.body), "parsed up to the budget"))
        return decoded_text(response, budget.limit)

    def link_budget(self, response: Response) -> tuple[int, Callable[[], None]]:
        """How many links a parser may read from this page, and what it calls when the page
        has more (once a page however many parsers read it)."""
        budget = self.budget(LIST_LINKS, "GOVREPORTS_MAX_LIST_LINKS")
        told: list[bool] = []

        def over() -> None:
            if not told:
                told.append(True)
                self.list_over_budget(response, TooLarge(budget, None, f"read the first {budget.limit:,}"))
        return budget.limit, over

    def list_over_budget(self, response: Response, exc: TooLarge) -> None:
        self.crawler.stats.inc_value(f"govreports/list_pages_over_budget/{exc.budget.name}")
        logger.warning("%s: list page %s is %s", self.site.get("id"), response.url, exc)

    def report_requests(self, links: list[tuple[str, str, str | None]], list_url: str) -> Iterator[scrapy.Request]:
        """Requests for the http(s) report links among (url, title, date) list entries."""
        stats = self.crawler.stats
        for url, title, date in links:
            if not is_report_title(title):
                stats.inc_value("govreports/links_skipped_not_report")
                continue
            if not is_http_url(url):
                stats.inc_value("govreports/links_skipped_scheme")
                continue
            stats.inc_value("govreports/report_links")
            # The archive, not the dupefilter, decides whether a report is known (see
            # crawler/dupefilter.py); the offsite check still applies.
            yield scrapy.Request(url, callback=self.parse_report, meta={"govreports_report": True},
                                 cb_kwargs={"title": title, "list_date": date, "list_url": list_url})

    # ── Report pages and their attachments ──

    def parse_report(self, response: Response, title: str, list_date: str | None, list_url: str) -> Iterator[Any]:
        item = ReportPage(
            site_id=self.site["id"], platform=self.platform, url=response.url, list_url=list_url,
            title=title, list_date=list_date, body=response.body,
            content_type=response.headers.get("Content-Type", b"").decode("latin-1") or None,
            fetched_at=now(),
        )
        pending: list[Attachment] = []
        if may_have_attachments(response.body):
            html = decoded_text(response)
            pending = [Attachment(url=u, final_url=u, filename=name)
                       for u, name in self.attachments(html, response.url) if is_http_url(u)]
        budget = self.budget(ATTACHMENTS_PER_REPORT, "GOVREPORTS_MAX_ATTACHMENTS")
        skipped: list[Attachment] = []
        if len(pending) > budget.limit:
            pending, skipped = pending[:budget.limit], pending[budget.limit:]
            self._over_budget(item, skipped, TooLarge(budget, len(pending) + len(skipped)))
        yield from self._next_attachment(item, pending, skipped)

    def attachments(self, html: str, url: str) -> list[tuple[str, str | None]]:
        """The report page's attachments; platforms that list files elsewhere extend this."""
        return find_attachments(html, url)

    def _next_attachment(self, item: ReportPage, pending: list[Attachment], skipped: list[Attachment]) -> Iterator[Any]:
        # Attachments are fetched one after another and carried on the item, so the item
        # reaches the pipelines only when the page and all its files are in hand: what it
        # carries is held to the report_bytes budget, each download to what is left of it.
        if not pending:
            item.attachments.extend(skipped)
            yield item
            return
        budget = self.budget(REPORT_BYTES, "GOVREPORTS_MAX_REPORT_BYTES")
        held = len(item.body) + sum(len(a.body) for a in item.attachments)
        if held >= budget.limit:
            self._over_budget(item, pending, TooLarge(budget, held, "the remaining attachments not fetched"))
            yield from self._next_attachment(item, [], pending + skipped)
            return
        att, rest = pending[0], pending[1:]
        left, document = budget.limit - held, self._document_bytes().limit
        report_binds = document <= 0 or left < document  # DOWNLOAD_MAXSIZE 0 is no limit
        yield scrapy.Request(
            att.url, callback=self._got_attachment, errback=self._attachment_failed,
            cb_kwargs={"item": item, "att": att, "rest": rest, "skipped": skipped},
            meta={"govreports_attachment": True, "download_maxsize": left if report_binds else document,
                  "govreports_report_bytes_left": left if report_binds else None},
            headers={"Referer": item.url},
        )

    def _got_attachment(self, response: Response, item: ReportPage, att: Attachment, rest: list[Attachment],
                        skipped: list[Attachment]) -> Iterator[Any]:
        att.final_url = response.url
        att.body = response.body
        att.content_type = response.headers.get("Content-Type", b"").decode("latin-1") or None
        item.attachments.append(att)
        yield from self._next_attachment(item, rest, skipped)

    def _attachment_failed(self, failure: Any) -> Iterator[Any]:
        request = failure.request
        kw = request.cb_kwargs
        item, att, rest, skipped = kw["item"], kw["att"], kw["rest"], kw["skipped"]
        if failure.check(DownloadCancelledError, CancelledError):
            # Scrapy cancels a download past its download_maxsize: the report's budget when
            # less of it was left than one document may hold.
            left = request.meta.get("govreports_report_bytes_left")
            if left is not None:
                exc = TooLarge(self.budget(REPORT_BYTES, "GOVREPORTS_MAX_REPORT_BYTES"), None,
                               f"{att.url} is larger than the {left:,} bytes left: neither it nor the "
                               f"{len(rest)} after it fetched")
                self._over_budget(item, [att, *rest], exc)
                yield from self._next_attachment(item, [], [att, *rest, *skipped])
                return
            att.error = f"too_large: {TooLarge(self._document_bytes())}"
        else:
            att.error = repr(failure.value)
        item.attachments.append(att)
        self.crawler.stats.inc_value("govreports/attachment_errors")
        yield from self._next_attachment(item, rest, skipped)

    def _document_bytes(self) -> Budget:
        # Scrapy's DOWNLOAD_MAXSIZE is the budget of one document (crawler/settings.py).
        return self.budget(DOCUMENT_BYTES, "DOWNLOAD_MAXSIZE")

    def _over_budget(self, item: ReportPage, attachments: list[Attachment], exc: TooLarge) -> None:
        """Attachments not fetched for a budget: each keeps the budget's name as its error,
        which the archive records with the report (pipelines/ingest.py manifest)."""
        for att in attachments:
            att.error = f"too_large: {exc}"
        self.crawler.stats.inc_value(f"govreports/attachments_over_budget/{exc.budget.name}", len(attachments))
        logger.warning("report %s: %d attachments not fetched, %s", item.url, len(attachments), exc)

"""What every platform spider shares: which links are reports, which files are attached,
and how a report page and its attachments become one item.

The decisions (is this a report? which year? which attachments?) are pure functions of
text, tested on saved pages without a crawl.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, unquote, urljoin, urlparse

import scrapy
from parsel import Selector
from scrapy.http import Response

from pipelines.documents.html import decode_html

from ..items import Attachment, ReportPage

_REPORT_RE = re.compile(r"(政府)?信息公开.{0,6}(年度报告|年报)|政务公开.{0,4}年度报告")
_YEAR_RE = re.compile(r"(19|20)\d{2}\s*年")
# Companion posts that share the report's title but are not the report.
_NOT_REPORT_RE = re.compile(
    r"解读|图解|一图|图读|图说|答记者问|问答|视频|动漫|H5|通知|会议|培训|部署|工作要点|情况说明|征集"
)
ATTACHMENT_EXT_RE = re.compile(r"\.(pdf|docx?|wps|ofd|xlsx?|et|zip|rar)(?:$|[?#])", re.I)
# hrefs anywhere in the page, scripts included: TRS writes some attachments with document.write.
_HREF_RE = re.compile(r"""href\s*=\s*\\?["']([^"'\\<>]+)\\?["']""", re.I)


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


def find_attachments(html: str, base_url: str) -> list[tuple[str, str | None]]:
    """Attachment links of a report page: <a href> to documents and hrefs inside scripts.
    Returns [(absolute url, display name)], in page order, without duplicates."""
    sel = Selector(text=html)
    found: dict[str, str | None] = {}
    for a in sel.css("a[href]"):
        href = a.attrib.get("href", "").strip()
        url = urljoin(base_url, href)
        if is_attachment_url(url):
            text = " ".join(a.css("::text").getall()) or a.attrib.get("title")
            found.setdefault(url, attachment_name(url, text))
    for script in sel.css("script::text").getall():
        for href in _HREF_RE.findall(script):
            url = urljoin(base_url, href)
            if is_attachment_url(url):
                found.setdefault(url, attachment_name(url))
    return list(found.items())


def decoded_text(response: Response) -> str:
    """The page as our own decoder reads it: Scrapy trusts a gb2312 label that real pages
    break, and misses malformed meta charsets."""
    text, _ = decode_html(response.body, response.headers.get("Content-Type", b"").decode("latin-1"))
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

    def report_requests(self, links: list[tuple[str, str, str | None]], list_url: str) -> Iterator[scrapy.Request]:
        """Requests for the report links among (url, title, date) list entries."""
        for url, title, date in links:
            if not is_report_title(title):
                self.crawler.stats.inc_value("govreports/links_skipped_not_report")
                continue
            self.crawler.stats.inc_value("govreports/report_links")
            # The archive, not the dupefilter, decides whether a report is known (see
            # crawler/dupefilter.py); the offsite check still applies.
            yield scrapy.Request(url, callback=self.parse_report, meta={"govreports_report": True},
                                 cb_kwargs={"title": title, "list_date": date, "list_url": list_url})

    def parse_report(self, response: Response, title: str, list_date: str | None, list_url: str) -> Iterator[Any]:
        item = ReportPage(
            site_id=self.site["id"], platform=self.platform, url=response.url, list_url=list_url,
            title=title, list_date=list_date, body=response.body,
            content_type=response.headers.get("Content-Type", b"").decode("latin-1") or None,
            fetched_at=now(),
        )
        pending = []
        if may_have_attachments(response.body):
            html = decoded_text(response)
            pending = [Attachment(url=u, final_url=u, filename=name) for u, name in self.attachments(html, response.url)]
        yield from self._next_attachment(item, pending)

    def attachments(self, html: str, url: str) -> list[tuple[str, str | None]]:
        """The report page's attachments; platforms that list files elsewhere extend this."""
        return find_attachments(html, url)

    def _next_attachment(self, item: ReportPage, pending: list[Attachment]) -> Iterator[Any]:
        # Attachments are fetched one after another and carried on the item, so the item
        # reaches the pipelines only when the page and all its files are in hand.
        if not pending:
            yield item
            return
        att, rest = pending[0], pending[1:]
        yield scrapy.Request(
            att.url, callback=self._got_attachment, errback=self._attachment_failed,
            cb_kwargs={"item": item, "att": att, "rest": rest}, meta={"govreports_attachment": True},
            headers={"Referer": item.url},
        )

    def _got_attachment(self, response: Response, item: ReportPage, att: Attachment, rest: list[Attachment]) -> Iterator[Any]:
        att.final_url = response.url
        att.body = response.body
        att.content_type = response.headers.get("Content-Type", b"").decode("latin-1") or None
        item.attachments.append(att)
        yield from self._next_attachment(item, rest)

    def _attachment_failed(self, failure: Any) -> Iterator[Any]:
        kw = failure.request.cb_kwargs
        att: Attachment = kw["att"]
        att.error = repr(failure.value)
        kw["item"].attachments.append(att)
        self.crawler.stats.inc_value("govreports/attachment_errors")
        yield from self._next_attachment(kw["item"], kw["rest"])

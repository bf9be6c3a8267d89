"""Guangdong's 政府信息公开目录管理平台 (gkmlpt): `/gkmlpt/index#{column}` is a single-page app
whose list is empty HTML; the records come from the JSON API
`/gkmlpt/api/all/{column}?page={n}&sid={site id}` (`{"articles": [...], "total": N}`, about 100
a page). Reports are `/gkmlpt/content/{a}/{b}/post_{id}.html`, with the report in the page and
files under `/attachment/…`. The site id (SID) sits in the front page's `window._CONFIG`.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from urllib.parse import urldefrag, urlencode, urljoin, urlsplit

import scrapy
from scrapy.http import Response

from pipelines.budgets import LIST_LINKS, LIST_PAGE_BYTES, TooLarge

from .base import (
    ReportSpider,
    attachment_name,
    find_attachments,
    is_attachment_url,
    is_http_url,
)

# A broken `total` must not schedule an unbounded crawl: 300 pages is 30,000 articles at the
# usual page size, far more than any one column holds.
MAX_API_PAGES = 300

# `SID: '755031'`, `"SID":"2"`, `SID = 200016` (the front page's window._CONFIG), or a `sid=`
# query already written into the page (API links in inline scripts).
_SID_RES = (
    re.compile(r"""\bSID["']?\s*[:=]\s*["']?(\d+)"""),
    re.compile(r"""[?&]sid=(\d+)"""),
)
_BEIJING = timezone(timedelta(hours=8))
_DATE_RE = re.compile(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})")


def gkmlpt_sid(html: str) -> str | None:
    """The gkmlpt site id a page declares, if any."""
    for rx in _SID_RES:
        m = rx.search(html)
        if m:
            return m.group(1)
    return None


def gkmlpt_column(url: str) -> str | None:
    """The column id of a front-end URL: `/gkmlpt/index#2811` (also `#/2811`, `#2811?x`)."""
    m = re.match(r"\D*(\d+)", urlsplit(url).fragment)
    return m.group(1) if m else None


def gkmlpt_root(url: str) -> str:
    """The platform root of any gkmlpt URL, with a site prefix kept:
    `http://x.gov.cn/yjzjj/gkmlpt/index#721` → `http://x.gov.cn/yjzjj/gkmlpt/`."""
    base = urldefrag(url)[0]
    i = base.find("/gkmlpt/")
    if i >= 0:
        return base[: i + len("/gkmlpt/")]
    return urljoin(base, "/gkmlpt/")


def gkmlpt_api_url(url: str, column: str | int, sid: str | int, page: int) -> str:
    return f"{gkmlpt_root(url)}api/all/{column}?{urlencode({'page': page, 'sid': sid})}"


def _display_date(value: Any) -> str | None:
    """display_publish_time / create_time: Unix seconds (Beijing dates) or a date string."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float) or (isinstance(value, str) and value.strip().isdigit()):
        ts = float(value)
        if ts > 1e11:  # milliseconds
            ts /= 1000
        try:
            return datetime.fromtimestamp(ts, UTC).astimezone(_BEIJING).date().isoformat()
        except (OverflowError, OSError, ValueError):
            return None
    if isinstance(value, str):
        m = _DATE_RE.search(value)
        if m:
            return f"{m.group(1)}-{int(m.group(2)):02d}-{int(m.group(3)):02d}"
    return None


def gkmlpt_payload(text: str | bytes) -> dict:
    """The API answer as a dict; {} when it is not the JSON object the API returns."""
    try:
        data = json.loads(text)
    except (ValueError, TypeError):
        return {}
    return data if isinstance(data, dict) else {}


def gkmlpt_articles(data: dict, base_url: str, max_links: int = LIST_LINKS.limit,
                    over_links: Callable[[], None] | None = None) -> list[tuple[str, str, str | None]]:
    """(url, title, date) of the API's first `max_links` articles, in order (`over_links` is
    called when there are more). `url` may be absolute, protocol-relative or a path; entries
    without a URL or title are dropped."""
    out: list[tuple[str, str, str | None]] = []
    seen: set[str] = set()
    articles = data.get("articles")
    if not isinstance(articles, list):
        return out
    if len(articles) > max_links:
        if over_links is not None:
            over_links()
        articles = articles[:max_links]
    for art in articles:
        if not isinstance(art, dict):
            continue
        raw = art.get("url") or art.get("post_url")
        title = art.get("title")
        if not isinstance(raw, str) or not raw.strip() or not isinstance(title, str):
            continue
        url = urljoin(base_url, raw.strip())
        if url in seen:
            continue
        seen.add(url)
        date = None
        for key in ("display_publish_time", "publish_time", "create_time", "date", "created_at"):
            date = _display_date(art.get(key))
            if date:
                break
        out.append((url, re.sub(r"\s+", " ", title).strip(), date))
    return out


def gkmlpt_page_count(data: dict, cap: int = MAX_API_PAGES) -> int:
    """How many API pages the column has, from `total` and the size of this page."""
    articles = data.get("articles")
    total = data.get("total")
    if not isinstance(articles, list) or not articles:
        return 0
    if isinstance(total, str) and total.isdigit():
        total = int(total)
    if not isinstance(total, int) or isinstance(total, bool) or total <= 0:
        return 1
    return max(1, min(math.ceil(total / len(articles)), cap))


def _balanced_object(text: str, start: int) -> str | None:
    """The `{...}` starting at text[start], skipping braces inside strings."""
    depth, i, quote = 0, start, ""
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == "\\":
                i += 1
            elif ch == quote:
                quote = ""
        elif ch in "\"'":
            quote = ch
        elif ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return text[start : i + 1]
        i += 1
    return None


def gkmlpt_detail(html: str) -> dict:
    """The `DETAIL: {...}` object of a content page (best effort: {} if it is not JSON)."""
    m = re.search(r"""\bDETAIL["']?\s*:\s*\{""", html)
    if not m:
        return {}
    obj = _balanced_object(html, m.end() - 1)
    if not obj:
        return {}
    try:
        data = json.loads(obj)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def gkmlpt_attachments(html: str, base_url: str) -> list[tuple[str, str | None]]:
    """Http(s) attachments of a content page: the page's links (base.find_attachments), then
    the files listed in its DETAIL object (`attachment(s)`: [{url|path|link, name|title}])."""
    found = dict(find_attachments(html, base_url))
    detail = gkmlpt_detail(html)
    for key in ("attachment", "attachments", "files"):
        items = detail.get(key)
        if not isinstance(items, list):
            continue
        for it in items:
            if not isinstance(it, dict):
                continue
            raw = it.get("url") or it.get("path") or it.get("link")
            if not isinstance(raw, str) or not raw.strip():
                continue
            url = urljoin(base_url, raw.strip())
            if is_attachment_url(url) and is_http_url(url):
                name = it.get("name") or it.get("title")
                found.setdefault(url, attachment_name(url, name if isinstance(name, str) else None))
    return list(found.items())


class GkmlptSpider(ReportSpider):
    """Registry fields: column_url (`…/gkmlpt/index#{column}`), optional gkmlpt_sid and
    gkmlpt_column (else read from the front page and the URL's fragment; column 0 is "all")."""

    name = "gkmlpt"
    platform = "gkmlpt"
    max_pages = MAX_API_PAGES

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.column = str(self.site.get("gkmlpt_column") or gkmlpt_column(self.site["column_url"]) or "0")
        self.sid = str(self.site["gkmlpt_sid"]) if self.site.get("gkmlpt_sid") else None
        # Report requests bypass the dupefilter (the archive decides what is known), and a
        # column that changes between API pages can list one article twice.
        self.listed: set[str] = set()

    async def start(self) -> AsyncIterator[Any]:
        if self.sid:
            yield self.api_request(self.site["column_url"], 1)
        else:
            yield scrapy.Request(urldefrag(self.site["column_url"])[0], callback=self.parse_list)

    def api_request(self, url: str, page: int) -> scrapy.Request:
        return scrapy.Request(
            gkmlpt_api_url(url, self.column, self.sid or "", page), callback=self.parse_api,
            cb_kwargs={"page": page},
            headers={"Accept": "application/json, text/javascript, */*; q=0.01",
                     "X-Requested-With": "XMLHttpRequest",
                     "Referer": urldefrag(self.site["column_url"])[0]},
        )

    def parse_list(self, response: Response) -> Iterator[Any]:
        """The front page: find the SID, then read the column through the API."""
        sid = gkmlpt_sid(self.list_text(response))
        if not sid:
            self.logger.error("%s: no gkmlpt SID in %s; set gkmlpt_sid in the registry",
                              self.site["id"], response.url)
            self.crawler.stats.inc_value("govreports/gkmlpt_no_sid")
            return
        self.sid = sid
        self.site.setdefault("gkmlpt_sid", sid)
        yield self.api_request(response.url, 1)

    def parse_api(self, response: Response, page: int) -> Iterator[Any]:
        budget = self.budget(LIST_PAGE_BYTES, "GOVREPORTS_MAX_LIST_PAGE_BYTES")
        if len(response.body) > budget.limit:
            # JSON cut short is no JSON: the page is skipped.
            self.list_over_budget(response, TooLarge(budget, len(response.body), "skipped"))
            return
        data = gkmlpt_payload(response.body)
        if not data:
            self.logger.error("%s: gkmlpt API page %d is not JSON: %s", self.site["id"], page, response.url)
            self.crawler.stats.inc_value("govreports/gkmlpt_bad_json")
            return
        entries = gkmlpt_articles(data, response.url, *self.link_budget(response))
        self.crawler.stats.inc_value("govreports/list_pages")
        fresh = [e for e in entries if e[0] not in self.listed]
        self.listed.update(e[0] for e in fresh)
        yield from self.report_requests(fresh, response.url)
        if page == 1:
            pages = gkmlpt_page_count(data, self.max_pages)
            if not entries:
                self.logger.warning("%s: gkmlpt column %s (sid %s) lists nothing", self.site["id"],
                                    self.column, self.sid)
            for n in range(2, pages + 1):
                yield self.api_request(response.url, n)

    def attachments(self, html: str, url: str) -> list[tuple[str, str | None]]:
        # The page's links plus the files its DETAIL object lists.
        return gkmlpt_attachments(html, url)

"""Start from any column URL: tell the CMS platform from the page, build a registry-like site
entry for it, and crawl it with that platform's parsing.

    govreports crawl --start-url URL   →   process.crawl(DiscoverSpider, start_url=URL)
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import urldefrag, urlsplit

import scrapy
from parsel import Selector
from scrapy.http import Response

from pipelines.budgets import LIST_PAGE_BYTES

from .base import ReportSpider, decoded_text
from .gkmlpt import GkmlptSpider, gkmlpt_column, gkmlpt_sid
from .hanweb import HanwebSpider
from .static_list import StaticListSpider
from .trs import TrsSpider

PLATFORM_SPIDERS: dict[str, type[ReportSpider]] = {
    "trs": TrsSpider,
    "hanweb": HanwebSpider,
    "gkmlpt": GkmlptSpider,
    "static": StaticListSpider,
}

_HANWEB_RE = re.compile(r"jpage|dataproxy\.jsp", re.I)
# `<meta[^<>]+`: a <meta never closed stops at the next tag, not at the end of the page.
_TRS_RE = re.compile(
    r"createPageHTML|TRS_Editor|trsapi|<meta[^<>]+name=[\"']?ChnlId|[\"'](?:\./|/)[^\"']*P0\d{6}"
    r"|[\"']\./\d{6}/t\d{8}_\d+\.s?html?[\"']",
    re.I,
)
_GKMLPT_CONFIG_RE = re.compile(r"_CONFIG|\bSID[\"']?\s*[:=]|/gkmlpt/api/", re.I)
_HREF_ATTR_RE = re.compile(r"""\bhref\s*=\s*(["'])[^"']*\1""", re.I)


def _hanweb_column_link(html: str, host: str) -> bool:
    # Same-site links to /col/colN: a page that only links to another site's Hanweb column
    # (provincial portals are often Hanweb) is not itself Hanweb.
    for m in re.finditer(r"""href\s*=\s*["']([^"']*?/col/col\d+[^"']*)["']""", html, re.I):
        href = m.group(1)
        if not href.startswith(("http://", "https://", "//")) or urlsplit(href).netloc.lower() == host:
            return True
    return False


def detect_platform(html: str, url: str) -> str:
    """trs | hanweb | gkmlpt | static, from the URL and body markers.

    The URL decides first (`/gkmlpt/`, `/col/colN`); then Hanweb's jpage (`jpage`,
    `dataproxy.jsp`) and TRS's markers (`createPageHTML`, `TRS_Editor`, `trsapi`, the
    `ChnlId` meta, `./P0…` files, `./YYYYMM/tYYYYMMDD_N.htm` links); then gkmlpt (the word
    outside link targets: its SPA shell loads /gkmlpt/ scripts and declares `_CONFIG`/`SID`;
    a page merely linking to a gkmlpt directory is not one); then same-site `/col/col` links
    (Hanweb navigation). Anything else is a plain static column."""
    html = html or ""
    parts = urlsplit(url or "")
    path, host = parts.path, parts.netloc.lower()
    if re.search(r"/gkmlpt(/|$)", path):
        return "gkmlpt"
    if re.search(r"/col/col\d+", path):
        return "hanweb"
    if _HANWEB_RE.search(html):
        return "hanweb"
    if _TRS_RE.search(html):
        return "trs"
    unlinked = _HREF_ATTR_RE.sub("", html)
    if "gkmlpt" in unlinked.lower() and (_GKMLPT_CONFIG_RE.search(html) or "/gkmlpt/" in unlinked):
        return "gkmlpt"
    if _hanweb_column_link(html, host):
        return "hanweb"
    return "static"


def site_id_for(url: str) -> str:
    """A stable registry id from host and path (no scheme, port or index file):
    `https://www.x.gov.cn/zwgk/zfxxgknb/index.html` → `x_gov_cn_zwgk_zfxxgknb`."""
    parts = urlsplit(url)
    host = (parts.hostname or "site").lower()
    host = re.sub(r"^www\.", "", host)
    path = re.sub(r"/(index|default)\.s?html?$", "/", parts.path, flags=re.I)
    path = re.sub(r"\.s?html?$", "", path, flags=re.I)
    raw = "_".join(x for x in [host, *path.split("/")] if x)
    frag = re.sub(r"\W+", "", parts.fragment)
    if frag:
        raw += "_" + frag
    ident = re.sub(r"[^0-9a-z]+", "_", raw.lower()).strip("_") or "site"
    if len(ident) > 64:
        ident = ident[:55].rstrip("_") + "_" + hashlib.sha1(url.encode()).hexdigest()[:8]
    return ident


def _site_name(html: str) -> str | None:
    sel = Selector(text=html)
    for xp in ("//meta[@name='SiteName']/@content", "//meta[@name='sitename']/@content"):
        v = (sel.xpath(xp).get() or "").strip()
        if v:
            return v
    title = re.sub(r"\s+", " ", " ".join(sel.xpath("//title//text()").getall())).strip()
    return title or None


def site_for_start_url(url: str, html: str | None) -> dict:
    """A registry-like entry for a column URL (`discovered: True`). Without the page, the
    platform is guessed from the URL alone and the name is the host."""
    platform = detect_platform(html or "", url)
    site: dict[str, Any] = {
        "id": site_id_for(url),
        "name": (_site_name(html) if html else None) or (urlsplit(url).hostname or url),
        "agency": None,
        "province": None,
        "city": None,
        "level": None,
        "platform": platform,
        "column_url": url,
        "discovered": True,
    }
    if platform == "gkmlpt":
        sid = gkmlpt_sid(html) if html else None
        if sid:
            site["gkmlpt_sid"] = sid
        column = gkmlpt_column(url)
        if column:
            site["gkmlpt_column"] = column
    return site


class DiscoverSpider(GkmlptSpider, StaticListSpider, HanwebSpider, TrsSpider):
    """`-a start_url=URL`: fetch the page, detect the platform, then parse it exactly as that
    platform's spider does. The spider carries every platform's parsing methods (it inherits
    them all) and routes `parse_list`/`parse_report` to the detected platform's own, so
    follow-up requests (TRS index_N pages, Hanweb dataproxy groups, gkmlpt API pages, static
    下一页 pages) go through the same code as a registry crawl."""

    name = "discover"
    platform = "discover"

    def __init__(self, start_url: str | None = None, site: dict | str | None = None, *args: Any, **kwargs: Any) -> None:
        if not site:
            if not start_url:
                raise ValueError("discover: a start_url is required (-a start_url=URL)")
            site = site_for_start_url(start_url, None)
        super().__init__(site, *args, **kwargs)
        self.start_url = start_url or self.site["column_url"]
        self.detected: str | None = None

    async def start(self) -> AsyncIterator[Any]:
        yield scrapy.Request(urldefrag(self.start_url)[0], callback=self.parse_list)

    def parse_list(self, response: Response, **kwargs: Any) -> Iterator[Any]:
        # A resumed run (JOBDIR) keeps spider.state: the platform found before the stop.
        state = getattr(self, "state", None)
        if self.detected is None and isinstance(state, dict) and state.get("discover_platform"):
            self.detected = self.platform = state["discover_platform"]
        if self.detected is None:
            # Read again, and told about, by the platform's own parse_list below.
            limit = self.budget(LIST_PAGE_BYTES, "GOVREPORTS_MAX_LIST_PAGE_BYTES").limit
            found = site_for_start_url(self.start_url, decoded_text(response, limit))
            self.detected = found["platform"]
            self.platform = self.detected
            # Update in place: the pipeline holds this dict.
            self.site.update({k: v for k, v in found.items() if k != "id" and v is not None})
            self.crawler.stats.set_value("govreports/discovered_platform", self.detected)
            if isinstance(state, dict):
                state["discover_platform"] = self.detected
            self.logger.info("%s: detected platform %s (%s)", self.start_url, self.detected, self.site["name"])
            if self.detected == "gkmlpt":
                self.column = str(found.get("gkmlpt_column") or self.column)
        yield from PLATFORM_SPIDERS[self.detected].parse_list(self, response, **kwargs)

    def parse_report(self, response: Response, title: str, list_date: str | None, list_url: str) -> Iterator[Any]:
        spider = PLATFORM_SPIDERS[self.detected or "static"]
        yield from spider.parse_report(self, response, title, list_date, list_url)

"""TRS WCM (拓尔思) columns: index.html, index_1.html… pages announced only by a
`createPageHTML(count, current, "index", "html")` script, reports at ./YYYYMM/tYYYYMMDD_N.html."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urljoin

from parsel import Selector
from scrapy.http import Response

from pipelines.budgets import LIST_LINKS

from .base import ReportSpider, read_links

_PAGER_RE = re.compile(r"createPageHTML\(\s*['\"]?(\d+)['\"]?\s*,\s*['\"]?(\d+)['\"]?\s*,\s*['\"]([\w-]+)['\"]\s*,\s*['\"](\w+)['\"]")
_COUNT_PAGE_RE = re.compile(r"var\s+countPage\s*=\s*(\d+)")
_DETAIL_RE = re.compile(r"(^|/)\d{6}/t\d{8}_\d+\.s?html?$")
_DATE_RE = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})")


def trs_pages(html: str, list_url: str) -> list[str]:
    """Every list page the pager script announces (page 1 is index.html, page 2 index_1.html)."""
    m = _PAGER_RE.search(html)
    if m:
        count, name, ext = int(m.group(1)), m.group(3), m.group(4)
    else:
        cm = _COUNT_PAGE_RE.search(html)
        if not cm:
            return []
        count, name, ext = int(cm.group(1)), "index", "html"
    # Bound the page count: a broken or hostile pager must not schedule millions of pages.
    return [urljoin(list_url, f"{name}_{i}.{ext}") for i in range(1, min(count, 500))]


def trs_list_entries(html: str, list_url: str, max_links: int = LIST_LINKS.limit,
                     over_links: Callable[[], None] | None = None) -> list[tuple[str, str, str | None]]:
    """(url, title, date) of the article links on a TRS list page, among its first
    `max_links` links (`over_links` is called when it has more)."""
    sel = Selector(text=html)
    out: list[tuple[str, str, str | None]] = []
    seen: set[str] = set()
    after: dict[Any, list[str]] | None = None
    for a in read_links(sel, max_links, over_links):
        href = a.attrib["href"].strip()
        if not _DETAIL_RE.search(href.split("?")[0]):
            continue
        url = urljoin(list_url, href)
        if url in seen:
            continue
        seen.add(url)
        title = (a.attrib.get("title") or " ".join(a.css("::text").getall())).strip()
        # The date sits beside the link (a <span> or the next <dd>); fall back to the URL's.
        if after is None:  # the walk only for pages that list an article
            after = texts_after_links(sel.root)
        m = _DATE_RE.search(" ".join(after.get(a.root, ()))) or re.search(r"t(\d{4})(\d{2})(\d{2})_", href)
        date = f"{m.group(1)}-{int(m.group(2)):02d}-{int(m.group(3)):02d}" if m else None
        out.append((url, title, date))
    return out


def texts_after_links(root: Any, n: int = 3) -> dict[Any, list[str]]:
    """The first `n` text nodes after each <a> (lxml element → texts), as the XPath
    `following::text()[position() <= n]` reads them, for every link in one walk of the tree
    (the XPath, link by link, reads the rest of the page each time)."""
    texts: list[str] = []  # every text node, in document order
    starts: dict[Any, int] = {}  # <a> → its first following text node
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        el, leaving = stack.pop()
        if not isinstance(el.tag, str):  # a comment or processing instruction: only its tail is text
            if el.tail:
                texts.append(el.tail)
            continue
        if leaving:
            if el.tag == "a":
                starts[el] = len(texts)
            if el.tail and el is not root:
                texts.append(el.tail)
            continue
        if el.text:
            texts.append(el.text)
        stack.append((el, True))
        stack.extend((child, False) for child in reversed(el))
    return {a: texts[i:i + n] for a, i in starts.items()}


class TrsSpider(ReportSpider):
    name = "trs"
    platform = "trs"

    def parse_list(self, response: Response, first: bool = True) -> Iterator[Any]:
        html = self.list_text(response)
        stats = self.crawler.stats
        stats.inc_value("govreports/list_pages_fetched")
        yield from self.report_requests(trs_list_entries(html, response.url, *self.link_budget(response)), response.url)
        if first:
            pages = trs_pages(html, response.url)
            # Compared with the pages actually fetched by the pagination monitor.
            stats.set_value("govreports/list_pages_announced", len(pages) + 1)
            for url in pages:
                yield response.follow(url, callback=self.parse_list, cb_kwargs={"first": False})

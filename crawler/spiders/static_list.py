"""Generic column pages of any CMS: report links are recognised by their title alone (any
`<a>` on the page), and further list pages by what the page itself links to or announces:
下一页/下页/后一页/尾页 links, `index_N` / `list_N` / `N.html` / `column-index-N` / `?page=N`
(pageNo, pageIndex, currPage, …) siblings, and TRS's `createPageHTML(...)` script. Gaps between
page numbers the page shows (1 2 3 … 尾页=9) are filled in. Page count is bounded and no page
or report is requested twice.
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Callable, Iterator
from operator import itemgetter
from typing import Any
from urllib.parse import parse_qsl, urldefrag, urlencode, urljoin, urlsplit, urlunsplit

import scrapy
from parsel import Selector
from scrapy.http import Response

from pipelines.budgets import LIST_LINKS

from .base import ReportSpider, is_http_url, is_report_title, read_links
from .trs import trs_pages

MAX_LIST_PAGES = 100

_NEXT_WORDS = ("下一页", "下页", "后一页", "后页", "尾页", "末页", "最后一页", "下一頁", "尾頁")
_DATE_RE = re.compile(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})")
# Sibling list pages, by file name: index_3.html, list_3.shtml, column-index-3.shtml, 3.html.
_NAMED_PAGE_RE = re.compile(r"^(index_|list_|default_|column-index-)(\d{1,5})(\.s?html?)$", re.I)
_NUMBER_PAGE_RE = re.compile(r"^(\d{1,4})(\.s?html?)$", re.I)
_PAGE_PARAMS = ("page", "pageno", "pageindex", "currpage", "curpage", "pagenum", "pagenumber", "pn")
_INDEX_FILE_RE = re.compile(r"/(index|default)\.s?html?$", re.I)


def page_key(url: str) -> str:
    """One key per list page: no fragment, and `dir/` equal to `dir/index.html`."""
    url = urldefrag(url)[0]
    parts = urlsplit(url)
    path = _INDEX_FILE_RE.sub("/", parts.path) or "/"
    return urlunsplit((parts.scheme, parts.netloc.lower(), path, parts.query, ""))


def _link_title(a: Selector) -> tuple[str, str]:
    text = re.sub(r"\s+", "", "".join(a.css("::text").getall()))
    return (a.attrib.get("title") or "").strip(), text


_DOT_RUN_RE = re.compile(r"\.+")


def strip_cut_marks(text: str) -> str:
    """`text` without the marks a list puts after a cut title: "…" and runs of two or more
    dots, in any mix; a lone dot is a full stop and stays ("报告.…" → "报告."). One scan of the
    tail: the pattern it replaces, (…|\\.\\.\\.|\\.\\.)+$, tried every split of a dot run into twos
    and threes before giving up, on the crawl's event loop: a dot leader of 50 dots before a
    page number took 0.36 s, each further dot a third more (80: about half an hour)."""
    core = text.rstrip("….")
    tail = text[len(core):]
    keep = 0
    for run in _DOT_RUN_RE.finditer(tail):
        if run.end() - run.start() == 1:
            keep = run.end()
    return core + tail[:keep]


def link_title(attr: str, text: str) -> str:
    """The title a list link stands for. Lists cut long titles ("…年度报告…" for "…年度报告解读"),
    so when the text is a prefix of the title attribute, only the attribute counts: the cut
    text of a 解读 must not pass for the report itself. Otherwise the text, or the attribute
    when the text is empty or generic."""
    core = strip_cut_marks(text).strip()
    squeezed = re.sub(r"\s+", "", attr)
    if squeezed and (not core or squeezed.startswith(core)):
        return attr
    if core and is_report_title(core):
        return core
    return attr or core


def static_report_links(html: str, list_url: str, max_links: int = LIST_LINKS.limit,
                        over_links: Callable[[], None] | None = None) -> list[tuple[str, str, str | None]]:
    """(url, title, date) of every http(s) link on the page whose title is a report title,
    among the page's first `max_links` links (`over_links` is called when it has more).
    Lists cut long titles ("…年度报…"), so the title attribute wins when it qualifies."""
    sel = Selector(text=html)
    found: dict[str, list] = {}
    dates: dict[Any, str | None] | None = None
    for a in read_links(sel, max_links, over_links):
        href = a.attrib["href"].strip()
        if not href or href.startswith(("javascript:", "mailto:", "#")):
            continue
        title = link_title(*_link_title(a))
        if not title or not is_report_title(title):
            continue
        url = urldefrag(urljoin(list_url, href))[0]
        if not is_http_url(url):
            continue
        if dates is None:  # the walk only for pages that list a report
            dates = link_dates(sel.root)
        date = dates.get(a.root)
        if url in found:
            # The same report linked twice (a 热点 box and the list): keep the dated one.
            found[url][1] = found[url][1] or date
        else:
            found[url] = [title, date]
    return [(url, title, date) for url, (title, date) in found.items()]


# A link's list item: its nearest enclosing li, tr, dl (for dt/dd) or p.
_ITEM_TAGS = frozenset(("li", "tr", "dl", "p"))


def link_dates(root: Any) -> dict[Any, str | None]:
    """The date printed beside each <a> (lxml element → YYYY-MM-DD or None): the first date in
    the text of the link's own list item outside links, so an undated link never takes the
    next item's date. One walk of the tree in document order, each text node read once: an
    item's first date lies in its first text node holding one (a date never spans two text
    nodes), and that node dates every enclosing item still undated."""
    link_item: dict[Any, Any] = {}
    dates: dict[Any, str] = {}
    items: list[Any] = []  # open items, innermost last
    undated: list[Any] = []  # open items without a date yet, innermost last
    in_link = 0

    def read(text: str | None) -> None:
        if text and undated and not in_link:
            m = _DATE_RE.search(text)
            if m:
                date = f"{m.group(1)}-{int(m.group(2)):02d}-{int(m.group(3)):02d}"
                dates.update((item, date) for item in undated)
                undated.clear()

    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        el, leaving = stack.pop()
        tag = el.tag
        if not isinstance(tag, str):  # a comment or processing instruction: only its tail is text
            read(el.tail)
            continue
        if leaving:
            if tag == "a":
                in_link -= 1
            if tag in _ITEM_TAGS:
                items.pop()
                if undated and undated[-1] is el:
                    undated.pop()
            if el is not root:
                read(el.tail)  # the tail follows the element, inside its parent
            continue
        if tag == "a":
            link_item[el] = items[-1] if items else None
            in_link += 1
        if tag in _ITEM_TAGS:
            items.append(el)
            undated.append(el)
        read(el.text)
        stack.append((el, True))
        stack.extend((child, False) for child in reversed(el))
    return {a: dates.get(item) for a, item in link_item.items()}


def _dir(path: str) -> str:
    return path.rsplit("/", 1)[0] + "/"


def static_pages(html: str, list_url: str, max_pages: int = MAX_LIST_PAGES, max_links: int = LIST_LINKS.limit,
                 over_links: Callable[[], None] | None = None) -> list[str]:
    """List pages this page leads to, in page order, at most `max_pages`, without the page
    itself, from the page's first `max_links` links. Only siblings of the list page (same
    directory, or same path with another page number in the query) count as page links, so
    article links that happen to be numbers are not mistaken for pages."""
    base = urlsplit(list_url)
    here = page_key(list_url)
    sel = Selector(text=html)
    found: dict[str, None] = {}  # an ordered set: one look-up a link
    # family of sibling page URLs -> page numbers seen
    families: dict[tuple, set[int]] = {}
    templates: dict[tuple, tuple] = {}

    def family_of(url: str, text: str) -> tuple[tuple, int] | None:
        p = urlsplit(url)
        if p.netloc.lower() != base.netloc.lower():
            return None
        name = p.path.rsplit("/", 1)[-1]
        if _dir(p.path) == _dir(base.path):
            m = _NAMED_PAGE_RE.match(name)
            if m and not p.query:
                return ("file", p.scheme, p.netloc, _dir(p.path), m.group(1), m.group(3)), int(m.group(2))
            m = _NUMBER_PAGE_RE.match(name)
            if m and not p.query and (text.isdigit() or any(w in text for w in _NEXT_WORDS)):
                return ("file", p.scheme, p.netloc, _dir(p.path), "", m.group(2)), int(m.group(1))
        if p.query and page_key(urlunsplit(p._replace(query=""))) == page_key(
                urlunsplit(base._replace(query="", fragment=""))):
            params = parse_qsl(p.query, keep_blank_values=True)
            for i, (k, v) in enumerate(params):
                if k.lower() in _PAGE_PARAMS and v.isdigit():
                    # One family whatever the parameter order; the first link seen is the
                    # template for the pages filled in.
                    others = tuple(sorted(params[:i] + params[i + 1:]))
                    key = ("query", p.scheme, p.netloc, p.path, k, others)
                    templates.setdefault(key, tuple(params[:i]) + (("\0", ""),) + tuple(params[i + 1:]))
                    return key, int(v)
        return None

    def build(key: tuple, n: int) -> str:
        """Page n of a family, in one spelling (query parameters in the template's order)."""
        if key[0] == "file":
            _, scheme, netloc, directory, prefix, ext = key
            return urlunsplit((scheme, netloc, f"{directory}{prefix}{n}{ext}", "", ""))
        _, scheme, netloc, path, param, _others = key
        query = urlencode([(param, str(n)) if k == "\0" else (k, v) for k, v in templates[key]])
        return urlunsplit((scheme, netloc, path, query, ""))

    def add(url: str) -> None:
        url = urldefrag(url)[0]
        if url not in found and is_http_url(url) and page_key(url) != here:
            found[url] = None

    for a in read_links(sel, max_links, over_links):
        href = a.attrib["href"].strip()
        if not href or href.startswith(("javascript:", "mailto:", "#")):
            continue
        url = urljoin(list_url, href)
        attr, text = _link_title(a)
        words = text + attr
        fam = family_of(url, text)
        if fam is not None:
            families.setdefault(fam[0], set()).add(fam[1])
            add(build(*fam))
        elif any(w in words for w in _NEXT_WORDS) and urlsplit(url).netloc.lower() == base.netloc.lower():
            add(url)
    for url in trs_pages(html, list_url):
        add(url)

    def order(url: str) -> int:
        fam = family_of(url, "1")
        return fam[1] if fam else 0

    # Fill the gaps a pager leaves out ("1 2 3 … 9"): every number between the lowest and
    # the highest one seen, per family of sibling URLs. Pages are kept in page order, the
    # first `max_pages` of them, so the families' ranges are merged lazily: a page linking
    # thousands of families costs `max_pages` pages, not thousands of ranges. The merge is
    # stable: word-only links keep their page order, and linked pages come before filled ones.
    def fill(key: tuple, numbers: set[int]) -> Iterator[tuple[int, str]]:
        lo = min(numbers)
        return ((n, build(key, n)) for n in range(lo, min(max(numbers), lo + max_pages) + 1))

    linked = sorted(((order(url), url) for url in found), key=itemgetter(0))
    pages = heapq.merge(linked, *(fill(key, numbers) for key, numbers in families.items()), key=itemgetter(0))
    found.clear()  # now the pages kept, in page order
    for _, url in pages:
        if len(found) == max_pages:
            break
        add(url)
    return list(found)


class StaticListSpider(ReportSpider):
    """Registry fields: column_url (the column's first list page); optional max_pages."""

    name = "static"
    platform = "static"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.max_list_pages = int(self.site.get("max_pages") or MAX_LIST_PAGES)
        self.seen_pages: set[str] = {page_key(self.site["column_url"])}
        self.seen_reports: set[str] = set()

    def parse_list(self, response: Response) -> Iterator[Any]:
        self.seen_pages.add(page_key(response.url))
        self.crawler.stats.inc_value("govreports/list_pages")
        html = self.list_text(response)
        max_links, over_links = self.link_budget(response)
        links = []
        for url, title, date in static_report_links(html, response.url, max_links, over_links):
            if url not in self.seen_reports:
                self.seen_reports.add(url)
                links.append((url, title, date))
        yield from self.report_requests(links, response.url)
        for url in static_pages(html, response.url, self.max_list_pages, max_links, over_links):
            key = page_key(url)
            if key in self.seen_pages:
                continue
            if len(self.seen_pages) >= self.max_list_pages:
                self.crawler.stats.inc_value("govreports/list_pages_capped")
                break
            self.seen_pages.add(key)
            yield scrapy.Request(url, callback=self.parse_list, headers={"Referer": response.url})

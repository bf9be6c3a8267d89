"""Hanweb 大汉 JCMS columns (/col/colN/index.html): the first records sit in a
`<script type="text/xml">` datastore, the rest come from `dataproxy.jsp` in groups; report
pages are /art/YYYY/M/D/art_<col>_<id>.html and attachments go through downfile.jsp (302)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlencode, urljoin

import scrapy
from parsel import Selector
from scrapy.http import Response

from pipelines.budgets import LIST_LINKS

from .base import ReportSpider, is_http_url

_CDATA_RE = re.compile(r"<!\[CDATA\[(.*?)\]\]>", re.S)
_RECORD_RE = re.compile(r"<record>\s*<!\[CDATA\[(.*?)\]\]>\s*</record>", re.S)
_RECORD_END_RE = re.compile(r"\]\]>\s*</record>")
_DATE_RE = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})")


def _config_value(html: str, key: str) -> str | None:
    # JS object or variable syntax only: `columnid=…&` inside URLs is not configuration.
    m = re.search(rf"""\b{key}\s*:\s*['"]?([^'",\s}}&]+)""", html) or re.search(
        rf"""\bvar\s+{key}\s*=\s*['"]?([^'",\s;&]+)""", html)
    return m.group(1) if m else None


def jpage_config(html: str) -> dict[str, str]:
    """The jpage settings a column page declares for its dataproxy calls."""
    keys = ("proxyUrl", "totalRecord", "perPage", "columnid", "unitid", "webid", "webname", "path")
    return {k: v for k in keys if (v := _config_value(html, k)) is not None}


def jpage_records(text: str, base_url: str, max_links: int = LIST_LINKS.limit,
                  over_links: Callable[[], None] | None = None) -> list[tuple[str, str, str | None]]:
    """(url, title, date) from the first `max_links` <record><![CDATA[…]]></record> entries,
    as markup in markup (`over_links` is called when there are more)."""
    # Searched only up to the end of the last record: a record never closed would send the
    # lazy pattern to the end of the text, once for every such record.
    end = max((m.end() for m in _RECORD_END_RE.finditer(text)), default=0)
    out = []
    for i, record in enumerate(_RECORD_RE.finditer(text, 0, end)):
        if i == max_links:
            if over_links is not None:
                over_links()
            break
        sel = Selector(text=record.group(1))
        a = sel.css("a[href]")
        if not a:
            continue
        title = (a[0].attrib.get("title") or " ".join(a[0].css("::text").getall())).strip()
        m = _DATE_RE.search(" ".join(sel.css("::text").getall()))
        date = f"{m.group(1)}-{int(m.group(2)):02d}-{int(m.group(3)):02d}" if m else None
        out.append((urljoin(base_url, a[0].attrib["href"].strip()), title, date))
    return out


def jpage_group_requests(config: dict[str, str], column_url: str, first_group: int) -> list[tuple[str, dict[str, str]]]:
    """(url, form) for every dataproxy group after the records already on the page; none
    when the page's proxy URL is not http(s)."""
    try:
        total = int(config["totalRecord"])
        per_page = int(config.get("perPage", "15"))
    except (KeyError, ValueError):
        return []
    proxy = urljoin(column_url, config.get("proxyUrl", "/module/web/jpage/dataproxy.jsp"))
    if not is_http_url(proxy):
        return []
    form = {"col": "1", "appid": "1", "webid": config.get("webid", ""), "path": config.get("path", "/"),
            "columnid": config.get("columnid", ""), "sourceContentType": "1",
            "unitid": config.get("unitid", ""), "webname": config.get("webname", ""), "permissiontype": "0"}
    group = per_page * 3  # jpage fetches three display pages at a time
    out = []
    start = first_group + 1
    while start <= min(total, 100_000):
        end = min(start + group - 1, total)
        out.append((f"{proxy}?{urlencode({'startrecord': start, 'endrecord': end, 'perpage': per_page})}", form))
        start = end + 1
    return out


class HanwebSpider(ReportSpider):
    name = "hanweb"
    platform = "hanweb"

    def parse_list(self, response: Response) -> Iterator[Any]:
        html = self.list_text(response)
        # The records are inside a script, invisible to an HTML parser: read the raw text.
        records = jpage_records(html, response.url, *self.link_budget(response))
        stats = self.crawler.stats
        stats.inc_value("govreports/list_pages_fetched")
        stats.inc_value("govreports/records_seen", len(records))
        yield from self.report_requests(records, response.url)
        config = jpage_config(html)
        if config.get("totalRecord", "").isdigit():
            # Compared with the records actually listed by the pagination monitor.
            stats.set_value("govreports/records_announced", int(config["totalRecord"]))
        for url, form in jpage_group_requests(config, response.url, len(records)):
            yield scrapy.Request(
                url, method="POST", body=urlencode(form), callback=self.parse_group,
                headers={"Content-Type": "application/x-www-form-urlencoded",
                         "X-Requested-With": "XMLHttpRequest", "Referer": response.url},
            )

    def parse_group(self, response: Response) -> Iterator[Any]:
        records = jpage_records(self.list_text(response), response.url, *self.link_budget(response))
        self.crawler.stats.inc_value("govreports/records_seen", len(records))
        yield from self.report_requests(records, response.url)

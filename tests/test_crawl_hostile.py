"""A hostile site can neither read the host nor exhaust the crawl: only http(s) is ever
fetched, a report page's attachments are held to their budgets, and a list page costs time
linear in its size, up to its budgets. Crawls run against real servers on 127.0.0.1."""

from __future__ import annotations

import base64
import gzip
import json
import re
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml
from scrapy import Request
from scrapy.exceptions import IgnoreRequest
from scrapy.utils.project import get_project_settings
from scrapy.utils.test import get_crawler

from crawler.middlewares import SchemeMiddleware
from crawler.spiders.base import find_attachments
from crawler.spiders.gkmlpt import gkmlpt_attachments
from crawler.spiders.hanweb import jpage_group_requests, jpage_records
from crawler.spiders.static_list import static_pages, static_report_links
from crawler.spiders.trs import trs_list_entries
from pipelines.warc import iter_report_manifests

from .helpers import govreports

FAST = ("-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False")
REPORT_TITLE = "某局{}年政府信息公开工作年度报告"


# ── Serving pages on 127.0.0.1 ───────────────────────────────────────────────

Page = tuple[int, dict[str, str], bytes]


class Site(BaseHTTPRequestHandler):
    """Answers from `route(path, port)`: (status, headers, body), or None for a 404."""

    route: Callable[[str, int], Page | None]
    hits: list[str]

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802
        self.answer()

    def do_POST(self) -> None:  # noqa: N802
        self.answer()

    def answer(self) -> None:
        self.hits.append(self.path)
        page = self.route(self.path, self.server.server_address[1])
        if page is None:
            self.send_error(404)
            return
        status, headers, body = page
        try:
            self.send_response(status)
            for name, value in {"Content-Length": str(len(body)), **headers}.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the crawler gave up on a body past its budget


@contextmanager
def serve(route: Callable[[str, int], Page | None]) -> Iterator[tuple[int, list[str]]]:
    hits: list[str] = []
    handler = type("Handler", (Site,), {"route": staticmethod(route), "hits": hits})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server.server_address[1], hits
    finally:
        server.shutdown()
        server.server_close()


def html(body: str) -> Page:
    return 200, {"Content-Type": "text/html; charset=utf-8"}, f"<html><body>{body}</body></html>".encode()


def crawl(tmp_path: Path, sites: list[dict], *settings: str):
    registry = tmp_path / "sites.yaml"
    registry.write_text(yaml.safe_dump(sites, allow_unicode=True), "utf-8")
    overrides = [x for name in settings for x in ("-s", name)]
    return govreports("crawl", "--sites-file", str(registry), "--data-dir", str(tmp_path / "data"),
                      *FAST, *overrides, timeout=300)


# ── 1. Only http(s) is fetched ───────────────────────────────────────────────

def hostile_site(secret: Path, marker: str) -> Callable[[str, int], Page | None]:
    """Every platform's list and report pages, linking files of this machine (file:// with the
    site's own host, with 127.0.0.1, with no host), data: URLs, and redirects to file://."""
    pdf = f"%PDF-1.4\n% {marker}\n%%EOF\n".encode()
    (secret / "202401").mkdir(parents=True)
    (secret / "secret.pdf").write_bytes(pdf)
    for name in ("page.html", "index_2.html", "202401/t20240102_2.html"):
        (secret / name).write_text(f"<html><body>{REPORT_TITLE.format(2023)} {marker}</body></html>", "utf-8")
    (secret / "dataproxy.jsp").write_text(
        f"<datastore><recordset><record><![CDATA[<li><a href='/art/9.html'>{REPORT_TITLE.format(2012)}</a>"
        f"{marker}</li>]]></record></recordset></datastore>", "utf-8")
    as_data = base64.b64encode(pdf).decode()
    as_percent = "".join(f"%{b:02X}" for b in pdf)

    def route(path: str, port: int) -> Page | None:
        here = f"file://127.0.0.1:{port}{secret}"  # the site's own host, port and all
        links = [f"{here}/secret.pdf", f"file://127.0.0.1{secret}/secret.pdf", f"file://{secret}/secret.pdf",
                 f"data:application/pdf;base64,{as_data}", f"data:application/pdf,{as_percent}.pdf",
                 "/files/to-file.pdf", "/files/refresh.pdf", "/files/real.pdf"]
        report = (f"<h1>{REPORT_TITLE.format(2023)}</h1><p>详见附件。</p>"
                  + "".join(f'<p><a href="{u}">附件{i}.pdf</a></p>' for i, u in enumerate(links))
                  + f"<script>document.write('<a href=\"{here}/secret.doc\">附件</a>');</script>")
        detail = json.dumps({"attachment": [{"url": f"{here}/secret.pdf", "name": "附件.pdf"},
                                            {"url": "/files/real.pdf", "name": "附件.pdf"}]})
        pages: dict[str, Page] = {
            # static: report links and a next page off http, and a redirect to a file
            "/static/index.html": html(
                f'<ul><li><a href="/static/report.html">{REPORT_TITLE.format(2023)}</a></li>'
                f'<li><a href="{here}/page.html">{REPORT_TITLE.format(2022)}</a></li>'
                f'<li><a href="file://{secret}/page.html">{REPORT_TITLE.format(2021)}</a></li>'
                f'<li><a href="data:text/html;base64,{as_data}">{REPORT_TITLE.format(2020)}</a></li>'
                f'<li><a href="/static/moved.html">{REPORT_TITLE.format(2019)}</a></li></ul>'
                f'<a href="{here}/index_2.html">下一页</a>'),
            "/static/report.html": html(report),
            "/static/moved.html": (302, {"Location": f"{here}/page.html"}, b""),
            # TRS: an article link shaped like TRS's own, on the disk
            "/trs/index.html": html(
                f'<ul><li><a href="./202401/t20240101_1.html">{REPORT_TITLE.format(2018)}</a><span>2024-01-01</span></li>'
                f'<li><a href="{here}/202401/t20240102_2.html">{REPORT_TITLE.format(2017)}</a></li></ul>'),
            "/trs/202401/t20240101_1.html": html(report),
            # Hanweb: a record and the dataproxy (POST) on the disk
            "/col/col1/index.html": html(
                '<script type="text/xml"><datastore><recordset>'
                f'<record><![CDATA[<li><a href="/art/2024/1/1/art_1_1.html">{REPORT_TITLE.format(2016)}</a></li>]]></record>'
                f'<record><![CDATA[<li><a href="{here}/page.html">{REPORT_TITLE.format(2015)}</a></li>]]></record>'
                "</recordset></datastore></script>"
                f"<script>var jpage = {{proxyUrl:'{here}/dataproxy.jsp', totalRecord:'40', perPage:'15', "
                "columnid:'1', webid:'1'}};</script>"),
            "/art/2024/1/1/art_1_1.html": html(report),
            # gkmlpt: an API article and a DETAIL attachment on the disk
            "/gkmlpt/api/all/5?page=1&sid=1": (200, {"Content-Type": "application/json"}, json.dumps({
                "articles": [{"url": "/gkmlpt/content/1/1/post_1.html", "title": REPORT_TITLE.format(2014)},
                             {"url": f"{here}/page.html", "title": REPORT_TITLE.format(2013)}],
                "total": 2}).encode()),
            "/gkmlpt/content/1/1/post_1.html": html(f"{report}<script>var _CONFIG = {{DETAIL: {detail}}};</script>"),
            # attachments
            "/files/real.pdf": (200, {"Content-Type": "application/pdf"}, b"%PDF-1.4\n%%EOF\n"),
            "/files/to-file.pdf": (302, {"Location": f"{here}/secret.pdf"}, b""),
            "/files/refresh.pdf": html(f'<meta http-equiv="refresh" content="0;url={here}/secret.pdf">'),
        }
        return pages.get(path)

    return route


def unpacked(path: Path) -> bytes:
    """A file's bytes, gzip members (the WARC's records) uncompressed."""
    data = path.read_bytes()
    return gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data


def test_a_hostile_site_cannot_make_the_crawler_read_local_files(tmp_path):
    marker = f"GOVREPORTS-LOCAL-SECRET-{uuid.uuid4().hex}"
    secret = tmp_path / "secret"
    with serve(hostile_site(secret, marker)) as (port, hits):
        base = f"http://127.0.0.1:{port}"
        sites = [
            {"id": "static_site", "name": "static", "platform": "static", "column_url": f"{base}/static/index.html"},
            {"id": "trs_site", "name": "trs", "platform": "trs", "column_url": f"{base}/trs/index.html"},
            {"id": "hanweb_site", "name": "hanweb", "platform": "hanweb", "column_url": f"{base}/col/col1/index.html"},
            {"id": "gkmlpt_site", "name": "gkmlpt", "platform": "gkmlpt", "column_url": f"{base}/gkmlpt/index#5",
             "gkmlpt_sid": "1"},
        ]
        proc = crawl(tmp_path, sites)
    # 3: the Hanweb column announces 40 records and lists 2 (its dataproxy is not http).
    assert proc.returncode in (0, 3), proc.stderr[-3000:]
    data = tmp_path / "data"
    with closing(sqlite3.connect(data / "archive.db")) as db:
        stored = db.execute("select site_id from reports order by site_id").fetchall()
    assert stored == [("gkmlpt_site",), ("hanweb_site",), ("static_site",), ("trs_site",)]
    assert "/files/real.pdf" in hits and "/files/to-file.pdf" in hits  # attachments still fetched
    leaked = [p for p in data.rglob("*") if p.is_file() and marker.encode() in unpacked(p)]
    assert not leaked, f"a local file's content reached the archive: {leaked}"
    assert re.search(r"'govreports/links_skipped_scheme': [1-9]", proc.stderr)


def test_a_start_url_that_is_not_http_is_a_usage_error(tmp_path):
    # A start URL would be requested as given, without the spiders' link filters; the command
    # refuses it before any crawl (the downloader would too: test_scheme_middleware_…).
    marker = f"GOVREPORTS-LOCAL-SECRET-{uuid.uuid4().hex}"
    secret = tmp_path / "secret.html"
    secret.write_text(f"<html><body>{REPORT_TITLE.format(2023)} {marker}</body></html>", "utf-8")
    proc = govreports("crawl", "--start-url", f"file://127.0.0.1{secret}", "--data-dir", str(tmp_path / "data"),
                      *FAST, timeout=300)
    assert proc.returncode == 2 and "only http(s)" in proc.stderr, proc.stderr[-3000:]
    assert not [p for p in tmp_path.joinpath("data").rglob("*") if p.is_file() and marker.encode() in unpacked(p)]


def test_the_spiders_link_extraction_keeps_only_http():
    page = "http://127.0.0.1:8000/zfxxgknb/index.html"
    hostile = ["file://127.0.0.1:8000/etc/report.pdf", "file:///etc/report.pdf", "FILE://127.0.0.1/x.pdf",
               "data:application/pdf,x.pdf", "ftp://127.0.0.1/x.pdf", "s3://bucket/x.pdf"]
    links = "".join(f'<a href="{u}">{REPORT_TITLE.format(2023)}.pdf</a>' for u in hostile)
    report = f'<a href="./202401/t20240101_1.html">{REPORT_TITLE.format(2023)}</a><a href="./a.pdf">附件</a>'
    assert find_attachments(links + report, page) == [("http://127.0.0.1:8000/zfxxgknb/a.pdf", "附件")]
    assert [u for u, _, _ in static_report_links(links + report, page)] == [
        "http://127.0.0.1:8000/zfxxgknb/202401/t20240101_1.html"]
    assert static_pages('<a href="file://127.0.0.1:8000/zfxxgknb/index_2.html">下一页</a>'
                        '<a href="index_3.html">3</a>', page) == ["http://127.0.0.1:8000/zfxxgknb/index_3.html"]
    detail = json.dumps({"attachment": [{"url": u, "name": "x.pdf"} for u in [*hostile, "/b.pdf"]]})
    assert gkmlpt_attachments(f"<script>var c = {{DETAIL: {detail}}};</script>", page) == [
        ("http://127.0.0.1:8000/b.pdf", "x.pdf")]
    assert jpage_group_requests({"proxyUrl": "file://127.0.0.1:8000/etc/proxy.jsp", "totalRecord": "40"}, page, 2) == []


def test_scheme_middleware_refuses_all_but_http():
    crawler = get_crawler()
    middleware = SchemeMiddleware.from_crawler(crawler)
    assert middleware.process_request(Request("https://x.gov.cn/a.pdf")) is None
    refused = ["file:///etc/passwd", "file://127.0.0.1/etc/passwd", "data:,secret", "ftp://x.gov.cn/a.pdf",
               "s3://bucket/key"]
    for url in refused:
        with pytest.raises(IgnoreRequest, match="refused_scheme"):
            middleware.process_request(Request(url))
    assert crawler.stats.get_value("govreports/refused_scheme") == len(refused)


def test_settings_fetch_http_only_and_refuse_the_rest_first():
    settings = get_project_settings()
    handlers = settings.getwithbase("DOWNLOAD_HANDLERS")
    assert {scheme for scheme, handler in handlers.items() if handler} == {"http", "https"}
    middlewares = {k: v for k, v in settings.getwithbase("DOWNLOADER_MIDDLEWARES").items() if v is not None}
    # First of every middleware, before the offsite and robots.txt checks.
    assert min(middlewares, key=middlewares.get) == "crawler.middlewares.SchemeMiddleware"


# ── 2. Budgets per report page ───────────────────────────────────────────────

MB = 1024 * 1024


def attachment_body(i: int) -> bytes:
    unit = f"\x00\x01 attachment {i} ".encode()
    return (unit * (2 * MB // len(unit) + 1))[:2 * MB]


def heavy_site(path: str, port: int) -> Page | None:
    """A report page with 30 attachments of 2 MB, made on request; a list page whose second
    report link lies past the list_page_bytes budget the test sets."""
    if path == "/big/index.html":
        return html(f'<ul><li><a href="/big/report.html">{REPORT_TITLE.format(2023)}</a></li></ul>'
                    + "<p>栏目说明</p>" * 20_000
                    + f'<ul><li><a href="/big/late.html">{REPORT_TITLE.format(2022)}</a></li></ul>')
    if path == "/big/report.html":
        return html(f"<h1>{REPORT_TITLE.format(2023)}</h1>"
                    + "".join(f'<p><a href="/big/a{i}.pdf">附件{i}.pdf</a></p>' for i in range(30)))
    m = re.fullmatch(r"/big/a(\d+)\.pdf", path)
    if m:
        return 200, {"Content-Type": "application/pdf"}, attachment_body(int(m.group(1)))
    return None


def test_report_page_budgets_bound_what_the_crawl_holds(tmp_path):
    with serve(heavy_site) as (port, hits):
        proc = crawl(tmp_path, [{"id": "heavy", "name": "heavy", "platform": "static",
                                 "column_url": f"http://127.0.0.1:{port}/big/index.html"}],
                     f"GOVREPORTS_MAX_REPORT_BYTES={10 * MB}", "GOVREPORTS_MAX_LIST_PAGE_BYTES=100000")
    assert proc.returncode == 0, proc.stderr[-3000:]
    # Four attachments fit beside the page in 10 MB; the fifth was cut off at its headers;
    # none past it was asked for.
    asked = sorted(int(m.group(1)) for h in hits if (m := re.fullmatch(r"/big/a(\d+)\.pdf", h)))
    assert asked == [0, 1, 2, 3, 4]
    [manifest] = list(iter_report_manifests(tmp_path / "data" / "warc"))
    atts = manifest["attachments"]
    assert [a["linked_url"].rsplit("/", 1)[1] for a in atts] == [f"a{i}.pdf" for i in range(30)]
    assert all(a["sha256"] and not a["error"] for a in atts[:4])
    assert all(a["sha256"] is None for a in atts[4:])
    assert all(a["error"].startswith("too_large: over the report_bytes budget") for a in atts[4:20])
    assert all(a["error"].startswith("too_large: over the attachments_per_report budget: 30 attachments > 20")
               for a in atts[20:])
    stored = sum(p.stat().st_size for p in (tmp_path / "data" / "files").rglob("*") if p.is_file())
    assert stored <= 10 * MB
    assert "'govreports/attachments_over_budget/report_bytes': 16" in proc.stderr
    assert "'govreports/attachments_over_budget/attachments_per_report': 10" in proc.stderr
    warnings = [line for line in proc.stderr.splitlines() if "attachments not fetched" in line]
    assert len(warnings) == 2, warnings
    # The report's row says which attachments the archive lacks, and why.
    [row] = sqlite3.connect(tmp_path / "data" / "archive.db").execute("select warnings from reports").fetchall()
    lacking = [w for w in json.loads(row[0]) if "not fetched: too_large" in w]
    assert len(lacking) == 26 and all(w.split()[1].endswith(tuple(f"/a{i}.pdf" for i in range(4, 30)))
                                      for w in lacking)
    # The list page was read up to its budget: the report linked past it was never asked for.
    assert "/big/late.html" not in hits
    assert "'govreports/list_pages_over_budget/list_page_bytes': 1" in proc.stderr


# ── 3. List parsing linear in the page's size ────────────────────────────────

LIST = "http://x.gov.cn/zfxxgknb/index.html"


def one_paragraph(n: int) -> str:
    """n report links in one <p>, each followed by its date: the <p> is every link's item."""
    return "<p>" + "".join(f'<a href="/r/{i}.html">{REPORT_TITLE.format(2000 + i % 25)}</a> '
                           f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}<br>" for i in range(n)) + "</p>"


def test_a_list_of_5000_links_in_one_paragraph_parses_in_linear_time():
    page = one_paragraph(5000)
    started = time.perf_counter()
    links = static_report_links(page, LIST)
    elapsed = time.perf_counter() - started
    assert elapsed < 5, f"{elapsed:.1f} s: quadratic again (it took about 100 s)"
    assert [u for u, _, _ in links] == [f"http://x.gov.cn/r/{i}.html" for i in range(5000)]
    # Every link's item is the one <p>: its first date is theirs.
    assert {d for _, _, d in links} == {"2024-01-01"}
    started = time.perf_counter()
    entries = trs_list_entries(page.replace("/r/", "./202401/t20240101_"), LIST)
    assert time.perf_counter() - started < 5
    assert len(entries) == 5000 and entries[1][2] == "2024-02-02"  # the text right after the link


def test_an_undated_item_never_takes_the_next_items_date():
    items = "".join(f'<li><a href="/r/{i}.html">{REPORT_TITLE.format(2000 + i % 25)}</a>'
                    + (f"<span>2023-03-{1 + i % 28:02d}</span>" if i % 2 else "") + "</li>" for i in range(5000))
    started = time.perf_counter()
    links = static_report_links(f"<ul>{items}</ul>", LIST)
    assert time.perf_counter() - started < 5
    assert len(links) == 5000
    assert [d for _, _, d in links[:4]] == [None, "2023-03-02", None, "2023-03-04"]
    assert all((d is None) == (i % 2 == 0) for i, (_, _, d) in enumerate(links))


def test_a_list_page_is_read_up_to_its_link_budget():
    told: list[int] = []
    links = static_report_links(one_paragraph(120), LIST, max_links=100, over_links=lambda: told.append(1))
    assert len(links) == 100 and told == [1]
    assert static_report_links(one_paragraph(100), LIST, max_links=100, over_links=lambda: told.append(1))
    assert told == [1]


def test_hanweb_records_never_closed_cost_linear_time():
    text = (f'<record><![CDATA[<li><a href="/art/1.html">{REPORT_TITLE.format(2023)}</a></li>]]></record>'
            + "<record><![CDATA[<li>x</li>" * 20_000)
    started = time.perf_counter()
    assert len(jpage_records(text, LIST)) == 1
    assert time.perf_counter() - started < 5


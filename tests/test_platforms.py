"""The gkmlpt and generic static-list spiders and platform discovery: their decisions as pure
functions on snippets and saved pages, then real crawls (Scrapy in a subprocess) of the
bundled gkmlpt and static sample sites on 127.0.0.1, compared cell by cell with truth.json."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from crawler.registry import SAMPLE_SITES_FILE, load_sites
from crawler.sample_sites.server import SampleSites
from crawler.spiders.discover import detect_platform, site_for_start_url, site_id_for
from crawler.spiders.gkmlpt import (
    gkmlpt_api_url,
    gkmlpt_articles,
    gkmlpt_attachments,
    gkmlpt_column,
    gkmlpt_page_count,
    gkmlpt_payload,
    gkmlpt_sid,
)
from crawler.spiders.static_list import (
    link_title,
    page_key,
    static_pages,
    static_report_links,
    strip_cut_marks,
)
from pipelines.documents.html import decode_html

PKG = Path(__file__).parents[1] / "crawler" / "sample_sites"
WWW = PKG / "www"
TRUTH = json.loads((PKG / "truth.json").read_text("utf-8"))
CELL_TABLES = {"active_disclosure": ("item", "metric"), "applications": ("category", "applicant"),
               "reviews_litigation": ("proceeding", "result")}
NEW_SITES = ("gkmlpt_sample", "static_sample")
SITE_PREFIX = {"gkmlpt_sample": "/gkmlpt/", "static_sample": "/xxgk/"}


# ------------------------------------------------------------------------ gkmlpt, pure

API_PAGE = {
    "classify": {"id": 2811, "name": "政府信息公开年报", "post_count": 250},
    "total": 250,
    "offset": 0,
    "articles": [
        {"id": 10666715, "identifier": "007543382/2024-00012", "publisher": "深圳市某局",
         "title": "深圳市某局2023年政府信息公开工作年度报告",
         "url": "http://jr.sz.gov.cn/gkmlpt/content/10/10666/post_10666715.html",
         "display_publish_time": 1705633200},
        {"id": 10666720, "title": "深圳市某局2023年政府信息公开工作年度报告解读",
         "url": "//jr.sz.gov.cn/gkmlpt/content/10/10666/post_10666720.html",
         "display_publish_time": "2024-01-20 09:00:00"},
        {"id": 10666730, "title": "  关于报送  年报的通知 ", "url": "/gkmlpt/content/10/10666/post_10666730.html",
         "create_time": 1705633200000},
        {"id": 1, "title": "没有链接的条目"},
        {"id": 2, "title": None, "url": "/gkmlpt/content/0/0/post_2.html"},
        "not an object",
    ],
}


def test_gkmlpt_api_articles():
    api = "http://jr.sz.gov.cn/gkmlpt/api/all/2811?page=1&sid=755031"
    entries = gkmlpt_articles(gkmlpt_payload(json.dumps(API_PAGE, ensure_ascii=False)), api)
    assert entries == [
        ("http://jr.sz.gov.cn/gkmlpt/content/10/10666/post_10666715.html",
         "深圳市某局2023年政府信息公开工作年度报告", "2024-01-19"),  # 1705633200 = 2024-01-19 11:00 +08
        ("http://jr.sz.gov.cn/gkmlpt/content/10/10666/post_10666720.html",
         "深圳市某局2023年政府信息公开工作年度报告解读", "2024-01-20"),
        ("http://jr.sz.gov.cn/gkmlpt/content/10/10666/post_10666730.html", "关于报送 年报的通知", "2024-01-19"),
    ]
    assert gkmlpt_payload("<html>error</html>") == {} and gkmlpt_payload("[1, 2]") == {}
    assert gkmlpt_articles({}, api) == [] and gkmlpt_articles({"articles": None}, api) == []


@pytest.mark.parametrize("total, n, cap, pages", [
    (250, 100, 300, 3), (100, 100, 300, 1), (9, 4, 300, 3), (10**9, 100, 300, 300),
    (0, 0, 300, 0), ("7", 4, 300, 2), (None, 4, 300, 1), (True, 4, 300, 1),
])
def test_gkmlpt_page_count(total, n, cap, pages):
    assert gkmlpt_page_count({"total": total, "articles": [{}] * n}, cap) == pages


def test_gkmlpt_sid_column_and_api_url():
    front = """<script>window._CONFIG = {
      SID: '755031', SITE_NAME: '深圳市地方金融监督管理局',
      TREE: [{"id":2811,"name":"政府信息公开年报"}]};</script>"""
    assert gkmlpt_sid(front) == "755031"
    assert gkmlpt_sid('var c = {"SID":"2","x":1}') == "2"
    assert gkmlpt_sid("fetch('/gkmlpt/api/all/5?page=1&sid=200016')") == "200016"
    assert gkmlpt_sid("<html>no config</html>") is None
    assert gkmlpt_column("https://jr.sz.gov.cn/gkmlpt/index#2811") == "2811"
    assert gkmlpt_column("https://x.gov.cn/gkmlpt/index#/2811?tab=1") == "2811"
    assert gkmlpt_column("https://x.gov.cn/gkmlpt/index") is None
    # Sites mounted under a path keep it (yangjiang.gov.cn/yjzjj/gkmlpt/…).
    assert gkmlpt_api_url("http://www.yangjiang.gov.cn/yjzjj/gkmlpt/index#721", 721, "662021", 1) == (
        "http://www.yangjiang.gov.cn/yjzjj/gkmlpt/api/all/721?page=1&sid=662021")
    assert gkmlpt_api_url("http://www.gd.gov.cn/gkmlpt/api/all/5?page=1&sid=2", 5, 2, 3) == (
        "http://www.gd.gov.cn/gkmlpt/api/all/5?page=3&sid=2")


def test_gkmlpt_detail_attachments():
    # Files listed only in DETAIL (json_encode escapes "/"), plus ordinary links; no duplicates.
    html = r"""<script>window._CONFIG = { SID: '2',
      DETAIL: {"id": 10800873, "title": "某局2023年政府信息公开工作年度报告",
               "attachment": [{"name": "年报.pdf", "url": "\/attachment\/1\/1342\/1342711\/10800873.pdf"},
                              {"name": "说明 {草稿}.docx", "url": "\/attachment\/1\/1342\/1342712\/10800873.docx"}]},
      TREE: [] };</script>
      <div class="content"><a href="/attachment/1/1342/1342711/10800873.pdf">年报.pdf</a>
      <a href="/gkmlpt/index">返回</a></div>"""
    url = "http://amr.sz.gov.cn/gkmlpt/content/10/10800/post_10800873.html"
    assert gkmlpt_attachments(html, url) == [
        ("http://amr.sz.gov.cn/attachment/1/1342/1342711/10800873.pdf", "年报.pdf"),
        ("http://amr.sz.gov.cn/attachment/1/1342/1342712/10800873.docx", "说明 {草稿}.docx"),
    ]
    assert gkmlpt_attachments("<script>DETAIL: {broken</script>", url) == []


# ------------------------------------------------------------------------ static lists, pure

LIST = "http://www.x.gov.cn/zfxxgk/zfxxgknb/index.html"


def test_static_next_and_last_links_fill_the_gap():
    html = """<div class="page"><span>1</span> <a href="list_2.html">2</a> <a href="list_3.html">3</a>
      <a href="list_2.html">下一页</a> <a href="list_9.html">尾页</a></div>"""
    assert static_pages(html, LIST) == [f"http://www.x.gov.cn/zfxxgk/zfxxgknb/list_{n}.html" for n in range(2, 10)]


@pytest.mark.parametrize("href, text, expected", [
    ("index_1.shtml", "2", "http://www.x.gov.cn/zfxxgk/zfxxgknb/index_1.shtml"),
    ("column-index-2.shtml", "下一页", "http://www.x.gov.cn/zfxxgk/zfxxgknb/column-index-2.shtml"),
    ("2.html", "2", "http://www.x.gov.cn/zfxxgk/zfxxgknb/2.html"),
    ("?page=2&col=7", "下页", "http://www.x.gov.cn/zfxxgk/zfxxgknb/index.html?page=2&col=7"),
    ("index.html?pageNo=2", "2", "http://www.x.gov.cn/zfxxgk/zfxxgknb/index.html?pageNo=2"),
    ("/zfxxgk/zfxxgknb/index.html?currPage=2", "后一页", "http://www.x.gov.cn/zfxxgk/zfxxgknb/index.html?currPage=2"),
    ("/search?channel=9&pageIndex=2", "下一页", "http://www.x.gov.cn/search?channel=9&pageIndex=2"),
])
def test_static_page_link_patterns(href, text, expected):
    assert static_pages(f'<a href="{href}">{text}</a>', LIST) == [expected]


def test_static_page_links_that_are_not_pages():
    html = """<a href="./202401/12345.html">某局2023年政府信息公开工作年度报告</a>
      <a href="12345.html">某篇文章</a>
      <a href="../zfxxgkzn/list_2.html">2</a>
      <a href="http://other.gov.cn/zfxxgk/zfxxgknb/list_2.html">下一页</a>
      <a href="javascript:goPage(2)">下一页</a>
      <a href="index.html">首页</a> <a href="./">1</a>"""
    assert static_pages(html, LIST) == []


def test_static_pages_are_bounded_and_query_params_kept():
    html = '<a href="?page=2&type=nb">2</a><a href="?type=nb&page=100000">尾页</a>'
    pages = static_pages(html, "http://www.x.gov.cn/nb/list.jsp?type=nb", max_pages=5)
    assert pages == [f"http://www.x.gov.cn/nb/list.jsp?page={n}&type=nb" for n in range(2, 7)][:5]


def test_static_create_page_html():
    html = '<script>createPageHTML(3, 0, "index", "html");</script>'
    assert static_pages(html, LIST) == [
        "http://www.x.gov.cn/zfxxgk/zfxxgknb/index_1.html", "http://www.x.gov.cn/zfxxgk/zfxxgknb/index_2.html"]


def test_page_key():
    assert page_key("http://X.gov.cn/a/b/index.html#top") == page_key("http://x.gov.cn/a/b/") == "http://x.gov.cn/a/b/"
    assert page_key("http://x.gov.cn/a/b/list_2.html") != page_key("http://x.gov.cn/a/b/")


def test_static_report_links_by_title():
    html = """<ul>
      <li><a href="./2024/0124/2.html" title="某局2023年政府信息公开工作年度报告解读">某局2023年政府信息公开工作年度报告…</a><span>2024-01-24</span></li>
      <li><a href="./2024/0122/1.html" title="某局2023年政府信息公开工作年度报告">某局2023年政府信息公开工作年…</a><span>2024-01-22</span></li>
      <li><a href="/xxgk/nb/index.html">政府信息公开年报</a></li>
      <li><a href="./2023/0301/3.pdf">某县2022年政府信息公开年报</a></li>
    </ul>
    <div class="hot"><a href="/zfxxgk/zfxxgknb/2024/0122/1.html">某局2023年政府信息公开工作年度报告</a></div>"""
    assert static_report_links(html, LIST) == [
        ("http://www.x.gov.cn/zfxxgk/zfxxgknb/2024/0122/1.html", "某局2023年政府信息公开工作年度报告", "2024-01-22"),
        ("http://www.x.gov.cn/zfxxgk/zfxxgknb/2023/0301/3.pdf", "某县2022年政府信息公开年报", None),
    ]


@pytest.mark.parametrize("attr, text, title", [
    ("某局2023年政府信息公开工作年度报告解读", "某局2023年政府信息公开工作年度报告…", "某局2023年政府信息公开工作年度报告解读"),
    ("某局2023年政府信息公开工作年度报告", "某局2023年政府...", "某局2023年政府信息公开工作年度报告"),
    ("", "某局2023年政府信息公开工作年度报告", "某局2023年政府信息公开工作年度报告"),
    ("点击查看", "某局2023年政府信息公开工作年度报告", "某局2023年政府信息公开工作年度报告"),
])
def test_link_title(attr, text, title):
    assert link_title(attr, text) == title


@pytest.mark.parametrize("text, stripped", [
    ("某局2023年政府信息公开工作年度报告…", "某局2023年政府信息公开工作年度报告"),
    ("某局2023年政府...", "某局2023年政府"),
    ("某局2023年..…...…", "某局2023年"),
    ("某局报告.", "某局报告."),  # a full stop, not a cut
    ("某局报告.…", "某局报告."),
    ("某局报告…..…", "某局报告"),
    ("1.2", "1.2"),
    ("……", ""),
    ("", ""),
    # A dot leader before a page number: the old pattern tried every split of the 200 dots.
    ("目录" + "." * 200 + "12", "目录" + "." * 200 + "12"),
    ("目录" + "." * 200 + "x.", "目录" + "." * 200 + "x."),
])
def test_cut_marks_are_stripped_from_the_end_only(text, stripped):
    assert strip_cut_marks(text) == stripped


# ------------------------------------------------------------------------ discovery, pure

def _page(*parts: str) -> str:
    return decode_html((WWW.joinpath(*parts)).read_bytes())[0]


def test_detect_platform_real_trs_page(files):
    html, _ = decode_html((files / "pingtan" / "list_index.html").read_bytes())
    assert detect_platform(html, "https://www.pingtan.gov.cn/zwgk/zfxxgk/zfxxgknb/") == "trs"
    html, _ = decode_html((files / "pingtan" / "t20230220_80629.html").read_bytes())
    assert detect_platform(html, "https://www.pingtan.gov.cn/zwgk/zfxxgk/zfxxgknb/202302/t20230220_80629.htm") == "trs"


@pytest.mark.parametrize("site_id, parts, platform", [
    ("trs_sample", ("trs_sample", "zwgk", "zfxxgk", "zfxxgknb", "index.html"), "trs"),
    ("hanweb_sample", ("hanweb_sample", "col", "col1229001", "index.html"), "hanweb"),
    ("gkmlpt_sample", ("gkmlpt_sample", "gkmlpt", "index.html"), "gkmlpt"),
    ("static_sample", ("static_sample", "xxgk", "nb", "index.html"), "static"),
    ("static_sample", ("static_sample", "xxgk", "nb", "list_2.html"), "static"),
])
def test_detect_platform_sample_column_pages(site_id, parts, platform):
    html = _page(*parts)
    column = "http://127.0.0.1:8000" + TRUTH["sites"][site_id]["column_path"]
    assert detect_platform(html, column) == platform
    # The body alone is enough too (a column reached through a redirect or a vanity URL).
    assert detect_platform(html, "http://127.0.0.1:8000/some/column/") == platform


def test_detect_platform_links_to_other_platforms_do_not_count():
    html = """<ul><li><a href="http://www.zj.gov.cn/col/col1229019364/index.html">浙江省人民政府</a></li>
      <li><a href="http://www.gd.gov.cn/gkmlpt/index">广东省政府信息公开目录</a></li></ul>
      <a href="./2024/1.html">某县2023年政府信息公开工作年度报告</a>"""
    assert detect_platform(html, "http://www.x.gov.cn/xxgk/nb/") == "static"
    assert detect_platform('<a href="/col/col123/index.html">栏目</a>', "http://www.x.gov.cn/") == "hanweb"
    assert detect_platform("", "http://x.gov.cn/gkmlpt/index#5") == "gkmlpt"
    assert detect_platform("", "http://x.gov.cn/col/col99/index.html") == "hanweb"
    assert detect_platform("<script>jQuery('#u').jpage({})</script>", "http://x.gov.cn/a/") == "hanweb"
    assert detect_platform('<a href="./P020240125123456789012.pdf">附件</a>', "http://x.gov.cn/a/") == "trs"


def test_site_for_start_url():
    html = _page("static_sample", "xxgk", "nb", "index.html")
    site = site_for_start_url("http://127.0.0.1:8123/xxgk/nb/index.html", html)
    assert site == {
        "id": "127_0_0_1_xxgk_nb", "name": "青禾县人民政府（样例站点）", "agency": None, "province": None,
        "city": None, "level": None, "platform": "static",
        "column_url": "http://127.0.0.1:8123/xxgk/nb/index.html", "discovered": True,
    }
    gk = site_for_start_url("http://www.lingnan.example/gkmlpt/index#3101", _page("gkmlpt_sample", "gkmlpt", "index.html"))
    assert (gk["id"], gk["platform"], gk["gkmlpt_sid"], gk["gkmlpt_column"]) == (
        "lingnan_example_gkmlpt_index_3101", "gkmlpt", "762001", "3101")
    bare = site_for_start_url("https://www.pingtan.gov.cn/zwgk/zfxxgk/zfxxgknb/", None)
    assert (bare["id"], bare["name"], bare["platform"]) == (
        "pingtan_gov_cn_zwgk_zfxxgk_zfxxgknb", "www.pingtan.gov.cn", "static")
    assert site_for_start_url("http://x.gov.cn/a/", "<title> 某县 政府 </title>")["name"] == "某县 政府"
    assert len(site_id_for("http://x.gov.cn/" + "/".join(["very-long-segment"] * 20))) <= 64


# ------------------------------------------------------------------------ real crawls

RUNNER = """
import json, os, sys
os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")
from scrapy.crawler import CrawlerProcess
from scrapy.utils.project import get_project_settings
from crawler.spiders.discover import DiscoverSpider
from crawler.spiders.gkmlpt import GkmlptSpider
from crawler.spiders.static_list import StaticListSpider

cfg = json.loads(sys.argv[1])
settings = get_project_settings()
for key, value in cfg["settings"].items():
    settings.set(key, value, priority="cmdline")
process = CrawlerProcess(settings)
spiders = {"gkmlpt": GkmlptSpider, "static": StaticListSpider, "discover": DiscoverSpider}
crawlers = []
for job in cfg["jobs"]:
    crawler = process.create_crawler(spiders[job["spider"]])
    crawlers.append(crawler)
    process.crawl(crawler, **job["kwargs"])
process.start()
print(json.dumps({c.spider.name + ":" + c.spider.site["id"]: c.stats.get_stats() for c in crawlers},
                 default=str, ensure_ascii=False))
"""


def run_spiders(tmp: Path, jobs: list[dict]) -> tuple[Path, dict]:
    db = tmp / "data" / "archive.db"
    cfg = {"settings": {"GOVREPORTS_DB": str(db), "GOVREPORTS_DATA_DIR": str(tmp / "data"),
                        "DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False, "LOG_LEVEL": "INFO"},
           "jobs": jobs}
    proc = subprocess.run([sys.executable, "-c", RUNNER, json.dumps(cfg, ensure_ascii=False)],
                          capture_output=True, text=True, timeout=600, cwd=Path(__file__).parents[1])
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    return db, json.loads(proc.stdout.strip().splitlines()[-1])


def truth_reports(site_id: str) -> list[dict]:
    return [r for r in TRUTH["reports"] if r["site_id"] == site_id]


def truth_non_reports(site_id: str) -> set[str]:
    return {p for p in TRUTH["non_reports"] if p.startswith(SITE_PREFIX[site_id])}


def check_archive(db: Path, archived_as: dict[str, str]) -> None:
    """Every report of each sample site (truth site id → the id it was archived under) is
    stored once with its metadata and every cell; no non-report is stored."""
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    for truth_site, site_id in archived_as.items():
        keys = {r[0] for r in conn.execute("select doc_key from reports where site_id = ?", [site_id])}
        assert keys == {r["path"] for r in truth_reports(truth_site)}, truth_site
        assert not keys & truth_non_reports(truth_site)
        for report in truth_reports(truth_site):
            rows = conn.execute("select * from reports where site_id = ? and doc_key = ? and is_latest = 1",
                                [site_id, report["path"]]).fetchall()
            assert len(rows) == 1, report["path"]
            row = rows[0]
            assert (row["year"], row["template"], row["source_format"], row["agency"]) == (
                report["year"], report["template"], report["source_format"], report["agency"]), report["path"]
            for section, (k1, k2) in CELL_TABLES.items():
                got = {(r[0], r[1]): r[2] for r in conn.execute(
                    f"select {k1}, {k2}, value from {section} where report_id = ?", [row["id"]])}
                expected = {(a, b): v for a, cols in report["cells"][section].items() for b, v in cols.items()}
                assert {k: got.get(k) for k in expected} == expected, f"{report['path']} {section}"
            failed = {(r[0], r[1]) for r in conn.execute(
                "select rule, subject from checks where report_id = ? and passed = 0", [row["id"]])}
            assert failed == {(c["rule"], c.get("column") or c.get("row") or c.get("proceeding"))
                              for c in report["expected_failed_checks"]}, report["path"]


@pytest.fixture(scope="module")
def registry_crawl(tmp_path_factory):
    """GkmlptSpider and StaticListSpider over the two sample sites, from their registry
    entries (the gkmlpt entry has no SID: the spider must read it from the front page)."""
    tmp = tmp_path_factory.mktemp("platforms")
    with SampleSites() as sites:
        registry = {s["id"]: s for s in load_sites(SAMPLE_SITES_FILE, base_urls=sites.base_urls)}
        assert "gkmlpt_sid" not in registry["gkmlpt_sample"]
        db, stats = run_spiders(tmp, [
            {"spider": "gkmlpt", "kwargs": {"site": registry["gkmlpt_sample"]}},
            {"spider": "static", "kwargs": {"site": registry["static_sample"]}},
        ])
        requests = list(sites.requests)
    yield db, stats, requests


def test_registry_crawl_archives_every_report_and_cell(registry_crawl):
    db, *_ = registry_crawl
    check_archive(db, {s: s for s in NEW_SITES})


def test_site_rows_written_after_the_reports_reach_the_archive(registry_crawl):
    # A site's status and crawl run go through the writer thread, not waited for, after its
    # reports; this process ran its crawlers without `govreports crawl` and its writer's close.
    db, stats, _ = registry_crawl
    conn = sqlite3.connect(db)
    runs = dict(conn.execute("select sites, pages from crawl_runs").fetchall())
    assert runs == {"gkmlpt_sample": stats["gkmlpt:gkmlpt_sample"]["response_received_count"],
                    "static_sample": stats["static:static_sample"]["response_received_count"]}
    assert dict(conn.execute("select id, status from sites").fetchall()) == {
        "gkmlpt_sample": "ok", "static_sample": "ok"}


def test_registry_crawl_requests(registry_crawl):
    _, stats, requests = registry_crawl
    for site_id in NEW_SITES:
        gets = Counter(path for site, method, path, status in requests if site == site_id and method == "GET")
        assert all(n == 1 for n in gets.values()), [p for p, n in gets.items() if n > 1]
        assert all(status in (200, 404) for site, *_, status in requests if site == site_id)
        fetched = {p.split("?")[0] for p in gets}
        # Non-reports are filtered by title, never fetched.
        assert not fetched & truth_non_reports(site_id)
        assert {r["path"] for r in truth_reports(site_id)} <= fetched
    gk = Counter(p for s, m, p, _ in requests if s == "gkmlpt_sample")
    # The SPA front page once (for the SID), then exactly the API pages `total` calls for.
    assert gk["/gkmlpt/index"] == 1
    api = sorted(p for p in gk if p.startswith("/gkmlpt/api/"))
    assert api == [f"/gkmlpt/api/all/3101?page={n}&sid=762001" for n in (1, 2, 3)]
    st = {p for s, _, p, _ in requests if s == "static_sample"}
    assert {"/xxgk/nb/index.html", "/xxgk/nb/list_2.html", "/xxgk/nb/list_3.html"} <= st
    assert not any(p.startswith(("/xxgk/zn/", "/xxgk/zd/", "/xxgk/fdzdgknr/")) for p in st)
    assert stats["gkmlpt:gkmlpt_sample"]["govreports/list_pages"] == 3
    assert stats["static:static_sample"]["govreports/list_pages"] == 3
    for key in stats:
        assert stats[key].get("log_count/ERROR", 0) == 0, key


def test_gkmlpt_with_sid_in_registry_and_wrong_sid(tmp_path):
    with SampleSites() as sites:
        site = {s["id"]: s for s in load_sites(SAMPLE_SITES_FILE, base_urls=sites.base_urls)}["gkmlpt_sample"]
        good = site | {"id": "gk_with_sid", "gkmlpt_sid": "762001"}
        wrong = site | {"id": "gk_wrong_sid", "gkmlpt_sid": "1"}
        db, stats = run_spiders(tmp_path, [{"spider": "gkmlpt", "kwargs": {"site": good}},
                                           {"spider": "gkmlpt", "kwargs": {"site": wrong}}])
        requests = list(sites.requests)
    assert not any(p == "/gkmlpt/index" for s, _, p, _ in requests if s == "gkmlpt_sample")
    conn = sqlite3.connect(db)
    assert conn.execute("select count(*) from reports where site_id = 'gk_with_sid'").fetchone()[0] == len(
        truth_reports("gkmlpt_sample"))
    assert conn.execute("select count(*) from reports where site_id = 'gk_wrong_sid'").fetchone()[0] == 0


def test_discover_crawls_from_a_start_url(tmp_path):
    """`govreports crawl --start-url URL`: no registry entry, the platform read off the page."""
    with SampleSites() as sites:
        static_url = sites.base_urls["static_sample"] + "/xxgk/nb/index.html"
        gkmlpt_url = sites.base_urls["gkmlpt_sample"] + "/gkmlpt/index#3101"
        db, stats = run_spiders(tmp_path, [{"spider": "discover", "kwargs": {"start_url": static_url}},
                                           {"spider": "discover", "kwargs": {"start_url": gkmlpt_url}}])
    static_id, gkmlpt_id = site_id_for(static_url), site_id_for(gkmlpt_url)
    assert (static_id, gkmlpt_id) == ("127_0_0_1_xxgk_nb", "127_0_0_1_gkmlpt_index_3101")
    assert stats[f"discover:{static_id}"]["govreports/discovered_platform"] == "static"
    assert stats[f"discover:{gkmlpt_id}"]["govreports/discovered_platform"] == "gkmlpt"
    check_archive(db, {"static_sample": static_id, "gkmlpt_sample": gkmlpt_id})
    conn = sqlite3.connect(db)
    platforms = dict(conn.execute("select id, platform from sites").fetchall())
    assert platforms[static_id] == "static" and platforms[gkmlpt_id] == "gkmlpt"

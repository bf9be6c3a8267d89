"""The bundled sample sites: served over real HTTP, consistent with truth.json, reproducible."""

from __future__ import annotations

import io
import json
import re
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from pathlib import Path

import pytest

from crawler.sample_sites import build as build_mod
from crawler.sample_sites.server import SampleSites

PKG = Path(build_mod.__file__).resolve().parent
TRUTH = json.loads((PKG / "truth.json").read_text("utf-8"))

# Canonical keys, written out independently of crawler.sample_sites.templates.
APPLICANTS = [
    "natural_person",
    "commercial_enterprise",
    "research_institution",
    "social_welfare_org",
    "legal_service_org",
    "other_org",
    "total",
]
RESULT_ROWS = [
    "granted",
    "partially_granted",
    *(
        f"denied_{x}"
        for x in (
            "state_secret",
            "prohibited_by_law",
            "three_safeties",
            "third_party",
            "internal_affairs",
            "process_info",
            "enforcement_file",
            "administrative_query",
        )
    ),
    "unavailable_not_held",
    "unavailable_needs_creation",
    "unavailable_unclear",
    *(
        f"not_processed_{x}"
        for x in ("petition", "duplicate", "publication", "excessive", "confirmation")
    ),
    "other",
]
OTHER_SUB = ["other_no_correction", "other_unpaid_fee", "other_other"]
ACTIVE = {
    "2019": {
        "regulations": ["made_this_year", "published_this_year", "total_published"],
        "normative_documents": ["made_this_year", "published_this_year", "total_published"],
        "administrative_licensing": ["items_last_year", "change_this_year", "decisions"],
        "other_management_services": ["items_last_year", "change_this_year", "decisions"],
        "administrative_penalty": ["items_last_year", "change_this_year", "decisions"],
        "administrative_coercion": ["items_last_year", "change_this_year", "decisions"],
        "administrative_fees": ["items_last_year", "change_this_year"],
        "centralized_procurement": ["procurement_projects", "procurement_amount"],
    },
    "2021": {
        "regulations": ["issued_this_year", "repealed_this_year", "in_force"],
        "normative_documents": ["issued_this_year", "repealed_this_year", "in_force"],
        "administrative_licensing": ["decisions"],
        "administrative_penalty": ["decisions"],
        "administrative_coercion": ["decisions"],
        "administrative_fees": ["fees_amount"],
    },
}
PROCEEDINGS = ["administrative_review", "litigation_direct", "litigation_after_review"]
RESULTS = ["upheld", "corrected", "other", "pending", "total"]

TEMPLATE_REPORTS = [r for r in TRUTH["reports"] if r["template"] in ("2019", "2021")]
# Which site a path belongs to, and how its pages are encoded.
SITE_PREFIX = {"trs_sample": "/zwgk/", "hanweb_sample": "/art/", "gkmlpt_sample": "/gkmlpt/",
               "static_sample": "/xxgk/"}
ENCODING = {"trs_sample": "gb18030", "hanweb_sample": "utf-8", "gkmlpt_sample": "utf-8",
            "static_sample": "utf-8"}


def site_of(path: str) -> str:
    (site,) = [s for s, prefix in SITE_PREFIX.items() if path.startswith(prefix)]
    return site


def expected_keys(template: str) -> set[str]:
    keys = {f"active_disclosure.{i}.{m}" for i, ms in ACTIVE[template].items() for m in ms}
    rows = ["new_received", "carried_over", *RESULT_ROWS, "total_processed", "carried_forward"]
    if template == "2021":
        rows += OTHER_SUB
    keys |= {f"applications.{r}.{a}" for r in rows for a in APPLICANTS}
    keys |= {f"reviews_litigation.{p}.{r}" for p in PROCEEDINGS for r in RESULTS}
    return keys


def flat(cells: dict) -> dict[str, float]:
    return {
        f"{s}.{r}.{c}": v
        for s, rows in cells.items()
        for r, cols in rows.items()
        for c, v in cols.items()
    }


def failed_checks(report: dict) -> list[dict[str, str]]:
    """The identities (勾稽关系) of one report, computed from its truth cells."""
    app, rev = report["cells"]["applications"], report["cells"]["reviews_litigation"]
    fails: list[dict[str, str]] = []
    for col in APPLICANTS:
        if (
            app["new_received"][col] + app["carried_over"][col]
            != app["total_processed"][col] + app["carried_forward"][col]
        ):
            fails.append({"rule": "applications.balance", "column": col})
        if report["template"] == "2021" and app["other"][col] != sum(
            app[r][col] for r in OTHER_SUB
        ):
            fails.append({"rule": "applications.other_sum", "column": col})
        if app["total_processed"][col] != sum(app[r][col] for r in RESULT_ROWS):
            fails.append({"rule": "applications.results_sum", "column": col})
    for row, cols in app.items():
        if cols["total"] != sum(cols[a] for a in APPLICANTS[:-1]):
            fails.append({"rule": "applications.row_total", "row": row})
    for proc, cols in rev.items():
        if cols["total"] != sum(cols[r] for r in RESULTS[:-1]):
            fails.append({"rule": "reviews_litigation.total", "proceeding": proc})
    return fails


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def fetch(
    url: str, data: bytes | None = None, headers: dict[str, str] | None = None, follow: bool = True
) -> tuple[int, dict[str, str], bytes]:
    opener = urllib.request.build_opener() if follow else urllib.request.build_opener(_NoRedirect)
    req = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with opener.open(req, timeout=10) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read()


@pytest.fixture(scope="module")
def sites():
    with SampleSites() as running:
        yield running


def _url(sites: SampleSites, site_id: str, path: str) -> str:
    return sites.base_urls[site_id] + path


# ------------------------------------------------------------------------ HTTP


def test_trs_column_pages_paginate_only_by_script(sites):
    seen: list[str] = []
    for page in range(3):
        name = "index.html" if page == 0 else f"index_{page}.html"
        status, headers, body = fetch(_url(sites, "trs_sample", f"/zwgk/zfxxgk/zfxxgknb/{name}"))
        assert status == 200
        assert headers["Content-Type"] == "text/html"  # no charset: the meta must be read
        assert b'<meta charset="gb2312">' in body
        text = body.decode("gb18030")
        assert f'createPageHTML(3, {page}, "index", "html")' in text
        assert 'href="index_' not in text and "href='index_" not in text
        seen += re.findall(r'<li><a href="\./(\d{6}/t\d{8}_\d+\.htm)"', text)
    assert fetch(_url(sites, "trs_sample", "/zwgk/zfxxgk/zfxxgknb/index_3.html"))[0] == 404
    trs_paths = {r["path"] for r in TRUTH["reports"] if r["site_id"] == "trs_sample"}
    trs_paths |= {p for p in TRUTH["non_reports"] if p.startswith("/zwgk/")}
    assert {"/zwgk/zfxxgk/zfxxgknb/" + s for s in seen} == trs_paths
    assert len(seen) == 15


def test_trs_encoding_traps(sites):
    status, _, body = fetch(
        _url(sites, "trs_sample", "/zwgk/zfxxgk/zfxxgknb/202401/t20240125_123456.htm")
    )
    assert status == 200
    with pytest.raises(UnicodeDecodeError):
        body.decode("gb2312")
    assert "王珺" in body.decode("gbk")
    malformed = [r for r in TRUTH["reports"] if any("malformed" in m for m in r["messiness"])]
    assert len(malformed) == 1
    body = fetch(_url(sites, "trs_sample", malformed[0]["path"]))[2]
    assert b'<meta httpequiv="ContentType" content="text/html; charset=gbk">' in body
    assert b"<meta charset" not in body


def test_trs_js_only_attachment(sites):
    js = [
        r
        for r in TRUTH["reports"]
        if r["site_id"] == "trs_sample" and any("document.write" in m for m in r["messiness"])
    ]
    assert js
    text = fetch(_url(sites, "trs_sample", js[0]["path"]))[2].decode("gb18030")
    name = js[0]["attachment_path"].rsplit("/", 1)[1]
    assert f'var att = \'<a href="./{name}"' in text
    assert 'appendix="true"' not in text


def test_hanweb_column_and_dataproxy(sites):
    status, headers, body = fetch(_url(sites, "hanweb_sample", "/col/col1229001/index.html"))
    assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"
    text = body.decode("utf-8")
    assert "proxyUrl:'/module/web/jpage/dataproxy.jsp'" in text
    total = int(re.search(r"totalRecord:(\d+)", text).group(1))
    perpage = int(re.search(r"perPage:(\d+)", text).group(1))
    xml = re.search(r'<script type="text/xml">(.*?)</script>', text, re.S).group(1)
    first = re.findall(r'href="(/art/[^"]+)"', xml)
    assert len(first) == 6 and "<nextgroup><![CDATA[" in xml

    base = _url(sites, "hanweb_sample", "/module/web/jpage/dataproxy.jsp")
    form = urllib.parse.urlencode(
        {
            "col": 1,
            "appid": 1,
            "webid": 3,
            "path": "/",
            "columnid": 1229001,
            "sourceContentType": 1,
            "unitid": 5001,
            "webname": "余姚市人民政府",
            "permissiontype": 0,
        }
    ).encode()
    rest: list[str] = []
    start = 7
    while start <= total:
        end = start + perpage * 3 - 1
        query = f"?startrecord={start}&endrecord={end}&perpage={perpage}"
        status, headers, post_body = fetch(
            base + query, data=form, headers={"X-Requested-With": "XMLHttpRequest"}
        )
        assert status == 200 and headers["Content-Type"].startswith("text/xml")
        get_body = fetch(base + query + "&columnid=1229001&unitid=5001&webid=3")[2]
        assert get_body == post_body
        reply = post_body.decode("utf-8")
        assert f"<totalrecord>{total}</totalrecord>" in reply
        rest += re.findall(r'href="(/art/[^"]+)"', reply)
        start = end + 1
    assert len(rest) >= 6
    han = {r["path"] for r in TRUTH["reports"] if r["site_id"] == "hanweb_sample"}
    han |= {p for p in TRUTH["non_reports"] if p.startswith("/art/")}
    assert set(first) | set(rest) == han and len(first) + len(rest) == total == len(han)
    for path in first + rest:
        assert re.fullmatch(r"/art/\d{4}/[1-9]\d?/[1-9]\d?/art_1229001_\d+\.html", path)


def test_hanweb_downfile_redirects(sites):
    for report in (
        r for r in TRUTH["reports"] if r["site_id"] == "hanweb_sample" and r["attachment_path"]
    ):
        status, headers, _ = fetch(
            _url(sites, "hanweb_sample", report["attachment_path"]), follow=False
        )
        assert status == 302
        assert headers["Location"] == report["attachment_file"]
        assert fetch(_url(sites, "hanweb_sample", headers["Location"]))[0] == 200
    missing = "/module/download/downfile.jsp?classid=0&filename=00000000000000000000000000000000.pdf&showname=x"
    assert fetch(_url(sites, "hanweb_sample", missing), follow=False)[0] == 404


def test_every_report_and_attachment_is_served(sites):
    types = {
        "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "pdf": "application/pdf",
    }
    for report in TRUTH["reports"]:
        status, _, body = fetch(_url(sites, report["site_id"], report["path"]))
        assert status == 200, report["path"]
        text = body.decode(ENCODING[report["site_id"]])
        assert report["title"] in text
        if report["source_format"] == "html":
            assert report["attachment_path"] is None
            continue
        assert "详见附件" in text
        status, headers, data = fetch(_url(sites, report["site_id"], report["attachment_path"]))
        assert status == 200 and headers["Content-Type"] == types[report["source_format"]]
        assert data[:4] == (b"%PDF" if report["source_format"] == "pdf" else b"PK\x03\x04")
    for path in TRUTH["non_reports"]:
        assert fetch(_url(sites, site_of(path), path))[0] == 200


def test_gkmlpt_front_page_and_api(sites):
    status, headers, body = fetch(_url(sites, "gkmlpt_sample", "/gkmlpt/index"))
    assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"
    text = body.decode("utf-8")
    # An SPA shell: the SID in window._CONFIG, and no article in the HTML.
    assert "window._CONFIG" in text and "SID: '762001'" in text and "/gkmlpt/content/" not in text
    host = sites.base_urls["gkmlpt_sample"]
    seen: list[str] = []
    page = 1
    while True:
        status, headers, body = fetch(
            _url(sites, "gkmlpt_sample", f"/gkmlpt/api/all/3101?page={page}&sid=762001")
        )
        assert status == 200 and headers["Content-Type"].startswith("application/json")
        data = json.loads(body)
        if not data["articles"]:
            break
        assert data["offset"] == (page - 1) * 4 and data["classify"]["id"] == 3101
        for art in data["articles"]:
            assert set(art) >= {"id", "identifier", "publisher", "title", "url", "display_publish_time"}
            assert art["url"].startswith(host + "/gkmlpt/content/")
            assert art["url"].endswith(f"/post_{art['id']}.html")
            seen.append(art["url"][len(host):])
        page += 1
    assert page == 4  # 9 articles, 4 a page: three API pages
    expected = {r["path"] for r in TRUTH["reports"] if r["site_id"] == "gkmlpt_sample"}
    expected |= {p for p in TRUTH["non_reports"] if site_of(p) == "gkmlpt_sample"}
    assert len(seen) == data["total"] == len(expected) and set(seen) == expected
    # A wrong SID or column lists nothing (what a crawler without the right SID sees).
    for query in ("3101?page=1&sid=1", "3101?page=1", "9999?page=1&sid=762001"):
        data = json.loads(fetch(_url(sites, "gkmlpt_sample", f"/gkmlpt/api/all/{query}"))[2])
        assert data["articles"] == [] and data["total"] == 0
    assert fetch(_url(sites, "gkmlpt_sample", "/_dynamic/gkmlpt/3101.json"))[0] == 404
    (pdf,) = [r for r in TRUTH["reports"] if r["site_id"] == "gkmlpt_sample" and r["attachment_path"]]
    assert re.fullmatch(r"/attachment/\d+/\d+/\d+/\d+\.pdf", pdf["attachment_path"])
    page_text = fetch(_url(sites, "gkmlpt_sample", pdf["path"]))[2].decode("utf-8")
    # The file is listed only in the DETAIL object, with JSON-escaped slashes.
    assert pdf["attachment_path"].replace("/", "\\/") in page_text
    assert f'href="{pdf["attachment_path"]}"' not in page_text


def test_static_column_pages_link_by_next_page(sites):
    paths: list[str] = []
    name, pages = "index.html", 0
    while name:
        status, _, body = fetch(_url(sites, "static_sample", f"/xxgk/nb/{name}"))
        assert status == 200
        text = body.decode("utf-8")
        pages += 1
        paths += [
            "/xxgk/nb/" + p for p in re.findall(r'<li><a href="\./([^"]+)" title=', text)
        ]
        m = re.search(r'<a href="([^"]+)">下一页</a>', text)
        name = m.group(1) if m else ""
    assert pages == 3 and name == ""
    expected = {r["path"] for r in TRUTH["reports"] if r["site_id"] == "static_sample"}
    expected |= {p for p in TRUTH["non_reports"] if site_of(p) == "static_sample"}
    assert len(paths) == len(expected) and set(paths) == expected


def test_static_server_behaviour(sites):
    url = _url(sites, "trs_sample", "/zwgk/zfxxgk/zfxxgknb/index.html")
    _, headers, _ = fetch(url)
    status, _, body = fetch(url, headers={"If-Modified-Since": headers["Last-Modified"]})
    assert status == 304 and body == b""
    assert fetch(_url(sites, "trs_sample", "/nope.htm"))[0] == 404
    assert fetch(_url(sites, "hanweb_sample", "/_dynamic/jpage/1229001.json"))[0] == 404
    assert ("trs_sample", "GET", "/nope.htm", 404) in sites.requests


# ------------------------------------------------------------------------ truth


def test_truth_cells_are_complete():
    for report in TEMPLATE_REPORTS:
        cells = flat(report["cells"])
        keys = expected_keys(report["template"])
        assert set(cells) == keys, report["title"]
        assert all(isinstance(v, int | float) for v in cells.values())
        assert set(report["blank_cells"]) <= keys
        assert all(cells[k] == 0 for k in report["blank_cells"])
        for section in report["prose_sections"]:
            assert all(v == 0 for k, v in cells.items() if k.startswith(section + "."))
    pre = [r for r in TRUTH["reports"] if r["template"] == "pre2019"]
    assert len(pre) == 1 and all(not v for v in pre[0]["cells"].values())


def test_identities_hold_except_declared():
    for report in TEMPLATE_REPORTS:
        assert failed_checks(report) == report["expected_failed_checks"], report["title"]
    for site in TRUTH["sites"]:
        breaking = [
            r for r in TEMPLATE_REPORTS if r["site_id"] == site and r["expected_failed_checks"]
        ]
        assert len(breaking) == 1
        assert len({c["rule"] for c in breaking[0]["expected_failed_checks"]}) == 1


def test_site_mix():
    for site in ("trs_sample", "hanweb_sample"):
        reports = [r for r in TEMPLATE_REPORTS if r["site_id"] == site]
        assert len(reports) >= 9
        assert {r["template"] for r in reports} == {"2019", "2021"}
        assert all((r["template"] == "2019") == (r["year"] <= 2020) for r in reports)
        assert {r["year"] for r in reports} == set(range(2019, 2025))
        deliveries = Counter(r["source_format"] for r in reports)
        assert deliveries["html"] >= 3 and deliveries["docx"] >= 2 and deliveries["pdf"] >= 2
        assert len({r["agency"] for r in reports}) >= 4
        non = [p for p in TRUTH["non_reports"] if site_of(p) == site]
        assert len(non) >= 3


def test_platform_sites_mix():
    """The gkmlpt and static sites: smaller, but both templates, 2019–2024, an attachment."""
    for site, delivery in (("gkmlpt_sample", "pdf"), ("static_sample", "docx")):
        reports = [r for r in TEMPLATE_REPORTS if r["site_id"] == site]
        assert len(reports) >= 4 and {r["template"] for r in reports} == {"2019", "2021"}
        assert all((r["template"] == "2019") == (r["year"] <= 2020) for r in reports)
        assert {r["year"] for r in reports} == set(range(2019, 2025))
        deliveries = Counter(r["source_format"] for r in reports)
        assert deliveries[delivery] == 1 and deliveries["html"] == len(reports) - 1
        assert len({r["agency"] for r in reports}) >= 4
        assert len([p for p in TRUTH["non_reports"] if site_of(p) == site]) >= 2
    assert TRUTH["sites"]["gkmlpt_sample"]["province"] == "广东省"
    assert TRUTH["sites"]["static_sample"]["province"] not in ("广东省", "示例省", "浙江省")


def test_seed_report_is_exact():
    (seed,) = [r for r in TRUTH["reports"] if r["agency"] == "余姚市公共资源交易管理办公室"]
    assert (seed["site_id"], seed["year"], seed["template"], seed["source_format"]) == (
        "hanweb_sample",
        2020,
        "2019",
        "html",
    )
    a = seed["cells"]["active_disclosure"]
    assert a["regulations"] == {"made_this_year": 0, "published_this_year": 2, "total_published": 2}
    assert a["other_management_services"] == {
        "items_last_year": 2,
        "change_this_year": 0,
        "decisions": 2,
    }
    assert a["administrative_penalty"] == {
        "items_last_year": 0,
        "change_this_year": 26,
        "decisions": 1,
    }
    assert a["administrative_fees"] == {"items_last_year": 1, "change_this_year": 0}
    assert a["centralized_procurement"] == {
        "procurement_projects": 10,
        "procurement_amount": 16.4543,
    }
    assert seed["units"]["active_disclosure.centralized_procurement.procurement_amount"] == "万元"
    assert all(v == 0 for v in flat({"applications": seed["cells"]["applications"]}).values())
    assert seed["prose_sections"] == ["reviews_litigation"]
    html = (PKG / "seed" / "yuyao-2020.html").read_text("utf-8")
    for label in (
        "一、本年新收到政府信息公开申请数量",
        "二、上年转结政府信息公开申请数量",
        "四、转结下年度继续办理",
        "采购总金额（万元）",
        "16.4543",
        "+26",
        "本年度无因政府信息公开产生行政复议及行政诉讼件。",
    ):
        assert label in html

    import docx

    document = docx.Document(str(PKG / "seed" / "yuyao-2020.docx"))
    texts = {c.text for t in document.tables for row in t.rows for c in row.cells}
    assert {"16.4543", "+26", "四、转结下年度继续办理", "采购总金额（万元）"} <= texts


def test_pdf_text_and_tables_extract():
    import pdfplumber

    for report in (r for r in TRUTH["reports"] if r["source_format"] == "pdf"):
        root = PKG / "www" / report["site_id"]
        with pdfplumber.open(
            io.BytesIO((root / report["attachment_file"].lstrip("/")).read_bytes())
        ) as pdf:
            text = "\n".join(page.extract_text() or "" for page in pdf.pages)
            tables = [t for page in pdf.pages for t in page.extract_tables()]
        assert "收到和处理政府信息公开申请情况" in text and report["agency"] in text
        (row15,) = [t[-1] for t in tables if len(t[-1]) == 15]
        rev = report["cells"]["reviews_litigation"]
        assert [int(x) for x in row15] == [rev[p][r] for p in PROCEEDINGS for r in RESULTS]


def test_rebuild_is_byte_identical(tmp_path):
    build_mod.build(tmp_path)

    def tree(root: Path) -> dict[str, bytes]:
        files = [p for sub in ("www", "seed") for p in (root / sub).rglob("*") if p.is_file()]
        files.append(root / "truth.json")
        return {str(p.relative_to(root)): p.read_bytes() for p in files}

    fresh, committed = tree(tmp_path), tree(PKG)
    assert sorted(fresh) == sorted(committed)
    changed = [name for name in fresh if fresh[name] != committed[name]]
    assert not changed, changed
    total = sum(len(b) for b in committed.values())
    assert total < 2_000_000

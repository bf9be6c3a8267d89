"""Render the bundled sample sites from reports.py: `python -m crawler.sample_sites.build`.

Writes, under the output directory (this package by default):
  www/trs_sample/…     a TRS-style site (GBK bytes declared gb2312, createPageHTML paging)
  www/hanweb_sample/…  a Hanweb-style site (UTF-8, jpage XML groups, downfile.jsp 302s);
                       www/hanweb_sample/_dynamic/ holds the jpage records the server
                       answers dataproxy.jsp with (never served statically)
  www/gkmlpt_sample/…  a Guangdong gkmlpt directory (SPA shell with the SID in _CONFIG,
                       JSON API answered from _dynamic/gkmlpt/<column>.json, content pages
                       with a DETAIL object, files under /attachment/)
  www/static_sample/…  a plain CMS column (index.html, list_2.html… linked by 下一页/尾页)
  seed/yuyao-2020.html, seed/yuyao-2020.docx   the seed report, for extractor tests
  truth.json           the ground truth
The output is byte-for-byte deterministic, so it can be committed and checked by a test.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import re
import shutil
from dataclasses import dataclass
from html import escape
from pathlib import Path
from urllib.parse import quote

from .document import report_blocks
from .render import blocks_html, docx_bytes, pdf_bytes
from .reports import NON_REPORTS, REPORTS, SITES, NonReport, ReportSpec
from .templates import canonical_keys

PACKAGE_DIR = Path(__file__).resolve().parent

TRS_COLUMN_DIR = "/zwgk/zfxxgk/zfxxgknb/"
TRS_PER_PAGE = 5
TRS_CHANNEL_ID = 1813
HANWEB_COLUMN = 1229001
HANWEB_UNIT = 5001
HANWEB_WEBID = 3
HANWEB_WEBNAME = "余姚市人民政府"
HANWEB_PER_PAGE = 2
HANWEB_GROUP_PAGES = 3  # jpage loads 3 display pages per group
GKMLPT_SID = "762001"
GKMLPT_COLUMN = 3101
GKMLPT_COLUMN_NAME = "政府信息公开年报"
GKMLPT_PER_PAGE = 4  # real directories answer ~100 a page; small here so the API pages
STATIC_COLUMN_DIR = "/xxgk/nb/"
STATIC_PER_PAGE = 3
STATIC_TITLE_CHARS = 23  # list pages cut longer titles with "…" (the title attribute is whole)


@dataclass
class Article:
    """Where one list item (report or not) lives on its site."""

    site_id: str
    title: str
    published: str
    path: str  # URL path of the detail page
    href: str  # the link as the list page writes it
    spec: ReportSpec | None = None
    non_report: NonReport | None = None
    attachment_href: str | None = None  # as linked from the detail page
    attachment_file: str | None = None  # URL path of the bytes
    attachment_name: str | None = None


def _digits(seed: str, n: int) -> str:
    return str(int(hashlib.sha256(seed.encode()).hexdigest(), 16) % 10**n).zfill(n)


def _pub_time(doc_id: int) -> str:
    h = int(_digits(f"time/{doc_id}", 4))
    return f"{8 + h % 9:02d}:{h % 60:02d}"


def _layout(spec: ReportSpec | None, nr: NonReport | None) -> Article:
    item = spec or nr
    assert item is not None
    y, m, d = item.published.split("-")
    if item.site_id == "trs_sample":
        rel = f"{y}{m}/t{y}{m}{d}_{item.doc_id}.htm"
        art = Article(
            item.site_id, item.title, item.published, TRS_COLUMN_DIR + rel, "./" + rel, spec, nr
        )
        if spec is not None and spec.delivery != "html":
            name = f"P0{y}{m}{d}{_digits(spec.title, 12)}.{spec.delivery}"
            art.attachment_href = "./" + name
            art.attachment_file = f"{TRS_COLUMN_DIR}{y}{m}/{name}"
            art.attachment_name = f"{spec.title}.{spec.delivery}"
        return art
    if item.site_id == "gkmlpt_sample":
        n = item.doc_id
        path = f"/gkmlpt/content/{n // 1_000_000}/{n // 1000}/post_{n}.html"
        art = Article(item.site_id, item.title, item.published, path, path, spec, nr)
        if spec is not None and spec.delivery != "html":
            att = int(_digits(spec.title, 7))
            art.attachment_file = f"/attachment/{att // 1_000_000}/{att // 1000}/{att}/{n}.{spec.delivery}"
            art.attachment_href = art.attachment_file
            art.attachment_name = f"{spec.title}.{spec.delivery}"
        return art
    if item.site_id == "static_sample":
        rel = f"{y}/{m}{d}/{item.doc_id}.html"
        art = Article(
            item.site_id, item.title, item.published, STATIC_COLUMN_DIR + rel, "./" + rel, spec, nr
        )
        if spec is not None and spec.delivery != "html":
            art.attachment_file = f"/uploadfiles/{y}/{m}/{y}{m}{d}{_digits(spec.title, 9)}.{spec.delivery}"
            art.attachment_href = art.attachment_file
            art.attachment_name = f"{spec.title}.{spec.delivery}"
        return art
    path = f"/art/{int(y)}/{int(m)}/{int(d)}/art_{HANWEB_COLUMN}_{item.doc_id}.html"
    art = Article(item.site_id, item.title, item.published, path, path, spec, nr)
    if spec is not None and spec.delivery != "html":
        stem = hashlib.md5(spec.title.encode()).hexdigest()
        show = f"{spec.title}.{spec.delivery}"
        art.attachment_name = show
        art.attachment_file = f"/attach/0/{stem}.{spec.delivery}"
        art.attachment_href = f"/module/download/downfile.jsp?classid=0&filename={stem}.{spec.delivery}&showname={quote(show)}"
    return art


def articles() -> list[Article]:
    """Every list item of both sites, each site's newest first."""
    arts = [_layout(s, None) for s in REPORTS] + [_layout(None, n) for n in NON_REPORTS]
    return sorted(arts, key=lambda a: (a.site_id, a.published, a.path), reverse=True)


# ---------------------------------------------------------------------------- TRS pages

_CREATE_PAGE_JS = """<script type="text/javascript">
function createPageHTML(_nPageCount, _nCurrIndex, _sPageName, _sPageExt){
  if(_nPageCount == null || _nPageCount<=1){ return; }
  var nCurrIndex = _nCurrIndex || 0;
  if(nCurrIndex == 0) document.write("<span>首页</span>&nbsp;");
  else document.write("<a href=\\"" + _sPageName + "." + _sPageExt + "\\">首页</a>&nbsp;");
  for(var i=1; i<_nPageCount; i++){
    if(nCurrIndex == i) document.write("<span>" + (i+1) + "</span>&nbsp;");
    else document.write("<a href=\\"" + _sPageName + "_" + i + "." + _sPageExt + "\\">" + (i+1) + "</a>&nbsp;");
  }
}
</script>"""


def _trs_head(title: str, meta: dict[str, str], malformed: bool = False) -> str:
    charset = (
        '<meta httpequiv="ContentType" content="text/html; charset=gbk">'
        if malformed
        else '<meta charset="gb2312">'
    )
    metas = "\n".join(f'<meta name="{k}" content="{escape(v)}">' for k, v in meta.items())
    return (
        '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" '
        '"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">\n'
        f'<html xmlns="http://www.w3.org/1999/xhtml">\n<head>\n{charset}\n{metas}\n'
        f"<title>{escape(title)}</title>\n"
        '<link rel="stylesheet" type="text/css" href="/images/trs_style.css">\n</head>\n'
    )


def _trs_header() -> str:
    name = str(SITES["trs_sample"]["name"])
    return (
        '<div class="header"><div class="logo">' + name + "</div>"
        '<ul class="nav"><li><a href="/">首页</a></li><li><a href="/zwgk/">政务公开</a></li>'
        '<li><a href="/zwgk/zfxxgk/">政府信息公开</a></li></ul></div>\n'
        '<div class="position">当前位置：<a href="/">首页</a> &gt; <a href="/zwgk/">政务公开</a> &gt; '
        '<a href="/zwgk/zfxxgk/">政府信息公开</a> &gt; <a href="./">政府信息公开年报</a></div>\n'
    )


_TRS_FOOTER = (
    '<div class="footer"><p>主办：示例市人民政府办公室（样例站点，数据为虚构）</p>'
    "<p>网站标识码：0000000000　备案号：样例ICP备00000000号</p></div>\n</body>\n</html>\n"
)


def _trs_list_page(items: list[Article], page: int, pages: int) -> str:
    lis = "\n".join(
        f'<li><a href="{a.href}" title="{escape(a.title)}" target="_blank">{escape(a.title)}</a>'
        f"<span>{a.published}</span></li>"
        for a in items
    )
    head = _trs_head(
        "政府信息公开年报_示例市人民政府",
        {
            "SiteName": str(SITES["trs_sample"]["name"]),
            "ColumnName": "政府信息公开年报",
            "ChnlId": str(TRS_CHANNEL_ID),
        },
    )
    return (
        head + "<body>\n" + _trs_header() + _CREATE_PAGE_JS + "\n"
        '<div class="main"><div class="list_title">政府信息公开年报</div>\n'
        f'<ul class="list_ul">\n{lis}\n</ul>\n'
        f'<div class="page"><script>createPageHTML({pages}, {page}, "index", "html")</script></div>\n'
        "</div>\n" + _TRS_FOOTER
    )


def _trs_detail(art: Article) -> str:
    spec, nr = art.spec, art.non_report
    agency = spec.agency if spec else nr.agency if nr else ""
    doc_id = spec.doc_id if spec else nr.doc_id if nr else 0
    meta = {
        "SiteName": str(SITES["trs_sample"]["name"]),
        "ColumnName": "政府信息公开年报",
        "ArticleTitle": art.title,
        "PubDate": f"{art.published} {_pub_time(doc_id)}",
        "ContentSource": agency,
        "Author": agency,
        "DocId": str(doc_id),
        "ChnlId": str(TRS_CHANNEL_ID),
    }
    malformed = bool(spec and spec.malformed_meta)
    head = _trs_head(f"{art.title}_政府信息公开年报_示例市人民政府", meta, malformed)
    attachment = '<div class="article_attachment" id="file_xmb"><ul id="file_ul_fj"></ul></div>'
    if spec is not None and spec.delivery == "html":
        body = blocks_html(report_blocks(spec), spec.html_style)
    elif spec is not None:
        body = f'<p style="text-indent:2em;">{escape(spec.agency)}{spec.year}年政府信息公开工作年度报告详见附件。</p>'
        name = escape(art.attachment_name or "")
        if spec.attachment_via_js:
            # Only a script writes this link: crawlers must read the script text.
            attachment = (
                '<div class="article_attachment" id="file_xmb"><ul id="file_ul_fj"></ul>\n<script>\n'
                f'var att = \'<a href="{art.attachment_href}" title="{name}">{name}</a>\';\n'
                "document.write(att);\n</script></div>"
            )
        else:
            y, m, d = spec.published.split("-")
            file = (art.attachment_href or "")[2:]
            attachment = (
                '<div class="article_attachment" id="file_xmb"><p>附件：</p><ul id="file_ul_fj"><li>'
                f'<a appendix="true" href="{art.attachment_href}" OLDSRC="/protect/P0{y}{m}/P0{y}{m}{d}/{file}" '
                f'title="{name}">{name}</a></li></ul></div>'
            )
    else:
        assert nr is not None
        body = "\n".join(f'<p style="text-indent:2em;">{escape(p)}</p>' for p in nr.paragraphs)
    return (
        head
        + "<body>\n"
        + _trs_header()
        + '<div class="article_area"><div class="article_title">'
        + escape(art.title)
        + "</div>\n"
        f'<div class="article_info">发布日期：{art.published}　来源：{escape(agency)}</div>\n'
        '<div class="article_content article_content_01">\n'
        f"<div class=TRS_Editor>{body}</div>\n</div>\n{attachment}\n</div>\n" + _TRS_FOOTER
    )


# ---------------------------------------------------------------------------- Hanweb pages


def _record(a: Article) -> str:
    return (
        f'<li><a href="{a.href}" title="{escape(a.title)}" target="_blank">{escape(a.title)}</a>'
        f"<span>{a.published}</span></li>"
    )


def _hanweb_head(title: str, meta: dict[str, str]) -> str:
    metas = "\n".join(f'<meta name="{k}" content="{escape(v)}">' for k, v in meta.items())
    return (
        '<!DOCTYPE html>\n<html>\n<head>\n<meta http-equiv="Content-Type" content="text/html; charset=utf-8">\n'
        f"{metas}\n<title>{escape(title)}</title>\n"
        '<script type="text/javascript" src="/module/jslib/jquery/jquery.js"></script>\n</head>\n'
    )


_HANWEB_TOP = (
    '<div class="top"><div class="logo">余姚市人民政府（样例站点）</div>'
    '<div class="nav"><a href="/">首页</a> <a href="/col/col1229000/index.html">政府信息公开</a></div></div>\n'
)
_HANWEB_FOOT = (
    '<div class="foot">主办单位：余姚市人民政府办公室（样例站点，报告数据除种子报告外为虚构）'
    "　网站标识码：0000000000</div>\n</body>\n</html>\n"
)


def _hanweb_column(arts: list[Article]) -> str:
    first = arts[: HANWEB_PER_PAGE * HANWEB_GROUP_PAGES]
    webname = quote(HANWEB_WEBNAME)
    nextgroup = (
        f'<a href="/module/web/jpage/dataproxy.jsp?page=1&appid=1&webid={HANWEB_WEBID}&path=/'
        f'&columnid={HANWEB_COLUMN}&unitid={HANWEB_UNIT}&webname={webname}&permissiontype=0"></a>'
    )
    records = "\n".join(f"<record><![CDATA[\n{_record(a)}\n]]></record>" for a in first)
    config = (
        '<script language="javascript">\n$(document).ready(function(){\n'
        f"  $('#{HANWEB_UNIT}').jpage({{\n"
        f"    dataStore: document.getElementById('{HANWEB_UNIT}').getElementsByTagName('script')[0],\n"
        "    proxyUrl:'/module/web/jpage/dataproxy.jsp',\n"
        f"    perPage:{HANWEB_PER_PAGE},\n    totalRecord:{len(arts)},\n    groupSize:{HANWEB_GROUP_PAGES},\n"
        "    barPosition:'bottom',\n"
        f"    ajaxParam:{{col:1,appid:1,webid:{HANWEB_WEBID},path:'/',columnid:{HANWEB_COLUMN},"
        f"sourceContentType:1,unitid:{HANWEB_UNIT},webname:'{HANWEB_WEBNAME}',permissiontype:0}}\n"
        "  });\n});\n</script>"
    )
    head = _hanweb_head(
        "政府信息公开年报 余姚市人民政府",
        {
            "SiteName": str(SITES["hanweb_sample"]["name"]),
            "ColumnName": "政府信息公开年报",
            "ColumnId": str(HANWEB_COLUMN),
        },
    )
    return (
        head
        + "<body>\n"
        + _HANWEB_TOP
        + '<div class="main"><div class="lm_title">政府信息公开年报</div>\n'
        f'<div id="{HANWEB_UNIT}"><script type="text/xml"><datastore>\n'
        f"<nextgroup><![CDATA[{nextgroup}]]></nextgroup>\n<recordset>\n{records}\n</recordset>\n</datastore></script></div>\n"
        '<script language="javascript" src="/module/web/jpage/jpage.js"></script>\n'
        f"{config}\n</div>\n" + _HANWEB_FOOT
    )


def _hanweb_detail(art: Article, index: int) -> str:
    spec, nr = art.spec, art.non_report
    agency = spec.agency if spec else nr.agency if nr else ""
    doc_id = spec.doc_id if spec else nr.doc_id if nr else 0
    year = art.published[:4]
    meta = {
        "SiteName": str(SITES["hanweb_sample"]["name"]),
        "ColumnName": "政府信息公开年报",
        "ArticleTitle": art.title,
        "PubDate": f"{art.published} {_pub_time(doc_id)}",
        "ContentSource": agency,
        "Keywords": "政府信息公开年报",
    }
    head = _hanweb_head(f"{art.title} 余姚市人民政府", meta)
    index_no = f"113302810025{_digits(agency, 5)}X/{year}-{index:05d}"
    info = (
        '<table class="xxgk_table" width="100%" border="0" cellspacing="0" cellpadding="0">'
        f"<tr><td>索引号</td><td>{index_no}</td><td>发布机构</td><td>{escape(agency)}</td></tr>"
        f"<tr><td>公开方式</td><td>主动公开</td><td>成文日期</td><td>{art.published}</td></tr>"
        f"<tr><td>公开范围</td><td>面向全社会</td><td>发布日期</td><td>{art.published}</td></tr>"
        "<tr><td>组配分类</td><td>政府信息公开年报</td><td>文号</td><td></td></tr></table>"
    )
    if spec is not None and spec.delivery == "html":
        body = blocks_html(report_blocks(spec), spec.html_style)
    elif spec is not None:
        link = escape(art.attachment_href or "")
        body = (
            f'<p style="text-indent:2em;">{escape(spec.agency)}{spec.year}年政府信息公开工作年度报告详见附件。</p>\n'
            f'<p>附件：<a href="{link}" target="_blank">{escape(art.attachment_name or "")}</a></p>'
        )
    else:
        assert nr is not None
        body = "\n".join(f'<p style="text-indent:2em;">{escape(p)}</p>' for p in nr.paragraphs)
    return (
        head + "<body>\n" + _HANWEB_TOP + f'<div class="main">{info}\n'
        f'<div class="title">{escape(art.title)}</div>\n'
        f'<div class="fbxx">发布日期：{art.published}　来源：{escape(agency)}</div>\n'
        f'<div id="zoom">\n{body}\n</div>\n</div>\n' + _HANWEB_FOOT
    )


# ---------------------------------------------------------------------------- gkmlpt pages


def _epoch(published: str, doc_id: int) -> int:
    """Unix seconds of the publication time, Beijing time (the API's display_publish_time)."""
    y, m, d = (int(x) for x in published.split("-"))
    hh, mm = (int(x) for x in _pub_time(doc_id).split(":"))
    tz = dt.timezone(dt.timedelta(hours=8))
    return int(dt.datetime(y, m, d, hh, mm, tzinfo=tz).timestamp())


def _gkmlpt_identifier(agency: str, published: str, index: int) -> str:
    return f"00751{_digits(agency, 4)}/{published[:4]}-{index:05d}"


_GKMLPT_TREE = (
    '[{"id":3100,"name":"法定主动公开内容","children":['
    f'{{"id":{GKMLPT_COLUMN},"name":"{GKMLPT_COLUMN_NAME}","children":[]}}]}}]'
)


def _gkmlpt_head(title: str, meta: dict[str, str], config: str) -> str:
    metas = "\n".join(f'<meta name="{k}" content="{escape(v)}">' for k, v in meta.items())
    return (
        '<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n'
        '<meta http-equiv="X-UA-Compatible" content="IE=edge">\n'
        f"{metas}\n<title>{escape(title)}</title>\n"
        '<link rel="stylesheet" href="/gkmlpt/static/css/app.css">\n'
        f"<script>\nwindow._CONFIG = {{\n{config}\n}};\n</script>\n</head>\n"
    )


def _gkmlpt_top() -> str:
    name = str(SITES["gkmlpt_sample"]["name"])
    return (
        f'<div class="header"><div class="logo">{name}</div>'
        '<div class="nav"><a href="/">首页</a> <a href="/gkmlpt/index">政府信息公开目录</a></div></div>\n'
    )


_GKMLPT_FOOT = (
    '<div class="footer">主办：岭南市人民政府办公室（样例站点，岭南市及报告数据均为虚构）'
    "　网站标识码：4499000001</div>\n</body>\n</html>\n"
)


def _gkmlpt_index() -> str:
    """The SPA shell: nothing listed in HTML, the SID and the column tree in _CONFIG."""
    config = (
        f"  SID: '{GKMLPT_SID}',\n  SITE_NAME: '岭南市人民政府',\n"
        "  API_BASE: '/gkmlpt/api',\n"
        f"  TREE: {_GKMLPT_TREE}"
    )
    head = _gkmlpt_head(
        "政府信息公开目录 岭南市人民政府",
        {"SiteName": str(SITES["gkmlpt_sample"]["name"]), "ColumnName": "政府信息公开目录",
         "SiteIDCode": "4499000001"},
        config,
    )
    return (
        head + "<body>\n" + _gkmlpt_top()
        + '<div id="app"><div class="loading">加载中…</div></div>\n'
        "<noscript>请启用 JavaScript 浏览政府信息公开目录。</noscript>\n"
        '<script src="/gkmlpt/static/js/app.js"></script>\n' + _GKMLPT_FOOT
    )


def _gkmlpt_record(a: Article, index: int) -> dict[str, object]:
    spec, nr = a.spec, a.non_report
    agency = spec.agency if spec else nr.agency if nr else ""
    doc_id = spec.doc_id if spec else nr.doc_id if nr else 0
    when = _epoch(a.published, doc_id)
    return {
        "id": doc_id,
        "identifier": _gkmlpt_identifier(agency, a.published, index),
        "publisher": agency,
        "title": a.title,
        "url": a.path,  # the server answers with http://<Host> + path, as the real API does
        "display_publish_time": when,
        "create_time": when,
        "classify_main": GKMLPT_COLUMN,
        "document_number": "",
        "type": "normal",
    }


def _gkmlpt_detail(a: Article, index: int) -> str:
    spec, nr = a.spec, a.non_report
    record = _gkmlpt_record(a, index)
    agency = str(record["publisher"])
    detail: dict[str, object] = {k: record[k] for k in ("id", "identifier", "publisher", "title",
                                                        "display_publish_time", "document_number")}
    detail["classify_main_name"] = GKMLPT_COLUMN_NAME
    if spec is not None and spec.delivery != "html":
        detail["attachment"] = [{"name": a.attachment_name, "url": a.attachment_file}]
    # PHP's json_encode escapes "/": readers must decode the JSON, not grep for hrefs.
    detail_json = json.dumps(detail, ensure_ascii=False).replace("/", "\\/")
    config = f"  SID: '{GKMLPT_SID}',\n  DETAIL: {detail_json},\n  TREE: {_GKMLPT_TREE}"
    doc_id = int(record["id"])  # type: ignore[call-overload]
    head = _gkmlpt_head(
        f"{a.title} - 岭南市人民政府门户网站",
        {
            "SiteName": str(SITES["gkmlpt_sample"]["name"]),
            "ColumnName": GKMLPT_COLUMN_NAME,
            "ArticleTitle": a.title,
            "PubDate": f"{a.published} {_pub_time(doc_id)}",
            "ContentSource": agency,
        },
        config,
    )
    info = (
        '<div class="classify"><table class="table-content">'
        f"<tr><td>索引号：</td><td>{record['identifier']}</td><td>分类：</td><td>{GKMLPT_COLUMN_NAME}</td></tr>"
        f"<tr><td>发布机构：</td><td>{escape(agency)}</td><td>成文日期：</td><td>{a.published}</td></tr>"
        f"<tr><td>名称：</td><td colspan=\"3\">{escape(a.title)}</td></tr>"
        f"<tr><td>文号：</td><td></td><td>发布日期：</td><td>{a.published}</td></tr></table></div>"
    )
    if spec is not None and spec.delivery == "html":
        body = blocks_html(report_blocks(spec), spec.html_style)
    elif spec is not None:
        # The file is listed only in DETAIL; the app renders it into div.attachment.
        body = f'<p style="text-indent:2em;">{escape(spec.agency)}{spec.year}年政府信息公开工作年度报告详见附件。</p>'
    else:
        assert nr is not None
        body = "\n".join(f'<p style="text-indent:2em;">{escape(p)}</p>' for p in nr.paragraphs)
    return (
        head + "<body>\n" + _gkmlpt_top() + info + "\n"
        '<div class="content">\n'
        f'<h1 class="title document-number">{escape(a.title)}</h1>\n'
        f'<div class="article-content">\n{body}\n</div>\n'
        '<div class="attachment" id="attachment"></div>\n</div>\n' + _GKMLPT_FOOT
    )


# ---------------------------------------------------------------------------- static CMS pages


def _static_head(title: str, meta: dict[str, str]) -> str:
    metas = "\n".join(f'<meta name="{k}" content="{escape(v)}">' for k, v in meta.items())
    return (
        '<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n'
        f"{metas}\n<title>{escape(title)}</title>\n"
        '<link rel="stylesheet" href="/css/style.css">\n</head>\n'
    )


def _static_top() -> str:
    return (
        '<div class="top"><div class="logo">青禾县人民政府</div><ul class="nav">'
        '<li><a href="/">首页</a></li><li><a href="/zwdt/index.html">政务动态</a></li>'
        '<li><a href="/xxgk/index.html">信息公开</a></li><li><a href="/hdjl/index.html">互动交流</a></li>'
        "</ul></div>\n"
    )


_STATIC_FOOT = (
    '<div class="footer">青禾县人民政府办公室主办（样例站点，青禾县及报告数据均为虚构）'
    "　网站标识码：6199000001</div>\n</body>\n</html>\n"
)


def _short(title: str) -> str:
    return title if len(title) <= STATIC_TITLE_CHARS else title[:STATIC_TITLE_CHARS] + "…"


def _static_list_page(items: list[Article], page: int, pages: int, hot: Article | None) -> str:
    def name(n: int) -> str:  # 1-based; page 1 is index.html
        return "index.html" if n == 1 else f"list_{n}.html"

    lis = "\n".join(
        f'<li><a href="{a.href}" title="{escape(a.title)}" target="_blank">{escape(_short(a.title))}</a>'
        f'<span class="date">{a.published}</span></li>'
        for a in items
    )
    nav = [f"共{pages}页 第{page}/{pages}页"]
    nav.append('<a href="index.html">首页</a>' if page > 1 else "<span>首页</span>")
    nav.append(f'<a href="{name(page - 1)}">上一页</a>' if page > 1 else "<span>上一页</span>")
    nav.append(f'<a href="{name(page + 1)}">下一页</a>' if page < pages else "<span>下一页</span>")
    nav.append(f'<a href="{name(pages)}">尾页</a>' if page < pages else "<span>尾页</span>")
    side = (
        '<div class="left"><h3>政府信息公开</h3><ul>'
        '<li><a href="/xxgk/zn/index.html">政府信息公开指南</a></li>'
        '<li><a href="/xxgk/zd/index.html">政府信息公开制度</a></li>'
        '<li><a href="/xxgk/fdzdgknr/index.html">法定主动公开内容</a></li>'
        '<li class="on"><a href="/xxgk/nb/index.html">政府信息公开年报</a></li></ul>\n'
    )
    if hot is not None:
        # The same report again, from another box: one request, not two.
        side += (
            '<div class="hot"><h3>热点关注</h3><ul>'
            f'<li><a href="{STATIC_COLUMN_DIR}{hot.href[2:]}" title="{escape(hot.title)}">'
            f"{escape(_short(hot.title))}</a></li></ul></div>\n"
        )
    side += "</div>\n"
    head = _static_head(
        "政府信息公开年报 - 青禾县人民政府",
        {"SiteName": str(SITES["static_sample"]["name"]), "ColumnName": "政府信息公开年报"},
    )
    return (
        head + "<body>\n" + _static_top() + '<div class="main">\n' + side
        + '<div class="right"><div class="crumb">当前位置：<a href="/">首页</a> &gt; '
        '<a href="/xxgk/index.html">信息公开</a> &gt; 政府信息公开年报</div>\n'
        f'<ul class="list">\n{lis}\n</ul>\n'
        f'<div class="pages">{" ".join(nav)}</div>\n</div>\n</div>\n' + _STATIC_FOOT
    )


def _static_detail(a: Article) -> str:
    spec, nr = a.spec, a.non_report
    agency = spec.agency if spec else nr.agency if nr else ""
    doc_id = spec.doc_id if spec else nr.doc_id if nr else 0
    head = _static_head(
        f"{a.title} - 青禾县人民政府",
        {
            "SiteName": str(SITES["static_sample"]["name"]),
            "ColumnName": "政府信息公开年报",
            "ArticleTitle": a.title,
            "PubDate": f"{a.published} {_pub_time(doc_id)}",
            "ContentSource": agency,
        },
    )
    files = ""
    if spec is not None and spec.delivery == "html":
        body = blocks_html(report_blocks(spec), spec.html_style)
    elif spec is not None:
        body = f'<p style="text-indent:2em;">{escape(spec.agency)}{spec.year}年政府信息公开工作年度报告详见附件。</p>'
        files = (
            f'<div class="fj">附件：<a href="{a.attachment_href}" target="_blank">'
            f"{escape(a.attachment_name or '')}</a></div>\n"
        )
    else:
        assert nr is not None
        body = "\n".join(f'<p style="text-indent:2em;">{escape(p)}</p>' for p in nr.paragraphs)
    return (
        head + "<body>\n" + _static_top() + '<div class="article">\n'
        f"<h1>{escape(a.title)}</h1>\n"
        f'<div class="info">发布时间：{a.published}　来源：{escape(agency)}</div>\n'
        f'<div id="content">\n{body}\n</div>\n{files}'
        '<div class="back"><a href="/xxgk/nb/index.html">返回列表</a></div>\n</div>\n' + _STATIC_FOOT
    )


# ---------------------------------------------------------------------------- truth


def _nest(spec: ReportSpec) -> dict[str, dict[str, dict[str, int | float]]]:
    out: dict[str, dict[str, dict[str, int | float]]] = {
        "active_disclosure": {},
        "applications": {},
        "reviews_litigation": {},
    }
    if spec.template == "pre2019":
        return out
    for key in canonical_keys(spec.template):
        section, row, col = key.split(".")
        out[section].setdefault(row, {})[col] = spec.cells[key]
    return out


def truth(arts: list[Article]) -> dict[str, object]:
    reports = []
    for a in arts:
        spec = a.spec
        if spec is None:
            continue
        reports.append(
            {
                "site_id": spec.site_id,
                "path": a.path,
                "attachment_path": a.attachment_href
                if spec.site_id == "hanweb_sample"
                else a.attachment_file,
                "attachment_file": a.attachment_file,
                "attachment_name": a.attachment_name,
                "year": spec.year,
                "template": spec.template,
                "agency": spec.agency,
                "title": spec.title,
                "published": spec.published,
                "source_format": spec.delivery,
                "cells": _nest(spec),
                "units": spec.units,
                "blank_cells": spec.blank_cells,
                "prose_sections": spec.prose_sections,
                "label_variants": spec.labels,
                "extra_rows": spec.extra_rows,
                "expected_failed_checks": spec.expected_failed_checks,
                "messiness": spec.messiness,
            }
        )
    sites = {
        site_id: {**info, "column_path": info["column_path"]} for site_id, info in SITES.items()
    }
    return {
        "sites": sites,
        "reports": reports,
        "non_reports": [a.path for a in arts if a.non_report is not None],
        "seed": {
            "site_id": "hanweb_sample",
            "html": "seed/yuyao-2020.html",
            "docx": "seed/yuyao-2020.docx",
        },
    }


# ---------------------------------------------------------------------------- build


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def _attachment_bytes(spec: ReportSpec) -> bytes:
    blocks = report_blocks(spec)
    if spec.delivery == "docx":
        return docx_bytes(blocks, spec.agency)
    return pdf_bytes(blocks, spec.title, spec.agency)


def build(out_dir: Path | str = PACKAGE_DIR) -> list[Path]:
    """Render every sample site, the seed files and truth.json under out_dir; return written files."""
    out = Path(out_dir)
    for sub in ("www", "seed"):
        if (out / sub).exists():
            shutil.rmtree(out / sub)
    written: list[Path] = []

    def put(rel: str, data: bytes) -> None:
        target = out / rel
        _write(target, data)
        written.append(target)

    arts = articles()
    trs = [a for a in arts if a.site_id == "trs_sample"]
    han = [a for a in arts if a.site_id == "hanweb_sample"]

    # TRS: GBK bytes everywhere, whatever the page declares.
    root = "www/trs_sample"
    pages = (len(trs) + TRS_PER_PAGE - 1) // TRS_PER_PAGE
    for page in range(pages):
        name = "index.html" if page == 0 else f"index_{page}.html"
        chunk = trs[page * TRS_PER_PAGE : (page + 1) * TRS_PER_PAGE]
        put(f"{root}{TRS_COLUMN_DIR}{name}", _trs_list_page(chunk, page, pages).encode("gbk"))
    put(f"{root}/index.html", _site_home("trs_sample", TRS_COLUMN_DIR + "index.html").encode("gbk"))
    for a in trs:
        put(root + a.path, _trs_detail(a).encode("gbk"))
        if a.spec is not None and a.attachment_file:
            put(root + a.attachment_file, _attachment_bytes(a.spec))

    root = "www/hanweb_sample"
    put(f"{root}/col/col{HANWEB_COLUMN}/index.html", _hanweb_column(han).encode("utf-8"))
    put(
        f"{root}/index.html",
        _site_home("hanweb_sample", f"/col/col{HANWEB_COLUMN}/index.html").encode("utf-8"),
    )
    records = {
        "columnid": HANWEB_COLUMN,
        "unitid": HANWEB_UNIT,
        "webid": HANWEB_WEBID,
        "perpage": HANWEB_PER_PAGE,
        "records": [_record(a) for a in han],
    }
    put(f"{root}/_dynamic/jpage/{HANWEB_COLUMN}.json", _json(records))
    seed_html: bytes | None = None
    for i, a in enumerate(reversed(han), start=1):
        page = _hanweb_detail(a, i).encode("utf-8")
        put(root + a.path, page)
        if a.spec is not None and a.attachment_file:
            put(root + a.attachment_file, _attachment_bytes(a.spec))
        if (
            a.spec is not None
            and a.spec.agency == "余姚市公共资源交易管理办公室"
            and a.spec.year == 2020
        ):
            seed_html = page
            put("seed/yuyao-2020.docx", docx_bytes(report_blocks(a.spec), a.spec.agency))
    assert seed_html is not None, "the seed report must be on the Hanweb site"
    put("seed/yuyao-2020.html", seed_html)

    # gkmlpt: an SPA shell, the API's records (served dynamically), content pages, files.
    gk = [a for a in arts if a.site_id == "gkmlpt_sample"]
    root = "www/gkmlpt_sample"
    put(f"{root}/index.html", _site_home("gkmlpt_sample", f"/gkmlpt/index#{GKMLPT_COLUMN}").encode())
    put(f"{root}/gkmlpt/index.html", _gkmlpt_index().encode("utf-8"))
    index_of = {a.path: i for i, a in enumerate(reversed(gk), start=1)}
    api = {
        "sid": GKMLPT_SID,
        "perpage": GKMLPT_PER_PAGE,
        "classify": {"id": GKMLPT_COLUMN, "name": GKMLPT_COLUMN_NAME, "post_count": len(gk),
                     "jump_url": ""},
        "articles": [_gkmlpt_record(a, index_of[a.path]) for a in gk],
    }
    put(f"{root}/_dynamic/gkmlpt/{GKMLPT_COLUMN}.json", _json(api))
    for a in gk:
        put(root + a.path, _gkmlpt_detail(a, index_of[a.path]).encode("utf-8"))
        if a.spec is not None and a.attachment_file:
            put(root + a.attachment_file, _attachment_bytes(a.spec))

    # static: index.html, list_2.html… linked by 下一页/尾页.
    st = [a for a in arts if a.site_id == "static_sample"]
    root = "www/static_sample"
    put(f"{root}/index.html", _site_home("static_sample", STATIC_COLUMN_DIR + "index.html").encode())
    hot = next(a for a in st if a.spec is not None and a.spec.year == 2023)
    pages = (len(st) + STATIC_PER_PAGE - 1) // STATIC_PER_PAGE
    for page in range(1, pages + 1):
        name = "index.html" if page == 1 else f"list_{page}.html"
        chunk = st[(page - 1) * STATIC_PER_PAGE : page * STATIC_PER_PAGE]
        put(f"{root}{STATIC_COLUMN_DIR}{name}", _static_list_page(chunk, page, pages, hot).encode())
    for a in st:
        put(root + a.path, _static_detail(a).encode("utf-8"))
        if a.spec is not None and a.attachment_file:
            put(root + a.attachment_file, _attachment_bytes(a.spec))
    put("truth.json", _json(truth(arts)))
    return written


def _site_home(site_id: str, column: str) -> str:
    name = str(SITES[site_id]["name"])
    charset = "gb2312" if site_id == "trs_sample" else "utf-8"
    return (
        f'<!DOCTYPE html>\n<html>\n<head>\n<meta charset="{charset}">\n<title>{name}</title>\n</head>\n'
        f'<body>\n<h1>{name}</h1>\n<p><a href="{column}">政府信息公开年报</a></p>\n</body>\n</html>\n'
    )


def _json(data: object) -> bytes:
    text = json.dumps(data, ensure_ascii=False, indent=1)
    # One line per innermost object (a table row) keeps truth.json small and diffable.
    text = re.sub(
        r"\{\n\s+([^{}\[\]]*?)\n\s*\}",
        lambda m: "{" + re.sub(r"\n\s*", " ", m.group(1)) + "}",
        text,
    )
    return (text + "\n").encode("utf-8")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out", default=str(PACKAGE_DIR), help="output directory (default: the package)"
    )
    args = parser.parse_args(argv)
    files = build(args.out)
    total = sum(p.stat().st_size for p in files)
    print(f"wrote {len(files)} files, {total / 1024:.0f} KiB, under {args.out}")


if __name__ == "__main__":
    main()

"""The spiders' decisions as pure functions, on saved real pages and small snippets."""

import pytest

from crawler.spiders.base import attachment_name, find_attachments, is_report_title, title_year
from crawler.spiders.hanweb import jpage_config, jpage_group_requests, jpage_records
from crawler.spiders.trs import trs_list_entries, trs_pages
from pipelines.documents.html import decode_html

PINGTAN_COLUMN = "https://www.pingtan.gov.cn/zwgk/zfxxgk/zfxxgknb/"


def test_real_trs_list_page(files):
    html, _ = decode_html((files / "pingtan" / "list_index.html").read_bytes())
    entries = trs_list_entries(html, PINGTAN_COLUMN)
    assert len(entries) == 10
    url, title, date = entries[0]
    assert url == PINGTAN_COLUMN + "202603/t20260313_105587.htm"
    assert title == "平潭综合实验区2025年度政府信息公开工作年度报告"
    # The list shows 2026-03-10 although the URL says 20260313: the list's date is kept.
    assert date == "2026-03-10"
    assert all(is_report_title(t) for _, t, _ in entries)
    assert [title_year(t) for _, t, _ in entries] == list(range(2025, 2015, -1))
    # This column pages by script API only; no createPageHTML, so no static pages to guess.
    assert trs_pages(html, PINGTAN_COLUMN) == []


def test_create_page_html_pagination():
    html = '<div id="page"></div><script>createPageHTML(4, 0, "index", "shtml");</script>'
    assert trs_pages(html, "http://x.gov.cn/a/zfxxgknb/index.shtml") == [
        "http://x.gov.cn/a/zfxxgknb/index_1.shtml",
        "http://x.gov.cn/a/zfxxgknb/index_2.shtml",
        "http://x.gov.cn/a/zfxxgknb/index_3.shtml",
    ]


@pytest.mark.parametrize(
    "title, is_report",
    [
        ("平潭综合实验区2019年度政府信息公开工作年度报告", True),
        ("余姚市公共资源交易管理办公室2020年政府信息公开工作年度报告", True),
        ("示例市财政局2023年政府信息公开工作年度报告（图片版）", True),
        ("2023年政府信息公开工作年度报告解读", False),
        ("图解：2022年度政府信息公开工作年度报告", False),
        ("关于开展2024年政务公开培训的通知", False),
        ("关于报送2023年政府信息公开工作年度报告的通知", False),
        ("政府信息公开指南", False),
        ("政府信息公开工作年度报告", False),  # no year: cannot be filed
    ],
)
def test_report_titles(title, is_report):
    assert is_report_title(title) is is_report


def test_attachments_from_links_and_scripts():
    html = """<div class=TRS_Editor><p>详见附件</p></div>
    <a appendix="true" href="./P020240125123456789012.docx" title="报告.docx">某局2023年报告.docx</a>
    <script>var att = '<a href="./P020240125999999999999.pdf">报告.pdf</a>'; document.write(att);</script>
    <a href="/module/download/downfile.jsp?classid=0&filename=abc.pdf&showname=%E5%B9%B4%E6%8A%A5.pdf">下载</a>
    <a href="../index.html">返回</a>"""
    found = find_attachments(html, "http://x.gov.cn/col/zfxxgknb/202401/t20240125_1.html")
    assert found == [
        ("http://x.gov.cn/col/zfxxgknb/202401/P020240125123456789012.docx", "某局2023年报告.docx"),
        ("http://x.gov.cn/module/download/downfile.jsp?classid=0&filename=abc.pdf&showname=%E5%B9%B4%E6%8A%A5.pdf", "年报.pdf"),
        ("http://x.gov.cn/col/zfxxgknb/202401/P020240125999999999999.pdf", "P020240125999999999999.pdf"),
    ]


def test_attachment_name_never_contains_a_path_we_use():
    assert attachment_name("http://x/a/..%2F..%2Fetc%2Fpasswd") == "../../etc/passwd"  # a label only


HANWEB_PAGE = """<script type="text/xml"><datastore>
<nextgroup><![CDATA[<a href="/module/web/jpage/dataproxy.jsp?page=1&appid=1&webid=3&columnid=1229001&unitid=5001"></a>]]></nextgroup>
<recordset>
<record><![CDATA[<li><a href="/art/2024/1/20/art_1229001_5550001.html" title="某局2023年政府信息公开工作年度报告">某局…</a><span>2024-01-20</span></li>]]></record>
<record><![CDATA[<li><a href="/art/2023/1/9/art_1229001_5540001.html" title="某局2022年政府信息公开工作年度报告解读">解读</a><span>2023-1-9</span></li>]]></record>
</recordset></datastore></script>
<script>$('#5001').jpage({proxyUrl:'/module/web/jpage/dataproxy.jsp', perPage:'2', totalRecord:'9',
 columnid:'1229001', unitid:'5001', webid:'3', webname:'余姚'});</script>"""


def test_hanweb_records_and_groups():
    base = "http://x.gov.cn/col/col1229001/index.html"
    records = jpage_records(HANWEB_PAGE, base)
    assert records == [
        ("http://x.gov.cn/art/2024/1/20/art_1229001_5550001.html", "某局2023年政府信息公开工作年度报告", "2024-01-20"),
        ("http://x.gov.cn/art/2023/1/9/art_1229001_5540001.html", "某局2022年政府信息公开工作年度报告解读", "2023-01-09"),
    ]
    config = jpage_config(HANWEB_PAGE)
    assert config["totalRecord"] == "9" and config["columnid"] == "1229001"
    groups = jpage_group_requests(config, base, first_group=len(records))
    # perPage 2 → groups of 6 records: 3–8, then 9.
    assert [g[0] for g in groups] == [
        "http://x.gov.cn/module/web/jpage/dataproxy.jsp?startrecord=3&endrecord=8&perpage=2",
        "http://x.gov.cn/module/web/jpage/dataproxy.jsp?startrecord=9&endrecord=9&perpage=2",
    ]
    assert groups[0][1]["unitid"] == "5001"


def test_attachment_links_written_with_an_escaped_dot_or_upper_case_are_found():
    base = "http://x.gov.cn/col/zfxxgknb/202401/t20240125_1.html"
    html = ('<div class="TRS_Editor"><a href="./P020240125.PDF">附件</a>'
            '<a href="./P020240126&#46;docx">附件2</a><a href="./other.html">无关</a></div>')
    assert [u for u, _ in find_attachments(html, base)] == [
        "http://x.gov.cn/col/zfxxgknb/202401/P020240125.PDF",
        "http://x.gov.cn/col/zfxxgknb/202401/P020240126.docx",
    ]
    assert find_attachments('<div><a href="./t1.html">正文</a><p>表格</p></div>', base) == []


def test_only_pages_that_may_link_a_file_are_decoded_and_parsed_for_attachments():
    from crawler.spiders.base import may_have_attachments

    assert may_have_attachments('<a href="./P0.PDF">附件</a>'.encode("gb18030"))
    assert may_have_attachments('<a href="/downfile.jsp?id=1">附件</a>'.encode())
    for href in ("a.docx", "b.WPS", "c.ofd", "d.xlsx", "e.et", "f.zip", "g.rar", "h&#46;pdf", "i&#x2E;doc"):
        assert may_have_attachments(f'<p>报告</p><a href="{href}">附件</a>'.encode("gb18030")), href
    assert not may_have_attachments('<div class="TRS_Editor"><p>一、总体情况</p></div>'.encode("gb18030"))
    assert may_have_attachments('<p>x</p>'.encode("utf-16"))  # BOM: bytes say nothing, so parse

import lxml.html

from pipelines.documents.html import decode_html, read_html, table_grid


def grid(html: str) -> list[list[str]]:
    return table_grid(lxml.html.fragment_fromstring(html))[0]


def test_rowspan_and_colspan_fill_every_position():
    rows = grid(
        """<table>
        <tr><td rowspan="2" colspan="2">A</td><td>B</td></tr>
        <tr><td>C</td></tr>
        <tr><td>D</td><td colspan="2">E</td></tr>
        </table>"""
    )
    assert rows == [["A", "A", "B"], ["A", "A", "C"], ["D", "E", "E"]]


def test_line_breaks_inside_a_label_are_joined():
    rows = grid("<table><tr><td><p>本年新收政府</p><p>信息公开申请数量</p></td><td><span>&nbsp;0&nbsp;</span></td></tr></table>")
    assert rows == [["本年新收政府信息公开申请数量", "0"]]


def test_gb2312_declared_page_with_gbk_only_characters_decodes():
    body = '<html><head><meta charset="gb2312"></head><body>朱镕基</body></html>'.encode("gbk")
    text, enc = decode_html(body)
    assert "朱镕基" in text and enc == "gb18030"


def test_malformed_meta_charset_is_still_read():
    body = '<html><head><meta httpequiv="ContentType" content="text/html; charset=gbk"></head><body>政府信息公开</body></html>'.encode("gbk")
    text, _ = decode_html(body)
    assert "政府信息公开" in text


def test_wrong_header_charset_falls_back_to_detection():
    body = "<html><body>年度报告</body></html>".encode()
    text, enc = decode_html(body, "text/html; charset=gbk")
    assert "年度报告" in text and enc == "utf-8"


def test_layout_tables_are_skipped_for_the_inner_data_table():
    doc = read_html(
        "<html><body><table><tr><td><table><tr><td>规章</td><td>1</td></tr></table></td></tr></table></body></html>".encode()
    )
    assert [t.rows for t in doc.tables] == [[["规章", "1"]]]


def test_control_characters_in_a_page_are_dropped_not_fatal():
    # Word-exported pages carry \x0b and \x1f; lxml refuses them as text.
    doc = read_html(b"<html><body><p>2020\x0b\x1f\x00</p><table><tr><td>\xe8\xa7\x84\x01\xe7\xab\xa0</td>"
                    b"<td>1\x1f</td></tr></table></body></html>")
    assert [t.rows for t in doc.tables] == [[["规章", "1"]]]
    assert doc.text.splitlines()[0] == "2020"


def test_block_boundaries_inside_a_cell_join_without_spaces_and_scripts_vanish():
    doc = read_html("<html><body><table><tr><td><p>本年新收政府 </p><p> 信息公开申请数量</p>"
                    "<script>var x = 1;</script><!-- 9 --></td><td><span>5</span>2</td></tr></table>"
                    "<p>一、总体情况</p><p>正文</p></body></html>".encode())
    assert doc.tables[0].rows == [["本年新收政府信息公开申请数量", "52"]]
    assert doc.text.splitlines()[-2:] == ["一、总体情况", "正文"]


def test_cells_of_inner_tables_read_from_one_serialisation_match_their_text():
    # Cells are read by marks in one serialisation of the article: a layout cell around the data
    # table, cells beside it, merged cells and a page that itself prints the mark characters
    # must all come out as their own text.
    doc = read_html(
        "<html><body><table><tr><td>菜单<table><tr><td rowspan='2'>（一）\ufdd0自然人</td><td>3</td></tr>"
        "<tr><td>\ufdd1<p>4</p></td></tr></table></td><td>旁栏</td></tr></table>"
        "<table><tr><td colspan='2'>二、主动公开</td></tr><tr><td>规章</td><td> 1 </td></tr></table>"
        "<p>正文</p></body></html>".encode())
    assert [t.rows for t in doc.tables] == [
        [["（一）自然人", "3"], ["（一）自然人", "4"]],
        [["二、主动公开", "二、主动公开"], ["规章", "1"]],
    ]
    assert doc.tables[0].origin[(0, 0)] == doc.tables[0].origin[(1, 0)]
    assert "\ufdd0" not in doc.text and "\ufdd1" not in doc.text
    assert doc.text.splitlines() == ["菜单", "（一）自然人 3", "4", "旁栏", "二、主动公开", "规章 1", "正文"]

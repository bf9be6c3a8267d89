"""Tables printed without column rules, rebuilt from where their words are (pdf_unruled).

One PDF printed by headless Chromium holds, a page each: a table with horizontal rules only
(a header spanning three columns, a row label wrapped over lines), the same table with no
rules at all, and a paragraph of prose full of numbers, which must not become a table.
"""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pdfplumber
import pytest

from pipelines.documents.pdf import _cell_texts, join_lines
from pipelines.documents.pdf_unruled import UnruledTable, _cells, unruled_tables
from tests.pdf_layouts.build import chromium_pdf

pytestmark = pytest.mark.skipif(not (shutil.which("chromium") or Path("/usr/bin/chromium").exists()),
                                reason="needs Chromium to print the test PDF")

ROWS = [
    ("一、本年新收政府信息公开申请数量", (597, 15, 612)),
    ("二、上年结转政府信息公开申请数量", (10, 2, 12)),
    ("三、本年度办理结果", (234, 5, 239)),
]


def _body(rows: list, label_class: str, value_class: str | None = None) -> str:
    """Table rows: a label cell, then a cell per value."""
    value = f"<td class={value_class}>" if value_class else "<td>"
    return "".join(f"<tr><td class={label_class}>{label}</td>{''.join(f'{value}{v}</td>' for v in values)}</tr>"
                   for label, values in rows)


def _table(rules: str) -> str:
    body = _body(ROWS, "label")
    return (f"<table class={rules}>"
            "<tr><td class=label rowspan=2>项目</td><td colspan=3>申请人情况</td></tr>"
            "<tr><td>自然人</td><td>法人</td><td>总计</td></tr>"
            f"{body}</table>")


HTML = """<!doctype html><html><head><meta charset=utf-8><style>
body { font-family: "Noto Sans CJK SC", sans-serif; font-size: 12pt; }
table { border-collapse: collapse; margin: 20pt 0; }
td { padding: 3pt 8pt; text-align: center; }
td.label { width: 90pt; text-align: left; }
table.rows td { border-top: 1px solid black; border-bottom: 1px solid black; }
.page { page-break-after: always; }
</style></head><body>
<div class=page><p>二、收到和处理政府信息公开申请情况</p>RULES</div>
<div class=page><p>三、收到和处理政府信息公开申请情况</p>NONE</div>
<div><p>全年共收到申请 612 件，办结 600 件，其中予以公开 234 件、部分公开 5 件，较上年增长 12 件，
同比上升 3 个百分点；行政复议 4 件，行政诉讼 2 件，均已审结 6 件。</p>
<p>本年度共发布信息 1024 条，其中政策文件 36 件、解读 18 篇、新闻发布会 7 场。</p></div>
</body></html>""".replace("RULES", _table("rows")).replace("NONE", _table("none"))


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[pdfplumber.page.Page, list[UnruledTable]]]:
    data = chromium_pdf(HTML, tmp_path_factory.mktemp("unruled"), "unruled")
    pdf = pdfplumber.open(io.BytesIO(data))
    out = []
    for page in pdf.pages:
        found = page.find_tables()
        out.append((page, unruled_tables(page, [t.bbox for t in found])))
    return out


def _texts(page: pdfplumber.page.Page, table: UnruledTable) -> dict[tuple[float, ...], str]:
    return {cell: join_lines(text) for cell, text in _cell_texts(page.chars, table.cells).items()}


def _check_table(page: pdfplumber.page.Page, tables: list[UnruledTable]) -> dict[tuple[float, ...], str]:
    assert len(tables) == 1
    table = tables[0]
    texts = _texts(page, table)
    by_text = {t: c for c, t in texts.items() if t}
    # Every number in a cell of its own, in its row, left to right.
    for label, values in ROWS:
        cells = [by_text[str(v)] for v in values if list(texts.values()).count(str(v)) == 1]
        assert len(cells) == 3, (label, values)
        assert [c[0] for c in cells] == sorted(c[0] for c in cells)
        row = by_text[label]  # the wrapped label reads as one cell
        for c in cells:
            assert row[1] - 1 <= (c[1] + c[3]) / 2 <= row[3] + 1
    # The spanning header is one cell over the three value columns.
    head = by_text["申请人情况"]
    for name in ("自然人", "法人", "总计"):
        sub = by_text[name]
        assert head[0] <= sub[0] + 0.5 and sub[2] <= head[2] + 0.5
        assert head[3] <= sub[1] + 0.5
    # The cells tile the table: no overlaps.
    area = sum((c[2] - c[0]) * (c[3] - c[1]) for c in table.cells)
    x0, top, x1, bottom = table.bbox
    assert area == pytest.approx((x1 - x0) * (bottom - top), rel=1e-6)
    return texts


def test_horizontal_rules_only(pages: list) -> None:
    page, tables = pages[0]
    assert not page.find_tables()  # what pdfplumber alone makes of it
    texts = _check_table(page, tables)
    # The label spanning the two header rows is one cell.
    label = [c for c, t in texts.items() if t == "项目"]
    assert len(label) == 1
    assert label[0][3] >= [c for c, t in texts.items() if t == "自然人"][0][3] - 0.5


def test_no_rules(pages: list) -> None:
    page, tables = pages[1]
    assert not page.edges
    _check_table(page, tables)


def test_prose_with_numbers_is_no_table(pages: list) -> None:
    page, tables = pages[2]
    assert "612" in page.extract_text()
    assert tables == []


def test_ruled_areas_are_left_alone(pages: list) -> None:
    page, tables = pages[0]
    assert unruled_tables(page, [tables[0].bbox]) == []


# Section 三's table as a browser prints it with horizontal rules only: seven narrow value
# columns, two of them empty in every row (zeros printed as nothing); and the same table
# with its header alone at the foot of a page, its rows on the next.
APPLICANTS = ["自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]
APPLICATION_ROWS = [
    ("一、本年新收政府信息公开申请数量", (13, 2, "", "", 1, 0, 16)),
    ("二、上年结转政府信息公开申请数量", (4, 0, "", "", 0, 1, 5)),
    ("（三）不予公开：3.危及“三安全一稳定”", (7, 1, "", "", 0, 0, 8)),
]


def _applications_table() -> str:
    head = ("<tr><td class=label rowspan=2>项目</td><td colspan=7>申请人情况</td></tr>"
            f"<tr>{''.join(f'<td class=n>{a}</td>' for a in APPLICANTS)}</tr>")
    body = _body(APPLICATION_ROWS, "label", "n")
    return f"<table>{head}{body}</table>"


APPLICATIONS_HTML = """<!doctype html><html><head><meta charset=utf-8><style>
body { font-family: "Noto Sans CJK SC", sans-serif; font-size: 10pt; }
table { border-collapse: collapse; margin: 10pt 0; }
td { padding: 2pt 4pt; text-align: center; vertical-align: top;
     border-top: 1px solid black; border-bottom: 1px solid black; }
td.label { width: 150pt; text-align: left; }
td.n { width: 30pt; }
.page { page-break-after: always; }
</style></head><body>
<div class=page><p>三、收到和处理政府信息公开申请情况</p>TABLE</div>
<div><div style="height: 640pt"></div><p>三、收到和处理政府信息公开申请情况</p>TABLE</div>
</body></html>""".replace("TABLE", _applications_table())


@pytest.fixture(scope="module")
def application_pages(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[pdfplumber.page.Page, list]]:
    data = chromium_pdf(APPLICATIONS_HTML, tmp_path_factory.mktemp("applications"), "applications")
    pdf = pdfplumber.open(io.BytesIO(data))
    return [(page, unruled_tables(page, [t.bbox for t in page.find_tables()])) for page in pdf.pages]


def _columns(texts: dict[tuple[float, ...], str]) -> dict[str, tuple[float, float]]:
    return {t: (c[0], c[2]) for c, t in texts.items() if t in APPLICANTS}


def test_columns_left_empty_in_every_row(application_pages: list) -> None:
    page, tables = application_pages[0]
    assert len(tables) == 1
    texts = _texts(page, tables[0])
    columns = _columns(texts)
    assert sorted(columns) == sorted(APPLICANTS)  # every applicant header a cell of its own
    for label, values in APPLICATION_ROWS:
        row = next(c for c, t in texts.items() if t == label)
        cells = sorted((c for c in texts if abs(c[1] - row[1]) < 0.5 and c[0] >= row[2] - 0.5), key=lambda c: c[0])
        assert [texts[c] for c in cells] == [str(v) for v in values]
        for cell, name in zip(cells, APPLICANTS, strict=True):
            assert (cell[0], cell[2]) == pytest.approx(columns[name], abs=0.5)


def test_header_alone_at_the_foot_of_a_page(application_pages: list) -> None:
    (head_page, heads), (rows_page, rows) = application_pages[1], application_pages[2]
    assert len(heads) == 1 and len(rows) == 1
    columns = _columns(_texts(head_page, heads[0]))
    assert sorted(columns) == sorted(APPLICANTS)
    texts = _texts(rows_page, rows[0])
    assert not _columns(texts)  # the rows only
    # Its columns where the rows' are, and the same extent: the parts are stitched.
    edges = sorted({x for c in rows[0].cells for x in (c[0], c[2])})
    for x0, x1 in columns.values():
        assert min(abs(x - x0) for x in edges) < 0.5 and min(abs(x - x1) for x in edges) < 0.5
    assert heads[0].bbox[0] == pytest.approx(rows[0].bbox[0], abs=0.5)
    assert heads[0].bbox[2] == pytest.approx(rows[0].bbox[2], abs=0.5)
    assert "16" in texts.values()


def test_closing_mark_reaching_over_a_border() -> None:
    """A full-width ” inks only the left half of its box: the box reaching over the cell's
    border does not join the label's cell to the number's."""
    def ch(text: str, x0: float) -> dict:
        return {"text": text, "x0": x0, "x1": x0 + 10.0, "top": 0.0, "bottom": 10.0, "size": 10.0}

    line = [ch("定", 80.0), ch("”", 90.0), ch("7", 104.0)]
    cells = _cells([(-1.0, 11.0)], [96.0], 0.0, 120.0, [line], lambda *_: True)
    assert cells == [(0.0, -1.0, 96.0, 11.0), (96.0, -1.0, 120.0, 11.0)]


# Without any rule: the same table left-aligned (its empty columns known by their headers
# only), its rows again on a page of their own without the header; and a table whose cells
# are aligned in the middle, its labels wrapped over two and three lines.
MIDDLE_ROWS = [("其他对外管理服务事项的办理情况", (25, -3, 961, 12)), ("行政许可", (262, -8, 8739, 7)),
               ("行政处罚的决定事项", (832, 18, 455, 3)), ("行政强制", (136, 5, 27, 1))]


def _middle_table() -> str:
    head = ("<tr><td class=name>信息内容</td><td class=m>上一年项目数量</td><td class=m>本年增/减</td>"
            "<td class=m>处理决定数量</td><td class=m>其他</td></tr>")
    body = _body(MIDDLE_ROWS, "name", "m")
    return f"<table class=middle>{head}{body}</table>"


NO_RULES_HTML = """<!doctype html><html><head><meta charset=utf-8><style>
body { font-family: "Noto Sans CJK SC", sans-serif; font-size: 10pt; }
table { border-collapse: collapse; margin: 10pt 0; }
td { padding: 2pt 4pt; text-align: left; vertical-align: top; }
td.label { width: 150pt; }
td.n { width: 30pt; }
table.middle td { vertical-align: middle; text-align: center; }
td.name { width: 60pt; }
td.m { width: 70pt; }
.page { page-break-after: always; }
</style></head><body>
<div class=page><p>三、收到和处理政府信息公开申请情况</p>TABLE</div>
<div class=page>ROWS</div>
<div><p>二、主动公开政府信息情况</p>MIDDLE</div>
</body></html>""".replace("TABLE", _applications_table()).replace(
    "ROWS", _applications_table().split("</tr>", 2)[2].join(["<table>", ""])).replace("MIDDLE", _middle_table())


@pytest.fixture(scope="module")
def no_rules_pages(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[pdfplumber.page.Page, list]]:
    data = chromium_pdf(NO_RULES_HTML, tmp_path_factory.mktemp("no_rules"), "no_rules")
    pdf = pdfplumber.open(io.BytesIO(data))
    return [(page, unruled_tables(page, [t.bbox for t in page.find_tables()])) for page in pdf.pages]


def _value_cells(texts: dict[tuple[float, ...], str], label: str) -> list[tuple[float, ...]]:
    row = next(c for c, t in texts.items() if t == label)
    return sorted((c for c in texts if abs(c[1] - row[1]) < 0.5 and c[0] >= row[2] - 0.5), key=lambda c: c[0])


def test_empty_columns_by_their_headers(no_rules_pages: list) -> None:
    (page, tables), (rows_page, rows) = no_rules_pages[0], no_rules_pages[1]
    assert not page.edges and len(tables) == 1 and len(rows) == 1
    texts = _texts(page, tables[0])
    starts = {t[:3]: c[0] for c, t in texts.items() if t[:3] in {a[:3] for a in APPLICANTS}}
    assert len(starts) == len(APPLICANTS)  # every applicant's column of its own
    # The page without the header has the same columns (all as wide: two empty ones where
    # one twice as wide would be), so nothing is read under two headers.
    edges = sorted({x for c in tables[0].cells for x in (c[0], c[2])})
    assert sorted({x for c in rows[0].cells for x in (c[0], c[2])}) == pytest.approx(edges, abs=0.5)
    for p, table in ((page, tables[0]), (rows_page, rows[0])):
        texts = _texts(p, table)
        for label, values in APPLICATION_ROWS:
            assert [texts[c] for c in _value_cells(texts, label)] == [str(v) for v in values]


def test_middle_aligned_labels(no_rules_pages: list) -> None:
    page, tables = no_rules_pages[2]
    assert len(tables) == 1
    texts = _texts(page, tables[0])
    # A label of three lines, of two, its numbers in the middle: one row each, read once.
    for label, values in MIDDLE_ROWS:
        assert [texts[c] for c in _value_cells(texts, label)] == [str(v) for v in values]
    assert "其他对外管理" not in texts.values()

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
from pipelines.documents.pdf_unruled import UnruledTable, unruled_tables
from tests.pdf_layouts.build import chromium_pdf

pytestmark = pytest.mark.skipif(not (shutil.which("chromium") or Path("/usr/bin/chromium").exists()),
                                reason="needs Chromium to print the test PDF")

ROWS = [
    ("一、本年新收政府信息公开申请数量", (597, 15, 612)),
    ("二、上年结转政府信息公开申请数量", (10, 2, 12)),
    ("三、本年度办理结果", (234, 5, 239)),
]


def _table(rules: str) -> str:
    body = "".join(f"<tr><td class=label>{label}</td>{''.join(f'<td>{v}</td>' for v in values)}</tr>"
                   for label, values in ROWS)
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

"""Section 三 and 四 printed to PDF the way offices print them (issue 22), through real
toolchains at test time: python-docx tables → LibreOffice, and HTML → Chromium's own print.
Every number comes from a seeded generator, and every cell extracted is compared with the
cell printed: each must be exactly right or null, never wrong.

The classes, three documents or more each (tests/pdf_layouts/build.py makes them):
  wrapped headers   columns so narrow that 自然/人, 商业/企业, 结果/维持, 尚未/审结 wrap inside
                    their cells; and the same label cut in two grid rows when a page break
                    falls inside the header row (LibreOffice lets a row break across pages)
  2019 corner       the 2019 template's corner note （本列数据的勾稽关系为：…） over header rows
                    merged three ways
  wrapped row labels  2.其他法律行政法规禁止/公开 and its like wrapped inside their cells, and
                    cut in two grid rows by a page break (the values printed in one part only)
  repeated header   section 三 over three pages with its header rows repeated on each (Word's
                    "repeat as header row"): each part is read under its own header
  browser print     Chromium keeps rows whole and pushes a row to the next page without its top
                    rule, and the part on a middle page lacks the outer label column (a label
                    spanning the whole page has no rule there)
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pipelines.documents.pdf import read_pdf
from pipelines.tables.normalize import normalize_tables
from tests.pdf_layouts.build import Layout, chromium_pdf, html_page, seeded_layouts, soffice_pdfs

pytestmark = pytest.mark.skipif(not shutil.which("soffice"), reason="LibreOffice not installed")

SECTIONS = ("applications", "reviews_litigation")

# The page-break documents: section 四 (or 三) starts on a new page after this many filler
# lines, which puts a page break inside its header row (or a wrapped row label) with this
# LibreOffice and its fonts; test_page_breaks_fall_inside_rows checks that they still do.
HEADER_CUTS = (43, 44, 45)
ROW_CUTS = (3, 12, 18)

LAYOUTS: dict[str, list[Layout]] = {
    "wrapped_headers": seeded_layouts("wrap-headers", 3, "2021"),
    "header_cut_by_page": [Layout(f"cut-header-{k}", "2021", 60, filler=k) for k in HEADER_CUTS],
    "corner_2019": [
        *seeded_layouts("corner-2019", 1, "2019", header="standard"),
        *seeded_layouts("corner-2019-b", 1, "2019", header="corner2"),
        *seeded_layouts("corner-2019-c", 1, "2019", header="flat"),
    ],
    "wrapped_row_labels": seeded_layouts("wrap-rows", 3, "2021", label_widths=(0.9, 1.2, 2.2)),
    "row_cut_by_page": [Layout(f"cut-row-{k}", "2021", 60, filler=k, filler_before="3")
                        for k in ROW_CUTS],
    "repeated_header": [
        *(Layout(f"repeat-{k}", "2021", 60, filler=k, filler_before="3", repeat_header=True)
          for k in (8, 16)),
        Layout("repeat-2019-12", "2019", 60, header="corner2", filler=12, filler_before="3",
               repeat_header=True),
    ],
}
# Chromium prints one document of each class (its print keeps rows whole: break-inside).
BROWSER: list[Layout] = [
    *seeded_layouts("browser-wrap", 1, "2021", value_width=0.8, review_width=0.8),
    *seeded_layouts("browser-corner", 1, "2019", header="corner2"),
    *seeded_layouts("browser-rows", 1, "2019", header="flat", label_widths=(0.9, 1.2, 2.2)),
]


@pytest.fixture(scope="session")
def printed(tmp_path_factory) -> dict[str, bytes]:
    """Every layout's PDF by id: one LibreOffice run for the DOCX, Chromium for the HTML."""
    work = tmp_path_factory.mktemp("pdf-layouts")
    docs = {layout.id: layout for group in LAYOUTS.values() for layout in group}
    from tests.pdf_layouts.build import docx_bytes

    out = soffice_pdfs({k: docx_bytes(v) for k, v in docs.items()}, work / "soffice")
    if shutil.which("chromium") or Path("/usr/bin/chromium").exists():
        (work / "chromium").mkdir()
        for layout in BROWSER:
            out["browser:" + layout.id] = chromium_pdf(html_page(layout), work / "chromium", layout.id)
    return out


def _compare(layout: Layout, data: bytes) -> tuple[list, list, object]:
    """(wrong cells, null cells, the Normalized) of one printed document."""
    doc = read_pdf(data)
    result = normalize_tables(doc.tables)
    got = {(c.section, c.row, c.col): c for c in result.cells}
    expected = {tuple(k.split(".")): v for k, v in layout.report().cells.items()
                if k.split(".")[0] in SECTIONS}
    if layout.template == "2021":  # （六）其他处理 is the sum of its sub-rows: derived, not printed
        expected = {k: v for k, v in expected.items() if k[1] != "other" or k[0] != "applications"}
    wrong, nulls = [], []
    for key, value in expected.items():
        cell = got.get(key)
        if cell is None or cell.value is None:
            nulls.append(key)
        elif cell.value != value:
            wrong.append((key, value, cell.value, cell.printed))
        else:  # provenance: the page and the rectangle the number was read from
            assert cell.source.get("page") and len(cell.source.get("bbox", ())) == 4, (key, cell.source)
    return wrong, nulls, result


@pytest.mark.parametrize("group", list(LAYOUTS))
def test_every_cell_right(printed, group):
    for layout in LAYOUTS[group]:
        wrong, nulls, result = _compare(layout, printed[layout.id])
        assert not wrong, (layout, wrong[:5])
        assert not nulls, (layout, nulls[:5], result.warnings)


def test_browser_print(printed):
    if not any(k.startswith("browser:") for k in printed):
        pytest.skip("Chromium not installed")
    for layout in BROWSER:
        wrong, nulls, result = _compare(layout, printed["browser:" + layout.id])
        assert not wrong, (layout, wrong[:5])
        assert not nulls, (layout, nulls[:5], result.warnings)


def _pages_of(data: bytes, section_word: str) -> set[int]:
    doc = read_pdf(data)
    (table,) = [t for t in doc.tables if any(section_word in c for r in t.rows for c in r)]
    return {b[0] for b in table.bboxes.values()}


def test_page_breaks_fall_inside_rows(printed):
    """The page-break documents do put a page break where they mean to (else they test
    nothing): inside section 四's header, inside a section 三 label, between repeated headers."""
    for layout in LAYOUTS["header_cut_by_page"]:
        assert len(_pages_of(printed[layout.id], "行政复议")) == 2, layout
    for layout in LAYOUTS["repeated_header"]:
        tables = read_pdf(printed[layout.id]).tables
        assert sum(any("申请人情况" in c for c in t.rows[0]) for t in tables) >= 2, layout
    joined = [w for layout in LAYOUTS["row_cut_by_page"]
              for w in _compare(layout, printed[layout.id])[2].warnings if "page break" in w]
    assert len(joined) == len(ROW_CUTS), joined


def test_a_cut_that_reads_as_another_row_is_not_joined():
    """Two grid rows are joined only when the label read whole names a row neither part
    names: a row at a page's foot with its own label and blank numbers stays itself."""
    from pipelines.documents.model import RawTable
    from pipelines.tables.normalize import _applications

    header = [["（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"] * 2 + ["申请人情况"] * 7,
              ["", "", "自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]]
    rows = [*header,
            ["一、本年新收政府信息公开申请数量"] * 2 + ["1"] * 6 + ["6"],
            ["（三）不予公开", "8.属于行政查询事项"] + [""] * 7,
            ["（三）不予公开", "其他查询"] + ["2"] * 6 + ["12"]]
    bboxes = {(r, c): (1 if r < 4 else 2, c * 10.0, r * 10.0, c * 10.0 + 10, r * 10.0 + 10)
              for r in range(len(rows)) for c in range(9)}
    origin = {(r, c): r * 100 + c for r in range(len(rows)) for c in range(9)}
    for c in range(2):
        origin[(0, c)] = 0
    table = RawTable(0, rows, 1, bboxes, origin)
    cells = _applications([table], warnings := [])
    query = [c for c in cells if c.row == "denied_administrative_query"]
    assert query and all(c.value == 0 and c.was_blank for c in query), query
    assert not [w for w in warnings if "page break" in w]


def test_cell_lines_join_as_printed():
    """A cell's lines join without a space (CJK and numbers wrap anywhere), but for one
    between Latin words; radicals a font's glyph map gave for ideographs (Chromium's print
    with Noto CJK writes 行 as U+2F8F) read as the ideographs."""
    from pipelines.documents.pdf import ideographs, join_lines

    assert join_lines("自然\n人") == "自然人"
    assert join_lines("2.其他法律行政\n法规禁止公开") == "2.其他法律行政法规禁止公开"
    assert join_lines("12\n34") == "1234"
    assert join_lines("Total\nprocessed") == "Total processed"
    assert join_lines("\n尚未\n\n审结\n") == "尚未审结"
    assert ideographs("\u2f8f政复议\u2f00、\u2f08") == "行政复议一、人"
    assert ideographs("１２") == "１２"  # full-width digits are parse_value's business


def test_header_labels_split_over_grid_rows_read_whole():
    """A header label in two grid rows (自然 over 人, 总 over 计, 其 over 他) names its column;
    a row of units under the labels does not hide them; the group labels are never joined in."""
    from pipelines.documents.model import RawTable
    from pipelines.tables.normalize import _applicant_columns, _review_column

    rows = [["（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"] + ["申请人情况"] * 7,
            ["", "自然", "法人或其他组织", "法人或其他组织", "法人或其他组织", "法人或其他组织", "法人或其他组织", "总"],
            ["", "人", "商业", "科研机构", "社会公益", "法律服务机构", "其", "计"],
            ["", "", "企业", "", "组织", "", "他", ""],
            ["", "（件）", "（件）", "（件）", "（件）", "（件）", "（件）", "（件）"],
            ["一、本年新收政府信息公开申请数量", "1", "2", "3", "4", "5", "6", "21"]]
    origin = {(r, c): r * 10 + c for r in range(len(rows)) for c in range(8)}
    for c in range(2, 7):
        origin[(1, c)] = 12
    for c in range(1, 8):
        origin[(0, c)] = 1
    mapping, start = _applicant_columns(RawTable(0, rows, origin=origin))
    assert start == 5
    assert mapping == {1: "natural_person", 2: "commercial_enterprise", 3: "research_institution",
                       4: "social_welfare_org", 5: "legal_service_org", 6: "other_org", 7: "total"}
    assert _review_column(("行政诉讼", "未经复议直接起诉", "尚未", "审结")) == ("litigation_direct", "pending")
    assert _review_column(("行政复议", "总", "计")) == ("administrative_review", "total")
    assert _review_column(("行政诉讼", "复议后起诉", "结")) is None  # a fragment names nothing

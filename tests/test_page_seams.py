"""Rows a page break cut in two: what is joined, and what is never guessed.

A number printed on both sides of the break cannot be told from two numbers (one number
wrapped over the break, or two rows?): it is never joined into one, and its cell is null
with a reason; the columns that print on one side only are read."""

from __future__ import annotations

from types import SimpleNamespace

from pipelines.documents.model import RawTable
from pipelines.documents.pdf import _join_seam, _Piece
from pipelines.tables.normalize import normalize_tables


def _piece(page: int, cells: dict[tuple[float, ...], str], **kw) -> _Piece:
    return _Piece(page, SimpleNamespace(cells=list(cells)), 0.0, dict(cells), **kw)


def test_split_row_joined_only_where_one_side_prints() -> None:
    prev = _piece(1, {(0, 700, 100, 760): "（二）部分公开（区分处理的，", (100, 700, 140, 760): "22"},
                  open_bottom=True)
    nxt = _piece(2, {(0, 50, 100, 80): "只计这一情形）", (100, 50, 140, 80): "",
                     (0, 80, 100, 110): "（三）不予公开", (100, 80, 140, 110): "3"}, open_top=True)
    _join_seam(prev, nxt)
    assert prev.texts[(0, 700, 100, 760)] == "（二）部分公开（区分处理的，\n只计这一情形）"
    assert prev.texts[(100, 700, 140, 760)] == "22"
    assert (0, 50, 100, 80) not in nxt.table.cells  # the split row reads once

    # A number on both sides: the rows are not joined (22 and 0 never make 220).
    prev = _piece(1, {(0, 700, 100, 760): "（二）部分公开", (100, 700, 140, 760): "22"}, open_bottom=True)
    nxt = _piece(2, {(0, 50, 100, 80): "（三）不予公开", (100, 50, 140, 80): "0"}, open_top=True)
    _join_seam(prev, nxt)
    assert prev.texts[(100, 700, 140, 760)] == "22" and nxt.texts[(100, 50, 140, 80)] == "0"


def test_row_cut_with_numbers_on_both_parts() -> None:
    """'1.本机' with its numbers at a page's foot, '关不掌握相关政府信息' and the last digit of
    its total (10 / 2) at the next page's top: the columns printed once are read, the total
    is null with the reason, and nothing reads the empty cells as zeros."""
    header = [
        ["", "", "", "申请人情况", *[""] * 6],
        ["", "", "", "自然人", *["法人或其他组织"] * 5, "总计"],
        ["", "", "", "自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"],
    ]
    cut = [
        ["三、本年度办理结果", "（四）无法提供", "1.本机", "85", "2", "2", "0", "9", "4", "10"],
        ["三、本年度办理结果", "（四）无法提供", "关不掌握相关政府信息", "", "", "", "", "", "", "2"],
    ]
    rows = header + cut
    bboxes = {(r, c): (1 if r < 4 else 2, c * 10.0, r * 10.0, c * 10.0 + 10, r * 10.0 + 10)
              for r in range(len(rows)) for c in range(10)}
    origin = {(r, c): (r, c) for r in range(len(rows)) for c in range(10)}
    for c in range(3):  # the outer labels span both parts, as merged cells do
        origin[(4, c)] = origin[(3, c)] if c < 2 else (4, c)
    table = RawTable(index=0, rows=rows, bboxes=bboxes, origin=origin)
    got = {c.col: c for c in normalize_tables([table]).cells if c.row == "unavailable_not_held"}
    assert got["natural_person"].value == 85 and got["other_org"].value == 4
    assert got["total"].value is None and "page break" in got["total"].reason
    assert not any(c.value == 0 and c.printed == "" for c in got.values() if c.col != "research_institution")


def _table_over_two_pages(rows: list[list[str]], first_on_page_2: int) -> RawTable:
    bboxes = {(r, c): (1 if r < first_on_page_2 else 2, c * 10.0, r * 10.0, c * 10.0 + 10, r * 10.0 + 10)
              for r in range(len(rows)) for c in range(len(rows[r])) if any(rows[r])}
    origin = {(r, c): (r, c) for r in range(len(rows)) for c in range(len(rows[r]))}
    return RawTable(index=0, rows=rows, bboxes=bboxes, origin=origin)


HEADER = [
    ["", "", "", "申请人情况", *[""] * 6],
    ["", "", "", "自然人", *["法人或其他组织"] * 5, "总计"],
    ["", "", "", "自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"],
]


def test_numbers_going_on_under_no_label_are_not_read_short() -> None:
    """"（七）总计 4 … 4" at a page's foot and "0 … 6" under no label at the next page's top:
    the columns printed on both parts are null, not 4."""
    rows = [*HEADER,
            ["三、本年度办理结果", "（七）总计", "（七）总计", "4", "3", "1", "0", "0", "2", "4"],
            ["", "", "", "0", "", "", "", "", "", "6"]]
    got = {c.col: c for c in normalize_tables([_table_over_two_pages(rows, 4)]).cells
           if c.row == "total_processed"}
    assert got["natural_person"].value is None and got["total"].value is None
    assert got["commercial_enterprise"].value == 3


def test_a_label_fragment_with_no_numbers_is_no_row_of_zeros() -> None:
    """The end of a cut label alone at a page's top, its cells empty, is not a row of zeros."""
    rows = [*HEADER,
            ["三、本年度办理结果", "（六）其他处理", "收费通知要求缴纳费用、行政机关不再处理", "", "", "", "", "", "", ""],
            ["三、本年度办理结果", "（六）其他处理", "3.其他", "0", "0", "0", "0", "0", "0", "0"]]
    cells = [c for c in normalize_tables([_table_over_two_pages(rows, 3)]).cells if c.section == "applications"]
    assert not [c for c in cells if c.row == "other_unpaid_fee" and c.value is not None]
    assert {c.value for c in cells if c.row == "other_other"} == {0}

"""Printed pages whose tables a page break, a narrow column or a missing rule cut up: rows at
a page's edge with no rule to close them, glyphs spaced out to fill a narrow cell, section 二's
one-number parts, a header printed one line a row, section 三's header cut by the break.

Pure functions first (synthetic characters and grids), then real pages printed by Chromium
from the layout corpus's generator with a seed of their own (not the corpus's documents):
very narrow columns, rules between rows only or none at all.
"""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pdfplumber
import pytest

from bench.extraction import flatten, same
from pipelines.documents.model import RawTable
from pipelines.documents.pdf_unruled import _label_starts, _to_page_ends, unruled_tables
from pipelines.extract import extract_document
from pipelines.tables.normalize import normalize_tables
from pipelines.tables.textgrid import _active_row
from tests.layout_corpus import generate as lc


def _char(text: str, x0: float, top: float, size: float = 11.0) -> dict:
    width = size if ord(text) > 0x2E80 else size / 2
    return {"text": text, "x0": x0, "x1": x0 + width, "top": top, "bottom": top + size, "size": size}


def _line(top: float, *parts: tuple[str, float]) -> list[dict]:
    """A line of characters: each part a run of glyphs set tight from x."""
    out = []
    for text, x in parts:
        for ch in text:
            out.append(_char(ch, x, top))
            x = out[-1]["x1"]
    return out


# ── glyphs spaced out to fill a cell ─────────────────────────────────────────

def test_a_label_justified_two_glyphs_a_line_is_one_column() -> None:
    """行政规范性文件 in a cell two glyphs wide, justified: 行 at the cell's left, 政 at its
    right, line after line. The right glyphs' edges repeat, yet they are no column."""
    pairs = ["行政", "规范", "性文", "件"]
    lines = [_line(100 + 15 * i, (p[0], 234), *([(p[1], 253)] if len(p) > 1 else [])) for i, p in enumerate(pairs)]
    lines += [_line(200 + 15 * i, (p[0], 234), (p[1], 253)) for i, p in enumerate(["行政", "许可"])]
    assert _label_starts(lines, first_value=268) == [234]


@pytest.mark.parametrize("group, item", [
    ("（三）", "1.属于"),  # a group label beside its first item, tight words of their own
    ("不予", "国家"),  # two words, the gap between them not the glyphs' own spacing
])
def test_a_second_label_column_stays_a_column(group: str, item: str) -> None:
    """A group label beside an item label: the item's lines below stand alone (the group's
    merged cell prints once), so the item column is a column, however the first line reads."""
    lines = [_line(100, (group, 210), (item, 262)),
             _line(115, ("秘密", 262)),
             _line(130, ("2.其他", 262))]
    assert 262 in _label_starts(lines, first_value=300)


def test_evenly_spaced_pairs_with_a_line_of_their_own_are_a_column() -> None:
    """Pairs evenly spaced, but one line on the right alone: two columns after all."""
    lines = [_line(100, ("行", 234), ("政", 253)), _line(115, ("规", 234), ("范", 253)),
             _line(130, ("许", 253))]
    assert _label_starts(lines, first_value=268) == [234, 253]


# ── rows at a page's edge ────────────────────────────────────────────────────

def _stack(*ys: float, x0: float = 200, x1: float = 400) -> list[tuple]:
    return [(y, [(x0, x1)], []) for y in ys]


def test_lines_from_the_page_top_to_the_first_rule_are_a_row() -> None:
    """A row the page break moved opens the page with no rule above it (a browser draws a
    row's top border with the row): its lines, from the page's first line to the first rule,
    as far from it as text is from a rule in the rows below, make a band."""
    chars = [*_line(60, ("2.其他", 246), ("0", 300)), *_line(75, ("法律", 246)),
             *_line(110, ("3.危及", 246), ("0", 300)), *_line(160, ("4.保护", 246), ("1", 300))]
    stack, opened = _to_page_ends(chars, _stack(100, 150, 200))
    assert opened == (True, False)
    assert stack[0][0] < 60 and [y for y, *_ in stack[1:]] == [100, 150, 200]


def test_a_heading_above_the_table_opens_no_row() -> None:
    """Text above the first rule that is wider than the table, or stands apart from it, is
    no row of it."""
    heading = _line(60, ("三、收到和处理政府信息公开申请情况", 120))
    row = [*_line(110, ("3.危及", 246), ("0", 300)), *_line(160, ("4.保护", 246), ("1", 300))]
    assert _to_page_ends([*heading, *row], _stack(100, 150, 200))[1] == (False, False)
    apart = _line(20, ("2.其他", 246))  # a line far above the rule: not the row's
    assert _to_page_ends([*apart, *row], _stack(100, 150, 200))[1][0] is False


def test_the_last_row_cut_by_the_page_end_is_a_row() -> None:
    chars = [*_line(110, ("3.危及", 246), ("0", 300)), *_line(160, ("（六）", 210), ("1.申请", 246), ("2", 300)),
             *_line(175, ("人无正", 246)), *_line(190, ("当理由", 246))]
    stack, opened = _to_page_ends(chars, _stack(100, 150))
    assert opened == (False, True) and stack[-1][0] > 190


# ── section 二 and 三, as the grids come out ─────────────────────────────────

def _grid(rows: list[list[str]]) -> RawTable:
    n = max(map(len, rows))
    rows = [r + [""] * (n - len(r)) for r in rows]
    bboxes = {(r, c): (1, c * 40.0, r * 20.0, c * 40.0 + 40, r * 20.0 + 20) for r in range(len(rows)) for c in range(n)}
    return RawTable(index=0, rows=rows, page=1, bboxes=bboxes, origin={k: k for k in bboxes})


def _cells(rows: list[list[str]], section: str) -> dict[tuple[str, str], object]:
    return {(c.row, c.col): c for c in normalize_tables([_grid(rows)]).cells if c.section == section}


def test_a_lone_metric_centred_over_columns_reads_its_value_beside_it() -> None:
    """本年处理决定数量 printed centred in the middle one of three columns the sub-table above
    splits, the value left in the first: the value is read, not the blank under the header."""
    cells = _cells([
        ["第二十条第（一）项", "", "", ""],
        ["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"],
        ["规章", "0", "0", "10"],
        ["第二十条第（五）项", "", "", ""],
        ["信息内容", "", "本年处理决定数量", ""],
        ["行政许可", "12023", "", ""],
        ["第二十条第（六）项", "", "", ""],
        ["信息内容", "", "本年处理决定数量", ""],
        ["行政处罚", "", "848", ""],
        ["行政强制", "5", "", "7"],  # two values under one header: null, not either
    ], "active_disclosure")
    assert cells[("administrative_licensing", "decisions")].value == 12023
    assert cells[("administrative_penalty", "decisions")].value == 848
    assert cells[("administrative_coercion", "decisions")].value is None


def test_a_header_printed_one_line_a_row_is_read_whole() -> None:
    """A page without rules prints each header line as a row; an item's label the page seam
    carried onto the first of them does not make it a row."""
    cells = _cells([
        ["第二十条第（五）项", "", "", ""],
        ["规范性文件", "上一年项目", "本年增/", "处理决定"],
        ["信息内容", "", "", ""],
        ["", "数量", "减", "数量"],
        ["行政许可", "396", "0", "181"],
        ["其他对外管理服务事项", "10", "+2", "153"],
    ], "active_disclosure")
    assert [cells[("administrative_licensing", m)].value for m in ("items_last_year", "change_this_year", "decisions")] \
        == [396, 0, 181]
    assert cells[("other_management_services", "change_this_year")].value == 2
    assert ("normative_documents", "items_last_year") not in cells


def test_section_3_header_cut_by_a_page_break_is_read_by_order() -> None:
    """The next page's part of section 三 keeps only the leaf labels of 法人或其他组织: its
    seven number columns in the template's order, a row kept only where its total adds up."""
    corner = "第三项加第四项之和）"
    rows = [
        [corner, corner, corner, "人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", ""],
        ["一、本年新收政府信息公开申请数量"] * 3 + ["71", "3", "0", "0", "0", "0", "74"],
        ["二、上年结转政府信息公开申请数量"] * 3 + ["1", "0", "0", "0", "0", "0", "1"],
        ["三、本年度办理结果", "（一）予以公开", "（一）予以公开", "21", "0", "0", "0", "0", "0", "22"],
    ]
    cells = _cells(rows, "applications")
    assert cells[("new_received", "natural_person")].value == 71 and cells[("new_received", "total")].value == 74
    assert cells[("carried_over", "total")].value == 1
    assert cells[("granted", "natural_person")].value is None  # 21 + 0 ≠ 22: not trusted


def test_rows_rebuilt_from_words_name_no_item_from_two_labels_pieces() -> None:
    """A line whose label mixes another row's glyphs with an item's name is no row of it."""
    assert _active_row("信容行可其他对外管理服务事项 息 政 内 许\t396 0 181")[0] is None
    assert _active_row("其他对外管理服务事项\t10 0 153")[0] == "other_management_services"
    assert _active_row("规章（设区的市、自治州人民政府应提供相关数据）\t1 1 13")[0] == "regulations"
    # The next row's label begun on this line, a bracket the line cut, a caption glued on:
    # all explained.
    assert _active_row("信息内容 行政许可其他对外\t475 +22 16845")[0] == "administrative_licensing"
    assert _active_row("规章（设区的市、自治州\t0 0 8")[0] == "regulations"
    assert _active_row("行政强制第二十条第（八）项\t37 +3 14")[0] == "administrative_coercion"


# ── real pages printed by Chromium ───────────────────────────────────────────

needs_chromium = pytest.mark.skipif(not Path(lc.CHROMIUM).exists() or not shutil.which("fc-list"),
                                    reason="needs Chromium and fonts")

NARROW_PARTIAL = {"toolchain": "chromium-real", "rules": "partial", "width": "very_narrow"}
NARROW_NONE = {"toolchain": "chromium-real", "rules": "none", "width": "very_narrow"}
PRINTS = [(2207, 1, NARROW_PARTIAL), (2207, 3, NARROW_PARTIAL), (2207, 5, NARROW_PARTIAL),
          (2208, 4, NARROW_NONE)]


@needs_chromium
@pytest.mark.parametrize("seed, i, force", PRINTS, ids=[f"{s}-{i}-{f['rules']}" for s, i, f in PRINTS])
def test_real_pages_printed_narrow_read_whole(tmp_path: Path, seed: int, i: int, force: dict) -> None:
    doc = lc.plan_one(seed, i, **force)
    data = lc.chromium_pdf(lc.real_html(doc), tmp_path, doc.id)
    # What these pages exercise: rows at a page's edge with no rule there, or tables read
    # from their lines alone.
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        tables = [t for page in pdf.pages for t in unruled_tables(page, [])]
    assert tables
    if force["rules"] == "partial":
        assert any(t.open_top or t.open_bottom for t in tables)
    ext = extract_document(data)
    got = {f"{c.section}.{c.row}.{c.col}": c.value for c in ext.cells}
    expected = flatten(lc.expected(doc)["cells"])
    wrong = {k: (v, got.get(k)) for k, v in expected.items() if got.get(k) is not None and not same(v, got[k])}
    assert not wrong
    read = sum(1 for k, v in expected.items() if same(v, got.get(k)))
    assert read >= 0.99 * len(expected), f"{read}/{len(expected)} cells read"

"""The DOCX reader reads grids from python-docx's XML tree itself (its table API cost five
times the opening). python-docx's own reading is the oracle: on every DOCX in the corpus and on
Word constructs built here, both must give the same grid, merges and text."""

from __future__ import annotations

import copy
import io
from pathlib import Path

import docx
import pytest
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.table import Table
from docx.text.paragraph import Paragraph

from pipelines.documents.docx import MAX_SPAN, read_docx, table_grid
from pipelines.documents.model import pad_rows
from pipelines.tables.text import clean_cell

CORPUS = Path(__file__).parent / "corpus"


def _python_docx_grid(table: Table) -> tuple[list[list[str]], dict[tuple[int, int], int]]:
    """A table's grid through python-docx's table API: `_Row.cells` expands gridSpan and
    vMerge, `grid_cols_before` gives the empty positions a row starts with."""
    rows: list[list[str]] = []
    origin: dict[tuple[int, int], int] = {}
    ids: dict[object, int] = {}
    for r, row in enumerate(table.rows):
        out = [""] * row.grid_cols_before
        for cell in row.cells:
            ids.setdefault(cell._tc, len(ids))
            origin[(r, len(out))] = ids[cell._tc]
            out.append(clean_cell("".join(p.text for p in cell.paragraphs)))
        rows.append(out)
    return pad_rows(rows), origin


def _python_docx_reading(data: bytes) -> tuple[list[str], list[tuple[list[list[str]], dict]]]:
    """(body paragraph texts, table grids) in body order, through python-docx's objects."""
    doc = docx.Document(io.BytesIO(data))
    texts, grids = [], []
    for child in doc.element.body.iterchildren(qn("w:p"), qn("w:tbl")):
        if child.tag == qn("w:p"):
            texts.append(clean_cell(Paragraph(child, doc).text))
        else:
            grids.append(_python_docx_grid(Table(child, doc)))
    return texts, grids


def _assert_same_reading(data: bytes) -> None:
    texts, grids = _python_docx_reading(data)
    ours = read_docx(data)
    assert [(t.rows, t.origin) for t in ours.tables] == grids
    lines = iter(ours.text.split("\n"))
    for text in filter(None, texts):  # every paragraph's text, in order, among the lines
        assert text in lines


CORPUS_DOCX = sorted((CORPUS / "documents").glob("*.docx")) + sorted((CORPUS / "sources").glob("*.docx"))


@pytest.mark.parametrize("path", CORPUS_DOCX, ids=lambda p: p.name)
def test_corpus_docx_reads_as_python_docx_reads_it(path: Path) -> None:
    _assert_same_reading(path.read_bytes())


def test_the_corpus_has_word_merges_to_compare() -> None:
    """The comparison above means something only if the corpus has merged cells."""
    merged = 0
    for path in CORPUS_DOCX:
        for table in read_docx(path.read_bytes()).tables:
            merged += len(table.origin) - len(set(table.origin.values()))
    assert merged > 50


def _docx_bytes(doc) -> bytes:
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def _merged_document() -> bytes:
    """Horizontal, vertical and block merges, as python-docx's merge writes them."""
    doc = docx.Document()
    doc.add_paragraph("一、总体情况")
    table = doc.add_table(rows=5, cols=5)
    for r, row in enumerate(table.rows):
        for c, cell in enumerate(row.cells):
            cell.text = f"r{r}c{c}"
    table.cell(0, 0).merge(table.cell(0, 2))  # across
    table.cell(1, 0).merge(table.cell(3, 0))  # down
    table.cell(1, 2).merge(table.cell(2, 4))  # a block
    doc.add_paragraph("二、主动公开")
    return _docx_bytes(doc)


def test_merges_read_as_python_docx_reads_them() -> None:
    data = _merged_document()
    _assert_same_reading(data)
    rows = read_docx(data).tables[0].rows
    assert rows[0][:3] == [rows[0][0]] * 3
    assert [rows[r][0] for r in (1, 2, 3)] == [rows[1][0]] * 3
    assert {rows[r][c] for r in (1, 2) for c in (2, 3, 4)} == {rows[1][2]}


def _edit_table(data: bytes, edit) -> bytes:
    doc = docx.Document(io.BytesIO(data))
    edit(doc.tables[0]._tbl)
    return _docx_bytes(doc)


def test_a_row_that_starts_late_keeps_its_cells_in_their_columns() -> None:
    def start_late(tbl):
        tr = tbl.tr_lst[4]
        tr.remove(tr.tc_lst[0])
        tr.get_or_add_trPr().append(parse_xml(f'<w:gridBefore {nsdecls("w")} w:val="1"/>'))

    data = _edit_table(_merged_document(), start_late)
    _assert_same_reading(data)
    assert read_docx(data).tables[0].rows[4] == ["", "r4c1", "r4c2", "r4c3", "r4c4"]


def test_run_content_reads_as_python_docx_reads_it() -> None:
    """Tabs, line/page breaks, carriage returns, non-breaking hyphens and hyperlinks."""
    doc = docx.Document()
    p = doc.add_paragraph()
    p._p.append(parse_xml(
        f'<w:r {nsdecls("w")}><w:t>第一</w:t><w:tab/><w:t>行</w:t><w:br/><w:t>二</w:t>'
        '<w:br w:type="page"/><w:t>三</w:t><w:cr/><w:noBreakHyphen/><w:ptab w:relativeTo="margin" w:alignment="left" '
        'w:leader="none"/><w:t xml:space="preserve"> 末 </w:t></w:r>'))
    p._p.append(parse_xml(f'<w:hyperlink {nsdecls("w")}><w:r><w:t>链接</w:t></w:r></w:hyperlink>'))
    table = doc.add_table(rows=1, cols=2)
    table.cell(0, 0).text = "申请"
    table.cell(0, 0).add_paragraph("人")  # two paragraphs: run together in a cell
    table.cell(0, 1)._tc.p_lst[0].append(copy.deepcopy(p._p.r_lst[0]))
    data = _docx_bytes(doc)
    _assert_same_reading(data)
    ours = read_docx(data)
    assert ours.tables[0].rows[0][0] == "申请人"
    assert ours.tables[0].rows[0][1] == "第一 行 二三 - 末"  # a page break is no text
    assert "链接" in ours.text


def test_a_table_inside_a_cell_is_not_read_into_the_cell() -> None:
    doc = docx.Document()
    outer = doc.add_table(rows=1, cols=2)
    outer.cell(0, 0).text = "外"
    inner = outer.cell(0, 1).add_table(rows=1, cols=1)
    inner.cell(0, 0).text = "内"
    data = _docx_bytes(doc)
    _assert_same_reading(data)
    assert read_docx(data).tables[0].rows == [["外", ""]]


def test_a_continued_merge_with_nothing_above_stands_alone() -> None:
    """python-docx raises on a vMerge="continue" in a table's first row; Word draws it as a
    cell of its own, and so does the reader."""
    def continue_at_top(tbl):
        tbl.tr_lst[0].tc_lst[1].vMerge = "continue"  # r0c3 (r0c0–2 are one)

    data = _edit_table(_merged_document(), continue_at_top)
    with pytest.raises(ValueError):
        _python_docx_reading(data)
    rows = read_docx(data).tables[0].rows
    assert rows[0][3] == "r0c3"


def test_a_hostile_span_is_bounded() -> None:
    def wide(tbl):
        tbl.tr_lst[0].tc_lst[0].get_or_add_tcPr().grid_span = 100_000

    table = read_docx(_edit_table(_merged_document(), wide)).tables[0]
    assert table.n_cols <= MAX_SPAN + 5


def test_a_hostile_grid_before_is_bounded() -> None:
    def late(tbl):
        tbl.tr_lst[4].get_or_add_trPr().append(parse_xml(f'<w:gridBefore {nsdecls("w")} w:val="100000000"/>'))

    table = read_docx(_edit_table(_merged_document(), late)).tables[0]
    assert MAX_SPAN <= table.n_cols <= MAX_SPAN + 5
    assert table.rows[4][MAX_SPAN] == "r4c0"


def test_table_grid_reads_an_element_alone() -> None:
    doc = docx.Document(io.BytesIO(_merged_document()))
    rows, origin = table_grid(doc.tables[0]._tbl)
    assert (rows, origin) == _python_docx_grid(doc.tables[0])

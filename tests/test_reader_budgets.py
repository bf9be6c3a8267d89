"""The HTML and DOCX readers count what a small hostile file multiplies against the budgets of
pipelines/budgets.py: grid positions as spans expand (GRID_CELLS, one count a document), and
a DOCX's real inflated bytes and XML nodes (INFLATED_BYTES, XML_NODES) while it inflates,
whatever its zip directory states. And a page with a text node or attribute past libxml2's
default limit is still read to its end. tests/hostile holds the attacks themselves."""

from __future__ import annotations

import io
import subprocess
import sys
import zipfile
from pathlib import Path

import lxml.html
import pytest
from lxml import etree

from pipelines import budgets
from pipelines.documents import docx as docx_reader
from pipelines.documents import html as html_reader
from pipelines.documents.model import GridCells
from tests.hostile.build import SEED_DOCX, SEED_HTML, W, _understated, docx_with

LIMIT = budgets.GRID_CELLS.limit


def _near_limit(left: int) -> GridCells:
    """A document's count with `left` positions left, as after its earlier tables."""
    cells = GridCells()
    cells.take(LIMIT - left)
    return cells


def _html_table(html: str) -> etree._Element:
    return lxml.html.fragment_fromstring(html)


def _w_table(rows: str) -> etree._Element:
    return etree.fromstring(f"<w:tbl {W}>{rows}</w:tbl>")


# ── GRID_CELLS ─────────────────────────────────────────────────────────────────────────────

def test_a_span_is_counted_before_it_is_expanded():
    table = _html_table('<table><tr><td>a</td><td rowspan="200" colspan="200">b</td></tr></table>')
    cells = GridCells()
    rows, _ = html_reader.table_grid(table, cells)
    assert len(rows) == 1 and len(rows[0]) == 201
    with pytest.raises(budgets.TooLarge) as exc:
        html_reader.table_grid(table, _near_limit(39_999))  # the span writes 200 × 200
    assert exc.value.budget is budgets.GRID_CELLS


def test_padding_short_rows_to_a_wide_row_is_counted():
    """One row 4,000 positions wide and ten one-cell rows: 44,000 positions once padded,
    though the spans wrote 4,000."""
    table = _html_table("<table><tr>" + '<td colspan="200">x</td>' * 20 + "</tr>" + "<tr><td>y</td></tr>" * 10 + "</table>")
    cells = GridCells()
    rows, _ = html_reader.table_grid(table, cells)
    assert cells.used == 11 * 4_000 == sum(map(len, rows))
    with pytest.raises(budgets.TooLarge):
        html_reader.table_grid(table, _near_limit(40_000))


def test_a_pages_tables_share_one_count():
    """Sixty tables of one 200 × 200 cell: each far under the budget, together over it."""
    table = '<table><tr><td rowspan="200" colspan="200">x</td></tr></table>'
    one = html_reader.read_html(f"<html><body>{table}</body></html>".encode())
    assert len(one.tables) == 1
    with pytest.raises(budgets.TooLarge) as exc:
        html_reader.read_html(f"<html><body>{table * 60}</body></html>".encode())
    assert exc.value.budget is budgets.GRID_CELLS


def test_docx_grid_span_and_grid_before_are_counted():
    row = '<w:tr><w:trPr><w:gridBefore w:val="150"/></w:trPr><w:tc><w:tcPr><w:gridSpan w:val="50"/></w:tcPr><w:p/></w:tc></w:tr>'
    cells = GridCells()
    rows, _ = docx_reader.table_grid(_w_table(row * 3), cells)
    assert cells.used == 3 * 200 == sum(map(len, rows))
    # Stopped in the first row, before its 150 empty positions or its cell's 50 are allocated.
    for left, seen in ((100, LIMIT + 50), (180, LIMIT + 20)):
        with pytest.raises(budgets.TooLarge) as exc:
            docx_reader.table_grid(_w_table(row * 3), _near_limit(left))
        assert exc.value.seen == seen


def test_docx_padding_is_counted():
    wide = '<w:tr><w:tc><w:tcPr><w:gridSpan w:val="200"/></w:tcPr><w:p/></w:tc></w:tr>'
    narrow = "<w:tr><w:tc><w:p/></w:tc></w:tr>"
    cells = GridCells()
    docx_reader.table_grid(_w_table(wide + narrow * 99), cells)
    assert cells.used == 100 * 200
    with pytest.raises(budgets.TooLarge):
        docx_reader.table_grid(_w_table(wide + narrow * 99), _near_limit(10_000))


# ── INFLATED_BYTES and XML_NODES ───────────────────────────────────────────────────────────

def _zip_streamed(name: str, size: int) -> bytes:
    """A zip whose member inflates to `size` zero bytes, written without holding them."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf, zf.open(name, "w", force_zip64=True) as member:
        block = b"\0" * (1 << 20)
        for _ in range(size // len(block)):
            member.write(block)
    return out.getvalue()


def test_the_seed_and_the_corpus_pass_the_package_check():
    from tests.test_docx_reader import CORPUS_DOCX

    for path in [SEED_DOCX, *CORPUS_DOCX]:
        docx_reader.check_package(path.read_bytes())


def test_inflation_stops_at_the_first_chunk_past_the_budget():
    bomb = _zip_streamed("word/media/image1.png", 4 * budgets.INFLATED_BYTES.limit)
    with pytest.raises(budgets.TooLarge) as exc:
        docx_reader.check_package(bomb)
    assert exc.value.budget is budgets.INFLATED_BYTES
    assert exc.value.seen <= budgets.INFLATED_BYTES.limit + docx_reader._CHUNK
    assert "zip bomb" in str(exc.value)


def test_a_directory_that_understates_sizes_is_not_believed():
    bomb = _understated(_zip_streamed("word/document.xml", budgets.INFLATED_BYTES.limit + (8 << 20)))
    with zipfile.ZipFile(io.BytesIO(bomb)) as zf:
        assert sum(i.file_size for i in zf.infolist()) <= 1 << 20  # what a directory check saw
    with pytest.raises(budgets.TooLarge) as exc:
        docx_reader.check_package(bomb)
    assert exc.value.budget is budgets.INFLATED_BYTES


def test_an_understated_member_under_the_budget_is_an_error_not_a_cut_document():
    """zipfile cuts a member at its stated size; the CRC then fails, so a lying directory never
    passes a truncated document.xml on as if it were the document."""
    lying = _understated(SEED_DOCX.read_bytes(), at_most=1000, only="word/document.xml")
    with pytest.raises(zipfile.BadZipFile):
        docx_reader.read_docx(lying)


def test_the_node_count_bounds_what_libxml2_builds():
    """For every XML part of the corpus, and for parts made of attributes or entity references
    alone, "<", "=" and "&" outnumber the elements, attributes and entity references
    python-docx's parser builds."""
    from docx.oxml.parser import oxml_parser

    from tests.test_docx_reader import CORPUS_DOCX

    parts = [(f"{path.name}:{name}", zf.read(name)) for path in [SEED_DOCX, *CORPUS_DOCX]
             for zf in [zipfile.ZipFile(path)] for name in zf.namelist()]
    parts.append(("attributes", b"<a " + b" ".join(b'b%d=""' % i for i in range(1000)) + b"/>"))
    parts.append(("entities", b'<!DOCTYPE a [<!ENTITY e "x">]><a>' + b"&e;" * 1000 + b"</a>"))
    for name, data in parts:
        if not docx_reader._xml_part(name, data):
            continue
        root = etree.fromstring(data, oxml_parser)
        built = sum(1 + len(el.attrib) if isinstance(el.tag, str) else 1 for el in root.iter())
        assert docx_reader._nodes_at_most(data) >= built, name


def test_nodes_are_counted_in_a_part_that_starts_with_whitespace():
    xml = b" " * (3 << 20) + f"<w:document {W}><w:body>".encode() + b"<w:p/>" * (budgets.XML_NODES.limit + 1) + b"</w:body></w:document>"
    with pytest.raises(budgets.TooLarge) as exc:
        docx_reader.check_package(docx_with(xml))
    assert exc.value.budget is budgets.XML_NODES


def test_markup_in_an_encoding_without_countable_bytes_is_refused():
    xml = (f'<?xml version="1.0" encoding="UTF-7"?><w:document {W}><w:body>'.encode()
           + b"+ADw-w:p/+AD4-" * 3 + b"</w:body></w:document>")
    assert len(etree.fromstring(xml).find(f"{docx_reader._W}body")) == 3  # libxml2 reads it
    with pytest.raises(ValueError, match="encoding"):
        docx_reader.check_package(docx_with(xml))
    utf16 = '<?xml version="1.0" encoding="UTF-16"?><a/>'.encode("utf-16")
    assert docx_reader._xml_part("a.xml", utf16) is True


# ── libxml2's limits on HTML ───────────────────────────────────────────────────────────────

def _seed_with(before_tables: bytes) -> bytes:
    seed = SEED_HTML.read_bytes()
    at = seed.index(b"<table")
    return seed[:at] + before_tables + seed[at:]


@pytest.mark.parametrize("huge", [b"<p>" + "年".encode() * 4_000_000 + b"</p>",
                                  b'<p title="' + b"x" * 12_000_000 + b'">a</p>'], ids=["text", "attribute"])
def test_tables_after_a_node_past_10_mb_are_read(huge):
    seed = html_reader.read_html(SEED_HTML.read_bytes())
    doc = html_reader.read_html(_seed_with(huge))
    assert [t.rows for t in doc.tables] == [t.rows for t in seed.tables] and seed.tables
    assert not doc.warnings


def test_a_page_the_parser_stops_in_says_so():
    assert not html_reader.read_html(SEED_HTML.read_bytes()).warnings
    doc = html_reader.read_html(_seed_with(b"<div>" * 3000 + b"x" + b"</div>" * 3000))
    assert doc.tables == []
    assert any("parser stopped" in w and "depth" in w for w in doc.warnings)


def test_a_page_too_large_for_the_worker_is_too_large_not_empty():
    """libxml2 out of memory raises a syntax error, which the reader took for an unparseable
    page: an empty document, `no_tables`, and the report's tables silently gone."""
    script = """
import resource
from pipelines.extract import extract_document
page = b"<html><body>" + b"<p>x</p>" * 4_000_000 + b"</body></html>"
resource.setrlimit(resource.RLIMIT_AS, (700 << 20, 700 << 20))
print(extract_document(page).status)
"""
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                          cwd=Path(__file__).parents[1])
    assert proc.stdout.split() == ["too_large"], proc.stderr

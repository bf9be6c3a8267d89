"""The PDF readers keep within their budgets (pipelines/budgets.py) on the hostile PDFs of
tests/hostile/pdf_cases.py: a page's pixels and its images' are sized up before anything is
rendered, long PDFs are read up to their page budgets with a warning, and building a table's
grid takes time linear in its cells, up to the grid_cells budget.

The time bounds are generous: they only tell linear from quadratic (speed is measured by
bench/performance.py)."""

from __future__ import annotations

import io
import time
from pathlib import Path

import pdfplumber
import pypdfium2 as pdfium
import pytest
from pdfplumber.table import Table

from pipelines import budgets
from pipelines.documents import ocr, pdf
from pipelines.documents.model import GridCells
from tests.hostile import pdf_cases as P

SAMPLES = Path(__file__).parents[1] / "crawler" / "sample_sites"


def _real_table_piece(rows: int = 200) -> pdf._Piece:
    """One page of `rows` thin ruled rows (2 columns), as pdfplumber finds it."""
    with pdfplumber.open(io.BytesIO(P.ruled_rows(1, rows_per_page=rows))) as doc:
        (table,) = doc.pages[0].find_tables()
        return pdf._Piece(1, table, 0.0, {})


def test_stitched_grid_is_built_in_linear_time():
    # 200 pages of one 200-row table, stitched: 40,000 rows, 80,000 cells. A lookup of each
    # cell's rules by scanning the 40,000 row rules takes several minutes; bisection, a second.
    one = _real_table_piece()
    pieces = [pdf._Piece(k + 1, one.table, 842.0 * k, one.texts) for k in range(200)]
    start = time.perf_counter()
    table = pdf._grid(pieces, 0)
    elapsed = time.perf_counter() - start
    assert (len(table.rows), len(table.rows[0])) == (200 * 201 - 1, 2)
    assert elapsed < 30, f"{elapsed:.1f} s: building the grid is quadratic again"


def test_scanned_grid_is_built_in_linear_time():
    np = pytest.importorskip("numpy")
    del np
    rows = 40_000
    cells = [ocr._Cell(x, 40 + 30 * r, x + 200, 40 + 30 * r + 24, text="0", conf=99.0)
             for r in range(rows) for x in (40, 246)]
    pieces = [ocr._Piece(1, 37, 37, 449, 40 + 30 * rows, cells)]
    start = time.perf_counter()
    table = ocr._grid(pieces, 0)
    elapsed = time.perf_counter() - start
    assert (len(table.rows), len(table.rows[0])) == (rows, 2)
    assert table.rows[-1] == ["0", "0"] and table.confidence[(rows - 1, 1)] == 99.0
    assert elapsed < 30, f"{elapsed:.1f} s: building the grid is quadratic again"


def test_grid_cells_budget_is_checked_before_the_grid_is_allocated():
    # A staircase of cells, each on rows and columns of its own: 1,500 cells, a 2,999 × 2,999
    # grid (a PDF cannot make one within the pdf_pages and pdf_rule_crossings budgets; the
    # grid_cells budget is the last line).
    staircase = [(40.0 + 10 * k, 40.0 + 10 * k, 46.0 + 10 * k, 46.0 + 10 * k) for k in range(1_500)]
    with pytest.raises(budgets.TooLarge) as err:
        pdf._grid([pdf._Piece(1, Table(None, staircase), 0.0)], 0)
    assert err.value.budget is budgets.GRID_CELLS and err.value.seen == 2999 * 2999
    # The budget is the document's: tables built before count.
    small = [(40.0, 40.0, 100.0, 60.0), (100.0, 40.0, 160.0, 60.0)]
    document = GridCells()
    document.take(budgets.GRID_CELLS.limit - 2)
    assert len(pdf._grid([pdf._Piece(1, Table(None, small), 0.0)], 1, document).rows[0]) == 2
    with pytest.raises(budgets.TooLarge):
        pdf._grid([pdf._Piece(1, Table(None, small), 0.0)], 2, document)


def test_scanned_grid_cells_budget_is_checked_before_the_grid_is_allocated():
    # The same staircase, as scanned cells: 1,000 cells, a 1,999 × 1,999 grid.
    n = 1_000
    cells = [ocr._Cell(40 + 40 * k, 40 + 40 * k, 60 + 40 * k, 60 + 40 * k) for k in range(n)]
    with pytest.raises(budgets.TooLarge) as err:
        ocr._grid([ocr._Piece(1, 0, 0, 40 * n + 80, 40 * n + 80, cells)], 0)
    assert err.value.budget is budgets.GRID_CELLS
    # The budget is the document's: tables built before count.
    small = [ocr._Cell(40, 40, 100, 60), ocr._Cell(106, 40, 160, 60)]
    document = GridCells()
    document.take(budgets.GRID_CELLS.limit)
    with pytest.raises(budgets.TooLarge):
        ocr._grid([ocr._Piece(1, 37, 37, 163, 63, small)], 1, document)


def test_huge_scanned_page_is_refused_before_it_is_rendered():
    data = P.scan_page((10_000.0, 10_000.0))
    assert len(data) < 2_500
    with pytest.raises(budgets.TooLarge) as err:
        ocr._plan(data)
    assert err.value.budget is budgets.OCR_PIXELS and "page 1" in str(err.value)


@pytest.mark.parametrize(("size", "dpi"), [
    ((595.0, 842.0), 300),  # A4
    ((842.0, 1191.0), 300),  # A3
    ((1191.0, 1684.0), 227),  # A2: read at a lower resolution
    ((1684.0, 2384.0), 160),  # A1
    ((2384.0, 3370.0), None),  # A0: refused
])
def test_render_resolution_fits_the_pixel_budget(size, dpi):
    if dpi is None:
        with pytest.raises(budgets.TooLarge):
            ocr._render_dpi(1, *size)
        return
    got = ocr._render_dpi(1, *size)
    assert got == dpi
    assert (size[0] * got / 72 + 1) * (size[1] * got / 72 + 1) <= budgets.OCR_PIXELS.limit


def test_large_scanned_page_is_planned_at_a_lower_resolution_with_a_warning():
    plans, warnings = ocr._plan(P.scan_page((1191.0, 1684.0), image=(3300, 4700)))
    assert [p.dpi for p in plans] == [227]
    assert plans[0].scan_dpi == pytest.approx(3300 / (1191 / 72))
    assert any("227 dpi" in w and budgets.OCR_PIXELS.name in w for w in warnings)


@pytest.mark.parametrize("mask", [False, True])
def test_scan_images_are_counted_before_they_are_decoded(mask):
    data = P.scan_page(P.A4, mask=(12_000, 12_000)) if mask else P.scan_page(P.A4, image=(12_000, 12_000), bits=1)
    with pytest.raises(budgets.TooLarge) as err:
        ocr._plan(data)
    assert err.value.budget is budgets.OCR_IMAGE_PIXELS


def test_scanned_pages_past_the_budget_are_not_planned():
    limit = budgets.OCR_PAGES.limit
    plans, warnings = ocr._plan(P.scan_page((72.0, 72.0), pages=limit + 5))
    assert len(plans) == limit
    assert any(budgets.OCR_PAGES.name in w and f"first {limit}" in w for w in warnings)
    plans, warnings = ocr._plan(P.scan_page((72.0, 72.0), pages=limit))
    assert len(plans) == limit and not warnings


@pytest.mark.skipif(not ocr.ocr_available(), reason="RapidOCR or tesseract with chi_sim not installed")
def test_ocr_reads_the_first_pages_of_a_long_scan_with_a_warning():
    limit = budgets.OCR_PAGES.limit
    doc = ocr.read_scanned_pdf(P.scan_page((72.0, 72.0), pages=limit + 1))
    assert f"{limit} pages" in doc.warnings[-1]
    assert any(budgets.OCR_PAGES.name in w for w in doc.warnings)


def test_long_pdf_is_read_up_to_its_page_budget():
    limit = budgets.PDF_PAGES.limit
    doc = pdf.read_pdf(P.text_pages(limit + 1))
    assert doc.text.count("Annual report page") == limit
    assert any(budgets.PDF_PAGES.name in w for w in doc.warnings)
    doc = pdf.read_pdf(P.text_pages(3))
    assert doc.text.count("Annual report page") == 3 and not doc.warnings


def test_page_tree_is_not_built_past_the_budget():
    with pdfplumber.open(io.BytesIO(P.text_pages(5_000))) as doc:
        pages, more = pdf.first_pages(doc, 10)
    assert [p.page_number for p in pages] == list(range(1, 11)) and more


def test_mesh_page_keeps_its_text_and_the_other_pages_their_tables():
    sample = sorted((SAMPLES / "www").rglob("*.pdf"))[0].read_bytes()
    plain = pdf.read_pdf(sample)
    assert plain.tables and not plain.warnings
    with pdfplumber.open(io.BytesIO(sample)) as doc:
        assert max(pdf.rule_crossings(p) for p in doc.pages) < budgets.PDF_RULE_CROSSINGS.limit // 10
    mesh = pdf.read_pdf(P.rule_mesh(2))
    assert not mesh.tables
    assert [w for w in mesh.warnings if budgets.PDF_RULE_CROSSINGS.name in w][0].startswith("tables not read on 2 page")
    # The report's pages after a mesh page still have their tables read.
    both = pdf.read_pdf(_joined(P.rule_mesh(1), sample))
    assert [t.page for t in both.tables] == [t.page + 1 for t in plain.tables]
    assert [t.rows for t in both.tables] == [t.rows for t in plain.tables]


def test_rules_drawn_in_short_strokes_are_counted_joined_up():
    # Strokes shorter than the table finder's least edge, which it keeps once joined up.
    with pdfplumber.open(io.BytesIO(P.rule_mesh(1, step=20.0, segment=2.5))) as doc:
        strokes = pdf.rule_crossings(doc.pages[0])
    with pdfplumber.open(io.BytesIO(P.rule_mesh(1, step=20.0))) as doc:
        assert strokes == pdf.rule_crossings(doc.pages[0]) == 41 * 28


def _joined(*pdfs: bytes) -> bytes:
    out = pdfium.PdfDocument.new()
    for data in pdfs:
        out.import_pages(pdfium.PdfDocument(data))
    buf = io.BytesIO()
    out.save(buf)
    return buf.getvalue()


def test_a_diagonal_line_beside_the_rules_is_no_rule():
    """A slanted stroke or a curve has no orientation: counting crossings must skip it, as
    pdfplumber's table finder does (it stopped the reader with a KeyError on printed pages)."""
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    c = canvas.Canvas(out, invariant=1)
    for y in (700, 680, 660):
        c.line(72, y, 372, y)
    for x in (72, 222, 372):
        c.line(x, 660, x, 700)
    c.line(72, 600, 300, 400)  # diagonal
    c.bezier(72, 300, 100, 350, 200, 250, 300, 300)
    c.drawString(80, 685, "1")
    c.save()
    with pdfplumber.open(io.BytesIO(out.getvalue())) as doc:
        assert pdf.rule_crossings(doc.pages[0]) >= 9  # the grid; a curve may add a stroke of its own
    assert pdf.read_pdf(out.getvalue()).tables

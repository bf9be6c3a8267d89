"""Scanned (image-only) reports, read by OCR end to end.

The scans are made at test time, deterministically, from the sample sites' text PDFs (the
ones truth.json describes): each page is rasterised at 200 dpi, turned by up to 1°, blurred,
given scanner noise and stored as a JPEG page of an image-only PDF. The extracted cells are
compared with truth.json one by one: a null (with its reason) costs accuracy, a wrong
number is a silent error and fails the test.
"""

from __future__ import annotations

import io
import json
import random
import time
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from PIL import Image, ImageFilter

from pipelines.documents import ocr
from pipelines.extract import Extraction, extract_document, extract_from_document

np = pytest.importorskip("numpy")
pytest.importorskip("cv2")

SAMPLES = Path(__file__).parents[1] / "crawler" / "sample_sites"
TRUTH = json.loads((SAMPLES / "truth.json").read_text("utf-8"))

needs_ocr = pytest.mark.skipif(not ocr.ocr_available(),
                               reason="RapidOCR or tesseract with chi_sim not installed")


def make_scan(pdf: bytes, seed: int, dpi: int = 200, max_angle: float = 1.0, noise: float = 6.0) -> bytes:
    """An image-only PDF that looks scanned: slight rotation, blur, noise, JPEG pages."""
    rng = random.Random(seed)
    noise_rng = np.random.default_rng(seed)
    pages = []
    doc = pdfium.PdfDocument(pdf)
    try:
        for i in range(len(doc)):
            img = doc[i].render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
            angle = rng.uniform(0.3, max_angle) * rng.choice((-1, 1))
            img = img.rotate(angle, resample=Image.BICUBIC, fillcolor=255)
            img = img.filter(ImageFilter.GaussianBlur(0.6))
            arr = np.asarray(img, dtype=np.float32) * 0.93 + 8 + noise_rng.normal(0, noise, img.size[::-1])
            pages.append(Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), "L"))
    finally:
        doc.close()
    out = io.BytesIO()
    pages[0].save(out, "PDF", save_all=True, append_images=pages[1:], resolution=dpi, quality=75)
    return out.getvalue()


def sample_pdf(template: str) -> tuple[dict, bytes]:
    """The first text-PDF report of a template on the sample sites, with its truth."""
    report = next(r for r in TRUTH["reports"] if r["source_format"] == "pdf" and r["template"] == template)
    path = SAMPLES / "www" / report["site_id"] / report["attachment_file"].lstrip("/")
    return report, path.read_bytes()


def extract_scan(data: bytes) -> Extraction:
    result = extract_document(data)
    if result.format != "scan":  # until pipelines.extract routes scanned PDFs to the OCR reader
        result = extract_from_document(ocr.read_scanned_pdf(data))
    return result


def score(report: dict, result: Extraction) -> tuple[int, int, list[tuple]]:
    """(cells expected, cells equal, silent errors: non-null values that are wrong)."""
    values = result.values()
    expected = equal = 0
    silent = []
    for section, rows in report["cells"].items():
        for row, cols in rows.items():
            for col, want in cols.items():
                expected += 1
                got = values.get(section, {}).get(row, {}).get(col)
                if got == want:
                    equal += 1
                elif got is not None:
                    silent.append((section, row, col, want, got))
    return expected, equal, silent


@pytest.fixture(scope="module")
def scanned_reports() -> dict[str, tuple[dict, bytes, bytes, Extraction, float]]:
    if not ocr.ocr_available():
        pytest.skip("RapidOCR or tesseract with chi_sim not installed")
    out = {}
    for seed, template in enumerate(("2019", "2021"), start=1):
        report, pdf = sample_pdf(template)
        scan = make_scan(pdf, seed)
        started = time.perf_counter()
        result = extract_scan(scan)
        out[template] = (report, pdf, scan, result, time.perf_counter() - started)
    return out


def test_is_scanned_pdf_tells_scans_from_text_pdfs():
    _, pdf = sample_pdf("2021")
    assert not ocr.is_scanned_pdf(pdf)
    assert ocr.is_scanned_pdf(make_scan(pdf, 9))
    assert not ocr.is_scanned_pdf(b"<html><body>not a pdf</body></html>")


@needs_ocr
@pytest.mark.parametrize("template", ["2019", "2021"])
def test_scanned_report_cells_match_truth(scanned_reports, template):
    report, pdf, scan, result, seconds = scanned_reports[template]
    expected, equal, silent = score(report, result)
    accuracy = equal / expected
    n_pages = len(pdfium.PdfDocument(scan))
    print(f"\n{template}: {equal}/{expected} cells = {accuracy:.4f}, silent errors {len(silent)}, "
          f"{seconds / n_pages:.1f} s/page")
    assert result.format == "scan"
    assert result.template == template
    assert result.year == report["year"]
    assert silent == [], f"wrong non-null values: {silent}"
    nulls = [(c.section, c.row, c.col, c.reason) for c in result.cells if c.value is None]
    assert accuracy >= 0.98, f"accuracy {accuracy:.4f}; nulls: {nulls}"
    assert seconds / n_pages <= 60


@needs_ocr
def test_scanned_tables_keep_structure_and_confidence(scanned_reports):
    """Merged cells share one origin, every cell knows its page and box in points and its
    OCR confidence, and section 三 (which flows onto page 2 of the 2019 sample) is one
    stitched table."""
    report, pdf, scan, result, _ = scanned_reports["2019"]
    tables = result.raw_tables
    applications = [t for t in tables if any("自然人" in c for row in t.rows for c in row)]
    assert len(applications) == 1
    table = applications[0]
    pages = {table.bboxes[pos][0] for pos in table.bboxes}
    assert len(pages) == 2, "section 三 spans two pages and is read as one table"
    header = next(r for r, row in enumerate(table.rows) if "申请人情况" in row)
    spanned = [c for c, text in enumerate(table.rows[header]) if text == "申请人情况"]
    assert len(spanned) == 7 and len({table.origin[(header, c)] for c in spanned}) == 1
    for (r, c), (_page, x0, top, x1, bottom) in table.bboxes.items():
        assert 0 <= x0 < x1 <= 600 and 0 <= top < bottom <= 850, (r, c)
    values = [table.confidence[(r, c)] for r in range(len(table.rows)) for c in range(table.n_cols)
              if (r, c) in table.confidence and table.rows[r][c].isdigit()]
    assert values and min(values) >= 0 and max(values) <= 100
    assert "信息公开" in result.text and "\n" in result.text


@needs_ocr
def test_blank_cells_are_blank_and_marks_are_not_digits():
    """A blank cell comes out "" (never an invented digit); dash and slash marks stay marks."""
    from reportlab.lib.pagesizes import A4
    from reportlab.platypus import SimpleDocTemplate, Table, TableStyle

    from crawler.sample_sites.render import _FONT, _register_font

    _register_font()
    data = [["信息内容", "本年新制作数量", "本年新公开数量", "对外公开总数量"],
            ["规章", "0", "", "10"],
            ["规范性文件", "—", "/", "1203"]]
    buf = io.BytesIO()
    table = Table(data, colWidths=[120, 110, 110, 110], rowHeights=28)
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, "black"), ("FONTNAME", (0, 0), (-1, -1), _FONT),
                               ("FONTSIZE", (0, 0), (-1, -1), 10), ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
    SimpleDocTemplate(buf, pagesize=A4).build([table])
    doc = ocr.read_scanned_pdf(make_scan(buf.getvalue(), 5))
    assert doc.format == "scan" and len(doc.tables) == 1
    rows = doc.tables[0].rows
    assert rows[1][1:] == ["0", "", "10"]
    assert rows[2][1] in ("—", "-") and rows[2][2] == "/" and rows[2][3] == "1203"
    assert rows[1][0] == "规章"


def test_missing_tesseract_is_a_clear_error(monkeypatch, tmp_path):
    if not ocr.ocr_available():
        pytest.skip("needs opencv to get as far as looking for tesseract")
    monkeypatch.setenv("PATH", str(tmp_path))
    ocr._languages.cache_clear()
    try:
        with pytest.raises(ocr.OcrUnavailable, match="tesseract with chi_sim not installed"):
            ocr.read_scanned_pdf(make_scan(sample_pdf("2021")[1], 3))
    finally:
        monkeypatch.undo()
        ocr._languages.cache_clear()


def test_missing_rapidocr_is_a_clear_error(monkeypatch):
    """Without the recogniser (or its bundled model) OCR is unavailable, and reading a scan
    says so (pipelines.extract turns it into the converter_missing status)."""
    if not ocr.ocr_available():
        pytest.skip("needs the OCR engines installed to take one away")
    ocr._rec_model.cache_clear()
    monkeypatch.setattr(ocr, "_REC_MODEL", "no-such-model.onnx")
    try:
        assert not ocr.ocr_available()
        scan = make_scan(sample_pdf("2021")[1], 3)
        with pytest.raises(ocr.OcrUnavailable, match="RapidOCR"):
            ocr.read_scanned_pdf(scan)
        result = extract_document(scan)
        assert result.status == "converter_missing" and "RapidOCR" in (result.message or "")
    finally:
        monkeypatch.undo()
        ocr._rec_model.cache_clear()
    assert ocr.ocr_available()


def test_recognizer_model_ships_with_the_package():
    """The recognition model is a file inside the installed package: reading never fetches."""
    if ocr._rec_model() is None:
        pytest.skip("rapidocr_onnxruntime not installed")
    assert ocr._rec_model().stat().st_size > 1_000_000


def test_second_opinion_takes_two_agreeing_readings_of_three():
    """A numeric cell the grey and ink readings did not settle is read a third time with the
    speckle suppressed; two confident readings of the same number make it, never a reading
    alone, a number printed with a leading zero, or one another confident reading disputes."""
    mask = np.zeros((20, 10), dtype=np.uint8)
    mask[:, 1:9] = 255
    view = ocr._Number(255 - mask, mask, [(0, 0, 10, 20)], 20)
    line = ocr._Line
    zero = line("0", [0.97])
    speck = [line("'0", [0.3, 0.95])], [line("0", [0.6])]
    assert ocr._second_opinion(None, view, *speck, zero, mask, removed=True) == ("0", 95.0)
    assert ocr._second_opinion(None, view, *speck, zero, mask, removed=False) is None
    assert ocr._second_opinion(None, view, [line("0", [0.9])], [line("0", [0.5])], line("", []), mask) is None
    assert ocr._second_opinion(None, view, [line("6", [0.9])], [line("0", [0.85])], zero, mask) is None
    assert ocr._second_opinion(("8", 95.0, True), view, *speck, zero, mask, removed=True) is None
    wide = np.zeros((20, 20), dtype=np.uint8)
    wide[:, 1:19] = 255
    two = ocr._Number(255 - wide, wide, [(0, 0, 20, 20)], 20)
    assert ocr._second_opinion(None, two, [line("01", [0.9, 0.9])], [line("0", [0.5])],
                               line("01", [0.9, 0.9]), wide) is None


def _ring(mask: np.ndarray, x: int, y: int, w: int, h: int, stroke: int) -> None:
    """Draw a "0": an upright elliptic ring of ink with the given outer box and stroke."""
    import cv2

    ring = np.zeros_like(mask)
    centre = (x + w // 2, y + h // 2)
    cv2.ellipse(ring, centre, (w // 2, h // 2), 0, 0, 360, 255, -1)
    cv2.ellipse(ring, centre, (w // 2 - stroke, h // 2 - stroke), 0, 0, 360, 0, -1)
    mask |= ring


def test_a_blurred_wide_digit_may_be_one_digit():
    """Blur or a bold weight thickens the strokes and widens a digit's box past the 0.70 of its
    height a single digit's ink is allowed: by the box of its strokes' centre lines it is one
    digit, so one digit is allowed (two still are). Two thin digits that touch stay two."""
    thick = np.zeros((40, 40), dtype=np.uint8)
    _ring(thick, 2, 3, 27, 34, 7)  # 0.79 of its height wide, strokes 7 px
    view = ocr._Number(255 - thick, thick, ocr._glyph_runs(thick), 34)
    assert view.expected() == (1, 2)
    thin = np.zeros((40, 60), dtype=np.uint8)
    _ring(thin, 2, 3, 21, 34, 3)
    _ring(thin, 22, 3, 21, 34, 3)  # two digits, touching
    runs = ocr._glyph_runs(thin)
    assert len(runs) == 1
    assert ocr._Number(255 - thin, thin, runs, 34).expected()[0] == 2


def test_a_line_of_specks_is_no_text_line():
    """Marks much smaller than the glyphs that stand on a line of their own (a speck above or
    below a number) are dropped; the digits, and a mark inside their line, stay."""
    import cv2

    mask = np.zeros((70, 60), dtype=np.uint8)
    _ring(mask, 30, 30, 15, 26, 4)  # the digit
    mask[5:13, 4:7] = 255  # a thin speck far above it: its own "line"
    mask[50:56, 48:51] = 255  # a mark inside the digit's line, beside it
    n, lab, st, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    keep = np.ones(n, dtype=bool)
    keep[0] = False
    ocr._drop_mark_lines(lab, st, keep)
    kept = {(int(st[j][0]), int(st[j][1])) for j in np.flatnonzero(keep)}
    assert (4, 5) not in kept and (48, 50) in kept and len(kept) == 2
    # Two lines of glyphs are two text lines: nothing goes.
    two = np.zeros((80, 30), dtype=np.uint8)
    _ring(two, 5, 2, 15, 26, 4)
    _ring(two, 5, 45, 15, 26, 4)
    n, lab, st, _ = cv2.connectedComponentsWithStats(two, connectivity=8)
    keep = np.ones(n, dtype=bool)
    keep[0] = False
    ocr._drop_mark_lines(lab, st, keep)
    assert keep[1:].all()


def test_second_opinion_counts_glyphs_on_the_cleaned_ink_and_sets_the_speck_aside():
    """A speck beside the digit counts as a glyph on the original ink; where the cleaned
    reading is one of the agreeing readings its glyphs are counted instead. What the readers
    made of the removed speck (a trailing "," or "." from tesseract, a closing "." from the
    recogniser) is set aside; where no ink was removed it is not."""
    mask = np.zeros((20, 24), dtype=np.uint8)
    mask[:, 1:9] = 255  # the digit
    mask[14:20, 18:21] = 255  # a speck beside it: a second glyph for the count
    runs = ocr._glyph_runs(mask)
    view = ocr._Number(255 - mask, mask, runs, 20)
    assert view.expected() == (2, 2)
    cleaned = mask.copy()
    cleaned[:, 12:] = 0
    line = ocr._Line
    zero = line("0", [0.99])
    assert ocr._second_opinion(None, view, [line("0", [0.9])], [line("0", [0.85])], zero, cleaned,
                               removed=True) == ("0", 90.0)
    dotted = [line("0.", [0.9, 0.5])], [line("0.", [0.95, 0.7])]
    assert ocr._second_opinion(("0,", 98.0, True), view, *dotted, zero, cleaned, removed=True) == ("0", 90.0)
    assert ocr._second_opinion(("0,", 98.0, True), view, [line("0", [0.9])], [line("0", [0.85])], zero,
                               cleaned, removed=False) is None


def test_a_speck_is_taken_away_from_beside_the_glyphs_not_from_inside():
    """Ink taken away on the glyph's outline or beside it is a speck; ink inside the glyphs'
    hull (a counter filled in by blur) was part of them."""
    ring = np.zeros((40, 30), dtype=np.uint8)
    _ring(ring, 5, 5, 17, 28, 4)
    speck = ring.copy()
    speck[28:36, 2:10] = 255  # a blob on the outline at the bottom left: a "Q"
    assert ocr._outside_glyphs(speck > 0, ring > 0)
    filled = ring.copy()
    filled[14:24, 10:17] = 255  # the counter filled in
    assert not ocr._outside_glyphs(filled > 0, ring > 0)


def _one_row_table(draw) -> list[ocr._Cell]:
    """The cells of a ruled table of one row of three cells, 300 dpi, after `draw(gray)`."""
    gray = np.full((500, 1300), 255, dtype=np.uint8)
    for y in (100, 250):
        gray[y - 2:y + 2, 100:1102] = 0
    for x in (100, 500, 800, 1100):
        gray[100:250, x - 2:x + 2] = 0
    draw(gray)
    bw = np.where(gray < 128, 255, 0).astype(np.uint8)
    rules, boxes, _cuts = ocr._rules(bw)
    assert len(boxes) == 1
    return sorted(ocr._cells(gray, bw, rules, boxes[0]), key=lambda c: c.x0)


def test_a_speck_the_cells_side_cut_is_a_speck():
    # Dust on a rule: what is left inside the cell is narrower than tall (the rule took
    # the rest), so it does not look like a dot; it is one, and the dash alone is read.
    def draw(gray: np.ndarray) -> None:
        gray[170:176, 620:680] = 0  # a dash printed for nothing, in the middle cell
        gray[130:138, 500:508] = 0  # a speck on the rule at its left
        gray[200:208, 794:802] = 0  # and one on the rule at its right
    cells = _one_row_table(draw)
    dash = cells[1]
    assert dash.glyphs and len(dash.glyphs) == 1 and ocr._is_dash(dash)


def test_a_minus_sign_a_narrow_cell_wrapped_stays():
    # "-24" in a narrow cell breaks after its sign: "-" on a line of its own over "24".
    # Small as it is, the sign is no speck: dropped, the cell would read 24.
    def draw(gray: np.ndarray) -> None:
        gray[128:133, 560:575] = 0  # "-"
        gray[170:208, 560:584] = 0  # "2"
        gray[170:208, 588:612] = 0  # "4"
    cells = _one_row_table(draw)
    assert len(cells[1].bands) == 2  # the sign's line, and the digits'


def test_a_minus_sign_by_the_cells_side_stays():
    # A minus sign set close to the cell's side is flat, not cut: it stays with its digit.
    def draw(gray: np.ndarray) -> None:
        gray[172:176, 508:522] = 0  # "-" right by the rule
        gray[150:200, 526:556] = 0  # and its digit
    cells = _one_row_table(draw)
    assert len(cells[1].glyphs) == 2


def test_the_cleaned_rendering_read_by_both_readers_makes_the_number():
    """When a speck spoils the first readings ("Q", "o", a quote), the recogniser and tesseract
    both reading the cleaned rendering as the same number make it, if the ink went from beside
    the glyphs, no other reading is a different confident number and the length fits."""
    mask = np.zeros((26, 15), dtype=np.uint8)
    _ring(mask, 0, 0, 15, 26, 4)
    number = ocr._Number(255 - mask, mask, ocr._glyph_runs(mask), 26)
    clean = ocr._Clean(255 - mask, mask, number, removed=True, apart=True)
    line = ocr._Line
    q = [line("Q", [0.98])], [line("Q", [0.94])]
    zero = line("0", [0.98])
    assert ocr._cleaned_readers_agree(None, *q, zero, ("0", 99.0, True), clean) == ("0", 98.0)
    assert ocr._cleaned_readers_agree(None, *q, zero, ("8", 99.0, True), clean) is None
    assert ocr._cleaned_readers_agree(None, *q, zero, ("0", 70.0, False), clean) is None
    assert ocr._cleaned_readers_agree(None, [line("Q", [0.98])], [line("8", [0.95])], zero, ("0", 99.0, True),
                                      clean) is None
    assert ocr._cleaned_readers_agree(("6", 95.0, True), *q, zero, ("0", 99.0, True), clean) is None
    inside = ocr._Clean(255 - mask, mask, number, removed=True, apart=False)
    assert ocr._cleaned_readers_agree(None, *q, zero, ("0", 99.0, True), inside) is None
    assert ocr._cleaned_readers_agree(None, *q, line("01", [0.98, 0.98]), ("01", 99.0, True), clean) is None


def test_a_glyph_cut_up_by_a_speck_is_not_a_speck():
    """A speck on a thin digit can cut it into pieces that each look like specks: the cleaned
    rendering then lost a glyph and is not taken as a reading of the number."""
    line = np.zeros((30, 40), dtype=np.uint8)
    _ring(line, 2, 2, 15, 26, 4)  # a "0"
    line[2:28, 28:32] = 255  # a "1"
    cut = line.copy()
    cut[:, 26:34] = 0  # the "1" gone with the speck on it
    assert ocr._glyphs_kept(line, line) and not ocr._glyphs_kept(line, cut)
    trimmed = line.copy()
    trimmed[24:28, 28:32] = 0  # only its foot, where the speck was
    assert ocr._glyphs_kept(line, trimmed)


def _one_digit_cell() -> tuple[ocr._Cell, ocr._Number]:
    """A one-line cell holding one digit-sized ring (a "0" or an "8" to the glyph count)."""
    mask = np.zeros((26, 15), dtype=np.uint8)
    _ring(mask, 0, 0, 15, 26, 4)
    runs = ocr._glyph_runs(mask)
    cell = ocr._Cell(0, 0, 15, 26, image=255 - mask, lines=[255 - mask], bands=[(0, 26)], mask=mask,
                     glyphs=runs)
    return cell, ocr._Number(255 - mask, mask, runs, 26)


def test_tesseract_settles_a_number_both_renderings_read_doubtfully():
    """Both renderings read the same number but a character at a middling probability:
    tesseract reading the same number confidently settles it; without it, or below 0.5
    unless tesseract is sure, or with a different number, the cell stays below 80."""
    cell, view = _one_digit_cell()
    line = ocr._Line
    grey, ink = [line("0", [0.62])], [line("0", [0.79])]
    assert ocr._decide(cell, ("0", 99.0, True), view, grey, ink) == ("0", 99.0, False)
    assert ocr._decide(cell, None, view, grey, ink)[1] < 80
    assert ocr._decide(cell, ("0", 70.0, True), view, grey, ink)[1] < 80
    assert ocr._decide(cell, ("6", 99.0, True), view, grey, ink)[1] < 80
    assert ocr._decide(cell, ("0", 90.0, True), view, [line("0", [0.45])], ink)[1] < 80
    # Below 0.5 it takes tesseract sure of it (95 or more), and never below 0.25.
    assert ocr._decide(cell, ("0", 99.0, True), view, [line("0", [0.45])], ink) == ("0", 99.0, False)
    assert ocr._decide(cell, ("0", 99.0, True), view, [line("0", [0.2])], ink)[1] < 80
    assert ocr._decide(cell, ("8", 99.0, True), view, [line("8", [0.7])], [line("0", [0.9])])[1] < 80


def test_a_blank_mark_both_renderings_and_its_shape_read_is_taken():
    """A "/" printed for nothing: the binarised rendering reads it doubtfully (a thin
    stroke thresholded), the grey one surely, and its shape is a slash: taken. A rendering
    reading another character, or the shape not confirming, leaves it below 80."""
    mask = np.zeros((30, 14), dtype=np.uint8)
    for y in range(30):
        x = 11 - y * 9 // 29
        mask[y, x:x + 3] = 255
    runs = ocr._glyph_runs(mask)
    cell = ocr._Cell(0, 0, 14, 30, image=255 - mask, lines=[255 - mask], bands=[(0, 30)], mask=mask,
                     glyphs=runs)
    view = ocr._Number(255 - mask, mask, runs, 30)
    line = ocr._Line
    grey = [line("/", [0.94])]
    assert ocr._decide(cell, ("/", 90.0, True), view, grey, [line("/", [0.62])]) == ("/", 90.0, False)
    assert ocr._decide(cell, ("/", 90.0, True), view, grey, [line("1", [0.62])])[1] < 80
    assert ocr._decide(cell, None, view, grey, [line("/", [0.62])])[1] < 80
    assert ocr._decide(cell, ("/", 90.0, True), view, grey, [line("/", [0.3])])[1] < 80


def test_a_scan_is_read_in_a_crawl_worker_under_its_address_space_limit(scanned_reports, tmp_path):
    """The crawl's workers run under an address-space limit (crawler/workers.py); OCR, the
    reader that maps most, still reads a scanned report there as it does here."""
    import asyncio

    from crawler import workers

    from .test_workers import fetch_of

    _, _, scan, here, _ = scanned_reports["2021"]
    workers.shutdown()
    try:
        rows = asyncio.run(workers.prepare_in_pool(fetch_of(scan), tmp_path / "data", None, {}))
    finally:
        workers.shutdown()
    assert (rows.report["status"], rows.report["source_format"]) == (here.status, here.format)
    assert rows.report["n_cells"] == len(here.cells) and rows.report["n_null"] == sum(c.value is None for c in here.cells)


def _tight_table(rows: int, cols: int, row_h: int, gap: int, rule: int, glyph: str,
                 bottom_gap: int | None = None) -> np.ndarray:
    """A white 300 dpi page with a ruled table whose rows are hardly taller than their
    text: in every cell a glyph (a "0", or a character's long vertical stroke) reaches to
    `gap` pixels of the rule above it and `bottom_gap` (else `gap`) of the rule below."""
    gray = np.full((200 + rows * row_h, 300 + cols * 180), 255, dtype=np.uint8)
    xs = [150 + 180 * c for c in range(cols + 1)]
    ys = [100 + row_h * r for r in range(rows + 1)]
    for y in ys:
        gray[y:y + rule, xs[0]:xs[-1] + rule] = 0
    for x in xs:
        gray[ys[0]:ys[-1] + rule, x:x + rule] = 0
    for a in ys[:-1]:
        top, bottom = a + rule + gap, a + row_h - (gap if bottom_gap is None else bottom_gap)
        for x in xs[:-1]:
            if glyph == "0":
                ink = np.zeros_like(gray)
                _ring(ink, x + 30, top, 22, bottom - top, 4)
                gray[ink > 0] = 0
            else:
                gray[top:bottom, x + 40:x + 44] = 0  # the stroke of 十 or 行
                gray[top + 10:top + 13, x + 25:x + 60] = 0
    return gray


@pytest.mark.parametrize(("glyph", "row_h", "gap", "rule"), [
    ("0", 44, 2, 2), ("0", 50, 3, 3), ("stroke", 44, 2, 2), ("stroke", 60, 4, 2)])
def test_a_glyph_close_to_both_rules_of_a_tight_row_is_no_rule(glyph, row_h, gap, rule):
    # A rule meets the rules at its ends; paper shows between a glyph and them, however
    # tight the row. Taken for a rule, the side of a "0" cuts its cell in three.
    gray = _tight_table(rows=4, cols=3, row_h=row_h, gap=gap, rule=rule, glyph=glyph)
    bw = np.where(gray < 128, 255, 0).astype(np.uint8)
    rules, boxes, _cuts = ocr._rules(bw)
    assert len(boxes) == 1
    cells = ocr._cells(gray, bw, rules, boxes[0])
    assert len(cells) == 4 * 3
    assert all(c.image is not None for c in cells)


@pytest.mark.parametrize("glyph", ["0", "stroke"])
def test_glyphs_hanging_from_the_rule_of_a_pages_last_row_are_no_cut(glyph):
    # Digits touching their row's top rule end level, with nothing printed below them but
    # the row's bottom rule: a rule is there, so the page's edge cut nothing.
    gray = _tight_table(rows=2, cols=4, row_h=70, gap=0, rule=2, glyph=glyph, bottom_gap=20)
    bw = np.where(gray < 128, 255, 0).astype(np.uint8)
    rules, boxes, cuts = ocr._rules(bw)
    assert len(boxes) == 1 and cuts == []
    assert len(ocr._cells(gray, bw, rules, boxes[0])) == 2 * 4


def test_a_one_row_table_is_a_table():
    # A table's first row, alone at the foot of a page (the rest goes on overleaf).
    gray = _tight_table(rows=1, cols=2, row_h=44, gap=6, rule=2, glyph="stroke")
    bw = np.where(gray < 128, 255, 0).astype(np.uint8)
    _rules, boxes, _cuts = ocr._rules(bw)
    assert len(boxes) == 1


@pytest.mark.parametrize(("heading", "continues"), [
    (None, True), ("四、政府信息公开行政复议、行政诉讼情况", False), ("第 2 页", True)])
def test_a_heading_under_a_table_at_a_page_foot_ends_it(heading, continues):
    # The next page's table goes on with this one only if nothing but a page number
    # stands between them, below the table as above the next.
    prev = ocr._Piece(1, 100, 300, 2000, 2600, [])
    nxt = ocr._Piece(2, 104, 200, 2003, 900, [])
    before = ocr._Page(1, b"", [prev], [(2700, heading)] if heading else [])
    after = ocr._Page(2, b"", [nxt], [])
    assert ocr._continues(prev, nxt, True, True, after, before) is continues


def _page_with_table(cut: str, columns: int = 5, below: bool = False, dust: int = 0
                     ) -> tuple[np.ndarray, np.ndarray]:
    """A white page (300 dpi) holding a ruled table of three rows, each with a glyph-like
    blot per cell, whose top or bottom rule is missing when `cut` says the page's edge cut
    it (the row goes on on the other page): its column rules end, level, on nothing.
    `below`: a paragraph printed under the table (then the page's edge did not cut it).
    `dust`: specks strewn over the page, seeded, as a dusty glass leaves (8 by 8 pixels: a
    4-pixel speck of a 150 dpi scan, drawn at 300 dpi)."""
    gray = np.full((1400, 1400), 255, dtype=np.uint8)
    rng = np.random.default_rng(dust)
    for y, x in rng.integers(0, 1396, size=(dust, 2)):
        gray[y:y + 8, x:x + 8] = 0
    xs = [100 + 250 * c for c in range(columns + 1)]
    ys = [100, 400, 700, 1000]
    for k, y in enumerate(ys):
        if (cut in ("top", "both") and k == 0) or (cut in ("bottom", "both") and k == len(ys) - 1):
            continue
        gray[y - 2:y + 2, xs[0]:xs[-1] + 2] = 0
    for x in xs:
        gray[ys[0]:ys[-1], x - 2:x + 2] = 0
    for a in ys[:-1]:
        for c in range(columns):
            gray[a + 120:a + 180, xs[c] + 100:xs[c] + 140] = 0
    if below:
        for line in range(3):
            gray[1100 + 70 * line:1140 + 70 * line, 150:1200] = 0
    return gray, np.where(gray < 128, 255, 0).astype(np.uint8)


@pytest.mark.parametrize("dust", [0, 600])
@pytest.mark.parametrize(("cut", "below", "rows", "cuts"), [
    ("top", False, 3, [True]), ("bottom", False, 3, [False]), ("both", False, 3, [True, False]),
    ("none", False, 3, []), ("bottom", True, 2, [])])
def test_a_table_cut_by_the_page_edge_keeps_its_cut_row(cut, below, rows, cuts, dust):
    # A table going on from the page before: its first row has no rule above it (or, cut
    # at the page's foot, no rule below its last). Its column rules end level on nothing,
    # with nothing printed between them and the page's edge: the row is closed there and
    # its cells are read. With text beyond, the page did not cut it: no row is made up.
    # Dust between the table and the page's edge is not print.
    gray, bw = _page_with_table(cut, below=below, dust=dust)
    rules, boxes, found = ocr._rules(bw)
    assert len(boxes) == 1
    assert sorted(at_top for _level, at_top in found) == sorted(cuts)
    cells = [c for c in ocr._cells(gray, bw, rules, boxes[0]) if c.image is not None]
    assert len(cells) == rows * 5


@pytest.mark.parametrize("cut", ["top", "bottom"])
def test_strokes_of_glyphs_level_in_a_row_are_no_cut(cut):
    # Tall strokes of a label's glyphs, level and touching no rule, with only paper between
    # them and the cut: they meet no rule at either end, so they are no column rules.
    gray, _bw = _page_with_table(cut, dust=600)
    y = 130 if cut == "top" else 900
    for x in (150, 170, 190, 210):
        gray[y:y + 45, x:x + 5] = 0
    gray[y + 20:y + 24, 150:215] = 0  # a crossbar: one glyph
    bw = np.where(gray < 128, 255, 0).astype(np.uint8)
    _rules, boxes, found = ocr._rules(bw)
    assert [at_top for _level, at_top in found] == [cut == "top"]


@pytest.mark.parametrize(("first", "second", "text", "doubted"), [
    ("3.危及", "“三安全一稳定”", "3.危及“三安全一稳定”", False),
    ("1.本机关不掌", ".握相关政府信息", "1.本机关不掌握相关政府信息", False),
    ("12", "", "12", False), ("", "7", "7", False), ("1", "2", "12", True)])
def test_halves_of_a_parted_row_join(first, second, text, doubted):
    # A label goes on overleaf; a number stands on one side; digits on both are no number.
    joined, conf = ocr._join_halves(first, 95.0, second, 96.0)
    assert joined == text
    assert (conf == 0.0) is doubted


def _cell(x0: int, y0: int, x1: int, y1: int, text: str) -> ocr._Cell:
    cell = ocr._Cell(x0, y0, x1, y1)
    cell.text, cell.conf = text, 95.0
    return cell


def test_a_row_parted_by_the_page_break_is_one_row():
    prev = ocr._Piece(1, 100, 100, 700, 500, [
        _cell(103, 103, 397, 297, "2.其他法律行政法规禁止公开"), _cell(403, 103, 697, 297, "0"),
        _cell(103, 303, 397, 497, "3.危及"), _cell(403, 303, 697, 497, "2")], cut_bottom=True)
    nxt = ocr._Piece(2, 100, 50, 700, 450, [
        _cell(103, 53, 397, 147, "“三安全一稳定”"), _cell(403, 53, 697, 147, ""),
        _cell(103, 153, 397, 447, "4.保护第三方合法权益"), _cell(403, 153, 697, 447, "1")], cut_top=True)
    assert ocr._continues(prev, nxt, True, True, ocr._Page(2, b"", [nxt]), ocr._Page(1, b"", [prev]))
    table = ocr._grid([prev, nxt], 0)
    assert table.rows == [["2.其他法律行政法规禁止公开", "0"], ["3.危及“三安全一稳定”", "2"],
                          ["4.保护第三方合法权益", "1"]]
    # Ruled on both pages, a new row on the next page is its own row.
    prev.cut_bottom = nxt.cut_top = False
    nxt.cells[0].text = "4.保护第三方合法权益"
    assert len(ocr._grid([prev, nxt], 0).rows) == 4


@pytest.mark.parametrize(("first", "second", "joined"), [
    ("社会公益", "组织", "社会公益组织"), ("法律服务", "机构", "法律服务机构"),
    ("商业", "企业", "商业企业"), ("1.本机关不掌", "握相关政府信息", "1.本机关不掌握相关政府信息")])
def test_a_header_parted_by_the_page_break_joins_as_read(first, second, joined):
    # The first half of a parted header may snap to the whole label on its own; its rest,
    # overleaf, must not then be added to it ("社会公益组织组织"): the halves join as read.
    def label(x0: int, y0: int, x1: int, y1: int, text: str) -> ocr._Cell:
        cell = _cell(x0, y0, x1, y1, ocr._snap_voted([text, text]))
        cell.readings = [text, text]
        return cell
    prev = ocr._Piece(1, 100, 100, 700, 500, [
        _cell(103, 103, 397, 297, "申请人情况"), _cell(403, 103, 697, 297, "自然人"),
        label(103, 303, 397, 497, first), _cell(403, 303, 697, 497, "")], cut_bottom=True)
    nxt = ocr._Piece(2, 100, 50, 700, 450, [
        label(103, 53, 397, 147, second), _cell(403, 53, 697, 147, ""),
        _cell(103, 153, 397, 447, "4.保护第三方合法权益"), _cell(403, 153, 697, 447, "1")], cut_top=True)
    assert ocr._grid([prev, nxt], 0).rows[1][0] == joined


@pytest.mark.parametrize(("label", "rows"), [
    ("重新出具已获取信息", [["5.要求行政机关确认或重新出具已获取信息", "2"]]),
    ("“三安全一稳定”", [["5.要求行政机关确认或“三安全一稳定”", "2"]]),
    ("6.属于四类过程性信息", [["5.要求行政机关确认或", "2"], ["6.属于四类过程性信息", ""]]),
    ("7", [["5.要求行政机关确认或", "2"], ["7", ""]])])
def test_a_row_an_office_suite_parts_ruled_on_both_pages_is_one_row(label, rows):
    # Office suites close a parted row with rules on both pages: the next page's first
    # row is the rest of the row when it holds text, no digit and no numbering.
    prev = ocr._Piece(1, 100, 100, 700, 300, [
        _cell(103, 103, 397, 297, "5.要求行政机关确认或"), _cell(403, 103, 697, 297, "2")])
    nxt = ocr._Piece(2, 100, 50, 700, 150, [_cell(103, 53, 397, 147, label), _cell(403, 53, 697, 147, "")])
    assert ocr._grid([prev, nxt], 0).rows == rows


def _row(page: int, y0: int, y1: int, edges: list[int], texts: list[str], shift: int = 0) -> list[ocr._Cell]:
    return [_cell(a + 3 + shift, y0 + 3, b - 3 + shift, y1 - 3, t)
            for a, b, t in zip(edges[:-1], edges[1:], texts, strict=True)]


@pytest.mark.parametrize(("edges", "shift", "same"), [
    ([100, 400, 550, 700, 850, 1000], 0, True),  # the same columns
    ([100, 400, 550, 700, 850, 1000], 25, True),  # scanned a little to the right
    ([100, 400, 700, 850, 1000], 0, True),  # a cell spanning two columns
    ([100, 160, 400, 550, 700, 850, 1000], 0, True),  # a group of rows opening overleaf
    ([100, 600, 700, 800, 900, 1000], 0, False),  # another table: a wider label column
    ([100, 400, 520, 640, 760, 1000], 0, False)])  # another table: other value columns
def test_a_part_with_other_columns_is_a_table_of_its_own(edges, shift, same):
    # An editor may split a table in two, each part with its own column widths: laid in
    # one grid, their columns would interleave and every number of the second land wrong.
    prev = ocr._Piece(1, 100, 100, 1000, 500, [
        *_row(1, 100, 300, [100, 400, 550, 700, 850, 1000], ["1.属于国家秘密", "1", "2", "3", "6"]),
        *_row(1, 300, 500, [100, 400, 550, 700, 850, 1000], ["2.其他法律行政法规禁止公开", "0", "0", "0", "0"])])
    texts = ["3.危及“三安全一稳定”", "1", "0", "0", "1", "2"][:len(edges) - 1]
    nxt = ocr._Piece(1, 100 + shift, 520, 1000 + shift, 720, _row(1, 520, 720, edges, texts, shift))
    assert ocr._continues(prev, nxt, True, True, ocr._Page(1, b"", [prev, nxt])) is same


def _read(x0: int, y0: int, x1: int, y1: int, text: str) -> ocr._Cell:
    """A label cell as `_decide` leaves it: snapped, with the readings it snapped."""
    cell = _cell(x0, y0, x1, y1, ocr._snap_voted([text, text]))
    cell.readings = [text, text]
    return cell


@pytest.mark.parametrize(("above", "below", "rows"), [
    ("社会公益", "组织", [["申请人情况", "社会公益组织"]]),
    ("法.律服务", "机构", [["申请人情况", "法律服务机构"]]),
    ("商业", "企业", [["申请人情况", "商业企业"]]),
    ("法人或其他组织", "商业企业", [["申请人情况", "法人或其他组织"], ["", "商业企业"]]),
    ("社会公益组织", "组织", [["申请人情况", "社会公益组织"], ["", "组织"]])])
def test_a_header_row_an_office_suite_parts_is_one_row(above, below, rows):
    # A header row parted by the page break, ruled on both pages: its rest overleaf holds
    # the ends of its labels, each making a label of the template with the text above it.
    # A header row of its own ("商业企业" under "法人或其他组织") stays a row.
    prev = ocr._Piece(1, 100, 100, 700, 300, [_read(103, 103, 397, 297, "申请人情况"), _read(403, 103, 697, 297, above)])
    nxt = ocr._Piece(2, 100, 50, 700, 150, [_cell(103, 53, 397, 147, ""), _read(403, 53, 697, 147, below)])
    assert ocr._grid([prev, nxt], 0).rows == rows


@pytest.mark.parametrize(("read", "snapped"), [
    ("关确认或重新出具已获取信息", "要求行政机关确认或重新出具已获取信息"),
    ("5.要求行政机关确认或重新出具已获取倍息", "5.要求行政机关确认或重新出具已获取信息"),
    ("本机关不掌握相关政府倍息", "本机关不掌握相关政府信息"),
    ("(一)予以公幵", "（一）予以公开")])
def test_a_label_snaps_with_numbering_only_if_read_with_it(read, snapped):
    # The rest of a label a page break parted must not come back numbered: the next
    # page's row would look like a row of its own.
    assert ocr._snap(read) == snapped


@pytest.mark.parametrize(("read", "snapped"), [
    ("结巢.纠i正", "结果纠正"), ("法.律服务机构", "法律服务机构"), ("社会:公益组织", "社会公益组织"),
    ("2.没有现成信息需要|另行制作", "2.没有现成信息需要另行制作"),
    ("3.危及“三安全一稳定”", "3.危及“三安全一稳定”"), ("结果维持A", "结果维持")])
def test_specks_read_between_the_characters_of_a_label(read, snapped):
    # A speck between two characters reads as a mark or a letter: it does not count
    # against the label (an edit a character would leave a short label unsnapped).
    assert ocr._snap(read) == snapped


def _cell_of(gray: np.ndarray) -> ocr._Cell:
    """The middle cell of a one-row table of three, drawn in `gray` by the caller."""
    def draw(page: np.ndarray) -> None:
        page[100:250, 500:800] = np.minimum(page[100:250, 500:800], gray)
    return _one_row_table(draw)[1]


@pytest.mark.parametrize("seed", range(4))
def test_specks_alone_in_a_cell_are_a_blank_not_sure(seed):
    # A dusty glass strews specks over an empty cell, pairs that touch included (they read
    # as "■·《" or, side by side, as a dash): the cell is blank, and not surely so.
    rng = random.Random(seed)
    gray = np.full((150, 300), 255, dtype=np.uint8)
    for k in range(9):  # one in each 100 x 50 pixels, as a dusty glass leaves them
        x, y = 100 * (k % 3) + rng.randrange(5, 85), 50 * (k // 3) + rng.randrange(5, 35)
        gray[y:y + 6, x:x + 6] = 0
    gray[60:66, 40:46] = gray[60:66, 47:53] = 0  # two side by side: a blob twice as wide
    gray[90:96, 200:206] = gray[97:103, 200:206] = 0  # and two one above the other
    cell = _cell_of(gray)
    assert cell.image is None and cell.ambiguous_blank


def test_dots_that_touch_in_a_glyph_sized_group_are_left_to_be_read():
    # A faint glyph the threshold broke into dots: they lie a hairline apart, within a
    # glyph's size; they are read (and held to the readers' checks), not wiped out.
    gray = np.full((150, 300), 255, dtype=np.uint8)
    for y in range(40, 85, 9):
        gray[y:y + 7, 140:146] = 0  # a "1" in pieces
    cell = _cell_of(gray)
    assert cell.image is not None


def _table_with_open_group(at: str, below: bool = False, dust: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A page (300 dpi) whose table ends (`at` "bottom") or starts ("top") at the page's
    edge with a group cell the page break left open: the group column's rules run to the
    level of the last (first) rule, which spans only the other columns, as a browser prints
    a merged cell whose rows go on overleaf. `below`: a paragraph beyond the table."""
    gray = np.full((1400, 1400), 255, dtype=np.uint8)
    rng = np.random.default_rng(dust)
    for y, x in rng.integers(0, 1396, size=(dust, 2)):
        gray[y:y + 8, x:x + 8] = 0
    xs = [100, 400, 650, 900, 1150]
    ys = [400, 600, 800, 1000] if at == "bottom" else [100, 300, 500, 700]
    for k, y in enumerate(ys):
        closing = k == (0 if at == "bottom" else len(ys) - 1)  # the group's one rule
        gray[y - 2:y + 2, (xs[0] if closing else xs[1]):xs[-1] + 2] = 0
    for x in xs:
        gray[ys[0]:ys[-1], x - 2:x + 2] = 0
    gray[500:550, 150:350] = 0  # the group's label
    for a in ys[:-1]:
        for c in range(1, len(xs) - 1):
            gray[a + 60:a + 120, xs[c] + 100:xs[c] + 140] = 0
    if below:
        y0 = 1150 if at == "bottom" else 20
        for line in range(2):
            gray[y0 + 70 * line:y0 + 70 * line + 40, 150:1200] = 0
    return gray, np.where(gray < 128, 255, 0).astype(np.uint8)


@pytest.mark.parametrize("dust", [0, 600])
@pytest.mark.parametrize("at", ["top", "bottom"])
def test_a_group_cell_the_page_break_left_open_is_read(at, dust):
    # Its label names the rows on both pages: it is a cell, closed where the table's
    # other cells end, and the page did not cut a row (no cut is reported).
    gray, bw = _table_with_open_group(at, dust=dust)
    rules, boxes, cuts = ocr._rules(bw)
    assert len(boxes) == 1 and cuts == []
    cells = [c for c in ocr._cells(gray, bw, rules, boxes[0]) if c.image is not None]
    assert len(cells) == 1 + 3 * 3
    assert any(c.x0 < 400 for c in cells)


@pytest.mark.parametrize("at", ["top", "bottom"])
def test_a_group_column_with_print_beyond_it_is_not_closed(at):
    # Text beyond the loose rules: the table does not end at the page's edge there, and
    # no cell is made up of the column's open end.
    gray, bw = _table_with_open_group(at, below=True)
    rules, boxes, _cuts = ocr._rules(bw)
    cells = [c for b in boxes for c in ocr._cells(gray, bw, rules, b) if c.image is not None]
    assert not any(c.x0 < 400 for c in cells)


@pytest.mark.parametrize(("grey", "ink", "tess", "taken"), [
    (("8.", [0.99, 0.55]), ("8", [0.98]), ("8", 99.0, True), "8"),
    ((".8", [0.5, 0.99]), ("8,", [0.97, 0.6]), ("8", 99.0, True), "8"),
    (("8.", [0.99, 0.55]), ("8.", [0.98, 0.7]), ("8", 99.0, True), "8"),
    (("8.", [0.99, 0.55]), ("8", [0.98]), ("6", 99.0, True), None),
    (("8.", [0.99, 0.55]), ("6", [0.98]), ("8", 99.0, True), None),
    (("8.5", [0.99, 0.9, 0.9]), ("8", [0.98]), ("8", 99.0, True), None)])
def test_a_point_a_speck_adds_at_a_numbers_end_is_no_part_of_it(grey, ink, tess, taken):
    """A speck beside a number reads as a point or a comma at its end on one rendering or
    both: no number ends or opens with one, so the digits both agree on are read, held to
    the same checks (tesseract's reading, the glyph count); a point between digits is no
    speck of this kind."""
    cell, view = _one_digit_cell()
    text, conf, _unit = ocr._decide(cell, tess, view, [ocr._Line(*grey)], [ocr._Line(*ink)])
    if taken is None:
        assert conf < 80
    else:
        assert (text, conf >= 80) == (taken, True)

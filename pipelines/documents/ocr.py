"""Scanned (image-only) PDFs → text and table grids, by OCR (RapidOCR and tesseract).

Layout. Each page is rendered at 300 dpi and deskewed (projection-profile search). Ruling
lines come from morphology on the binarised page; a vertical stroke counts as a rule only
if both its ends are inked right up to horizontal rules (judged stretch by stretch between
horizontal rules), so text never makes a column, however tight its row. Where the page's
edge cuts a table (column rules ending level on nothing, nothing printed beyond them), the
cut closes the row. A cell is a region
enclosed by rules, and cells are mapped onto the grid of distinct rule positions exactly as
`pdf.py` maps pdfplumber's cell rectangles: a merged cell covers every grid position it
spans, with one origin id. A table that goes on over a page break (same horizontal extent,
no heading between the parts, no header row of its own), or that goes on below a narrow
blank gap on the same page, is stitched to its first part before the grid is built; a row
the page break parted is one row again, its halves' texts joined.

Cells. Every cell is read on its own (whole-page OCR drops the lone zeros that fill these
tables). Its ink is despeckled first (`_drop_mark_lines`: a "line" of marks much smaller than
the glyphs; `_despeckle`: small square dots placed where no punctuation goes), and its text
lines are parted even where a soft scan makes them touch (`_text_lines`). A cell without ink
once the rules are masked out is "" and is never OCRed. An inked cell's text lines are read
by RapidOCR's PP-OCRv4 recogniser (the model ships in the rapidocr_onnxruntime wheel and runs
on onnxruntime; its detector is not used, since the rules give the cells and their lines),
each line twice: the grey image and the binarised
ink, both cropped to the line's ink. A label is snapped to the national templates' lexicon
(`_LEXICON`) when the readings that snap agree. A number is confident only when
  * both renderings read the same number, and the confidence (the lowest probability of
    any of its characters, in either reading) is at least 80;
  * its length fits the glyphs on the image (a dropped or invented digit changes it; a run
    of ink is one digit up to 0.70 of its height wide, or 0.75 by its strokes' centre lines,
    since blur and weight widen the box by a stroke: `_Number.chars`);
  * tesseract (eng, digits only: whole line at three scales and glyph by glyph, kept as an
    independent check) did not confidently read a different number.
Where both renderings read the same number but a character only at 0.5-0.8, tesseract
confidently reading the same number settles it. A one-line number that fails this is read
once more on a third rendering, speckle suppressed (`_clean_view`), and two confident readings
of the three that agree, with the same glyph-count and tesseract checks, make it
(`_second_opinion`); failing that, where only ink beside the glyphs was taken away, the
recogniser and tesseract both reading the cleaned rendering as the same number make it
(`_cleaned_readers_agree`).
Anything else stays below 80, which the normaliser turns into a null with a reason rather
than a wrong value. Last, a number's decimal point (or its absence) must be confirmed
(`_confirm_points`, issue 22: 5949.088667 read 5949088667): by a dot on the baseline between
two digits of the grey image, by the digits' even spacing, by every reading of the same
digits, and under a money header (万元, 元, 金额) or beside a decimal in its column by a glyph
count that fixes its length exactly; a number that fails is left below 80 and the document's
warnings say why.

Text. The page text (for title, year, agency and prose such as "本年度无…行政复议") is
chi_sim page OCR of the page with its tables whited out, with the tables' rows put back in
reading order.

Speed. Tesseract runs as a subprocess on batches of images (a list file: one image per
"page", so each cell is still segmented on its own), several batches in parallel, while
the recogniser reads every cell line in batches in one more thread (onnxruntime limited to
two threads: extraction itself runs in worker processes).
"""

from __future__ import annotations

import collections
import functools
import importlib.util
import math
import os
import re
import shutil
import subprocess
import tempfile
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pdfplumber
import pypdfium2 as pdfium
from pdfminer.pdftypes import PDFStream, resolve1
from pdfminer.psparser import LIT

from .. import budgets
from ..tables.templates import PRINTED_LABELS
from ..tables.text import clean_cell, label_key, strip_numbering
from .model import Document, GridCells, RawTable
from .pdf import is_picture_page, looks_scanned, nearest, open_pages, pages_warning

try:  # only reading a scan needs them: detection and importing this module do not
    import cv2
    import numpy as np
except ImportError:  # pragma: no cover - depends on the environment
    cv2 = np = None

DPI = 300
SCALE = DPI / 72  # pixels per PDF point
# A page too large for the ocr_pixels budget at DPI is rendered at a lower resolution down to
# this one: a table's digits, printed at report size (10.5 pt), are then 15 pixels tall, the
# least the readers tell apart (`_MIN_NATIVE_DIGIT_PX`). Below it the page is refused: the
# budget is about four A3 pages at this resolution, and a larger page is no report's.
MIN_DPI = 150
_DIGITS = "0123456789.,+-"
_SECTION_START_RE = re.compile(r"第二十条|申请人情况|行政复议|信息内容")  # as in pdf.py
_CJK_RE = re.compile(r"[\u3400-\u9fff]")
_UNIT_RE = re.compile(r"(万元|元|件|条|个|项|次|人次)$")
_NUMBER_RE = re.compile(r"^[+-]?(?:\d[\d,]*)(?:\.\d+)?$")
_LEADING_ZERO_RE = re.compile(r"^[+-]?0\d")
_DASHES = {"-", "--", "—", "——", "–", "－", "一", "_", "~"}
# Label clean-up: bracket look-alikes chi_sim prints for （ ） in numbering like （一）.
_LABEL_FIX = str.maketrans({"〈": "（", "〔": "（", "｛": "（", "{": "(", "〉": "）", "〕": "）",
                            "｝": "）", "}": ")"})
_CJK_PUNCT = "，。、；：？！（）《》“”‘’【】〈〉「」"
_SPACE_IN_CJK_RE = re.compile(
    rf"(?<=[\u3400-\u9fff{_CJK_PUNCT}])\s+|\s+(?=[\u3400-\u9fff{_CJK_PUNCT}])"
)


class OcrUnavailable(RuntimeError):
    """RapidOCR (with its model) or tesseract (with chi_sim) is not installed: the caller
    reports a status (converter_missing)."""


# ── Detection ───────────────────────────────────────────────────────────────


def is_scanned_pdf(data: bytes) -> bool:
    """True when the PDF's pages are pictures: pages carrying a large image have no (or a
    negligible) text layer, and they are at least as many as the pages with text."""
    try:
        with open_pages(data, budgets.PDF_PAGES.limit) as (_pdf, pages, _more):
            return looks_scanned([is_picture_page(page) for page in pages])
    except Exception:  # noqa: BLE001 - a PDF pdfplumber cannot open is not "scanned"
        return False


# ── Tesseract ───────────────────────────────────────────────────────────────


@functools.lru_cache(maxsize=1)
def _languages() -> frozenset[str]:
    exe = shutil.which("tesseract")
    if not exe:
        return frozenset()
    try:
        out = subprocess.run([exe, "--list-langs"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return frozenset()
    return frozenset(x.strip() for x in out.stdout.splitlines()[1:] if x.strip())


def ocr_available() -> bool:
    return cv2 is not None and _rec_model() is not None and "chi_sim" in _languages()


def _require_ocr() -> None:
    if cv2 is None:
        raise OcrUnavailable("opencv (opencv-python-headless) not installed")
    if _rec_model() is None:
        raise OcrUnavailable("RapidOCR (rapidocr_onnxruntime, with its recognition model) not installed")
    if "chi_sim" not in _languages():
        raise OcrUnavailable("tesseract with chi_sim not installed")


# ── RapidOCR (PP-OCRv4 recognition, onnxruntime) ────────────────────────────

_REC_MODEL = "ch_PP-OCRv4_rec_infer.onnx"  # ships inside the rapidocr_onnxruntime wheel
_REC_THREADS = 2  # onnxruntime threads: extraction already runs in worker processes


@functools.lru_cache(maxsize=1)
def _rec_model() -> Path | None:
    """The recognition model in the installed rapidocr_onnxruntime package (never fetched:
    the wheel carries it, and nothing here reaches the network)."""
    try:
        spec = importlib.util.find_spec("rapidocr_onnxruntime")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for root in spec.submodule_search_locations:
        path = Path(root) / "models" / _REC_MODEL
        if path.is_file():
            return path
    return None


@functools.lru_cache(maxsize=1)
def _recognizer():
    """RapidOCR's text-line recogniser alone (its detector is not needed: cells and their
    text lines come from the table rules), on the CPU with a bounded thread count."""
    model = _rec_model()
    if model is None:
        raise OcrUnavailable("RapidOCR (rapidocr_onnxruntime, with its recognition model) not installed")
    from rapidocr_onnxruntime.ch_ppocr_rec import TextRecognizer

    threads = max(1, min(_REC_THREADS, os.cpu_count() or 1))
    return TextRecognizer({
        "model_path": str(model), "use_cuda": False, "use_dml": False,
        "intra_op_num_threads": threads, "inter_op_num_threads": 1,
        "rec_img_shape": [3, 48, 320], "rec_batch_num": 8,
    })


@dataclass
class _Line:
    """One recognised text line: its text and each character's probability."""

    text: str
    probs: list[float]

    @property
    def conf(self) -> float:
        return 100.0 * min(self.probs) if self.text and self.probs else 0.0

    @property
    def mean_conf(self) -> float:
        return 100.0 * sum(self.probs) / len(self.probs) if self.text and self.probs else 0.0


def _recognize(images: list[np.ndarray]) -> list[_Line]:
    if not images:
        return []
    rec = _recognizer()
    res, _elapsed = rec([cv2.cvtColor(img, cv2.COLOR_GRAY2BGR) for img in images], return_word_box=True)
    out = []
    for text, _mean, info in res:
        probs = [float(x) for x in info[4]] if text else []
        out.append(_Line(text.strip(), probs))
    return out


_REC_MARGIN = 0.15  # white margin around a recognised line, as a share of its ink height


def _rec_views(cell: _Cell) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Each text line of a cell rendered twice for the recogniser: the grey image and the
    binarised ink (solid strokes: a faint or broken scan, whose grey strokes come out hollow
    or speckled, reads better as ink), both cropped to the line's ink with a small margin."""
    grey, ink = [], []
    if cell.image is None or cell.mask is None:
        return grey, ink
    pad = _px(0.06)
    clean = cell.image[pad:-pad, pad:-pad]
    for a, b in cell.bands:
        band = cell.mask[a:b]
        ys, xs = np.nonzero(band)
        if not ys.size:
            ys, xs = np.array([0, b - a - 1]), np.array([0, band.shape[1] - 1])
        y0, y1, x0, x1 = a + int(ys.min()), a + int(ys.max()) + 1, int(xs.min()), int(xs.max()) + 1
        m = max(2, round(_REC_MARGIN * (y1 - y0)))
        for out, img in ((grey, clean), (ink, 255 - cell.mask)):
            crop = np.ascontiguousarray(img[y0:y1, x0:x1])
            out.append(cv2.copyMakeBorder(crop, m, m, m, m, cv2.BORDER_CONSTANT, value=255))
    return grey, ink


@dataclass
class _Clean:
    """A one-line cell rendered a third time, speckle suppressed (`_clean_view`)."""

    image: np.ndarray  # for the recogniser: the grey crop with a margin
    mask: np.ndarray  # the ink that stays, cropped to itself
    number: _Number  # the same for tesseract's number reader
    removed: bool  # whether any ink went
    apart: bool  # and only specks went (`_outside_glyphs`, no glyph lost)


def _clean_view(cell: _Cell, strict: bool = False) -> _Clean | None:
    """A one-line cell rendered a third time, with speckle suppressed (for a second opinion
    when the grey and ink readings fail): the grey image without (a) solid blobs much
    thicker than the line's strokes (a speck touching a glyph; printed strokes are of one
    width, their joins a little wider) and (b) ink components much smaller than the line's
    glyphs. None when nothing would be left."""
    if cell.image is None or cell.mask is None or len(cell.bands) != 1:
        return None
    a, b = cell.bands[0]
    band = (cell.mask[a:b] > 0).astype(np.uint8)
    stroke = _stroke_width(band)
    if not stroke:
        return None
    size = int(round(_CLEAN_THICK * stroke)) | 1
    blob = cv2.morphologyEx(band, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size)))
    tall = _glyph_height(band)
    k, blab, bst, _ = cv2.connectedComponentsWithStats(blob, connectivity=8)
    dot = np.zeros(k, dtype=bool)
    for j in range(1, k):  # a dot: small and about as wide as tall (a thick stroke is long)
        w, h = int(bst[j][2]), int(bst[j][3])
        dot[j] = max(w, h) <= _CLEAN_MIN * tall and max(w, h) <= _DOT_SQUARE * min(w, h)
    drop = cv2.dilate(dot[blab].astype(np.uint8), _rect(3, 3)) > 0
    ink = np.where(drop, 0, band).astype(np.uint8)
    n, lab, st, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    if n < 2:
        return None
    tall = float(st[1:n, 3].max())
    small = np.zeros(n, dtype=bool)
    for j in range(1, n):
        small[j] = max(int(st[j][2]), int(st[j][3])) < _CLEAN_MIN * tall
    gone = drop | small[lab]
    ink = np.where(gone, 0, ink).astype(np.uint8) * 255
    ys, xs = np.nonzero(ink)
    if not ys.size:
        return None
    apart = _outside_glyphs(band > 0, ink > 0) and _glyphs_kept(band, ink)
    pad = _px(0.06)
    grey = cell.image[pad:-pad, pad:-pad][a:b].copy()
    near = cv2.dilate(ink, _rect(5, 5)) > 0  # only the grey around the ink that stays
    gone = gone | ((grey < 128) & ~near)
    grey[~near] = 255
    y0, y1, x0, x1 = int(ys.min()), int(ys.max()) + 1, int(xs.min()), int(xs.max()) + 1
    m = max(2, round(_REC_MARGIN * (y1 - y0)))
    crop = np.ascontiguousarray(grey[y0:y1, x0:x1])
    mask = ink[y0:y1, x0:x1]
    runs = _glyph_runs(mask)
    number = _Number(cv2.copyMakeBorder(crop, _PAD, _PAD, _PAD, _PAD, cv2.BORDER_CONSTANT, value=255), mask,
                     runs, max(r[3] for r in runs) - min(r[1] for r in runs), strict=strict)
    return _Clean(cv2.copyMakeBorder(crop, m, m, m, m, cv2.BORDER_CONSTANT, value=255), mask, number,
                  bool(gone.any()), apart)


def _outside_glyphs(before: np.ndarray, after: np.ndarray) -> bool:
    """Whether every piece of ink taken away (in `before`, not in `after`) lies mostly outside
    the convex hull of the ink that stays. A speck sits on a glyph's outline or beside it;
    ink inside the hull was part of the glyphs (a counter filled in by blur, a decimal
    point between digits), and a reading without it is no reading of the number."""
    taken = (before & ~after).astype(np.uint8)
    if not taken.any():
        return True
    pts = cv2.findNonZero(after.astype(np.uint8))
    hull = np.zeros(after.shape, dtype=np.uint8)
    cv2.fillConvexPoly(hull, cv2.convexHull(pts), 1)
    n, lab, _st, _ = cv2.connectedComponentsWithStats(taken, connectivity=8)
    total = np.bincount(lab.ravel(), minlength=n)
    inside = np.bincount(lab.ravel(), weights=hull.ravel().astype(float), minlength=n)
    return bool(all(inside[j] <= _APART_INSIDE * total[j] for j in range(1, n)))


_APART_INSIDE = 0.5  # a piece taken away may lie this share inside the glyphs' hull at most


def _glyphs_kept(before: np.ndarray, after: np.ndarray) -> bool:
    """Whether every glyph of the line (a run of ink as tall as the line, not a speck) is
    still most of the line's height tall once specks are taken away: a speck on a thin
    digit can cut it into pieces that each look like specks, and a "31" must not become "3"."""
    runs = _glyph_runs((before > 0).astype(np.uint8))
    tall = max(r[3] - r[1] for r in runs)
    for x0, y0, x1, y1 in runs:
        if y1 - y0 < _KEPT_TALL * tall:
            continue
        rows = np.flatnonzero((after[:, x0:x1] > 0).any(axis=1))
        if not rows.size or rows[-1] + 1 - rows[0] < _KEPT_TALL * tall:
            return False
    return True


_KEPT_TALL = 0.6  # a glyph is a run this share of the line's height tall; so is what stays of it


def _stroke_width(mask: np.ndarray) -> float:
    """The width of the strokes in a patch of ink: twice the median distance to the paper
    along the strokes' centre lines (the local maxima of the distance); 0 without ink."""
    band = (mask > 0).astype(np.uint8)
    if band.size and band.all():
        # All ink (a bar, a blot: no paper to measure to, where the distance transform gives
        # infinity): as thick as the patch.
        return float(min(band.shape))
    dist = cv2.distanceTransform(band, cv2.DIST_L2, 3)
    ridge = (dist > 0) & (dist >= cv2.dilate(dist, _rect(3, 3)))
    return 2.0 * float(np.median(dist[ridge])) if ridge.any() else 0.0


_CLEAN_THICK = 1.8  # a blob this many stroke widths thick is no stroke
_CLEAN_MIN = 0.4  # and ink components smaller than this share of the glyph height go


@dataclass
class _Word:
    text: str
    conf: float
    left: int
    top: int
    width: int
    height: int
    line: tuple[int, int, int]


@dataclass
class _Read:
    words: list[_Word] = field(default_factory=list)

    def lines(self) -> list[list[_Word]]:
        out: dict[tuple[int, int, int], list[_Word]] = {}
        for w in self.words:
            out.setdefault(w.line, []).append(w)
        return list(out.values())

    @property
    def conf(self) -> float:
        return min((w.conf for w in self.words), default=0.0)

    @property
    def mean_conf(self) -> float:
        return sum(w.conf for w in self.words) / len(self.words) if self.words else 0.0

    def text(self) -> str:
        """Lines joined without a separator, as `pdf.py` joins a wrapped cell."""
        return "".join(_join_words([w.text for w in line]) for line in self.lines())


def _join_words(words: list[str]) -> str:
    out = ""
    for w in words:
        if out and not (_CJK_RE.search(out[-1]) or _CJK_RE.search(w[0]) or out[-1] in _CJK_PUNCT
                        or w[0] in _CJK_PUNCT):
            out += " "
        out += w
    return out


def _parse_tsv(tsv: str) -> dict[int, _Read]:
    reads: dict[int, _Read] = {}
    for line in tsv.splitlines()[1:]:
        parts = line.split("\t")
        if len(parts) < 12:
            continue
        level, page = parts[0], int(parts[1])
        read = reads.setdefault(page, _Read())
        text = parts[11].strip()
        if level != "5" or not text:
            continue
        read.words.append(_Word(text, float(parts[10]), int(parts[6]), int(parts[7]), int(parts[8]),
                                int(parts[9]), (int(parts[2]), int(parts[3]), int(parts[4]))))
    return reads


def _tesseract(images: list[np.ndarray | bytes], lang: str, psm: int, whitelist: str | None = None) -> list[_Read]:
    """OCR each image on its own (one tesseract process for the whole batch)."""
    if not images:
        return []
    exe = shutil.which("tesseract")
    if not exe:
        raise OcrUnavailable("tesseract with chi_sim not installed")
    cmd_tail = ["stdout", "-l", lang, "--psm", str(psm), "--dpi", str(DPI)]
    if whitelist:
        cmd_tail += ["-c", f"tessedit_char_whitelist={whitelist}"]
    cmd_tail += ["-c", "tessedit_do_invert=0", "tsv"]
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    with tempfile.TemporaryDirectory(prefix="ocr-") as tmp:
        paths = []
        for i, img in enumerate(images):
            path = Path(tmp) / f"{i:05d}.png"
            if isinstance(img, bytes):
                path.write_bytes(img)
            else:
                cv2.imwrite(str(path), img)
            paths.append(str(path))
        listing = Path(tmp) / "list.txt"
        listing.write_text("\n".join(paths) + "\n", "utf-8")
        proc = subprocess.run([exe, str(listing), *cmd_tail], capture_output=True, env=env,
                              timeout=120 + 5 * len(images))
        reads = _parse_tsv(proc.stdout.decode("utf-8", "replace"))
        if proc.returncode != 0 or len(reads) != len(images):
            # Never misalign results: fall back to one process per image.
            reads = {}
            for i, path in enumerate(paths, start=1):
                one = subprocess.run([exe, path, *cmd_tail], capture_output=True, env=env, timeout=120)
                reads[i] = _parse_tsv(one.stdout.decode("utf-8", "replace")).get(1, _Read())
    return [reads.get(i + 1, _Read()) for i in range(len(images))]


def _workers() -> int:
    return max(1, min(4, os.cpu_count() or 1))


def _run_jobs(jobs: list[tuple[list[np.ndarray | bytes], str, int, str | None]]) -> list[list[_Read]]:
    """Run several batches in parallel, each split so that every worker has work."""
    n = _workers()
    chunks: list[tuple[int, int, list[np.ndarray | bytes], str, int, str | None]] = []
    for j, (images, lang, psm, whitelist) in enumerate(jobs):
        size = max(1, -(-len(images) // n)) if len(images) > 8 else max(1, len(images))
        for start in range(0, len(images), size):
            chunks.append((j, start, images[start:start + size], lang, psm, whitelist))
    results: list[list[_Read]] = [[_Read() for _ in images] for images, *_ in jobs]
    with ThreadPoolExecutor(max_workers=n) as pool:
        futures = [(j, start, pool.submit(_tesseract, imgs, lang, psm, wl))
                   for j, start, imgs, lang, psm, wl in chunks]
        for j, start, fut in futures:
            for k, read in enumerate(fut.result()):
                results[j][start + k] = read
    return results


# ── Page geometry ───────────────────────────────────────────────────────────


def _px(inches: float) -> int:
    return max(1, round(inches * DPI))


def _rect(w: int, h: int) -> np.ndarray:
    return cv2.getStructuringElement(cv2.MORPH_RECT, (max(1, w), max(1, h)))


def _deskew(gray: np.ndarray) -> tuple[np.ndarray, float]:
    """Rotate so that table rules and text lines are horizontal (projection-profile search)."""
    small = cv2.resize(gray, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
    _, bw = cv2.threshold(small, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    if not bw.any():
        return gray, 0.0
    h, w = bw.shape
    bwf = bw.astype(np.float32)

    def score(angle: float) -> float:
        m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
        rot = cv2.warpAffine(bwf, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=0)
        profile = rot.sum(axis=1)
        return float(np.square(np.diff(profile)).sum())

    coarse = max(np.arange(-3.0, 3.001, 0.25), key=score)
    fine = float(max(np.arange(coarse - 0.25, coarse + 0.2501, 0.025), key=score))
    if abs(fine) < 0.02:
        return gray, 0.0
    H, W = gray.shape
    m = cv2.getRotationMatrix2D((W / 2, H / 2), fine, 1.0)
    return cv2.warpAffine(gray, m, (W, H), flags=cv2.INTER_CUBIC, borderValue=255), fine


def _binarize(gray: np.ndarray) -> np.ndarray:
    """Ink = 255. Adaptive, so uneven scanner illumination does not turn into ink; on a
    lightly smoothed page, so that scanner noise does not either while faint strokes
    (a pale "0" must not come out blank) still do."""
    smooth = cv2.GaussianBlur(gray, (3, 3), 0)
    return cv2.adaptiveThreshold(smooth, 255, cv2.ADAPTIVE_THRESH_GAUSSIAN_C, cv2.THRESH_BINARY_INV,
                                 _px(0.14) | 1, 15)


@dataclass
class _Cell:
    x0: int  # interior bounding box, page pixels
    y0: int
    x1: int
    y1: int
    image: np.ndarray | None = None  # cleaned crop to OCR; None when the cell is empty
    lines: list[np.ndarray] = field(default_factory=list)  # one crop per text line
    bands: list[tuple[int, int]] = field(default_factory=list)  # the lines' rows in `mask`
    mask: np.ndarray | None = None  # its ink, cropped like `image` less the padding
    glyphs: list[tuple[int, int, int, int]] = field(default_factory=list)  # x-runs of ink
    ink_height: int = 0
    native: float = 1.0  # scan pixels per rendered pixel (0.5 for a 150 dpi scan)
    ambiguous_blank: bool = False
    text: str = ""
    conf: float | None = None
    readings: list[str] = field(default_factory=list)  # a label's readings, before snapping


@dataclass
class _Piece:
    """One table as found on one page."""

    page_no: int
    x0: int
    y0: int
    x1: int
    y1: int
    cells: list[_Cell]
    scale: float = SCALE  # rendered pixels per PDF point on its page
    cut_top: bool = False  # its first row goes on from the page before
    cut_bottom: bool = False  # its last row goes on on the next page


@dataclass
class _Page:
    page_no: int
    text_image: bytes  # PNG of the page with its tables whited out, for the page text
    pieces: list[_Piece]
    lines: list[tuple[int, str]] = field(default_factory=list)  # (top px, text)


def _line_ink(gray: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(horizontal, vertical) line ink = 255, sensitive enough for thin pale rules.

    A hairline rule scanned at 150–200 dpi is one pixel of light grey (20–40 levels under
    the paper), and a slight rotation spreads it over two pixels of half that in a
    staircase: a plain threshold breaks it into dashes. So lines are found on the grey
    darkness (against the local paper: a grey closing wider than any rule, so uneven
    illumination is no ink): a grey dilation across the line's width rejoins the staircase,
    and a grey opening along its length keeps only what is dark over the whole length, so
    a faint rule survives and specks, noise and text (with paper between its characters)
    do not."""
    paper = cv2.morphologyEx(gray, cv2.MORPH_CLOSE, _rect(_px(0.04) | 1, _px(0.04) | 1))
    dark = cv2.subtract(paper, gray)
    ink = np.where(dark >= 14, 255, 0).astype(np.uint8)
    across, thick_px = 3, _px(0.03)
    out = []
    for length, horizontal in ((_px(0.3), True), (_px(0.07), False)):
        along = _rect(length, 1) if horizontal else _rect(1, length)
        thick = cv2.dilate(dark, _rect(1, across) if horizontal else _rect(across, 1))
        mask = np.where(cv2.morphologyEx(thick, cv2.MORPH_OPEN, along) >= 14, 255, 0).astype(np.uint8)
        # A rule is thin: along most of its length the ink across it is a few pixels. A
        # "line" through a row of blurred, touching characters runs through their strokes.
        wide = cv2.morphologyEx(ink, cv2.MORPH_OPEN, _rect(1, thick_px) if horizontal else _rect(thick_px, 1))
        wide = cv2.dilate(wide, _rect(1, across) if horizontal else _rect(across, 1))
        n, labels, _stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
        if n > 1:
            total = np.bincount(labels.ravel(), minlength=n)
            in_wide = np.bincount(labels.ravel(), weights=(wide > 0).ravel(), minlength=n)
            keep = in_wide <= 0.4 * np.maximum(total, 1)
            keep[0] = False
            mask = np.where(keep[labels], 255, 0).astype(np.uint8)
        out.append(mask)
    return out[0], out[1]


def _rules(bw: np.ndarray, faint: tuple[np.ndarray, np.ndarray] | None = None
           ) -> tuple[np.ndarray, list[tuple[int, int, int, int]], list[tuple[int, bool]]]:
    """The ruling-line mask of the page's tables, the tables' bounding boxes, and the levels
    (y, True for a page's top) where the page's edge cuts a table. Lines are found on
    `faint` (the sensitive ink mask) when given; a rule broken by the threshold or the
    scanner is joined again by a closing along its direction after the opening (before it,
    the closing would join the strokes of neighbouring characters into a "rule")."""
    src_h, src_v = (bw, bw) if faint is None else (cv2.bitwise_or(bw, faint[0]), cv2.bitwise_or(bw, faint[1]))
    gap = _px(0.03)
    horiz = cv2.morphologyEx(src_h, cv2.MORPH_OPEN, _rect(_px(0.3), 1))
    horiz = cv2.morphologyEx(horiz, cv2.MORPH_CLOSE, _rect(gap, 1))
    drawn_h = horiz
    horiz = cv2.dilate(horiz, _rect(_px(0.03), 3))
    vert = cv2.morphologyEx(src_v, cv2.MORPH_OPEN, _rect(1, _px(0.07)))
    vert = cv2.morphologyEx(vert, cv2.MORPH_CLOSE, _rect(1, gap))
    vert = cv2.dilate(vert, _rect(3, _px(0.03)))
    # A rule ends on rules: text strokes inside a cell never touch a rule at both ends.
    # Each stretch of a vertical line between horizontal rules is judged on its own: a
    # character's stroke that happens to line up with a rule below it (the long stroke
    # of 行 over a column rule) must not take the rule down with it.
    anchor = cv2.dilate(horiz, _rect(1, _px(0.02)))
    whole = vert
    vert = np.where(anchor > 0, 0, vert).astype(np.uint8)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(vert, connectivity=8)
    keep = np.zeros(n, dtype=bool)
    loose: list[tuple[int, int, bool, int, int]] = []  # (component, level, at its top, x0, x1)
    for i in range(1, n):
        x, y, w, h, _area = stats[i]
        if h < _px(0.1):
            continue
        # Its ends, as far as the dilation and the closing may have stretched them.
        end, reach = _px(0.03), 2
        top = anchor[max(y - reach, 0):y + end, x:x + w].any() and _inked_to_rule(src_v, drawn_h, x, y, w, True)
        bottom = anchor[max(y + h - end, 0):y + h + reach, x:x + w].any() \
            and _inked_to_rule(src_v, drawn_h, x, y + h, w, False)
        keep[i] = top and bottom
        if not top:
            loose.append((i, int(y), True, int(x), int(x + w)))
        if not bottom:
            loose.append((i, int(y + h), False, int(x), int(x + w)))
    cuts = _page_cuts(loose, src_v, drawn_h)
    columns = [(int(stats[i][0]), int(stats[i][0] + stats[i][2])) for i in np.flatnonzero(keep)]
    ruled = [e for e in loose if not any(e[0] in c[0] for c in cuts)
             and (stats[e[0]][3] >= _px(_MERGED_TALL) or any(min(e[4], b) - max(e[3], a) > 0 for a, b in columns))]
    closes = _open_merged_cells(ruled, src_v, drawn_h)
    # A stretch is a rule when each of its ends meets a rule or a cut (a column of a
    # table cut at both ends of the page runs from cut to cut).
    free = collections.Counter(e[0] for e in loose)
    at_cuts = collections.Counter(i for members, *_rest in cuts + closes for i in members)
    for i, n_free in free.items():
        keep[i] = at_cuts[i] == n_free
    for _members, level, _at_top, x0, x1 in cuts + closes:
        cv2.line(horiz, (x0, level), (x1, level), 255, 3)
    vert = np.where(keep[labels], 255, 0).astype(np.uint8)
    # The kept stretches reach into the horizontal rules again, to meet them.
    vert = cv2.bitwise_and(whole, cv2.dilate(vert, _rect(1, 2 * (_px(0.02) + 2) + 1)))
    # A rule meets a rule: a horizontal line that crosses or touches no vertical rule is
    # text (the strokes of a line of blurred characters) or an underline, never a ruling.
    touch = cv2.dilate(vert, _rect(_px(0.02), _px(0.02)))
    n, labels, stats, _ = cv2.connectedComponentsWithStats(horiz, connectivity=8)
    met = np.zeros(n, dtype=bool)
    met[np.unique(labels[(touch > 0) & (horiz > 0)])] = True
    met[0] = False
    horiz = np.where(met[labels], 255, 0).astype(np.uint8)
    rules = cv2.bitwise_or(horiz, vert)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(rules, connectivity=8)
    boxes = []
    for i in range(1, n):
        x, y, w, h, _area = stats[i]
        if w < _px(1.0) or h < _px(0.1):
            continue
        if not vert[y:y + h, x:x + w][labels[y:y + h, x:x + w] == i].any():
            continue  # a lone horizontal rule (underline, separator) is not a table
        if h < _px(_ONE_ROW) and not _framed(horiz[y:y + h, x:x + w]):
            continue  # a line of glyphs whose strokes chain into "rules" (a mono font's)
        boxes.append((int(x), int(y), int(x + w), int(y + h)))
    return rules, sorted(boxes, key=lambda b: b[1]), [(level, at_top) for _m, level, at_top, _a, _b in cuts]


_ONE_ROW = 0.2  # inches: a table box lower than this is one row, framed top and bottom
_FRAMED = 0.9  # by rules along this share of its width at least


def _framed(horiz: np.ndarray) -> bool:
    """Whether a box is closed by a rule along its top and its bottom: a table's one row is;
    a line of text whose glyphs' strokes the closing chained into lines is not, since its
    strokes stand at many heights."""
    band = _px(0.03)
    width = horiz.shape[1]
    return all(np.count_nonzero(part.any(axis=0)) >= _FRAMED * width
               for part in (horiz[:band], horiz[-band:]))


_CUT_MIN = 3  # column rules ending level on nothing, at least, to make a cut
_CUT_BEYOND = 0.25  # inches of printed rows (a page number) allowed between a cut and the page's edge
_CUT_SPAN = 1.0  # inches a column rule cut at both ends spans at least


def _page_cuts(loose: list[tuple[int, int, bool, int, int]], ink: np.ndarray, ruled: np.ndarray
               ) -> list[tuple[list[int], int, bool, int, int]]:
    """Where the page's edge cuts a table: a row going on from (or on to) the other page
    has no rule above (below) it, so its column rules end, level, on nothing, and nothing
    is printed between their ends and the page's edge but a page number; no rule either
    (the digits of a row's cells, touching its top rule, end level above its bottom rule).
    A column rule of a cut row meets a rule at its other end, or is cut there too (a page
    inside a long table); a glyph's strokes, level in a row of text, meet nothing.
    Each cut as (its column rules, its level, whether the page's top cuts, x0, x1)."""
    cuts = []
    for at_top in (True, False):
        ends = sorted((e for e in loose if e[2] is at_top), key=lambda e: e[1])
        group: list[tuple[int, int, bool, int, int]] = []
        for e in [*ends, None]:
            if e is not None and (not group or e[1] - group[0][1] <= _px(0.03)):
                group.append(e)
                continue
            if len(group) >= _CUT_MIN:
                level = round(sum(g[1] for g in group) / len(group))
                x0, x1 = min(g[3] for g in group), max(g[4] for g in group)
                rows = slice(0, max(level - _px(0.05), 0)) if at_top else slice(level + _px(0.05), None)
                printed = _printed_rows(ink[rows, x0:x1])
                # (a rule even at the ends' level: they may have stopped short of it)
                near = slice(0, level + _px(0.02)) if at_top else slice(max(level - _px(0.02), 0), None)
                if printed <= _px(_CUT_BEYOND) and not ruled[near, x0:x1].any():
                    cuts.append(([g[0] for g in group], level, at_top, x0, x1))
            group = [e] if e is not None else []
    ends: dict[int, list[int]] = collections.defaultdict(list)  # a stretch's loose ends
    for e in loose:
        ends[e[0]].append(e[1])

    def column(i: int, at_cuts: collections.Counter) -> bool:
        # Cut at both ends, a column runs down the whole page, never a glyph's height.
        return len(ends[i]) == at_cuts[i] and (at_cuts[i] == 1 or max(ends[i]) - min(ends[i]) >= _px(_CUT_SPAN))

    while True:
        at_cuts = collections.Counter(i for members, *_rest in cuts for i in members)
        kept = [c for c in cuts if sum(column(i, at_cuts) for i in c[0]) >= _CUT_MIN]
        if len(kept) == len(cuts):
            return cuts
        cuts = kept


_MERGED_TALL = 0.4  # inches: a loose stretch this tall is a rule, not a glyph's stroke


def _open_merged_cells(loose: list[tuple[int, int, bool, int, int]], ink: np.ndarray, drawn: np.ndarray
                       ) -> list[tuple[list[int], int, bool, int, int]]:
    """Where a page break leaves merged cells open: a browser draws a cell's bottom border
    on the page its rows end on, so the group cells whose rows go on overleaf have none,
    and their column rules end, loose, level with the table's last rule (the bottom of the
    row that closes the page), with nothing printed between them and the page's edge; at a
    page's top, the same above the first rule. `loose` holds only stretches that may be
    such a rule: a column rule of the rows above carried on, or taller than two rows (a
    glyph's stroke hanging from a row's rule to just above the last is neither). Each as a
    cut is: (its column rules, the rule's level, whether at the top, x0, x1), the rule
    drawn on across them."""
    out: list[tuple[list[int], int, bool, int, int]] = []
    if not loose:
        return out
    n, _labels, stats, _ = cv2.connectedComponentsWithStats(drawn, connectivity=8)
    lines = [(int(x), int(y + h // 2), int(x + w)) for x, y, w, h, _a in stats[1:n] if w >= _px(1.0)]
    for at_top in (True, False):
        ends = [e for e in loose if e[2] is at_top]
        for x, level, x1 in lines:
            members = [e for e in ends if abs(e[1] - level) <= _px(0.05)]
            if not members:
                continue
            lo, hi = min(x, *(e[3] for e in members)), max(x1, *(e[4] for e in members))
            beyond = slice(0, max(level - _px(0.05), 0)) if at_top else slice(level + _px(0.05), None)
            if _printed_rows(ink[beyond, lo:hi]) > _px(_CUT_BEYOND) or drawn[beyond, lo:hi].any():
                continue  # rows or a rule beyond: not the page's end of the table
            out.append(([e[0] for e in members], level, at_top, lo, hi))
            ends = [e for e in ends if e not in members]
    return out


_SPECK_MAX = 0.04  # inches: dust on the glass is smaller than any printed glyph, either way


def _printed_rows(ink: np.ndarray) -> int:
    """How many pixel rows of a band hold print: ink of glyph size, dust specks set aside
    (on a dusty scan nearly every row of a wide band holds a speck or two)."""
    n, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    if n <= 1:
        return 0
    big = np.maximum(stats[:, 2], stats[:, 3]) > _px(_SPECK_MAX)
    big[0] = False
    kept = big[labels]
    return int(np.count_nonzero(np.count_nonzero(kept, axis=1) > max(3, ink.shape[1] // 100)))


_JOIN_ROWS = 2  # rows next to a rule that a rule meeting it inks


def _inked_to_rule(ink: np.ndarray, drawn: np.ndarray, x: int, y: int, w: int, above: bool) -> bool:
    """Whether the vertical stretch at columns x..x+w, ending at row y, is inked right up
    to the horizontal rule above (`above`) or below that end. A rule meets a rule; in a
    row hardly taller than its text a stroke of a character or the side of a "0" comes
    within a few pixels of both rules, but paper shows between them."""
    reach = _px(0.03) + 6  # how far the dilations let the stretch's end lie from its rule
    xs = slice(max(x - 2, 0), x + w + 2)
    lo, hi = max(y - reach, 0), min(y + reach, drawn.shape[0])
    rows = np.flatnonzero(drawn[lo:hi, xs].any(axis=1)) + lo
    if not len(rows):
        return False
    edge = int(rows.max()) + 1 if above else int(rows.min()) - _JOIN_ROWS
    band = ink[max(edge, 0):max(edge + _JOIN_ROWS, 0), x:x + w]
    return band.shape[0] == _JOIN_ROWS and bool(band.any(axis=1).all())


def _glyph_runs(mask: np.ndarray) -> list[tuple[int, int, int, int]]:
    """Glyphs of a one-line cell: ink components merged where they overlap horizontally."""
    n, _labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    boxes = sorted((int(s[0]), int(s[1]), int(s[0] + s[2]), int(s[1] + s[3])) for s in stats[1:n])
    runs: list[list[int]] = []
    for x0, y0, x1, y1 in boxes:
        if runs and x0 < runs[-1][2]:
            run = runs[-1]
            run[1], run[2], run[3] = min(run[1], y0), max(run[2], x1), max(run[3], y1)
        else:
            runs.append([x0, y0, x1, y1])
    return [tuple(r) for r in runs]  # type: ignore[misc]


_CELL_MARGIN = max(2, _px(0.008))  # paper kept between a cell's rules and its ink


def _cells(gray: np.ndarray, bw: np.ndarray, rules: np.ndarray,
           box: tuple[int, int, int, int]) -> list[_Cell]:
    bx0, by0, bx1, by1 = box
    region = rules[by0:by1, bx0:bx1]
    free = (region == 0).astype(np.uint8)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(free, connectivity=4)
    h, w = region.shape
    min_side = _px(0.05)
    speck = max(6, round((DPI / 300) ** 2 * 8))
    margin = _CELL_MARGIN
    out: list[_Cell] = []
    for i in range(1, n):
        x, y, cw, ch, _area = (int(v) for v in stats[i])
        if x == 0 or y == 0 or x + cw >= w or y + ch >= h:
            continue  # outside the frame
        if cw < min_side or ch < min_side:
            continue
        cell = _Cell(bx0 + x, by0 + y, bx0 + x + cw, by0 + y + ch)
        own = labels[y:y + ch, x:x + cw] == i
        own = cv2.erode(own.astype(np.uint8), _rect(2 * margin + 1, 2 * margin + 1)).astype(bool)
        ink = np.where(own, bw[cell.y0:cell.y1, cell.x0:cell.x1], 0).astype(np.uint8)
        k, lab, st, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
        big = np.zeros(k, dtype=bool)
        removed = 0
        flat, edge = _px(0.02), margin + _px(0.03)
        for j in range(1, k):
            sx, sy, sw, sh, area = (int(v) for v in st[j])
            if sh <= flat and sw > sh and (sy <= edge or ch - (sy + sh) <= edge):
                continue  # what is left of a ruling line along the cell's top or bottom
            if area >= speck:
                big[j] = True
            else:
                removed += area
        _drop_mark_lines(lab, st, big)
        doubtful = _despeckle(lab, st, big)
        if not big.any():
            cell.ambiguous_blank = removed > 4 * speck or doubtful
            out.append(cell)
            continue
        mask = np.where(big[lab], 255, 0).astype(np.uint8)
        ys, xs = np.nonzero(mask)
        iy0, iy1, ix0, ix1 = int(ys.min()), int(ys.max()) + 1, int(xs.min()), int(xs.max()) + 1
        if (iy1 - iy0) * (ix1 - ix0) > 0 and mask.sum() / 255 < speck * 2 and max(iy1 - iy0, ix1 - ix0) < _px(0.02):
            cell.ambiguous_blank = True
            out.append(cell)
            continue
        crop_gray = gray[cell.y0:cell.y1, cell.x0:cell.x1]
        # Keep the grey image around the ink (never cut a faint stroke off a digit: a "0"
        # that loses its top right is a "6"); white out only what is far from any ink.
        near_ink = cv2.dilate(mask, _rect(_px(0.04), _px(0.04))) > 0
        clean = np.where(near_ink, crop_gray, 255).astype(np.uint8)
        clean = clean[iy0:iy1, ix0:ix1]
        pad = _px(0.06)
        cell.image = cv2.copyMakeBorder(clean, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=255)
        ink_mask = mask[iy0:iy1, ix0:ix1]
        bands = _text_lines(ink_mask)
        cell.lines = [cv2.copyMakeBorder(clean[a:b], pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=255)
                      for a, b in bands]
        cell.mask = ink_mask
        cell.bands = bands
        cell.glyphs = _glyph_runs(ink_mask)
        cell.ink_height = iy1 - iy0
        out.append(cell)
    return out


_DOT_MAX = _px(0.045)  # a dot (".", "、", a speck) fits in a square this wide
_DOT_FILL = 0.5  # and fills at least this share of its box (a stroke fragment does not)
_DOT_SQUARE = 1.5  # and is about as wide as tall (a minus sign or a dash is flat)
_DOT_NEAR = _px(0.027)  # punctuation sits this close to the glyphs it belongs to


_MARK_MAX = 0.4  # a mark this share of the glyph height (either way) or smaller is no glyph


def _drop_mark_lines(lab: np.ndarray, st: np.ndarray, keep: np.ndarray) -> None:
    """Drop a "text line" made only of marks much smaller than the cell's glyphs (`keep`,
    updated in place): specks, whatever their shape, that stand apart from the text above
    or below it. No glyph of a table cell is under 0.4 of the height of its tallest one
    (a Chinese character's smallest part is at least that tall, and a digit is the whole
    height), and the punctuation that is this small sits inside the line it belongs to,
    never on a line of its own (no line of a cell opens with a point). Components that
    reach into the text line stay, whatever their size."""
    idx = np.flatnonzero(keep)
    if len(idx) < 2:
        return
    tallest = max(int(st[j][3]) for j in idx)
    bands = _text_lines(keep[lab].astype(np.uint8))
    if len(bands) < 2:
        return
    small = {int(j) for j in idx if max(int(st[j][2]), int(st[j][3])) < _MARK_MAX * tallest}
    members: list[list[int]] = [[] for _ in bands]
    for j in idx:
        y, h = int(st[j][1]), int(st[j][3])
        for k, (a, b) in enumerate(bands):
            if y < b and y + h > a:
                members[k].append(int(j))
    text = [k for k, m in enumerate(members) if any(j not in small for j in m)]
    if not text:
        return
    for k, m in enumerate(members):
        # A line of one flat mark is a sign or a dash a narrow cell wrapped ("-" over "24"):
        # read with its line, or not at all, never dropped.
        flat = len(m) == 1 and int(st[m[0]][2]) > _DOT_SQUARE * int(st[m[0]][3])
        if k not in text and all(j in small for j in m) and not flat:
            keep[m] = False


def _despeckle(lab: np.ndarray, st: np.ndarray, keep: np.ndarray) -> bool:
    """Drop scanner specks from a cell's ink components (`keep`, updated in place); True
    when the cell held dots alone and some that were dropped lay close together (it may
    have been a faint glyph: a blank, but not a sure one).

    A speck is a dot: a small, square, solid blob (never a flat minus sign), or what an
    edge of the cell left of one. Printed punctuation (a decimal point,
    "、", a quote) is a dot too, but it sits right beside the glyphs it belongs to, inside
    their text line, and never opens or closes the text of a table cell (no number starts
    or ends with a point; Chinese punctuation never opens a line; a table label does not
    end with one). So a dot is dropped when no other ink is near it, when it lies wholly
    above or below the text, when it opens a text line, or when it closes the only line;
    in a line of digits, also when it is off the baseline or over or under a digit.
    Strokes are never touched: a speck touching a glyph stays, and the readers' agreement
    checks deal with it. In a cell of dots alone, three or more dots close together within
    a glyph's size may be a glyph that broke up and are left to be read; the others are
    specks (a dusty glass scatters them over every cell, pairs included)."""
    dots = []
    height, width = lab.shape
    edge = _CELL_MARGIN + 1
    for j in np.flatnonzero(keep):
        x, y, w, h, area = (int(v) for v in st[j])
        # A speck the cell's edge cut is a dot too, however narrow what is left of it: it
        # keeps its full extent along that edge (a minus sign by the cell's side is flat).
        # An upright blob elsewhere may be the piece of a glyph that broke up.
        cut = ((x <= edge or x + w >= width - edge) and h >= w) or ((y <= edge or y + h >= height - edge) and w >= h)
        if max(w, h) <= _DOT_MAX and (cut or max(w, h) <= _DOT_SQUARE * min(w, h)) and area >= _DOT_FILL * w * h:
            dots.append(int(j))
    inked = [int(j) for j in np.flatnonzero(keep)]
    if all(max(st[j][2], st[j][3]) <= _DOT_MAX and st[j][2] <= _PAIR_FLAT * st[j][3] for j in inked):
        dots = inked  # specks alone, two that touch making a blob twice as long
    if not dots:
        return False
    body = keep.copy()
    body[dots] = False
    if not body.any():
        glyphs = _dot_glyphs(st, dots)
        dropped = [j for j in dots if j not in glyphs]
        keep[dropped] = False
        return _close_pair(st, dropped)
    body_ink = body[lab]
    dist = cv2.distanceTransform(np.where(body_ink, 0, 255).astype(np.uint8), cv2.DIST_L2, 3)
    bands = _text_lines(body_ink.astype(np.uint8))
    # A line of digits: every glyph as tall as the line and narrower than a character.
    digit_runs: list[tuple[int, int, int, int]] = []
    if len(bands) == 1:
        runs = _glyph_runs(body_ink.astype(np.uint8))
        line_h = max(r[3] for r in runs) - min(r[1] for r in runs)
        if all(r[3] - r[1] >= 0.6 * line_h and r[2] - r[0] <= 0.8 * line_h for r in runs):
            digit_runs = runs
            base, line_top = max(r[3] for r in runs), min(r[1] for r in runs)
    for j in dots:
        x, y, w, h, _area = (int(v) for v in st[j])
        sub = lab[y:y + h, x:x + w] == j
        if float(dist[y:y + h, x:x + w][sub].min()) > _DOT_NEAR:
            keep[j] = False
            continue
        mid = y + h / 2
        band = min(bands, key=lambda ab: 0 if ab[0] <= mid < ab[1] else min(abs(ab[0] - mid), abs(ab[1] - mid)))
        if not band[0] <= mid < band[1]:
            keep[j] = False  # over or under the text, no part of a line
            continue
        cols = np.flatnonzero(body_ink[band[0]:band[1]].any(axis=0))
        if x + w <= cols.min() or (len(bands) == 1 and x >= cols.max() + 1):
            keep[j] = False  # opens its line, or closes a cell's only line
            continue
        if digit_runs and (y + h < base - 0.25 * (base - line_top)
                           or any(min(x + w, r[2]) - max(x, r[0]) > 2 for r in digit_runs)):
            keep[j] = False  # among digits, a point sits on the baseline between two digits
    return False


_PAIR_FLAT = 2.0  # two specks side by side are this flat; a printed dash is flatter
_DOT_GLYPH = 3  # dots that may be a glyph that broke up: at least this many together,
_DOT_TOUCH = _px(0.01)  # ... each this close to another (a stroke's break is a hairline)
_GLYPH_MAX = _px(0.2)  # ... within a box this wide and tall (a table's glyph is smaller)


def _close_pair(st: np.ndarray, dots: list[int]) -> bool:
    """Whether two of the dots lie close enough to be parts of one glyph."""
    centres = [(st[j][0] + st[j][2] / 2, st[j][1] + st[j][3] / 2) for j in dots]
    return any(abs(a[0] - b[0]) + abs(a[1] - b[1]) <= 2 * _DOT_NEAR + _DOT_MAX
               for k, a in enumerate(centres) for b in centres[k + 1:])


def _touching(st: np.ndarray, a: int, b: int) -> bool:
    gap_x = max(st[a][0], st[b][0]) - min(st[a][0] + st[a][2], st[b][0] + st[b][2])
    gap_y = max(st[a][1], st[b][1]) - min(st[a][1] + st[a][3], st[b][1] + st[b][3])
    return max(gap_x, gap_y) <= _DOT_TOUCH


def _dot_glyphs(st: np.ndarray, dots: list[int]) -> set[int]:
    """The dots that may be one glyph broken up: groups of `_DOT_GLYPH` or more, each dot
    a hairline from another of its group, the group no larger than a glyph. Specks a dusty
    glass scatters fall that close together far more rarely."""
    groups: list[list[int]] = []
    for j in dots:
        near = [g for g in groups if any(_touching(st, j, k) for k in g)]
        merged = [j, *(k for g in near for k in g)]
        groups = [g for g in groups if g not in near] + [merged]
    out: set[int] = set()
    for g in groups:
        x0 = min(int(st[j][0]) for j in g)
        y0 = min(int(st[j][1]) for j in g)
        x1 = max(int(st[j][0] + st[j][2]) for j in g)
        y1 = max(int(st[j][1] + st[j][3]) for j in g)
        if len(g) >= _DOT_GLYPH and x1 - x0 <= _GLYPH_MAX and y1 - y0 <= _GLYPH_MAX:
            out.update(g)
    return out


_SPLIT_INK = 0.25  # a row with this share of a line's fullest row or less may part two lines
_SPLIT_TALL = 1.6  # ... in a band this many glyph heights tall
_SPLIT_PART = 0.6  # ... into parts each this many glyph heights tall at least


def _glyph_height(mask: np.ndarray) -> float:
    """The height of the glyphs in a band of ink: its tallest component (a Chinese
    character is often several components, none of them as tall as the character, so the
    tallest one is the nearest to a character's height)."""
    n, _labels, stats, _ = cv2.connectedComponentsWithStats((mask > 0).astype(np.uint8), connectivity=8)
    return float(stats[1:n, 3].max()) if n > 1 else float(mask.shape[0])
_MERGE_MAX = 1.2  # fragments join a neighbour only while the band stays line-sized


def _text_lines(mask: np.ndarray) -> list[tuple[int, int]]:
    """Row bands of a cell's text lines.

    Lines are parted by rows without ink, and also by a run of nearly empty rows between
    two tall parts: on a soft scan two lines set close together touch, or a speck or a
    descender bridges them, and one "line" twice as tall reads as garbage. A band much
    lower than the tallest line is a fragment of a character (the top stroke of 三) and
    joins its nearest neighbour, as long as the joined band is no taller than a line (so
    a stray mark far from the text never swallows its lines)."""
    profile = (mask > 0).sum(axis=1)
    rows = profile > 0
    bands: list[list[int]] = []
    for y, on in enumerate(rows):
        if on and bands and y - bands[-1][1] <= 2:
            bands[-1][1] = y + 1
        elif on:
            bands.append([y, y + 1])
    split: list[list[int]] = []
    for a, b in bands:
        pending = [[a, b]]
        while pending:
            a, b = pending.pop(0)
            part = profile[a:b]
            glyph = _glyph_height(mask[a:b])
            cut = None
            if b - a >= _SPLIT_TALL * glyph:
                low = np.flatnonzero(part <= _SPLIT_INK * part.max())
                for y in low:  # the first low row with a line-sized part above and below
                    run_end = y
                    while run_end + 1 < len(part) and part[run_end + 1] <= _SPLIT_INK * part.max():
                        run_end += 1
                    if y >= _SPLIT_PART * glyph and len(part) - run_end - 1 >= _SPLIT_PART * glyph:
                        cut = (a + int(y), a + int(run_end) + 1)
                        break
            if cut is None:
                split.append([a, b])
            else:
                pending[:0] = [[a, cut[0]], [cut[1], b]]
    bands = split
    tallest = max((b - a for a, b in bands), default=0)
    done: set[tuple[int, int]] = set()
    while len(bands) > 1:
        short = [k for k in range(len(bands)) if bands[k][1] - bands[k][0] < 0.6 * tallest
                 and tuple(bands[k]) not in done]
        if not short:
            break
        i = min(short, key=lambda k: bands[k][1] - bands[k][0])
        gap_up = bands[i][0] - bands[i - 1][1] if i > 0 else None
        gap_down = bands[i + 1][0] - bands[i][1] if i + 1 < len(bands) else None
        j = i - 1 if gap_down is None or (gap_up is not None and gap_up <= gap_down) else i + 1
        a, b = min(i, j), max(i, j)
        if bands[b][1] - bands[a][0] > _MERGE_MAX * tallest:
            done.add(tuple(bands[i]))
            continue
        bands[a:b + 1] = [[bands[a][0], bands[b][1]]]
    pad = 2
    return [(max(a - pad, 0), min(b + pad, mask.shape[0])) for a, b in bands]


def _layout(page_no: int, gray: np.ndarray, scale: float = SCALE) -> _Page:
    """A page's tables and cells (cropped, ready to read) and its text as an image; the
    page bitmap itself is not kept, so a long scan does not pile up in memory."""
    gray, _angle = _deskew(gray)
    bw = _binarize(gray)
    rules, boxes, cuts = _rules(bw, _line_ink(gray))
    pieces = []
    for box in boxes:
        cells = _cells(gray, bw, rules, box)
        if len(cells) >= 2:
            cut = {at_top for level, at_top in cuts if abs(level - (box[1] if at_top else box[3])) <= _px(0.03)}
            pieces.append(_Piece(page_no, *box, cells, scale, cut_top=True in cut, cut_bottom=False in cut))
    for piece in pieces:  # their cells are read one by one
        gray[piece.y0:piece.y1, piece.x0:piece.x1] = 255
    ok, png = cv2.imencode(".png", gray)
    return _Page(page_no, png.tobytes() if ok else b"", pieces)


# ── Reading a cell ──────────────────────────────────────────────────────────


_MIN_NATIVE_DIGIT_PX = 15  # below this digit height in the scan's own pixels, be stricter
_PAD = _px(0.06)  # white margin around every image given to tesseract
_DIGIT_SCALES = (1.0, 1.25, 1.5)
# A digit's ink is 0.37–0.68 of its height wide in common fonts; wider runs are touching
# digits, narrower ones a decimal point or a sign.
_DIGIT_MIN_W, _DIGIT_MAX_W = 0.36, 0.70
# Blur and a bold weight thicken every stroke, and each stroke width added to a glyph's
# box counts for more across a digit than down it: a "4" is 0.71-0.76 of its height wide
# in DejaVu Sans (the office suites' fallback font) once blurred, and 0.8 in bold. Less one
# stroke width each way (the box of the strokes' centre lines) the widest digit, "4", is
# 0.60-0.70 of its height in regular fonts, blurred or not, and two digits side by side are
# more than 1.0: a run that narrow is one digit, whatever its ink width.
_DIGIT_MAX_CORE = 0.75


def _resize(img: np.ndarray, factor: float) -> np.ndarray:
    if factor == 1.0:
        return img
    interp = cv2.INTER_CUBIC if factor > 1 else cv2.INTER_AREA
    return cv2.resize(img, None, fx=factor, fy=factor, interpolation=interp)


@dataclass
class _Number:
    """What a number reader looks at: a one-line cell, or the part of it before a unit."""

    image: np.ndarray
    mask: np.ndarray
    runs: list[tuple[int, int, int, int]]
    height: int
    # Digits only a dozen scan pixels high: 0/6/8/9 blur into each other and both digit
    # readers see the same blur, so a third model (chi_sim, digits only) must agree.
    strict: bool = False

    def chars(self, run: tuple[int, int, int, int]) -> tuple[int, int]:
        """(fewest, most) characters the run's width allows."""
        width, height = run[2] - run[0], max(self.height, 1)
        ratio = width / height
        hi = int(ratio // _DIGIT_MIN_W)
        lo = max(1, -int(-ratio // _DIGIT_MAX_W))
        if lo > 1:
            # Too wide for one digit by its ink: by its strokes' centre lines, perhaps not
            # (blur and weight widen the box by a stroke). Never fewer than the ink allows
            # at the upper bound: the range only widens, and the readers must still agree.
            stroke = _stroke_width(self.mask[:, run[0]:run[2]])
            core = (width - stroke) / max(height - stroke, 1.0)
            lo = max(1, min(lo, -int(-core // _DIGIT_MAX_CORE)))
        return lo, max(lo, hi)

    def expected(self) -> tuple[int, int]:
        spans = [self.chars(r) for r in self.runs]
        return sum(a for a, _ in spans), sum(b for _, b in spans)

    def shape(self, run: tuple[int, int, int, int]) -> str | None:
        """"." "," "-" "/" when the run's geometry says so; None for anything else."""
        x0, y0, x1, y1 = run
        h = max(self.height, 1)
        w, rh = x1 - x0, y1 - y0
        mid = (y0 + y1) / 2
        if w <= 0.3 * h and rh <= 0.3 * h and mid >= 0.7 * h:
            return "," if y1 > h + 0.08 * h or rh > 1.6 * w else "."
        if rh <= 0.2 * h and w >= 0.25 * h and 0.3 * h <= mid <= 0.8 * h:
            return "-"
        if rh >= 0.7 * h and w >= 0.3 * h:
            # "/" (a blank mark): a thin stroke leaning right, no bar or serif.
            glyph = self.mask[y0:y1, x0:x1] > 0
            rows = [(y, np.flatnonzero(row)) for y, row in enumerate(glyph)]
            rows = [(y, sp) for y, sp in rows if sp.size]
            if len(rows) >= 3 and max(sp[-1] - sp[0] + 1 for _, sp in rows) <= 0.3 * h:
                ys = np.array([y for y, _ in rows], dtype=float)
                xs = np.array([(sp[0] + sp[-1]) / 2 for _, sp in rows])
                slope = np.polyfit(ys, xs, 1)[0]
                if slope * rh <= -0.12 * h:
                    return "/"
        return None

    def glyph_image(self, x0: int, x1: int) -> np.ndarray:
        """Columns x0:x1 alone (a neighbour's ink never falls inside a run's columns)."""
        img = self.image[:, x0 + _PAD:x1 + _PAD]
        return cv2.copyMakeBorder(img, 0, 0, _PAD, _PAD, cv2.BORDER_CONSTANT, value=255)

    def pieces(self) -> dict[int, list[tuple[int, int]]]:
        """Run index → column slices to read one character each. Punctuation known by its
        shape is not read; a run of k touching digits is cut into k equal slices (digits
        are set on equal advances)."""
        plain = [r for r in self.runs if self.chars(r) == (1, 1) and self.shape(r) is None]
        widths = sorted(r[2] - r[0] for r in plain)
        unit = widths[len(widths) // 2] if widths else 0.53 * self.height
        out: dict[int, list[tuple[int, int]]] = {}
        for i, r in enumerate(self.runs):
            if self.shape(r) is not None:
                continue
            lo, hi = self.chars(r)
            k = lo if lo == hi else max(lo, min(hi, round((r[2] - r[0]) / max(unit, 1))))
            step = (r[2] - r[0]) / k
            out[i] = [(r[0] + round(j * step), r[0] + round((j + 1) * step)) for j in range(k)]
        return out

    def line_images(self) -> list[np.ndarray]:
        return [_resize(self.image, f) for f in _DIGIT_SCALES]


def _number_view(cell: _Cell, drop_runs: int = 0) -> _Number | None:
    if cell.image is None or cell.mask is None or len(cell.lines) != 1:
        return None
    runs = cell.glyphs[: len(cell.glyphs) - drop_runs] if drop_runs else cell.glyphs
    if not runs:
        return None
    image, mask = cell.image, cell.mask
    if drop_runs:
        cut = runs[-1][2] + 2
        image = image.copy()
        image[:, cut + _PAD:] = 255
        mask = mask.copy()
        mask[:, cut:] = 0
    top = min(r[1] for r in runs)
    height = max(r[3] for r in runs) - top
    if top:
        runs = [(a, b - top, c, d - top) for a, b, c, d in runs]
        image = image[top:]
        mask = mask[top:]
    return _Number(image, mask, runs, height, strict=height * cell.native < _MIN_NATIVE_DIGIT_PX)


def _vote(view: _Number, reads: list[_Read]) -> tuple[str | None, float]:
    """The number several whole-line readings agree on, and how far to trust it.

    A reading counts only if it is a number and fits the glyphs on the image (a dropped or
    invented digit changes the count). One reading alone, or readings that disagree, do not
    make a confident number."""
    lo, hi = view.expected()
    groups: dict[str, list[float]] = {}
    for read in reads:
        text = " ".join(w.text for w in read.words)
        compact = text.replace(" ", "")
        if not compact or not (_NUMBER_RE.match(compact) or compact.strip("-") == ""):
            continue
        if not lo <= len(compact) <= hi:
            continue
        groups.setdefault(text, []).append(read.conf)
    if not groups:
        return None, 0.0
    ranked = sorted(groups.items(), key=lambda kv: (len(kv[1]), max(kv[1])), reverse=True)
    text, confs = ranked[0]
    conf = max(confs)
    if len(confs) < 2:
        conf = min(conf, 70.0)
    for _other, other_confs in ranked[1:]:
        if max(other_confs) >= 80 or len(other_confs) >= len(confs):
            conf = min(conf, 50.0)
    return text, conf


def _by_glyph(view: _Number, glyph_reads: dict[tuple[int, int], _Read]) -> tuple[str | None, float]:
    """The number read one glyph at a time (None when a glyph could not be read alone)."""
    out, conf = "", 100.0
    pieces = view.pieces()
    for i, run in enumerate(view.runs):
        if i not in pieces:
            out += view.shape(run) or ""
            continue
        for j in range(len(pieces[i])):
            read = glyph_reads.get((i, j))
            text = "".join(w.text for w in read.words) if read else ""
            if len(text) != 1:
                return None, 0.0
            out += text
            conf = min(conf, read.conf)  # type: ignore[union-attr]
    return out, conf


def _read_number(view: _Number, line_reads: list[_Read], glyph_reads: dict[tuple[int, int], _Read],
                 third: _Read | None = None) -> tuple[str | None, float, bool]:
    """(number, confidence, glyph reading complete) from the readers. Agreement of the
    whole-line vote and the glyph-by-glyph reading is what makes a number confident."""
    text, conf, complete = _two_readers(view, line_reads, glyph_reads)
    if view.strict and text is not None and text != "/":
        other = "".join(w.text for w in third.words) if third else ""
        if other and other != text.replace(" ", ""):
            conf = min(conf, 75.0)
    return text, conf, complete


def _two_readers(view: _Number, line_reads: list[_Read],
                 glyph_reads: dict[tuple[int, int], _Read]) -> tuple[str | None, float, bool]:
    voted, v_conf = _vote(view, line_reads)
    glyphs, g_conf = _by_glyph(view, glyph_reads)
    if voted is None and glyphs == "/":
        return glyphs, 90.0, True  # a blank mark, recognised by its shape
    if glyphs is not None and not (_NUMBER_RE.match(glyphs) or glyphs.strip("-") == ""):
        glyphs = None if voted is not None else glyphs
    if voted is not None and glyphs is not None:
        if voted.replace(" ", "") == glyphs:
            # Two readers, segmenting differently, agree: combine as independent evidence.
            return voted, 100.0 - (100.0 - v_conf) * (100.0 - g_conf) / 100.0, True
        best = voted if v_conf >= g_conf else glyphs
        return best, min(max(v_conf, g_conf), 50.0), True
    if voted is not None:
        # One reader only (a glyph could not be read alone): the whole-line readings are
        # one engine at three scales and can share a mistake.
        return voted, min(v_conf, 75.0), False
    if glyphs is not None:
        return glyphs, min(g_conf, 70.0), True
    return None, 0.0, False


def _line_text(lines: list[_Line]) -> str:
    text = clean_cell("".join(line.text for line in lines)).translate(_LABEL_FIX)
    return _SPACE_IN_CJK_RE.sub("", text)


def _as_number(text: str) -> str:
    """A reading as the number it may be: NFKC (full-width digits), no spaces."""
    return unicodedata.normalize("NFKC", text).replace(" ", "")


# What the recogniser makes of a lone "0" with a speck beside it: a letter like it (the
# speck read as a mark of its own, left out: only letters and digits are kept).
_ZERO_LOOKS = frozenset("0OoQD")


def _lone_zero(number: tuple[str | None, float, bool] | None, view: _Number | None,
               grey: list[_Line], ink: list[_Line]) -> float | None:
    """The confidence of a cell that is one "0" and specks, or None. Noise beside a thin zero
    makes the recogniser read "Q", "O" or "0." on one rendering or both, while tesseract,
    reading digits only, reads 0: taken when the image holds one glyph that may be one digit
    (anything else no bigger than a speck), every reading is a zero or its look-alike once
    the specks' marks are left out, and tesseract reads 0 surely, or, less surely, with one
    rendering of the recogniser reading the digit itself too. Two plain "0" readings are left
    to the rules every number's probabilities go by."""
    if view is None or number is None or number[0] is None or not grey or not ink:
        return None
    h = max(view.height, 1)
    tall = [r for r in view.runs if r[3] - r[1] >= 0.5 * h]
    if len(tall) != 1 or view.chars(tall[0])[0] != 1 \
            or any(max(r[2] - r[0], r[3] - r[1]) > 0.3 * h for r in view.runs if r not in tall):
        return None  # (one digit by its width at least: a speck glued to it may widen it)
    if [_as_number(grey[0].text), _as_number(ink[0].text)] == ["0", "0"]:
        return None  # plain zeros: the probabilities' own rules decide (`_decide`)
    cores = ["".join(ch for ch in unicodedata.normalize("NFKC", t) if ch.isalnum())
             for t in (grey[0].text, ink[0].text, number[0])]
    if any(len(core) != 1 or core not in _ZERO_LOOKS for core in cores) or cores[2] != "0":
        return None
    # The renderings that read the digit itself are held to the probabilities a number is.
    zeros = [line.conf for line, core in zip((grey[0], ink[0]), cores, strict=False) if core == "0"]
    if number[1] >= 80:
        return number[1] if all(conf >= _TIE_LOW for conf in zeros) else None
    return 80.0 if number[1] >= _TIE_MIN and any(conf >= _TIE_MIN for conf in zeros) else None


def _decide(cell: _Cell, number: tuple[str | None, float, bool] | None, view: _Number | None,
            grey: list[_Line], ink: list[_Line]) -> tuple[str, float, bool]:
    """(text, confidence, is_number_with_unit) for an inked cell.

    A number is confident only when the recogniser reads the same number on both
    renderings of the cell (grey and binarised), every character of both with a high
    probability (the confidence is the lowest one), its length fits the glyphs on the
    image, and tesseract's own reading, where it is confident, is the same number. Any
    disagreement leaves it below 80: a null with a reason, never a wrong value."""
    if _is_dash(cell):
        return "—", 95.0, False
    zero = _lone_zero(number, view, grey, ink)
    if zero is not None:
        return "0", zero, False
    label = _line_text(grey)
    if len(cell.lines) == 1 and grey and ink:
        g, k = _ends_trimmed(grey[0]), _ends_trimmed(ink[0])
        if _NUMBER_RE.match(_as_number(g.text)) and _as_number(g.text) == _as_number(k.text):
            # A speck beside the number reads as a point or a comma at its end (no number
            # ends or opens with one): the digits both renderings agree on are held to the
            # same checks as any number, the glyph count first.
            grey, ink = [g], [k]
        a, b = _as_number(grey[0].text), _as_number(ink[0].text)
        unit = _UNIT_RE.search(a)
        bare = a[: unit.start()] if unit else a
        numeric = bool(_NUMBER_RE.match(bare)) or a == "/" or (a in _DASHES and not unit)
        if numeric:
            conf = min(grey[0].conf, ink[0].conf)
            if a != b:
                return a, min(conf, 40.0), bool(unit)
            if a in _DASHES:
                return "—", conf, False
            fits = False
            if unit:
                # The number before a unit is held to its glyphs as a bare one is (a point
                # lost from 75394432.52元 leaves digits that all read confidently).
                _bare, bare_view = _without_unit(cell, a, view)
                lo, hi = bare_view.expected() if bare_view is not None else (0, -1)
                if not lo <= len(bare) <= hi:
                    conf = min(conf, 50.0)
            elif view is not None and a != "/":
                lo, hi = view.expected()
                fits = lo <= len(a) <= hi
                if not fits:
                    conf = min(conf, 50.0)  # a dropped or invented character
            voted = number[0] if number is not None else None
            t_conf = number[1] if number is not None else 0.0
            if not unit and voted is not None and t_conf >= 80 and voted.replace(" ", "") != a:
                conf = min(conf, 50.0)  # tesseract confidently read something else
            elif fits and conf < 80 and voted is not None and voted.replace(" ", "") == a \
                    and (conf >= _TIE_MIN and t_conf >= 80 or conf >= _TIE_LOW and t_conf >= _SURE) \
                    and _NUMBER_RE.match(a) and not _LEADING_ZERO_RE.match(a):
                # Both renderings read the same number, but a character of one at a middling
                # probability (a speck on it, a faint stroke): tesseract, another engine,
                # settles it when it reads the same number confidently (its whole-line and
                # glyph-by-glyph readings agreeing, which is what makes it confident).
                conf = t_conf
            elif a == "/" and _TIE_MIN <= conf < 80 and voted == "/" and t_conf >= 80:
                conf = t_conf  # a blank mark: both renderings read it, and so does its shape
            return a, conf, bool(unit)
        if _NUMBER_RE.match(b) or b == "/":
            # The binarised ink reads as a number, the grey image does not: not trusted.
            return b, min(ink[0].conf, 40.0), False
    alt = _line_text(ink)
    conf = min((line.mean_conf for line in grey), default=0.0)
    cell.readings = [label, alt]
    return _snap_voted([label, alt]), conf, False


_TIE_MIN = 50.0  # below this probability a character is doubted whoever else agrees
_TIE_LOW = 25.0  # ... unless tesseract is sure of it, and this probable at least
_SURE = 95.0  # tesseract this confident is sure


def _digits_only(line: _Line) -> _Line:
    """The line without its punctuation marks (letters, which may be a misread digit, stay),
    nor a point or comma opening or closing it (no number starts or ends with one)."""
    if len(line.probs) != len(line.text):
        return line
    kept = [(ch, p) for ch, p in zip(line.text, line.probs, strict=True)
            if ch.isalnum() or ch in _DIGITS or ch == " "]
    trimmed = _ends_trimmed(_Line("".join(ch for ch, _ in kept), [p for _, p in kept]))
    if not trimmed.text.strip(_END_MARKS):
        return line
    return _Line(trimmed.text, [p for ch, p in zip(trimmed.text, trimmed.probs, strict=True) if ch != " "])


_END_MARKS = " .,"  # what a reading of a speck beside a number adds at either end


def _ends_trimmed(line: _Line) -> _Line:
    """The line without the points, commas and spaces opening or closing it."""
    text, probs = line.text, line.probs
    if len(probs) != len(text):
        return line
    a, b = 0, len(text)
    while a < b and text[a] in _END_MARKS:
        a += 1
    while b > a and text[b - 1] in _END_MARKS:
        b -= 1
    return line if (a, b) == (0, len(text)) or a == b else _Line(text[a:b], probs[a:b])


def _second_opinion(number: tuple[str | None, float, bool] | None, view: _Number | None,
                    grey: list[_Line], ink: list[_Line], third: _Line,
                    third_mask: np.ndarray, removed: bool = False) -> tuple[str, float] | None:
    """A plain number from a one-line cell whose grey and ink readings did not make it
    confident, now that a third rendering (speckle suppressed) has been read: accepted when
    two of the three readings are the same number with every character's probability at
    least 0.8, the third is not a different confident number, its length fits the glyphs
    (measured on the original ink, or on the cleaned ink when the cleaned reading is one
    of the two), and tesseract did not confidently read something else."""
    if view is None or not grey or not ink:
        return None
    lines = [grey[0], ink[0], third]
    if removed:
        # Ink was taken away in the third rendering: a mark the first two readings show
        # beside the digits (a speck read as "'" or "：") is set aside, with its probability.
        lines[:2] = [_digits_only(line) for line in lines[:2]]
    texts = [_as_number(line.text) for line in lines]
    # Tesseract's reading, with what it made of the speck set aside too (a speck beside a
    # digit reads as a trailing "," or a leading "."), where ink was taken away.
    tess = number[0].replace(" ", "") if number is not None and number[0] is not None else None
    if tess is not None and removed:
        tess = tess.strip(_END_MARKS)
    for i, j in ((0, 1), (0, 2), (1, 2)):
        text = texts[i]
        if text != texts[j] or not _NUMBER_RE.match(text) or _LEADING_ZERO_RE.match(text):
            continue  # (a count printed "01" is a mark read as a digit)
        conf = min(lines[i].conf, lines[j].conf)
        if conf < 80:
            continue
        k = 3 - i - j
        if texts[k] != text and _NUMBER_RE.match(texts[k]) and lines[k].conf >= 80:
            return None  # the other reading is a different confident number
        lo, hi = view.expected()
        fits = lo <= len(text) <= hi
        if not fits and 2 in (i, j):
            runs = _glyph_runs(third_mask)
            top = min(r[1] for r in runs)
            clean = _Number(third_mask, third_mask, runs, max(r[3] for r in runs) - top)
            c_lo, c_hi = clean.expected()
            fits = c_lo <= len(text) <= c_hi
        if not fits:
            continue  # (the speck counted as a glyph: a pair with the cleaned reading may fit)
        if number is not None and number[0] is not None and number[1] >= 80 and tess != text:
            return None
        return text, conf
    # The cleaned reading and tesseract (reading the original glyphs), two independent
    # readers, agree with confidence, on what one of the first two readings shows once its
    # marks that are no digits (the speck, read as "'" or "：") are set aside.
    text = texts[2]
    if not (_NUMBER_RE.match(text) and not _LEADING_ZERO_RE.match(text) and third.conf >= 80 and number is not None
            and number[1] >= 80 and tess == text):
        return None
    if any(t != text and _NUMBER_RE.match(t) and line.conf >= 80 for t, line in zip(texts[:2], lines[:2], strict=True)):
        return None
    if not any("".join(ch for ch in t if ch in _DIGITS) == text for t in texts[:2]):
        return None
    runs = _glyph_runs(third_mask)
    top = min(r[1] for r in runs)
    c_lo, c_hi = _Number(third_mask, third_mask, runs, max(r[3] for r in runs) - top).expected()
    if not c_lo <= len(text) <= c_hi:
        return None
    return text, min(third.conf, number[1])


def _cleaned_readers_agree(number: tuple[str | None, float, bool] | None, grey: list[_Line], ink: list[_Line],
                           third: _Line, cleaned: tuple[str | None, float, bool] | None,
                           clean: _Clean) -> tuple[str, float] | None:
    """A plain number from the speckle-suppressed rendering of a one-line cell, when the
    first readings are spoilt by a speck (read as "Q", "o", "。" or a quote beside the digit):
    accepted when ink was taken away only from beside the glyphs (`_Clean.apart`: a filled
    counter or a decimal point is inside them), the recogniser's reading of the cleaned
    rendering and tesseract's (whole line and glyph by glyph agreeing, so confident) are the
    same number, its length fits the cleaned glyphs, it has no leading zero, and no other
    reading (grey, ink, or tesseract on the original, the speck's marks set aside) is a
    different confident number."""
    if not (clean.removed and clean.apart) or not grey or not ink or cleaned is None or cleaned[0] is None:
        return None
    text = _as_number(third.text)
    if not _NUMBER_RE.match(text) or _LEADING_ZERO_RE.match(text) or third.conf < 80:
        return None
    if cleaned[1] < 80 or cleaned[0].replace(" ", "") != text:
        return None
    lo, hi = clean.number.expected()
    if not lo <= len(text) <= hi:
        return None
    for line in (_digits_only(grey[0]), _digits_only(ink[0])):
        other = _as_number(line.text)
        if other != text and _NUMBER_RE.match(other) and line.conf >= 80:
            return None
    if number is not None and number[0] is not None and number[1] >= 80 \
            and number[0].replace(" ", "").strip(_END_MARKS) != text:
        return None
    return text, min(third.conf, cleaned[1])


# ── A decimal point confirmed (issue 22) ────────────────────────────────────
#
# A decimal point is the smallest glyph of a table: a soft or 1-bit scan shrinks it below the
# speck size, blur glues it to a digit, and the despeckler may take it for a speck; every
# reader then reads the digits alone, and the glyph count (counted without it) agrees:
# 5949.088667 万元 came out 5949088667 with every check passed. So a number's point (or its
# absence) must be confirmed by what can see it independently of the readers:
#   * the image: a dot on the baseline between two digits, found on the grey crop whatever
#     the despeckler kept (`_baseline_dots`), must be where the reading puts its point;
#   * the readings: a reading of the same digits with the point elsewhere, or with one where
#     the accepted reading has none (or the other way round), is a disagreement;
#   * the digits' spacing: digits are set on equal advances, so a step between two digits'
#     centres much longer than the others holds a point, glued to a digit or not;
#   * the column: under a header naming a sum of money (万元, 元, 金额), or next to a cell of
#     the column that prints decimals, every glyph run must be exactly one character, the
#     number of characters that of the reading (a point glued to a digit widens its run; a
#     1-bit scan parts a "0" into two strokes read "11").
# A number that fails is not taken (confidence below 80: the normaliser makes it null) and
# the document's warnings say why.

_POINT_READ_RE = re.compile(r"\d[.,·]\d")
_MONEY_RE = re.compile(r"万元|元|金额")
_DOT_MIN, _DOT_MAX_H = 0.07, 0.34  # a point's side, as a share of the digits' height
_DOT_LOW = 0.7  # and its bottom lies in the lowest 30% of the line
_POINT_DOUBT = 60.0  # the confidence a number whose point is not confirmed is left with


def _baseline_dots(cell: _Cell) -> list[tuple[float, list[tuple[int, int, int, int]]]]:
    """Dots on the baseline between two digits of a one-line cell, found on its grey image
    whether or not the despeckler kept them as ink: (x centre, the cell's tall glyph runs)."""
    if cell.image is None or cell.mask is None or len(cell.bands) != 1 or len(cell.glyphs) < 2:
        return []
    grey = cell.image[_PAD:cell.image.shape[0] - _PAD, _PAD:cell.image.shape[1] - _PAD]
    if grey.shape[:2] != cell.mask.shape[:2]:
        return []
    top = min(r[1] for r in cell.glyphs)
    h = max(max(r[3] for r in cell.glyphs) - top, 1)
    tall = [r for r in cell.glyphs if r[3] - r[1] >= 0.5 * h]
    if len(tall) < 2:
        return []
    _level, dark = cv2.threshold(grey, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    n, _lab, st, _ = cv2.connectedComponentsWithStats(dark, connectivity=8)
    out = []
    for j in range(1, n):
        x, y, w, hh, area = (int(v) for v in st[j])
        side = max(w, hh)
        if not _DOT_MIN * h <= side <= _DOT_MAX_H * h or min(w, hh) < 0.5 * side or area < 0.4 * w * hh:
            continue
        if y + hh - top < _DOT_LOW * h or y - top < 0.4 * h:
            continue  # no point: above the baseline
        cx = x + w / 2
        if any(r[0] < cx < r[2] for r in tall):
            continue  # over or under a digit, or part of it
        if any(r[2] <= cx for r in tall) and any(r[0] >= cx for r in tall):
            out.append((cx, tall))
    return out


def _digits_of(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def _point_at(text: str) -> int | None:
    """How many digits the reading puts before its decimal point (None without one)."""
    m = re.search(r"[.,·]", text)
    return len(_digits_of(text[: m.start()])) if m and _POINT_READ_RE.search(text) else None


_GAP_ADVANCE = 1.25  # digits are set on equal advances: a step this much longer holds a point


def _spacing_gap(view: _Number) -> int | None:
    """How many digits stand before a wider step between two digits' centres (a point set
    there, even one glued to a digit or lost by the despeckler), or None when the digits
    are evenly set (or the glyphs are not one digit each, or too few to tell)."""
    h = max(view.height, 1)
    tall = [r for r in view.runs if r[3] - r[1] >= 0.5 * h]
    if len(tall) < 3 or any(view.chars(r) != (1, 1) for r in tall):
        return None
    centres = [(r[0] + r[2]) / 2 for r in tall]
    steps = [b - a for a, b in zip(centres, centres[1:], strict=False)]
    step = sorted(steps)[(len(steps) - 1) // 2]
    wide = [i for i, d in enumerate(steps) if d >= _GAP_ADVANCE * step]
    return wide[0] + 1 if len(wide) == 1 else None


def _point_doubt(text: str, cell: _Cell, view: _Number | None, readings: list[str]) -> str | None:
    """Why the point of an accepted number is not confirmed, or None when it is."""
    if view is None or not _NUMBER_RE.match(text) or "," in text:
        return None
    at = _point_at(text)
    digits = _digits_of(text)
    if at is None and _LEADING_ZERO_RE.match(text):
        return "a leading zero: the point after it lost"
    for other in readings:
        o = _as_number(other)
        if len(digits) >= 2 and _digits_of(o) == digits and _point_at(o) != at:
            return f"another reading puts the decimal point elsewhere ({o!r})"
    gap = _spacing_gap(view)
    if gap is not None and at != gap:
        return (f"its digits are set apart after the {gap}th as by a decimal point, "
                + ("not in the reading" if at is None else "not where the reading puts it"))
    dots = _baseline_dots(cell)
    if not dots:
        return None
    if at is None:
        return "a decimal point on the image is not in the reading"
    for cx, tall in dots:
        left = [view.chars(r) for r in tall if r[2] <= cx]
        if sum(a for a, _ in left) <= at <= sum(b for _, b in left):
            return None
    return "the decimal point on the image is not where the reading puts it"


def _without_unit(cell: _Cell, text: str, view: _Number | None) -> tuple[str, _Number | None]:
    """A reading and its view, the unit it ends with (元, 万元, 件 …) left out of both."""
    unit = _UNIT_RE.search(text)
    if not unit or not _NUMBER_RE.match(text[: unit.start()]):
        return text, view
    return text[: unit.start()], _number_view(cell, drop_runs=len(unit.group(1)))


def _money_doubt(text: str, view: _Number | None) -> str | None:
    """In a column of sums of money or decimals: why the glyphs do not confirm the number's
    length exactly (a point or digit lost in a run of touching glyphs), or None."""
    if view is None or not _NUMBER_RE.match(text):
        return None
    lo, hi = view.expected()
    h = max(view.height, 1)
    for a, b in zip(view.runs, view.runs[1:], strict=False):
        if min(a[3] - a[1], b[3] - b[1]) >= _KEPT_TALL * h \
                and max(a[2] - a[0], b[2] - b[0]) < _DIGIT_MIN_W * h and b[2] - a[0] <= _DIGIT_MAX_W * h:
            # Two thin strokes as close as one digit's width: one glyph broken in two (a 1-bit
            # scan parts a "0" into its arcs, read "11"), or two digits.
            lo -= 1
    if lo == hi == len(text):
        return None
    return (f"in a column of sums of money or decimals its glyphs allow {lo}-{hi} characters, "
            f"not exactly the {len(text)} read")


def _confirm_points(cells: list[_Cell], views: list[_Number | None],
                    numbers: list[tuple[str | None, float, bool] | None],
                    grey: list[list[_Line]], ink: list[list[_Line]],
                    groups: list[list[_Piece]], tables: list[RawTable]) -> list[str]:
    """Leave below 80 every accepted number whose decimal point (or its absence) and length
    are not confirmed (`_point_doubt`, `_money_doubt`), in the cells and their tables;
    the warnings say which and why."""
    index = {id(cell): i for i, cell in enumerate(cells)}
    doubts: dict[int, str] = {}
    for i, cell in enumerate(cells):
        if cell.conf is None or cell.conf < 80 or views[i] is None:
            continue
        reads = [line.text for line in grey[i][:1] + ink[i][:1]]
        if numbers[i] is not None and numbers[i][0] is not None:  # type: ignore[index]
            reads.append(numbers[i][0].replace(" ", ""))  # type: ignore[index,union-attr]
        text, view = _without_unit(cell, _as_number(cell.text), views[i])
        reason = _point_doubt(text, cell, view, reads)
        if reason:
            doubts[id(cell)] = reason
    out = []
    for group, table in zip(groups, tables, strict=True):
        flat = [cell for piece in group for cell in piece.cells]
        n_cols = max((len(row) for row in table.rows), default=0)
        for c in range(n_cols):
            col = [(r, table.rows[r][c]) for r in range(len(table.rows))]
            decimal = [bool(re.search(r"\d\.\d", t)) and table.confidence.get((r, c), 0) >= 80 for r, t in col]
            for r, text in col:
                cell = flat[table.origin[(r, c)]] if (r, c) in table.origin else None
                if cell is None or id(cell) in doubts or id(cell) not in index or (cell.conf or 0) < 80:
                    continue
                money = any(_MONEY_RE.search(t) for rr, t in col if rr < r)
                beside = any(decimal[rr] and col[rr][1] != text for rr in (r - 1, r + 1) if 0 <= rr < len(col))
                if beside or money:
                    reason = _money_doubt(*_without_unit(cell, _as_number(text), views[index[id(cell)]]))
                    if reason:
                        doubts[id(cell)] = reason
        for (r, c), cid in sorted(table.origin.items()):
            cell = flat[cid]
            if id(cell) in doubts and table.confidence.get((r, c), 0) >= 80:
                table.confidence[(r, c)] = min(table.confidence[(r, c)], _POINT_DOUBT)
                out.append(f"table {table.index} row {r} column {c}: read {cell.text!r}, not taken: "
                           f"{doubts[id(cell)]}")
    for cell in cells:
        if id(cell) in doubts and cell.conf is not None:
            cell.conf = min(cell.conf, _POINT_DOUBT)
    return out


def _is_dash(cell: _Cell) -> bool:
    """A cell whose only ink is one or two flat strokes: "-", "—", "——" (blank marks)."""
    if len(cell.lines) != 1 or len(cell.glyphs) not in (1, 2):
        return False
    return all((x1 - x0) >= 1.6 * (y1 - y0) and (y1 - y0) <= _px(0.045)
               for x0, y0, x1, y1 in cell.glyphs)


# The template's printed labels (pipelines/tables/templates.py). chi_sim misreads a character or
# two in small table print (信→何, 禁→茜, 未→林), and one wrong character is enough to lose a
# row: a label read within a small edit distance of exactly one of these is taken to be it.
_LEXICON = PRINTED_LABELS
_SNAP_MAX = 0.4  # edits per character (one at least, from three characters on)


_SPECKS_IN_LABEL_RE = re.compile(r"(?<=[\u3400-\u9fff])[A-Za-z.:;,`!|·_~-]{1,2}(?=[\u3400-\u9fff])")


def _snap_key(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    text = re.sub(r"[\s\"'“”‘’「」]", "", text)
    # Specks between two Chinese characters read as marks or letters ("法.律服务", "结果纠i正").
    text = _SPECKS_IN_LABEL_RE.sub("", text)
    return re.sub(r"(?<=\d)[、,，.]", ".", text)


@functools.lru_cache(maxsize=2)
def _lexicon_keys(numbered: bool = True) -> list[tuple[str, str]]:
    """The labels' snap keys and texts; without their numbering unless `numbered`."""
    if numbered:
        return [(_snap_key(x), x) for x in _LEXICON]
    plain = {strip_numbering(x.strip()) for x in _LEXICON}
    return [(_snap_key(x), x) for x in sorted(plain)]


def _distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance, or limit + 1 once it is certainly larger than limit."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, start=1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb))
        if min(cur) > limit:
            return limit + 1
        prev = cur
    return prev[-1]


def _snap_voted(texts: list[str]) -> str:
    """The lexicon label that the readings of one label (the same line, rendered several
    ways) snap to, when those that snap agree; else the first reading unsnapped. One
    rendering alone is often a character or two off; readings that snap to two different
    labels are not trusted with either (a header snapped to the wrong label would put
    every number of its column in the wrong place)."""
    snapped = {_snap(t) for t in texts if t}
    labels = {x for x in snapped if x in _LEXICON_SET}
    if len(labels) == 1:
        return labels.pop()
    return _snap(texts[0]) if texts and len(labels) == 0 else texts[0] if texts else ""


def _snap(text: str) -> str:
    key = _snap_key(text)
    if not key:
        return text
    scored = []
    # A read without numbering snaps to a label without it: the rest of a label parted by
    # a page break must not come back as a whole numbered one.
    for lex_key, label in _lexicon_keys(strip_numbering(key) != key):
        longest = max(len(key), len(lex_key))
        limit = max(int(_SNAP_MAX * longest), 1 if longest >= 3 else 0)
        d = _distance(key, lex_key, limit)
        if d <= limit:
            scored.append((d, label))
    scored.sort()
    if not scored:
        return text
    if len(scored) > 1 and scored[1][0] == scored[0][0]:
        return text  # two labels as close: keep what was read
    return scored[0][1]


_LEXICON_SET = frozenset(_LEXICON)


# ── Tables across pages ─────────────────────────────────────────────────────


def _first_row_text(piece: _Piece) -> str:
    tol = _px(0.04)
    return "".join(c.text for c in sorted(piece.cells, key=lambda c: c.x0) if c.y0 - piece.y0 <= tol * 2)


_HEADING_RE = re.compile(r"\s*[一二三四五六七八九十]{1,2}\s*[、.．]\s*\S{4}")  # 四、政府信息公开…
_SAME_PAGE_GAP = _px(0.6)  # a table goes on below a blank gap no taller than this


def _continues(prev: _Piece, nxt: _Piece, prev_last: bool, nxt_first: bool, page: _Page,
               prev_page: _Page | None = None) -> bool:
    """Whether `nxt` goes on with `prev`'s table: it has the same horizontal extent, no
    header row of its own, and nothing but blank paper separates them: either a page
    break (only the table opens the next page and closes the one before: a heading between
    them starts a new section), or, on the same page, a narrow blank gap (a table drawn in
    two blocks)."""
    tol = _px(8 / 72)
    if abs(prev.x0 - nxt.x0) > tol or abs(prev.x1 - nxt.x1) > tol:
        return False
    if not _columns_agree(prev, nxt):
        return False  # a table of its own (an editor split the table, each with its widths)
    if nxt.page_no == prev.page_no + 1 and prev_last and nxt_first:
        if prev.cut_bottom and nxt.cut_top:
            return True  # one row, parted by the page break
        between = [(page, -1, nxt.y0)]
        # Below the table, a row cut by the page's foot shows its text unruled: only a
        # section's heading there ends the table.
        foot = [] if prev_page is None else [text for top, text in prev_page.lines if top > prev.y1]
        if any(_HEADING_RE.match(text) for text in foot):
            return False
    elif nxt.page_no == prev.page_no and 0 <= nxt.y0 - prev.y1 <= _SAME_PAGE_GAP:
        between = [(page, prev.y1, nxt.y0)]
    else:
        return False
    for where, after, before in between:
        for top, text in where.lines:
            if after < top < before and len(_CJK_RE.findall(text)) >= 4 and "页" not in text:
                return False
    return not _SECTION_START_RE.search(_first_row_text(nxt))


_COLUMN_TOL = 4 / 72  # inches a column's rule may stand off between two parts of a table


def _columns_agree(prev: _Piece, nxt: _Piece) -> bool:
    """Whether two parts of a table have the same columns (in shares of each part's width:
    two pages are never scanned at one size): every column rule of the part before's last
    row stands where one of the next part's stands, or every rule of the next part's first
    row where one of the part before's. A part that goes on may split a cell spanning
    columns before it (a group of rows opening overleaf), or span columns it split; a
    table of its own (an editor split the table, each part with its own widths) does both."""
    if not (prev.cells and nxt.cells):
        return True

    def share(x: float, piece: _Piece) -> float:
        return (x - piece.x0) / max(piece.x1 - piece.x0, 1)

    def rules(piece: _Piece, cells: list[_Cell]) -> list[float]:
        return [share(x, piece) for c in cells for x in (c.x0, c.x1)]

    def within(xs: list[float], ys: list[float]) -> bool:
        return all(min(abs(x - y) for y in ys) <= tol for x in xs)

    tol = _px(_COLUMN_TOL) / max(prev.x1 - prev.x0, 1)
    bottom = max(c.y1 for c in prev.cells)
    last = [c for c in prev.cells if bottom - c.y1 <= _px(0.03)]
    top = min(c.y0 for c in nxt.cells)
    first = [c for c in nxt.cells if c.y0 - top <= _px(0.03)]
    return within(rules(prev, last), rules(nxt, nxt.cells)) or within(rules(nxt, first), rules(prev, prev.cells))


def _axis(values: list[float], tol: float) -> list[float]:
    groups: list[list[float]] = []
    for v in sorted(values):
        if groups and v - groups[-1][-1] <= tol:
            groups[-1].append(v)
        else:
            groups.append([v])
    return [sum(g) / len(g) for g in groups]


def _grid(pieces: list[_Piece], index: int, grid_cells: GridCells | None = None) -> RawTable:
    """One grid from a table's pieces: the next page's part is laid right under the
    previous one (its top rule on the previous bottom rule; its first row over the previous
    last one when the page break parted that row) and scaled to the first part's width,
    since a scanner never puts two pages at exactly the same place. Its cells are
    counted against the grid_cells budget (`grid_cells`: the document's count) before any is
    allocated."""
    ref = pieces[0]
    pad = 3  # from a cell's interior to the middle of its rules
    entries = []
    y_offset = 0.0
    halves: set[int] = set()  # entries of a row the page break parted, second half
    for k, piece in enumerate(pieces):
        top = min(c.y0 for c in piece.cells)
        first = {id(c) for c in piece.cells if c.y0 - top <= _px(0.03)}
        parted = k > 0 and (pieces[k - 1].cut_bottom and piece.cut_top or _goes_on(pieces[k - 1], piece, first))
        last_top = 0.0
        if k:
            prev = pieces[k - 1]
            above = max(c.y1 for c in prev.cells) + pad
            if parted:
                # The row goes on: its second half is laid over its first.
                last_top = max(c.y0 for c in prev.cells if above - pad - c.y1 <= _px(0.03)) - pad + y_offset
                y_offset += above - (min(c.y1 for c in piece.cells if id(c) in first) + pad)
            else:
                y_offset += above - (top - pad)
        sx = (ref.x1 - ref.x0) / max(piece.x1 - piece.x0, 1)
        for cell in piece.cells:
            x0 = ref.x0 + (cell.x0 - pad - piece.x0) * sx
            x1 = ref.x0 + (cell.x1 + pad - piece.x0) * sx
            y0 = cell.y0 - pad + y_offset
            if parted and id(cell) in first:
                halves.add(len(entries))
                y0 = last_top
            entries.append((piece, cell, x0, x1, y0, cell.y1 + pad + y_offset))
    tol = _px(3 / 72)
    xs = _axis([e[2] for e in entries] + [e[3] for e in entries], tol)
    ys = _axis([e[4] for e in entries] + [e[5] for e in entries], tol)
    n_rows, n_cols = max(len(ys) - 1, 0), max(len(xs) - 1, 0)
    size = n_rows * n_cols
    grid_cells = GridCells() if grid_cells is None else grid_cells
    grid_cells.settle(grid_cells.used, size)
    rows = [[""] * n_cols for _ in range(n_rows)]
    table = RawTable(index=index, rows=rows, page=ref.page_no)
    written = 0
    for cid, (piece, cell, x0, x1, top, bottom) in enumerate(entries):
        c0, c1 = nearest(xs, x0), nearest(xs, x1)
        r0, r1 = nearest(ys, top), nearest(ys, bottom)
        r_end, c_end = min(max(r1, r0 + 1), n_rows), min(max(c1, c0 + 1), n_cols)
        span = max(r_end - r0, 0) * max(c_end - c0, 0)
        written += span
        if written > size:  # overlapping cells write some positions twice: count writes
            grid_cells.take(min(span, written - size))
        bbox = (piece.page_no, *(round(v / piece.scale, 1) for v in (cell.x0 - pad, cell.y0 - pad,
                                                                      cell.x1 + pad, cell.y1 + pad)))
        conf = round(cell.conf, 1) if cell.conf is not None else None
        for r in range(r0, r_end):
            for c in range(c0, c_end):
                if cid in halves and (r, c) in table.origin:
                    text, conf_rc = _join_halves(rows[r][c], table.confidence.get((r, c)), cell.text, conf)
                    before = entries[table.origin[(r, c)]][1]
                    if before.readings and cell.readings:
                        # A label's first half may snap to the whole label on its own
                        # ("社会公益" to "社会公益组织"): the halves join as read, then snap.
                        text = _snap_voted(_joined_readings(before, cell))
                    rows[r][c] = text
                    if conf_rc is not None:
                        table.confidence[(r, c)] = conf_rc
                    continue
                rows[r][c] = cell.text
                table.bboxes[(r, c)] = bbox
                table.origin[(r, c)] = cid
                if conf is not None:
                    table.confidence[(r, c)] = conf
    return table


def _goes_on(prev: _Piece, nxt: _Piece, first: set[int]) -> bool:
    """Whether the first row of the next page's part is the rest of the row that closes
    the part before, ruled on both pages (as office suites print a row they part): text and
    no digit, none of it opening with numbering (a new row's label does), under a row that
    holds numbers."""
    if nxt.page_no != prev.page_no + 1:
        return False
    texts = [c.text for c in nxt.cells if id(c) in first and c.text.strip()]
    if not texts or any(ch.isdigit() for t in texts for ch in t) \
            or any(strip_numbering(label_key(t)) != label_key(t) for t in texts):
        return False
    bottom = max(c.y1 for c in prev.cells)
    last = [c for c in prev.cells if bottom - c.y1 <= _px(0.03)]
    if any(_NUMBER_RE.match(_as_number(c.text)) for c in last):
        return True
    # Under a header row: the rest of its labels, each making a label of the template
    # with the text above it ("社会公益" over "组织"), where it alone is none.
    rest = [c for c in nxt.cells if id(c) in first and c.text.strip()]
    return all(_completes([a for a in last if min(a.x1, c.x1) - max(a.x0, c.x0) > 0], c) for c in rest)


def _completes(above: list[_Cell], below: _Cell) -> bool:
    """Whether a cell's text is the rest of the label in the one cell above it: joined,
    they read nearer to a label of the template than the text above alone."""
    if len(above) != 1 or not above[0].text.strip():
        return False
    tops = above[0].readings or [above[0].text]
    if _snap_voted(below.readings or [below.text]) in _LEXICON_SET:
        return False
    joins = _joined_readings(above[0], below)
    label = _snap_voted(joins)
    if label not in _LEXICON_SET:
        return False
    return min(_distance(_snap_key(j), _snap_key(label), 99) for j in joins) \
        < min(_distance(_snap_key(t), _snap_key(label), 99) for t in tops)


def _joined_readings(first: _Cell, second: _Cell) -> list[str]:
    """The readings of a label parted in two cells, joined reading by reading, unsnapped."""
    tops, bottoms = first.readings or [first.text], second.readings or [second.text]
    return [_join_halves(a, None, b, None)[0] for a, b in zip(tops, bottoms, strict=False)]


def _join_halves(first: str, first_conf: float | None, second: str, second_conf: float | None
                 ) -> tuple[str, float | None]:
    """The text and confidence of a cell whose row the page break parted. A printer breaks
    a row between its text lines, so a label goes on overleaf; a number is on one side
    only. Digits on both sides are not one number: its confidence is nil."""
    if not second.strip():
        return first, first_conf
    if not first.strip():
        return second, second_conf
    if any(ch.isdigit() for ch in first) and any(ch.isdigit() for ch in second) \
            and not (_CJK_RE.search(first) or _CJK_RE.search(second)):
        return first + second, 0.0
    confs = [c for c in (first_conf, second_conf) if c is not None]
    if _CJK_RE.search(first) and _CJK_RE.search(second):
        # (a speck at the cut reads as a point; a label's line never opens with one)
        first, second = first.rstrip(_JOIN_SPECKS), second.lstrip(_JOIN_SPECKS)
    return first + second, min(confs) if confs else None


_JOIN_SPECKS = ".,·'\"`"


def _table_lines(table: RawTable) -> list[str]:
    out = []
    for r, row in enumerate(table.rows):
        seen: dict[int, str] = {}
        for c, text in enumerate(row):
            if text:
                seen.setdefault(table.origin.get((r, c), -1 - c), text)
        if seen:
            out.append(" ".join(seen.values()))
    return out


def _read_numbers(views: list[_Number | None], digits_lang: str,
                  extra_jobs: list[tuple[list[np.ndarray | bytes], str, int, str | None]] | None = None
                  ) -> tuple[list[tuple[str | None, float, bool] | None], list[list[_Read]]]:
    """Read every view as a number (whole line at several scales, and glyph by glyph);
    other OCR jobs ride along in the same parallel run."""
    idx = [i for i, v in enumerate(views) if v is not None]
    scaled = [[views[i].line_images()[k] for i in idx] for k in range(len(_DIGIT_SCALES))]  # type: ignore[union-attr]
    keys: list[tuple[int, int, int]] = []
    glyph_images: list[np.ndarray] = []
    for i in idx:
        view = views[i]
        assert view is not None
        for run, slices in view.pieces().items():
            for j, (x0, x1) in enumerate(slices):
                keys.append((i, run, j))
                glyph_images.append(view.glyph_image(x0, x1))
    strict = [i for i in idx if views[i].strict]  # type: ignore[union-attr]
    results = _run_jobs([
        *((imgs, digits_lang, 7, _DIGITS) for imgs in scaled),
        (glyph_images, digits_lang, 10, _DIGITS),
        ([views[i].image for i in strict], "chi_sim", 7, _DIGITS),  # type: ignore[union-attr]
        *(extra_jobs or []),
    ])
    third = dict(zip(strict, results[len(_DIGIT_SCALES) + 1], strict=True))
    n = len(_DIGIT_SCALES)
    line_reads = {i: [results[k][j] for k in range(n)] for j, i in enumerate(idx)}
    glyph_reads: dict[int, dict[tuple[int, int], _Read]] = {i: {} for i in idx}
    for (i, run, j), read in zip(keys, results[n], strict=True):
        glyph_reads[i][(run, j)] = read
    # The single-character mode now and then returns nothing for a plain "8" or "9"; the
    # raw-line mode reads those.
    empty = [k for k, read in enumerate(results[n]) if not read.words]
    if empty:
        retry = _run_jobs([([glyph_images[k] for k in empty], digits_lang, 13, _DIGITS)])[0]
        for k, read in zip(empty, retry, strict=True):
            i, run, j = keys[k]
            glyph_reads[i][(run, j)] = read
    out: list[tuple[str | None, float, bool] | None] = [None] * len(views)
    for i in idx:
        out[i] = _read_number(views[i], line_reads[i], glyph_reads[i], third.get(i))  # type: ignore[arg-type]
    return out, results[n + 2:]


# ── Entry point ─────────────────────────────────────────────────────────────


@dataclass
class _Plan:
    """How one page is rendered: its resolution, and its scan's (None when unknown)."""

    dpi: int
    scan_dpi: float | None = None


def _render_dpi(page_no: int, width_pt: float, height_pt: float) -> int:
    """The resolution to render a page at: DPI, or for a page too large for the ocr_pixels
    budget the highest that fits, down to MIN_DPI; below that, TooLarge (measured from the
    page's size before anything is drawn)."""
    def pixels(dpi: float) -> int:
        return math.ceil(width_pt * dpi / 72) * math.ceil(height_pt * dpi / 72)

    limit = budgets.OCR_PIXELS.limit
    if pixels(DPI) <= limit:
        return DPI
    dpi = math.floor(DPI * math.sqrt(limit / pixels(DPI)))
    while dpi >= MIN_DPI and pixels(dpi) > limit:  # rounding up may add a row or a column
        dpi -= 1
    if dpi < MIN_DPI:
        raise budgets.TooLarge(budgets.OCR_PIXELS, pixels(MIN_DPI),
                               f"page {page_no} is {width_pt:,.0f} × {height_pt:,.0f} pt, "
                               f"at the least resolution its print could be read at ({MIN_DPI} dpi)")
    return dpi


def _image_size(size: object) -> tuple[int, int]:
    """An image's declared (width, height); (0, 0) when unreadable, as pdfium cannot draw it."""
    try:
        w, h = (int(resolve1(v)) for v in size or (0, 0))  # type: ignore[union-attr]
    except Exception:  # noqa: BLE001 - a broken reference or a value that is no number
        return 0, 0
    return max(w, 0), max(h, 0)


def _largest_image(pdf: pdfplumber.PDF) -> int:
    """Pixels of the document's largest image object, wherever it is drawn from: a soft
    mask, an annotation or a pattern is decoded to render a page too, and none of them is
    among a page's images."""
    largest = 0
    for xref in pdf.doc.xrefs:
        for objid in xref.get_objids():
            try:
                obj = pdf.doc.getobj(objid)
            except Exception:  # noqa: BLE001 - pdfium meets a broken object on its own
                continue
            if isinstance(obj, PDFStream) and obj.get("Subtype") is _IMAGE:
                w, h = _image_size((obj.get_any(("W", "Width")), obj.get_any(("H", "Height"))))
                largest = max(largest, w * h)
    return largest


_IMAGE = LIT("Image")


def _plan(data: bytes) -> tuple[list[_Plan], list[str]]:
    """Each page to OCR, planned before any is rendered: the first OCR_PAGES pages; each
    page's images within the ocr_image_pixels budget (rendering decodes them whole, however
    small the page); its resolution (`_render_dpi`); its scan's own resolution, from its
    largest image (scan pixels per rendered pixel decide how strictly digits are read)."""
    warnings = []
    plans: list[_Plan] = []
    scan_dpi: dict[int, float] = {}
    with open_pages(data, budgets.OCR_PAGES.limit) as (pdf, pages, _more):
        budgets.check(budgets.OCR_IMAGE_PIXELS, _largest_image(pdf), "one image of the PDF")
        for page_no, page in enumerate(pages, start=1):
            decoded = 0
            for im in page.images:
                w, h = _image_size(im.get("srcsize"))
                decoded += w * h
                width_pt = float(im["x1"]) - float(im["x0"])
                if width_pt > 0.25 * float(page.width) and w:
                    scan_dpi[page_no] = max(scan_dpi.get(page_no, 0.0), w / (width_pt / 72.0))
            budgets.check(budgets.OCR_IMAGE_PIXELS, decoded, f"page {page_no}'s images")
    doc = pdfium.PdfDocument(data)
    try:
        # Past the budget the first pages are read, with a warning, rather than none: a
        # report's tables come in its first pages (see PDF_PAGES).
        if len(doc) > budgets.OCR_PAGES.limit:
            warnings.append(pages_warning(budgets.OCR_PAGES, "read by OCR"))
        for i in range(min(len(doc), budgets.OCR_PAGES.limit)):
            page = doc[i]
            width_pt, height_pt = page.get_size()  # the box pdfium renders, turned as shown
            page.close()
            dpi = _render_dpi(i + 1, width_pt, height_pt)
            if dpi != DPI:
                warnings.append(f"page {i + 1} ({width_pt:,.0f} × {height_pt:,.0f} pt) read at {dpi:g} dpi "
                                f"to fit the {budgets.OCR_PIXELS.name} budget")
            plans.append(_Plan(dpi, scan_dpi.get(i + 1)))
    finally:
        doc.close()
    return plans, warnings


def _pages(data: bytes, plans: list[_Plan]) -> list[_Page]:
    """Render each planned page (pdfium is not thread-safe: one page at a time) and lay it
    out in the pool meanwhile, with only a few rendered pages waiting at any time."""
    pdf = pdfium.PdfDocument(data)
    futures = []
    try:
        with ThreadPoolExecutor(max_workers=_workers()) as pool:
            for i, plan in enumerate(plans):
                while sum(not f.done() for f in futures) >= 2 * _workers():
                    next(f for f in futures if not f.done()).result()
                page = pdf[i]
                scale = plan.dpi / 72
                gray = np.array(page.render(scale=scale, grayscale=True).to_numpy(), dtype=np.uint8)
                page.close()
                futures.append(pool.submit(_layout, i + 1, gray, scale))
            return [f.result() for f in futures]
    finally:
        pdf.close()


def read_scanned_pdf(data: bytes) -> Document:
    """OCR an image-only PDF into a Document (format "scan") with per-cell confidences."""
    plans, warnings = _plan(data)  # budgets first: refusing a page needs no OCR installed
    _require_ocr()
    digits_lang = "eng" if "eng" in _languages() else "chi_sim"
    pages = _pages(data, plans)
    for page, plan in zip(pages, plans, strict=True):
        # Scan pixels per rendered pixel; without the scan's own resolution it counts as sharp.
        native = min(plan.scan_dpi / plan.dpi, 1.0) if plan.scan_dpi else 1.0
        for piece in page.pieces:
            for cell in piece.cells:
                cell.native = native
    cells = [c for p in pages for piece in p.pieces for c in piece.cells if c.image is not None]
    page_images = [page.text_image for page in pages]
    views = [_number_view(c) for c in cells]
    rec_grey: list[np.ndarray] = []
    rec_ink: list[np.ndarray] = []
    owners: list[int] = []
    for i, cell in enumerate(cells):
        grey, ink = _rec_views(cell)
        rec_grey += grey
        rec_ink += ink
        owners += [i] * len(grey)
    with ThreadPoolExecutor(max_workers=1) as pool:
        # The recogniser (onnxruntime, its own threads) runs while tesseract reads.
        recognized = pool.submit(_recognize, rec_grey + rec_ink)
        numbers, (page_reads,) = _read_numbers(views, digits_lang, extra_jobs=[(page_images, "chi_sim", 3, None)])
        lines = recognized.result()
    grey_lines: list[list[_Line]] = [[] for _ in cells]
    ink_lines: list[list[_Line]] = [[] for _ in cells]
    for owner, g, k in zip(owners, lines[: len(rec_grey)], lines[len(rec_grey):], strict=True):
        grey_lines[owner].append(g)
        ink_lines[owner].append(k)
    for cell, number, view, grey, ink in zip(cells, numbers, views, grey_lines, ink_lines, strict=True):
        cell.text, cell.conf, _has_unit = _decide(cell, number, view, grey, ink)
    # A number the two renderings did not make confident gets a third reading, speckle
    # suppressed; two readings of three that agree (with the same checks) make it.
    retry = []
    for i, cell in enumerate(cells):
        if views[i] is not None and grey_lines[i] and ink_lines[i] \
                and (cell.conf is None or cell.conf < 80 or not _NUMBER_RE.match(_as_number(cell.text))) \
                and not (_CJK_RE.search(grey_lines[i][0].text) and _CJK_RE.search(ink_lines[i][0].text)):
            # (a label reads as Chinese on both renderings; a speck beside a digit may read
            # as a stray "一" on one of them)
            clean = _clean_view(cell, strict=views[i].strict)  # type: ignore[union-attr]
            if clean is not None:
                retry.append((i, clean))
    if retry:
        # Where that fails and ink was taken away from beside the glyphs, tesseract reads
        # the cleaned rendering too: the two readers agreeing on it make the number.
        doubt = []
        for (i, clean), third in zip(retry, _recognize([c.image for _i, c in retry]), strict=True):
            opinion = _second_opinion(numbers[i], views[i], grey_lines[i], ink_lines[i], third, clean.mask,
                                      clean.removed)
            if opinion is not None:
                cells[i].text, cells[i].conf = opinion
            elif clean.removed and clean.apart:
                doubt.append((i, clean, third))
        if doubt:
            cleaned, _ = _read_numbers([c.number for _i, c, _t in doubt], digits_lang)
            for (i, clean, third), number in zip(doubt, cleaned, strict=True):
                opinion = _cleaned_readers_agree(numbers[i], grey_lines[i], ink_lines[i], third, number, clean)
                if opinion is not None:
                    cells[i].text, cells[i].conf = opinion
    for cell in (c for p in pages for piece in p.pieces for c in piece.cells if c.image is None):
        cell.conf = 60.0 if cell.ambiguous_blank else 99.0
    for page, read in zip(pages, page_reads, strict=True):
        page.lines = [(min(w.top for w in line), _SPACE_IN_CJK_RE.sub("", _join_words([w.text for w in line])))
                      for line in read.lines()]

    # Stitch tables across pages, then build the grids.
    groups: list[list[_Piece]] = []
    last_on_prev_page = False
    for k, page in enumerate(pages):
        for i, piece in enumerate(page.pieces):
            if groups and _continues(groups[-1][-1], piece, last_on_prev_page, i == 0, page,
                                     pages[k - 1] if k else None):
                groups[-1].append(piece)
            else:
                groups.append([piece])
            last_on_prev_page = i == len(page.pieces) - 1
        if not page.pieces:
            last_on_prev_page = False
    grid_cells = GridCells()  # one count for all the document's tables
    tables = [_grid(group, i, grid_cells) for i, group in enumerate(groups)]
    point_warnings = _confirm_points(cells, views, numbers, grey_lines, ink_lines, groups, tables)

    texts = []
    for page in pages:
        page_tables = [(g[0].y0, t) for g, t in zip(groups, tables, strict=True) if g[0].page_no == page.page_no]
        items = [(top, 0, [text]) for top, text in page.lines if text.strip()]
        items += [(top, 1, _table_lines(t)) for top, t in page_tables]
        lines = [line for _top, _k, chunk in sorted(items, key=lambda x: (x[0], x[1])) for line in chunk]
        texts.append("\n".join(lines))
    doc = Document(format="scan", text="\n".join(texts), tables=tables, warnings=warnings + point_warnings)
    n_low = sum(1 for c in cells if c.conf is not None and c.conf < 80)
    doc.warnings.append(f"scanned PDF read by OCR (RapidOCR cells, tesseract checks and page text): {len(pages)} pages, "
                        f"{len(cells)} inked cells, {n_low} below confidence 80")
    return doc

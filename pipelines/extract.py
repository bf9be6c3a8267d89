"""One document → one extraction result. Pure: no network, no database.

The Scrapy pipeline, `govreports extract` and (later) `govreports rebuild` all call
`extract_document`, so a number in the archive is always what this function read.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from . import budgets, timelimit
from .documents.model import Document, RawTable
from .documents.sniff import sniff_format
from .tables import templates as T
from .tables.checks import Check, run_checks
from .tables.normalize import SECTIONS, Cell, normalize_tables, prose_zero_sections
from .tables.text import clean_cell
from .tables.textgrid import grid_text, text_cells

_CN_DIGITS = str.maketrans("〇零一二三四五六七八九○", "001234567890")
# Between the title's characters: spaces, or a mark a scanner's speck reads as (公\开).
_GAP = r"[\s\\/|'`·.,:;_~-]*"
_INFO_OPEN = _GAP.join("信息公开")
_YEAR_RE = re.compile(r"((?:19|20)\d{2}|[〇零○一二][〇零○一二三四五六七八九]{3})\s*年\s*(?:度)?[^。\n]{0,20}?(?:政府)?"
                      + _INFO_OPEN)
_PUBDATE_RE = re.compile(r"(\d{4})[-/年.](\d{1,2})[-/月.](\d{1,2})")

UNSUPPORTED = {
    "ofd": "OFD documents are not supported",
    "xlsx": "spreadsheets are not report documents",
    "xls": "spreadsheets are not report documents",
    "ole2": "an OLE2 file that is neither a Word nor a WPS document",
    "zip": "zip archive without a supported document",
    "binary": "unrecognised binary file",
    "empty": "empty document",
}


class Unreadable(Exception):
    """A document we keep but cannot read: carries the status and message to record."""

    def __init__(self, status: str, fmt: str, message: str) -> None:
        super().__init__(message)
        self.status, self.format, self.message = status, fmt, message


@dataclass
class Extraction:
    status: str  # ok | needs_review | no_tables | pre2019 | unsupported | error
    format: str
    message: str | None = None
    template: str | None = None
    template_reason: str | None = None
    year: int | None = None
    agency: str | None = None
    title: str | None = None
    published: str | None = None
    text: str = ""
    cells: list[Cell] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    raw_tables: list[RawTable] = field(default_factory=list)
    meta: dict[str, str] = field(default_factory=dict)

    @property
    def n_values(self) -> int:
        return sum(1 for c in self.cells if c.value is not None)

    def values(self) -> dict[str, dict[str, dict[str, int | float | None]]]:
        out: dict[str, dict[str, dict]] = {s: {} for s in SECTIONS}
        for c in self.cells:
            if not c.row.startswith("extra:"):
                rows = out[c.section]
                if (row := rows.get(c.row)) is None:  # not setdefault: a dict made per cell
                    row = rows[c.row] = {}
                row[c.col] = c.value
        return out

    def to_json(self) -> dict:
        """The shape of reference/report-schema.md, plus status, nulls and extra rows."""
        out: dict = {
            "status": self.status,
            "format": self.format,
            "template": self.template,
            "year": self.year,
            "agency": self.agency,
            "title": self.title,
            "published": self.published,
        }
        out.update(self.values())
        extra: dict[str, dict] = {}
        for c in self.cells:
            if c.row.startswith("extra:"):
                extra.setdefault(c.section, {}).setdefault(c.row[6:], {})[c.col] = c.value
        out["extra_rows"] = extra
        out["units"] = {f"{c.section}.{c.row}.{c.col}": c.unit for c in self.cells if c.unit}
        out["nulls"] = [
            {"key": f"{c.section}.{c.row}.{c.col}", "printed": c.printed, "reason": c.reason}
            for c in self.cells if c.value is None
        ]
        out["checks"] = [
            {"rule": k.rule, "column": k.column, "passed": k.passed, "detail": k.detail} for k in self.checks
        ]
        out["warnings"] = self.warnings
        if self.message:
            out["message"] = self.message
        return out


def read_document(data: bytes, content_type: str | None = None, cache_dir: Path | None = None,
                  fmt: str | None = None) -> Document:
    """Bytes → Document, by the format the bytes show (servers and file names lie): `fmt`, if
    the caller has sniffed it already."""
    fmt = fmt or sniff_format(data)
    if fmt == "html":
        from .documents.html import read_html
        return read_html(data, content_type)
    if fmt == "docx":
        from .documents.docx import read_docx
        return read_docx(data)
    if fmt == "pdf":
        from .documents.pdf import read_pdf
        doc = read_pdf(data)
        if not doc.meta.pop("scanned", False):
            return doc
        from .documents.ocr import OcrUnavailable, read_scanned_pdf
        try:
            return read_scanned_pdf(data)
        except OcrUnavailable as exc:
            raise Unreadable("converter_missing", "scan", str(exc)) from exc
    if fmt == "ole2":
        from .documents.convert import ConversionFailed, ConverterMissing, convert_to_docx, ole_kind
        from .documents.docx import read_docx
        kind = ole_kind(data)
        if kind not in ("doc", "wps"):
            raise Unreadable("unsupported", kind, UNSUPPORTED.get(kind, kind))
        try:
            doc = read_docx(convert_to_docx(data, cache_dir))
        except ConverterMissing as exc:
            raise Unreadable("converter_missing", kind, str(exc)) from exc
        except ConversionFailed as exc:
            raise Unreadable("error", kind, str(exc)) from exc
        doc.format = kind
        doc.meta["converted_by"] = "LibreOffice"
        return doc
    if fmt == "zip":
        from .documents.sniff import zip_directory_size
        budgets.check(budgets.ZIP_DIRECTORY_BYTES, zip_directory_size(data) or 0)
    if fmt == "text":
        from .documents.html import decode_html
        text, _ = decode_html(data, content_type)
        return Document(format="text", text=text, tables=[])
    raise Unreadable("unsupported", fmt, UNSUPPORTED.get(fmt, fmt))


def detect_template(doc: Document, year: int | None) -> tuple[str | None, str]:
    """By content first (reports on 2020 were still published on the 2019 template in 2021),
    then by the reported year."""
    haystack = doc.text + "".join(itertools.chain.from_iterable(row for t in doc.tables for row in t.rows))
    haystack = "".join(haystack.split())  # labels wrap and space out: match without whitespace
    n21 = len(T.MARKERS_2021.findall(haystack))
    n19 = len(T.MARKERS_2019.findall(haystack))
    if n21 or n19:
        template = "2021" if n21 > n19 else "2019"
        return template, f"content markers (2021: {n21}, 2019: {n19})"
    if year is None:
        return None, "no template markers and no year"
    if year < 2019:
        return "pre2019", f"report year {year} predates the national template"
    return ("2021" if year >= 2021 else "2019"), f"no template markers; chosen by report year {year}"


def _year(text: str) -> int | None:
    m = _YEAR_RE.search(text)
    if not m:
        return None
    year = int(m.group(1).translate(_CN_DIGITS))
    return year if 1990 <= year <= 2100 else None


def detect_year_agency(doc: Document) -> tuple[int | None, str | None, str | None]:
    """(reported year, agency, title) from the title, else the opening lines of the text."""
    title = clean_cell(doc.title) or None
    # Lazily: the title usually has the year, and the page's lines are each new to the cache.
    lines = itertools.islice(filter(None, map(clean_cell, doc.text.splitlines())), 15)
    prev = None
    for cand in itertools.chain([title] if title else [], lines, _title_lines(doc.text)):
        year = _year(cand)
        if year is None:
            prev = cand
            continue
        m = _YEAR_RE.search(cand)
        agency = clean_cell(cand[: m.start()]).strip("《》 ") or None
        if agency is None and prev is not None and len(prev) <= 40:
            # Agency on its own line above "2020年政府信息公开工作年度报告" (the seed's layout);
            # `prev` has no year, or it would have been the candidate.
            agency = prev
        if agency is None:
            agency = doc.meta.get("ContentSource") or doc.meta.get("Author") or None
        if title is None or _year(title) is None:
            title = ((agency or "") + cand[m.start():]).strip()
        return year, agency, title
    return None, None, title


# A report's title as a line of its own: a printed web page puts the site's menus (dozens of
# lines) above it, and a PDF carries no title of its own.
_TITLE_LINE_RE = re.compile(r"(?:19|20)\d{2}\s*年\s*度?[^。\n]{0,20}?" + _INFO_OPEN + r"[^。\n]{0,12}?报\s*告")


def _title_lines(text: str) -> Iterator[str]:
    """Short lines anywhere in the text that read as a report's title ("…2019年度政府信息公开
    工作年度报告"), in order: where the opening lines hold none."""
    for line in text.splitlines():
        line = clean_cell(line)
        if len(line) <= 60 and _TITLE_LINE_RE.search(line):
            yield line


def _published(doc: Document) -> str | None:
    for key in ("PubDate", "pubdate", "publishdate", "firstpublishedtime"):
        m = _PUBDATE_RE.search(doc.meta.get(key, ""))
        if m:
            return f"{m.group(1)}-{int(m.group(2)):02d}-{int(m.group(3)):02d}"
    return None


@functools.cache
def _template_keys(template: str) -> tuple[tuple[str, str, str], ...]:
    """(section, row, column) of every cell the template prints, in the template's order."""
    expected: list[tuple[str, str, str]] = []
    for item, metrics in T.ACTIVE_LAYOUT[template].items():
        expected += [("active_disclosure", item, m) for m in metrics]
    for row in T.APPLICATION_ROWS_BY_TEMPLATE[template]:
        expected += [("applications", row, a) for a in T.APPLICANT_KEYS]
    for proceeding in T.PROCEEDING_KEYS:
        expected += [("reviews_litigation", proceeding, r) for r in T.RESULT_KEYS]
    return tuple(expected)


def _printed_keys(template: str | None) -> tuple[tuple[str, str, str], ...]:
    """The cells a report on `template` prints: the 2021 template's （六） row is derived."""
    if template not in T.ACTIVE_LAYOUT:
        return ()
    return tuple(k for k in _template_keys(template) if k[:2] != ("applications", "other") or template == "2019")


def _complete(template: str, cells: list[Cell], prose: dict[str, str], warnings: list[str]) -> list[Cell]:
    """Every key of the template, once: missing cells become null with a reason, sections
    given as prose become zeros, and a cell printed twice with different values, or a count
    with a fraction, is null."""
    seen: dict[tuple[str, str, str], Cell] = {}
    out: list[Cell] = []
    for cell in cells:
        key = (cell.section, cell.row, cell.col)
        if cell.value is not None and cell.col not in T.AMOUNT_METRICS and not float(cell.value).is_integer():
            # A count with a fraction: a point misread or misprinted, never the count.
            cell.reason = f"a count is a whole number: read {cell.printed!r}"
            cell.value = None
        if key in seen:
            first = seen[key]
            if first.value != cell.value:
                first.reason = f"printed twice with different values: {first.printed!r} and {cell.printed!r}"
                first.value = None
            continue
        seen[key] = cell
        out.append(cell)

    expected = _template_keys(template)
    for section, sentence in prose.items():
        warnings.append(f"section {'二三四'[SECTIONS.index(section)]} given as prose: all cells 0 ({sentence})")
    for key in [key for key in expected if key not in seen]:
        section, row, col = key
        if section in prose:
            cell = Cell(section, row, col, 0, None, None, was_blank=True, source={"prose": prose[section]})
        else:
            cell = Cell(section, row, col, None, reason="not found in the document")
        seen[key] = cell
        out.append(cell)

    if template == "2021":
        # The 2021 table prints （六） only as its three sub-rows; the schema's `other` is their sum.
        for col in T.APPLICANT_KEYS:
            other = seen[("applications", "other", col)]
            if other.source.get("prose") or other.printed is not None:
                continue
            parts = [seen[("applications", r, col)].value for r in T.OTHER_SUBROWS]
            if all(p is not None for p in parts):
                other.value, other.reason = sum(parts), None
                other.source = {"derived": "sum of other_no_correction, other_unpaid_fee, other_other"}
            else:
                other.reason = "a sub-row of （六） is null"
    return out


_FILL_SOURCES = {
    "text": "the text's lines",
    "table rows": "the tables' rows read as lines",
    "pdf rows": "rows rebuilt from where the PDF's words stand",
}


def _fill_from_text(cells: list[Cell], text: str, sections: set[str], warnings: list[str], source: str) -> None:
    """Cells the tables left null or did not have (a header not read, a row or a table not
    found), taken from lines of text that print a row whole (`source`: which lines), by the
    same rules as a page with no table at all: by label, columns in the template's order under
    a header naming them, each row's identity holding. Where a table's number and a line's
    differ, neither is trusted: the cell is null."""
    if not text:
        return
    index = {(c.section, c.row, c.col): n for n, c in enumerate(cells)}
    filled = disagree = 0
    for cell in text_cells(text, sections):
        if cell.value is None:
            continue
        cell.source["derived"] = f"{cell.source.get('derived', 'flattened text')}; read from {_FILL_SOURCES[source]}"
        n = index.get((cell.section, cell.row, cell.col))
        if n is None:
            index[(cell.section, cell.row, cell.col)] = len(cells)
            cells.append(cell)
            filled += 1
        elif cells[n].value is None:
            cells[n] = cell
            filled += 1
        elif cells[n].value != cell.value:
            cells[n].reason = f"read {cells[n].printed!r}, but {_FILL_SOURCES[source]} print {cell.printed!r}"
            cells[n].value = None
            disagree += 1
    if filled or disagree:
        warnings.append(f"{filled} cells read from {_FILL_SOURCES[source]}"
                        + (f"; {disagree} cells made null where two readings disagree" if disagree else ""))


def extract_from_document(doc: Document) -> Extraction:
    year, agency, title = detect_year_agency(doc)
    template, why = detect_template(doc, year)
    result = Extraction(
        status="ok", format=doc.format, template=template, template_reason=why, year=year,
        agency=agency, title=title, published=_published(doc), text=doc.text,
        warnings=list(doc.warnings), raw_tables=doc.tables, meta=doc.meta,
    )
    if template == "pre2019":
        result.status = "pre2019"
        result.message = "report predates the national template: text and raw tables kept, nothing normalised"
        return result
    normalized = normalize_tables(doc.tables)
    result.warnings += normalized.warnings
    missing = set(SECTIONS) - normalized.sections_found - normalized.sections_with_tables
    # No table for a section: the page may still print it as flattened text lines.
    flat = text_cells(doc.text, missing)
    if flat:
        normalized.cells += flat
        missing -= {c.section for c in flat}
        result.warnings.append("sections read from flattened text: " + ", ".join(sorted({c.section for c in flat})))
    read = {(c.section, c.row, c.col) for c in normalized.cells if c.value is not None}
    gaps = ({key[0] for key in _printed_keys(template) if key not in read}
            | {c.section for c in normalized.cells if c.value is None}
            | (normalized.sections_with_tables - normalized.sections_found)) - missing
    if gaps and doc.format != "scan":
        _fill_from_text(normalized.cells, doc.text, gaps, result.warnings, "text")
        _fill_from_text(normalized.cells, grid_text(doc.tables), gaps, result.warnings, "table rows")
    elif gaps - {"active_disclosure"}:
        # A scan: not from its OCR text, whose digits have none of the confirmations its cells
        # have, and only rows with an identity to check (a dropped decimal point adds up
        # nowhere); its uncertain cells print "?" in its rows.
        _fill_from_text(normalized.cells, grid_text(doc.tables), gaps - {"active_disclosure"}, result.warnings,
                        "table rows")
    # Then rows rebuilt from where a PDF's words stand: sections 三 and 四 by their rows'
    # identities, section 二 (which has none) only where its header names the columns its
    # row's item has in a template.
    rebuilt = gaps | missing
    rows_read = False
    if doc.row_text and rebuilt:
        _fill_from_text(normalized.cells, doc.row_text, rebuilt, result.warnings, "pdf rows")
        rows_read = bool(missing & {c.section for c in normalized.cells})
        missing -= {c.section for c in normalized.cells}
    prose = prose_zero_sections(doc.text, missing)
    if not normalized.sections_with_tables and not flat and not prose and not rows_read:
        result.status = "no_tables"
        result.message = "no template table found in this document"
        return result
    if template is None:
        result.status = "needs_review"
        result.message = "template could not be determined"
        result.cells = normalized.cells
        return result
    result.cells = _complete(template, normalized.cells, prose, result.warnings)
    result.checks = run_checks(template, result.values())
    nulls = sum(1 for c in result.cells if c.value is None)
    failed = [k for k in result.checks if k.passed is False]
    if nulls or failed or normalized.review:
        result.status = "needs_review"
        result.message = "; ".join([f"{nulls} null cells, {len(failed)} failed checks", *normalized.review])
    return result


# Reports are a few MB at most; anything past this is not one (and must not exhaust memory).
MAX_DOCUMENT_BYTES = budgets.DOCUMENT_BYTES.limit


def _failure_status(exc: Exception) -> tuple[str, str]:
    """(status, message) for a reader that gave up on a corrupt or hostile file."""
    name = type(exc).__name__
    # pdfplumber wraps pdfminer's PDFPasswordIncorrect in a PdfminerException.
    inner = " ".join(type(a).__name__ for a in exc.args if isinstance(a, Exception))
    if any(k in name + inner for k in ("Password", "Encrypt")) or "encrypt" in str(exc).lower():
        return "encrypted", f"encrypted document: {name}"
    if isinstance(exc, budgets.TooLarge):
        return "too_large", str(exc)
    if isinstance(exc, MemoryError):
        return "too_large", f"out of memory reading the document (the {budgets.WORKER_ADDRESS_SPACE.name} budget)"
    if isinstance(exc, RecursionError):
        return "too_large", "document too deeply nested to read (RecursionError)"
    return "error", f"corrupt document: {name}: {str(exc)[:200]}"


def extract_document(data: bytes, content_type: str | None = None, cache_dir: Path | None = None,
                     time_limit: float | None = None) -> Extraction:
    """Read any supported document and return its cells, checks and status.

    Never raises on bad input: a corrupt, encrypted, oversized or hostile file comes back with
    a status and a one-line message, so one bad file never stops a crawl. Nor does it run
    forever: past `time_limit` seconds (by default `pipelines.timelimit.limit_for` its format)
    it stops with status `error`. `cache_dir` keeps converted DOC/WPS files between runs."""
    if len(data) > MAX_DOCUMENT_BYTES:
        return Extraction(status="too_large", format=sniff_format(data[:4096]),
                          message=str(budgets.TooLarge(budgets.DOCUMENT_BYTES, len(data))))
    fmt = sniff_format(data)  # once: it picks the time limit, the reader and the failure's format
    seconds = timelimit.limit_for(fmt) if time_limit is None else time_limit
    try:
        with timelimit.time_limit(seconds):
            return extract_from_document(read_document(data, content_type, cache_dir, fmt))
    except timelimit.TimeLimitExceeded as exc:
        return Extraction(status="error", format=fmt,
                          message=f"reading stopped at the time limit of {exc.seconds:g} s a document")
    except Unreadable as exc:
        return Extraction(status=exc.status, format=exc.format, message=exc.message)
    except Exception as exc:  # noqa: BLE001 - any reader failure is the file's fault, reported as such
        status, message = _failure_status(exc)
        return Extraction(status=status, format=fmt, message=message)

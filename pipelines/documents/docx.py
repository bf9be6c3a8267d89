"""DOCX → text and table grids, with python-docx (it expands gridSpan and vMerge for us)."""

from __future__ import annotations

import io
import zipfile

import docx
from docx.document import Document as DocxDocument
from docx.table import Table
from docx.text.paragraph import Paragraph

from ..tables.text import clean_cell
from .model import Document, RawTable, pad_rows


def _iter_blocks(doc: DocxDocument):
    """Paragraphs and tables in body order (python-docx lists them separately)."""
    for child in doc.element.body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            yield Paragraph(child, doc)
        elif tag == "tbl":
            yield Table(child, doc)


def _cell_text(cell) -> str:
    return clean_cell("".join(p.text for p in cell.paragraphs))


def table_grid(table: Table) -> tuple[list[list[str]], dict[tuple[int, int], int]]:
    rows: list[list[str]] = []
    origin: dict[tuple[int, int], int] = {}
    ids: dict[object, int] = {}
    for r, row in enumerate(table.rows):
        out = [""] * row.grid_cols_before
        for cell in row.cells:
            # Merged cells come back as the same underlying <w:tc>; its identity marks the merge.
            # (The dict keeps each element alive, so identity stays unique.)
            ids.setdefault(cell._tc, len(ids))
            origin[(r, len(out))] = ids[cell._tc]
            out.append(_cell_text(cell))
        rows.append(out)
    return pad_rows(rows), origin


# A DOCX is a zip: refuse archives that would inflate past these bounds (zip bombs).
MAX_UNCOMPRESSED = 256 * 1024 * 1024
MAX_RATIO = 200


class ZipBomb(ValueError):
    pass


def check_zip(data: bytes) -> None:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        infos = zf.infolist()
        total = sum(i.file_size for i in infos)
        if total > MAX_UNCOMPRESSED:
            raise ZipBomb(f"would inflate to {total} bytes")
        for i in infos:
            if i.file_size > 1024 * 1024 and i.compress_size and i.file_size / i.compress_size > MAX_RATIO:
                raise ZipBomb(f"{i.filename} compresses {i.file_size / i.compress_size:.0f}:1")


def read_docx(data: bytes) -> Document:
    check_zip(data)
    doc = docx.Document(io.BytesIO(data))
    lines: list[str] = []
    tables: list[RawTable] = []
    for block in _iter_blocks(doc):
        if isinstance(block, Paragraph):
            t = clean_cell(block.text)
            if t:
                lines.append(t)
        else:
            rows, origin = table_grid(block)
            tables.append(RawTable(index=len(tables), rows=rows, origin=origin))
            for row in rows:
                lines.append("\t".join(dict.fromkeys(c for c in row if c)))
    title = clean_cell(doc.core_properties.title) or None
    return Document(format="docx", text="\n".join(lines), tables=tables, title=title)

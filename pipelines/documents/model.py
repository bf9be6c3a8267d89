"""What every format reader produces: the document's text and its tables as dense grids.

Only `pipelines.tables` knows the templates; readers know only their format, so a new
format never touches label logic (see reference architecture: "one grid for every format").
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..budgets import GRID_CELLS, TooLarge


@dataclass
class RawTable:
    """A table with merged cells expanded: every grid position holds the text of the cell
    that covers it, so a label spanning three rows is seen on each of them."""

    index: int
    rows: list[list[str]]
    # First page, and grid position → (page, x0, top, x1, bottom), for PDFs only: a table
    # stitched across a page break keeps each cell's own page.
    page: int | None = None
    bboxes: dict[tuple[int, int], tuple[float, ...]] = field(default_factory=dict)
    # Grid position → id of the source cell, so a merged cell is known to be one cell. Readers
    # may leave out cells that span one position: a position not in it is a cell of its own.
    origin: dict[tuple[int, int], int] = field(default_factory=dict)
    # Grid position → OCR confidence (0–100) for scanned documents; empty otherwise.
    confidence: dict[tuple[int, int], float] = field(default_factory=dict)
    # The row of the document's table that row 0 is: a part of a table split at a section's
    # heading keeps its rows' provenance.
    first_row: int = 0

    @property
    def n_cols(self) -> int:
        return max((len(r) for r in self.rows), default=0)


@dataclass
class Document:
    format: str  # html | docx | pdf | text
    text: str
    tables: list[RawTable]
    title: str | None = None
    meta: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    # The tables' rows as lines of text, one line a row ("label v1 v2 …"), rebuilt from where
    # the words stand, for a reader whose tables lost their columns (PDF); empty otherwise.
    row_text: str = ""


def pad_rows(rows: list[list[str]]) -> list[list[str]]:
    """Make a ragged grid rectangular; short rows are common in hand-edited tables."""
    width = max((len(r) for r in rows), default=0)
    return [r + [""] * (width - len(r)) for r in rows]


class GridCells:
    """The grid positions a document's tables have taken so far, against the GRID_CELLS
    budget: spans multiply a small page into millions of cells, so a reader takes the
    positions a span writes before writing them, and raises `TooLarge` past the budget. One
    counter a document, shared by all its tables."""

    __slots__ = ("used",)

    def __init__(self) -> None:
        self.used = 0

    def take(self, n: int) -> None:
        self.used += n
        if self.used > GRID_CELLS.limit:
            raise TooLarge(GRID_CELLS, self.used)

    def settle(self, start: int, area: int) -> None:
        """A table, begun when `start` positions were taken, is expanded and holds `area`
        (rows × width, padding included): call before padding it. What its spans wrote stays
        counted if that was more, so that 300 tables cannot each write the budget anew."""
        self.used = max(self.used, start + area)
        if self.used > GRID_CELLS.limit:
            raise TooLarge(GRID_CELLS, self.used)

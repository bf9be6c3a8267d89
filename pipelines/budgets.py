"""Budgets on what a small hostile input can multiply, in one place.

A 38 KB page of `<td rowspan=200 colspan=200>` expands to millions of grid cells, a 1 MB DOCX
inflates to gigabytes of XML, a 2 KB PDF declares a page of 10,000 points square. Every reader
counts what it builds against the budget named here and, past it, raises `TooLarge`: the
document is archived with status `too_large` and the budget's name in its message, instead of
a worker dying out of memory. The figures are far above any real report (a report's tables
hold a few hundred cells; its DOCX inflates to a few MB) and far below what exhausts a worker.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Budget:
    name: str
    limit: int
    unit: str
    why: str


# Documents
DOCUMENT_BYTES = Budget("document_bytes", 64 * 1024 * 1024, "bytes", "one document as fetched")
GRID_CELLS = Budget("grid_cells", 2_000_000, "cells",
                    "cells of all of a document's tables after rowspan/colspan/gridSpan expansion")
# Python's zipfile reads a zip's whole central directory into objects before anything else
# (500,000 entries: 340 MB, 14 s); a DOCX's holds a few dozen entries, a few KB.
ZIP_DIRECTORY_BYTES = Budget("zip_directory_bytes", 1024 * 1024, "bytes",
                             "a zip-based document's central directory (at least 46 bytes an entry)")
# A real DOCX inflates to about 1 MB (its document.xml a few hundred KB to a few MB); media
# barely compress, so one within document_bytes inflates to about its size. XML read as text
# costs up to ten times its bytes downstream, as an HTML page does: no more than a page may be.
INFLATED_BYTES = Budget("inflated_bytes", 64 * 1024 * 1024, "bytes",
                        "bytes a zip-based document (DOCX, OFD) inflates to, counted while inflating")
# A report's XML parts hold 10,000 to 100,000 nodes (one per 10 to 20 bytes); libxml2 takes
# 120 (an element) to 240 (an attribute) bytes a node, so 2 million is at most about 500 MB.
XML_NODES = Budget("xml_nodes", 2_000_000, "nodes",
                   "elements, attributes and entity references of a DOCX's XML parts, counted while inflating")
# Reports run to about 30 pages, their tables in the first few; past these page budgets the
# first pages are read, with a warning.
PDF_PAGES = Budget("pdf_pages", 200, "pages", "pages of a PDF read for tables")
# pdfplumber's table finder compares every crossing of ruling lines on a page with every other
# (seconds for 10,000 on one page); a report's tables cross about 1,000 times in all.
PDF_RULE_CROSSINGS = Budget("pdf_rule_crossings", 10_000, "crossings",
                            "ruling-line crossings on a PDF's pages given to the table finder")
OCR_PAGES = Budget("ocr_pages", 60, "pages", "pages of a scanned PDF sent to OCR")
# An A3 page at 300 dpi is 17.4 million pixels; laying a page out takes about 30 bytes a pixel,
# for each page laid out at once.
OCR_PIXELS = Budget("ocr_pixels", 20_000_000, "pixels", "pixels of one rendered page for OCR")
# A scan's images are decoded whole to render its page (1 to 4 bytes a pixel): a 600-dpi A3
# scan is 70 million pixels.
OCR_IMAGE_PIXELS = Budget("ocr_image_pixels", 100_000_000, "pixels",
                          "pixels of the images decoded to render one page of a scanned PDF")

# Stored values: Datasette's connections refuse values longer than 32 MiB, reading them too
# (crawler/publish/plugins/sql_limits.py), so no text stored may reach it (3 bytes a character).
STORED_TEXT = Budget("stored_text", 8 * 1024 * 1024, "characters",
                     "characters of one stored value: a report's text, one raw table as JSON")

# A crawl
ATTACHMENTS_PER_REPORT = Budget("attachments_per_report", 20, "attachments",
                                "attachments fetched for one report page")
REPORT_BYTES = Budget("report_bytes", 200 * 1024 * 1024, "bytes",
                      "bytes of a report page and all its attachments together")
LIST_PAGE_BYTES = Budget("list_page_bytes", 8 * 1024 * 1024, "bytes", "one list page parsed on the crawl's event loop")
LIST_LINKS = Budget("list_links", 5_000, "links", "links read from one list page")

# A worker process: the last line if every budget above is wrong (address space, not RSS).
WORKER_ADDRESS_SPACE = Budget("worker_address_space", 4 * 1024**3, "bytes",
                              "virtual memory of one extraction worker process (RLIMIT_AS)")


class TooLarge(Exception):
    """A document (or a crawl's report) went past a budget: recorded as status `too_large`."""

    def __init__(self, budget: Budget, seen: int | None = None, detail: str = "") -> None:
        self.budget, self.seen = budget, seen
        amount = f"{seen:,} {budget.unit}" if seen is not None else "more"
        super().__init__(f"over the {budget.name} budget: {amount} > {budget.limit:,} "
                         f"({budget.why}){'; ' + detail if detail else ''}")


def check(budget: Budget, seen: int, detail: str = "") -> None:
    """Raise TooLarge when `seen` exceeds the budget."""
    if seen > budget.limit:
        raise TooLarge(budget, seen, detail)


def all_budgets() -> list[Budget]:
    return [v for v in globals().values() if isinstance(v, Budget)]


if __name__ == "__main__":  # `python -m pipelines.budgets`: the figures in force, for the docs
    for b in all_budgets():
        print(f"{b.name:24} {b.limit:>15,} {b.unit:10} {b.why}")

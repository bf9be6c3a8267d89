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
INFLATED_BYTES = Budget("inflated_bytes", 256 * 1024 * 1024, "bytes",
                        "bytes a zip-based document (DOCX, OFD) inflates to, counted while inflating")
XML_NODES = Budget("xml_nodes", 5_000_000, "elements", "elements in a DOCX's document.xml")
PDF_PAGES = Budget("pdf_pages", 500, "pages", "pages of a PDF read for tables")
OCR_PAGES = Budget("ocr_pages", 60, "pages", "pages of a scanned PDF sent to OCR")
OCR_PIXELS = Budget("ocr_pixels", 60_000_000, "pixels", "pixels of one rendered page for OCR")

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

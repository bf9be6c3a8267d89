"""Extraction benchmark: run `extract_document` over the evaluation corpus and score every cell.

    python -m bench.extraction [--corpus tests/corpus] [--format FMT ...] [--json [PATH]]
    python -m bench.extraction --corpus layout [--part dev|holdout|all] [--seed S] [--n N]

Per format it prints: documents, expected cells, cell accuracy, nulls (expected cells that
came out null or missing), silent errors (a wrong non-null value in a report whose status
is "ok", i.e. nothing flagged it), flagged errors (a wrong non-null value in a report that
is not "ok", e.g. needs_review), template and year right (n/n), median and max seconds per
document and, for PDF and scans, median seconds per page. Then every wrong cell and every
document whose status, template or year is off, so a developer can go and fix them.

It is a measurement: the exit code is 0 whatever the numbers. `--json` prints the results
as JSON instead of the table (`--json PATH` writes them to PATH and still prints the table).
Formats the extractor cannot read yet are measured too (their cells all count as nulls).

`--corpus layout` measures the layout-varied corpus of tests/layout_corpus (issue 22):
documents the generator has not rendered yet are rendered first into data/layout-corpus/
(LibreOffice and Chromium; minutes the first time, cached after), then the same figures
are printed per format and per layout trait (via:chromium, narrow, wrapped_headers,
no_rules, landscape, page_break_in_table, prose_4, font:…), so a weak trait shows at once.
`--part` picks the dev or holdout part (default: both); the list of wrong cells is long
there, so it is printed only with `--details` (else the worst documents, one line each).
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from pipelines.extract import extract_document

DEFAULT_CORPUS = Path(__file__).resolve().parent.parent / "tests" / "corpus"
FORMATS = ("html", "docx", "pdf", "doc", "wps", "scan", "text")
PAGED_FORMATS = ("pdf", "scan")
SECTIONS = ("active_disclosure", "applications", "reviews_litigation")


@dataclass
class CellError:
    doc: str
    key: str
    expected: int | float
    got: int | float | None
    kind: str  # "null" | "silent" | "flagged"
    reason: str | None = None  # the extractor's reason for a null
    printed: str | None = None  # what the extractor read in the document


@dataclass
class DocResult:
    id: str
    format: str
    origin: str
    variant: str
    status: str
    expected_status: str
    template: str | None
    expected_template: str
    year: int | None
    expected_year: int
    agency: str | None
    expected_agency: str
    message: str | None
    seconds: float
    pages: int | None
    traits: list[str] = field(default_factory=list)
    part: str | None = None
    cells: int = 0
    correct: int = 0
    nulls: int = 0
    silent: int = 0
    flagged: int = 0
    errors: list[CellError] = field(default_factory=list)

    @property
    def template_ok(self) -> bool:
        return self.template == self.expected_template

    @property
    def year_ok(self) -> bool:
        return self.year == self.expected_year

    @property
    def status_ok(self) -> bool:
        return self.status == self.expected_status


def load_manifest(corpus: Path) -> list[dict]:
    return json.loads((corpus / "manifest.json").read_text(encoding="utf-8"))


def expected_status(entry: dict) -> str:
    """pre2019 reports are kept but not normalised; reports that break an identity on
    purpose must be flagged; every other report should come out clean."""
    if entry["template"] == "pre2019":
        return "pre2019"
    return "needs_review" if entry.get("breaks") else "ok"


def flatten(cells: dict) -> dict[str, int | float]:
    return {
        f"{section}.{row}.{col}": value
        for section in SECTIONS
        for row, cols in cells.get(section, {}).items()
        for col, value in cols.items()
    }


def same(expected: int | float, got: int | float | None) -> bool:
    if got is None:
        return False
    return math.isclose(float(expected), float(got), rel_tol=1e-9, abs_tol=1e-9)


def _pages(data: bytes) -> int | None:
    try:
        import io

        import pdfplumber

        with pdfplumber.open(io.BytesIO(data)) as pdf:
            return len(pdf.pages)
    except Exception:  # a broken PDF is the extractor's problem, not the benchmark's
        return None


def evaluate_document(corpus: Path, entry: dict) -> DocResult:
    data = (corpus / entry["file"]).read_bytes()
    expected = json.loads((corpus / entry["expected"]).read_text(encoding="utf-8"))
    start = time.perf_counter()
    try:
        ext = extract_document(data)
        status, template, year, agency, message = (
            ext.status, ext.template, ext.year, ext.agency, ext.message)
        cells = {f"{c.section}.{c.row}.{c.col}": c for c in ext.cells if not c.row.startswith("extra:")}
    except Exception as exc:  # measured, not raised: one crash must not hide the rest
        status, template, year, agency, message = "error", None, None, None, repr(exc)
        cells = {}
    seconds = time.perf_counter() - start
    result = DocResult(
        id=entry["id"], format=entry["format"], origin=entry["origin"], variant=entry["variant"],
        status=status, expected_status=expected_status(entry), template=template,
        expected_template=expected["template"], year=year, expected_year=expected["year"],
        agency=agency, expected_agency=expected["agency"], message=message, seconds=seconds,
        pages=_pages(data) if entry["format"] in PAGED_FORMATS else None,
        traits=list(entry.get("traits", ())), part=entry.get("part"),
    )
    for key, want in flatten(expected["cells"]).items():
        result.cells += 1
        cell = cells.get(key)
        got = cell.value if cell is not None else None
        if same(want, got):
            result.correct += 1
            continue
        if got is None:
            kind = "null"
            result.nulls += 1
            reason = cell.reason if cell is not None else "missing from the extraction"
        else:
            kind = "silent" if status == "ok" else "flagged"
            setattr(result, kind, getattr(result, kind) + 1)
            reason = cell.reason
        result.errors.append(CellError(
            entry["id"], key, want, got, kind, reason, cell.printed if cell is not None else None))
    return result


def evaluate(corpus: Path = DEFAULT_CORPUS, formats: tuple[str, ...] | None = None,
             part: str | None = None, progress: bool = False) -> list[DocResult]:
    entries = [e for e in load_manifest(corpus)
               if (formats is None or e["format"] in formats)
               and (part in (None, "all") or e.get("part") == part)]
    out = []
    start = time.perf_counter()
    for i, e in enumerate(entries, 1):
        out.append(evaluate_document(corpus, e))
        if progress and (i % 50 == 0 or i == len(entries)):
            print(f"  {i}/{len(entries)} documents extracted ({time.perf_counter() - start:.0f} s)",
                  file=sys.stderr)
    return out


def summarise(results: list[DocResult]) -> dict:
    cells = sum(r.cells for r in results)
    correct = sum(r.correct for r in results)
    secs = [r.seconds for r in results]
    per_page = [r.seconds / r.pages for r in results if r.pages]
    return {
        "documents": len(results),
        "cells": cells,
        "correct": correct,
        "accuracy": 100.0 * correct / cells if cells else None,
        "nulls": sum(r.nulls for r in results),
        "silent_errors": sum(r.silent for r in results),
        "flagged_errors": sum(r.flagged for r in results),
        "template_right": sum(r.template_ok for r in results),
        "year_right": sum(r.year_ok for r in results),
        "status_right": sum(r.status_ok for r in results),
        "agency_right": sum(r.agency == r.expected_agency for r in results),
        "median_seconds": statistics.median(secs) if secs else None,
        "max_seconds": max(secs) if secs else None,
        "median_seconds_per_page": statistics.median(per_page) if per_page else None,
        "statuses": dict(sorted(_count(r.status for r in results).items())),
    }


def _count(items) -> dict[str, int]:
    out: dict[str, int] = {}
    for item in items:
        out[item] = out.get(item, 0) + 1
    return out


def by_format(results: list[DocResult]) -> dict[str, dict]:
    present = [f for f in FORMATS if any(r.format == f for r in results)]
    present += sorted({r.format for r in results} - set(present))
    return {f: summarise([r for r in results if r.format == f]) for f in present}


def by_trait(results: list[DocResult]) -> dict[str, dict]:
    """One summary per layout trait (a document counts under each of its traits)."""
    traits = sorted({t for r in results for t in r.traits})
    return {t: summarise([r for r in results if t in r.traits]) for t in traits}


# ---------------------------------------------------------------------------- report


def _fmt_num(v: float | None, digits: int) -> str:
    return "-" if v is None else f"{v:.{digits}f}"


def table(summary: dict[str, dict], total: dict, name: str = "format") -> str:
    head = [name, "docs", "cells", "accuracy", "nulls", "silent", "flagged", "template",
            "year", "status", "med s", "max s", "med s/page"]
    rows = []
    for name, s in [*summary.items(), ("all", total)]:
        n = s["documents"]
        rows.append([
            name, str(n), str(s["cells"]),
            "-" if s["accuracy"] is None else f"{s['accuracy']:.2f}%",
            str(s["nulls"]), str(s["silent_errors"]), str(s["flagged_errors"]),
            f"{s['template_right']}/{n}", f"{s['year_right']}/{n}", f"{s['status_right']}/{n}",
            _fmt_num(s["median_seconds"], 3), _fmt_num(s["max_seconds"], 3),
            _fmt_num(s["median_seconds_per_page"], 3),
        ])
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(head)]
    line = lambda cells: "  ".join(  # noqa: E731
        c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True)))
    out = [line(head), line(["-" * w for w in widths])]
    out += [line(r) for r in rows[:-1]]
    out += [line(["-" * w for w in widths]), line(rows[-1])]
    return "\n".join(out)


def _short(v: object) -> str:
    return "null" if v is None else repr(v) if isinstance(v, str) else str(v)


def details(results: list[DocResult]) -> str:
    out: list[str] = []
    off = [r for r in results if not (r.status_ok and r.template_ok and r.year_ok)]
    out.append(f"\nDocuments with status, template or year off ({len(off)}):")
    for r in off:
        what = []
        if not r.status_ok:
            what.append(f"status {r.status} (expected {r.expected_status})")
        if not r.template_ok:
            what.append(f"template {_short(r.template)} (expected {r.expected_template})")
        if not r.year_ok:
            what.append(f"year {_short(r.year)} (expected {r.expected_year})")
        msg = f" — {r.message}" if r.message else ""
        out.append(f"  {r.id} [{r.format}]: {'; '.join(what)}{msg}")
    wrong_agency = [r for r in results if r.agency != r.expected_agency]
    if wrong_agency:
        out.append(f"\nDocuments with the agency off ({len(wrong_agency)}):")
        for r in wrong_agency:
            out.append(f"  {r.id} [{r.format}]: {_short(r.agency)} (expected {r.expected_agency!r})")
    n_wrong = sum(len(r.errors) for r in results)
    out.append(f"\nWrong cells ({n_wrong}):")
    for r in results:
        if not r.errors:
            continue
        if r.correct == 0 and r.nulls == r.cells:
            out.append(f"  {r.id} [{r.format}]: all {r.cells} cells null "
                       f"(status {r.status}{': ' + r.message if r.message else ''})")
            continue
        out.append(f"  {r.id} [{r.format}, status {r.status}]:")
        for e in r.errors:
            extra = []
            if e.printed is not None:
                extra.append(f"printed {e.printed!r}")
            if e.reason:
                extra.append(e.reason)
            out.append(f"    {e.kind:7s} {e.key}: expected {e.expected}, got {_short(e.got)}"
                       + (f"  ({'; '.join(extra)})" if extra else ""))
    return "\n".join(out)


def worst(results: list[DocResult], limit: int = 40) -> str:
    """One line per document with wrong cells or an off template/year, worst first."""
    bad = [r for r in results if r.errors or not (r.template_ok and r.year_ok)]
    bad.sort(key=lambda r: (r.correct / r.cells if r.cells else 0, r.id))
    out = [f"\nDocuments with wrong cells or template/year off ({len(bad)}; worst {min(limit, len(bad))}, "
           "all of them with --details):"]
    for r in bad[:limit]:
        acc = f"{100 * r.correct / r.cells:.0f}%" if r.cells else "-"
        out.append(f"  {r.id} [{r.format}] {acc} right, {r.nulls} null, {r.silent} silent, "
                   f"{r.flagged} flagged, status {r.status}, template {_short(r.template)}, "
                   f"year {_short(r.year)}: {' '.join(t for t in r.traits if not t.startswith('pages:'))}")
    return "\n".join(out)


def to_json(corpus: Path, results: list[DocResult]) -> dict:
    docs = []
    for r in results:
        d = asdict(r)
        d.update(template_ok=r.template_ok, year_ok=r.year_ok, status_ok=r.status_ok)
        docs.append(d)
    out = {
        "corpus": str(corpus),
        "formats": by_format(results),
        "total": summarise(results),
        "documents": docs,
    }
    if any(r.traits for r in results):
        out["traits"] = by_trait(results)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Score extract_document on the evaluation corpus.")
    parser.add_argument("--corpus", default=str(DEFAULT_CORPUS),
                        help="a corpus folder (default tests/corpus), or 'layout': the "
                             "layout-varied corpus, rendered first where missing")
    parser.add_argument("--format", nargs="+", choices=FORMATS, dest="formats",
                        help="only these formats")
    parser.add_argument("--json", nargs="?", const="-", metavar="PATH",
                        help="machine-readable results: to stdout (instead of the table), or to PATH")
    layout = parser.add_argument_group("layout corpus (--corpus layout)")
    layout.add_argument("--part", choices=("dev", "holdout", "all"), default="all")
    layout.add_argument("--seed", type=int, default=None, help="generator seed (default: its own)")
    layout.add_argument("--n", type=int, default=None, help="documents (default: the generator's)")
    layout.add_argument("--out", type=Path, default=None, help="cache folder (default data/layout-corpus)")
    layout.add_argument("--details", action="store_true", help="list every wrong cell")
    parser.add_argument("--results", type=Path, metavar="PATH",
                        help="also write the tables, with the command and the machine, to this "
                             "Markdown file (docs cite it instead of copying figures)")
    args = parser.parse_args(argv)
    is_layout = args.corpus == "layout"
    if is_layout:
        import logging

        import pipelines.documents.pdf  # noqa: F401  (sets pdfminer's level when imported)
        from tests.layout_corpus import generate as layout_corpus

        # pdfminer warns once per page of Chromium's PDFs ("Could not get FontBBox …").
        logging.getLogger("pdfminer").setLevel(logging.ERROR)

        corpus = args.out or layout_corpus.CACHE_DIR
        start = time.perf_counter()
        layout_corpus.ensure(
            layout_corpus.DEFAULT_SEED if args.seed is None else args.seed,
            layout_corpus.DEFAULT_N if args.n is None else args.n,
            corpus, log=lambda m: print(m, file=sys.stderr))
        print(f"layout corpus ready in {time.perf_counter() - start:.0f} s", file=sys.stderr)
        results = evaluate(corpus, tuple(args.formats) if args.formats else None, args.part,
                           progress=True)
    else:
        corpus = Path(args.corpus)
        results = evaluate(corpus, tuple(args.formats) if args.formats else None)
    if args.json:
        text = json.dumps(to_json(corpus, results), ensure_ascii=False, indent=1)
        if args.json == "-":
            print(text)
            return 0
        Path(args.json).write_text(text + "\n", encoding="utf-8")
    part = f" ({args.part} part)" if is_layout else ""
    print(f"Extraction benchmark: {len(results)} documents from {corpus}{part}\n")
    print(table(by_format(results), summarise(results)))
    if is_layout:
        print("\nBy layout trait (a document counts under each of its traits):\n")
        print(table(by_trait(results), summarise(results), name="trait"))
        print(details(results) if args.details else worst(results))
    else:
        print(details(results))
    if args.results:
        write_results(args.results, results, argv if argv is not None else sys.argv[1:], is_layout)
        print(f"\nwritten to {args.results}", file=sys.stderr)
    return 0


def _reproducible(argv: list[str]) -> list[str]:
    """The command's arguments without `--json [PATH]`: a copy written elsewhere (a path on
    one machine) changes none of the figures."""
    out: list[str] = []
    skip = False
    for arg in argv:
        if skip and not arg.startswith("-"):
            skip = False
            continue
        skip = arg == "--json"
        if not skip and not arg.startswith("--json="):
            out.append(arg)
    return out


def write_results(path: Path, results: list[DocResult], argv: list[str], by_traits: bool) -> None:
    """The benchmark's tables as a Markdown file, with how and where they were made."""
    import datetime
    import os
    import platform

    lines = [
        "# Extraction benchmark results",
        "",
        "Written by `python -m bench.extraction " + " ".join(_reproducible(argv)) + "`; do not edit by hand.",
        "",
        f"- made: {datetime.datetime.now(datetime.UTC).strftime('%Y-%m-%d %H:%M UTC')}",
        f"- machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}",
        f"- documents: {len(results)}",
        "",
        "## By format",
        "",
        "```",
        table(by_format(results), summarise(results)),
        "```",
    ]
    if by_traits:
        lines += ["", "## By layout trait (a document counts under each of its traits)", "", "```",
                  table(by_trait(results), summarise(results), name="trait"), "```"]
    lines += ["", "## Documents not read right", "", "```", worst(results).strip() or "(none)", "```", ""]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines), encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())

"""Coverage-guided fuzzing (atheris) of the parsers that read what servers send.

    python -m bench.fuzz TARGET [-max_total_time=600] [-runs=N] [corpus_dir ...]

TARGET is one of: grid (HTML table → grid), labels (label matcher), numbers (number parser),
sniff (format sniffer), extract (the whole extractor on arbitrary bytes). A crash is a bug:
add the input to tests/hostile (build.py) with the status it should get, then fix it.
Not part of the test suite (it runs for minutes); see the closing notes for figures.
"""

from __future__ import annotations

import sys

import atheris

with atheris.instrument_imports():
    import lxml.html

    from pipelines.documents.html import read_html, table_grid
    from pipelines.documents.sniff import sniff_format
    from pipelines.extract import extract_document
    from pipelines.tables.normalize import _match_application_row, normalize_tables
    from pipelines.tables.values import parse_value


def fuzz_grid(data: bytes) -> None:
    fdp = atheris.FuzzedDataProvider(data)
    markup = fdp.ConsumeUnicodeNoSurrogates(len(data))
    try:
        fragment = lxml.html.fragment_fromstring("<table>" + markup + "</table>")
    except Exception:  # not parseable as a fragment: lxml's own business, not ours
        return
    if fragment.tag == "table":
        table_grid(fragment)
    doc = read_html(data)
    normalize_tables(doc.tables)


def fuzz_labels(data: bytes) -> None:
    fdp = atheris.FuzzedDataProvider(data)
    labels = [fdp.ConsumeUnicodeNoSurrogates(20) for _ in range(fdp.ConsumeIntInRange(0, 4))]
    _match_application_row(labels)


def fuzz_numbers(data: bytes) -> None:
    fdp = atheris.FuzzedDataProvider(data)
    pv = parse_value(fdp.ConsumeUnicodeNoSurrogates(40))
    if (pv.value is None) != (pv.reason is not None):
        raise AssertionError(f"value/reason mismatch for {pv!r}")


def fuzz_sniff(data: bytes) -> None:
    sniff_format(data)


def fuzz_extract(data: bytes) -> None:
    extract_document(data)  # must never raise


TARGETS = {"grid": fuzz_grid, "labels": fuzz_labels, "numbers": fuzz_numbers, "sniff": fuzz_sniff,
           "extract": fuzz_extract}


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in TARGETS:
        sys.exit(f"usage: python -m bench.fuzz {{{'|'.join(TARGETS)}}} [libFuzzer options]")
    target = TARGETS[sys.argv.pop(1)]
    atheris.Setup(sys.argv, target)
    atheris.Fuzz()


if __name__ == "__main__":
    main()

"""The extraction evaluation corpus (tests/corpus): first that the corpus itself is sound
(files, canonical keys, identities, spread over formats and templates), then that the
extractor reads it: no silent errors, ≥ 99.5 % of cells right, template and year right.

Rebuild the corpus with `python -m tests.corpus.generate`; measure every format with
`python -m bench.extraction`.
"""

from __future__ import annotations

import json
import shutil
import zipfile
from collections import Counter
from pathlib import Path

import pytest

from bench.extraction import DocResult, evaluate, main, summarise

CORPUS = Path(__file__).parent / "corpus"

# Formats the extractor must read to the bar below. Add a format here once it is supported.
SUPPORTED_FORMATS: tuple[str, ...] = ("html", "docx", "pdf", "doc", "wps")
MIN_ACCURACY = 99.5  # percent of expected cells, per format
# Formats held to "no wrong number, template and year right" but not to the accuracy bar:
# flattened text cannot be split where no identity decides (glued section 二 rows stay null).
NO_SILENT_ERROR_FORMATS: tuple[str, ...] = (*SUPPORTED_FORMATS, "text")
NEEDS_SOFFICE = {"doc", "wps"}

ALL_FORMATS = ("html", "docx", "pdf", "doc", "wps", "scan", "text")
TEMPLATES = ("2019", "2021", "pre2019")
ORIGINS = ("real", "official-template", "rendered")
MIN_PER_FORMAT_AND_TEMPLATE = 3  # for each format, of each of the 2019 and 2021 templates
MIN_DOCUMENTS = 60
MAX_CORPUS_BYTES = 8 * 1024 * 1024

# ── Canonical keys, written out from reference/report-schema.md (independent of both the
#    extractor's tables and the sample-site renderer the generator uses) ──────────────────
ACTIVE = {
    "2019": {
        "regulations": ["made_this_year", "published_this_year", "total_published"],
        "normative_documents": ["made_this_year", "published_this_year", "total_published"],
        "administrative_licensing": ["items_last_year", "change_this_year", "decisions"],
        "other_management_services": ["items_last_year", "change_this_year", "decisions"],
        "administrative_penalty": ["items_last_year", "change_this_year", "decisions"],
        "administrative_coercion": ["items_last_year", "change_this_year", "decisions"],
        "administrative_fees": ["items_last_year", "change_this_year"],
        "centralized_procurement": ["procurement_projects", "procurement_amount"],
    },
    "2021": {
        "regulations": ["issued_this_year", "repealed_this_year", "in_force"],
        "normative_documents": ["issued_this_year", "repealed_this_year", "in_force"],
        "administrative_licensing": ["decisions"],
        "administrative_penalty": ["decisions"],
        "administrative_coercion": ["decisions"],
        "administrative_fees": ["fees_amount"],
    },
}
RESULT_ROWS = [
    "granted", "partially_granted",
    "denied_state_secret", "denied_prohibited_by_law", "denied_three_safeties",
    "denied_third_party", "denied_internal_affairs", "denied_process_info",
    "denied_enforcement_file", "denied_administrative_query",
    "unavailable_not_held", "unavailable_needs_creation", "unavailable_unclear",
    "not_processed_petition", "not_processed_duplicate", "not_processed_publication",
    "not_processed_excessive", "not_processed_confirmation", "other",
]
OTHER_SUBROWS = ["other_no_correction", "other_unpaid_fee", "other_other"]
ROWS = {
    "2019": ["new_received", "carried_over", *RESULT_ROWS, "total_processed", "carried_forward"],
    "2021": ["new_received", "carried_over", *RESULT_ROWS, *OTHER_SUBROWS, "total_processed",
             "carried_forward"],
}
APPLICANTS = ["natural_person", "commercial_enterprise", "research_institution",
              "social_welfare_org", "legal_service_org", "other_org", "total"]
PROCEEDINGS = ["administrative_review", "litigation_direct", "litigation_after_review"]
RESULTS = ["upheld", "corrected", "other", "pending", "total"]
SIGNED = {"change_this_year"}  # the only metric that may be negative


def canonical_keys(template: str) -> set[str]:
    keys = {f"active_disclosure.{item}.{m}" for item, ms in ACTIVE[template].items() for m in ms}
    keys |= {f"applications.{r}.{a}" for r in ROWS[template] for a in APPLICANTS}
    keys |= {f"reviews_litigation.{p}.{r}" for p in PROCEEDINGS for r in RESULTS}
    return keys


def test_canonical_key_counts_match_the_schema():
    assert len(ACTIVE["2019"]) == 8 and len(ACTIVE["2021"]) == 6
    assert len(ROWS["2019"]) == 23 and len(ROWS["2021"]) == 26  # 25 printed rows + other
    for template, n_active in (("2019", 22), ("2021", 10)):
        assert len(canonical_keys(template)) == n_active + len(ROWS[template]) * 7 + 15


def identity_failures(template: str, cells: dict) -> set[str]:
    """The rules a report's cells break (names as in the manifest's `breaks`)."""
    apps, reviews = cells["applications"], cells["reviews_litigation"]
    failed: set[str] = set()
    for col in APPLICANTS:
        if (apps["new_received"][col] + apps["carried_over"][col]
                != apps["total_processed"][col] + apps["carried_forward"][col]):
            failed.add("applications.balance")
        if sum(apps[r][col] for r in RESULT_ROWS) != apps["total_processed"][col]:
            failed.add("applications.results_sum")
        if template == "2021" and apps["other"][col] != sum(apps[r][col] for r in OTHER_SUBROWS):
            failed.add("applications.other_sum")
    for values in apps.values():
        if values["total"] != sum(values[c] for c in APPLICANTS[:-1]):
            failed.add("applications.row_sum")
    for values in reviews.values():
        if values["total"] != sum(values[r] for r in RESULTS[:-1]):
            failed.add("reviews_litigation.total")
    return failed


# ---------------------------------------------------------------------------- the corpus


@pytest.fixture(scope="module")
def manifest() -> list[dict]:
    return json.loads((CORPUS / "manifest.json").read_text(encoding="utf-8"))


def _expected(entry: dict) -> dict:
    return json.loads((CORPUS / entry["expected"]).read_text(encoding="utf-8"))


def _flat(cells: dict) -> dict[str, object]:
    return {f"{s}.{r}.{c}": v for s, rows in cells.items() for r, cols in rows.items()
            for c, v in cols.items()}


def test_manifest_entries_are_complete_and_exist(manifest):
    ids = [e["id"] for e in manifest]
    assert len(ids) == len(set(ids)), [i for i, n in Counter(ids).items() if n > 1]
    for e in manifest:
        assert {"id", "file", "format", "template", "year", "agency", "origin", "variant",
                "expected"} <= set(e), e["id"]
        assert e["format"] in ALL_FORMATS and e["template"] in TEMPLATES, e["id"]
        assert e["origin"] in ORIGINS, e["id"]
        assert e["variant"].strip(), e["id"]
        assert (CORPUS / e["file"]).is_file(), e["file"]
        assert (CORPUS / e["expected"]).is_file(), e["expected"]
        expected = _expected(e)
        assert (expected["template"], expected["year"], expected["agency"]) == (
            e["template"], e["year"], e["agency"]), e["id"]
        assert set(e.get("breaks", [])) <= {
            "applications.balance", "applications.results_sum", "applications.other_sum",
            "applications.row_sum", "reviews_litigation.total"}, e["id"]


def test_each_file_is_the_format_it_claims(manifest):
    for e in manifest:
        data = (CORPUS / e["file"]).read_bytes()
        fmt = e["format"]
        if fmt == "html":
            assert b"<table" in data.lower() or e["template"] == "pre2019", e["id"]
            assert b"<html" in data[:2048].lower(), e["id"]
        elif fmt == "docx":
            assert "word/document.xml" in zipfile.ZipFile(CORPUS / e["file"]).namelist(), e["id"]
        elif fmt in ("pdf", "scan"):
            assert data.startswith(b"%PDF-"), e["id"]
            # A scan is image-only: no font, so no text layer to read.
            assert (b"/Font" in data) == (fmt == "pdf"), e["id"]
        elif fmt in ("doc", "wps"):
            assert data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"), e["id"]  # OLE2
            assert e["file"].endswith("." + fmt), e["id"]
        elif fmt == "text":
            assert b"\x00" not in data and b"<" not in data, e["id"]
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                text = data.decode("gbk")
            assert "政府信息公开" in text, e["id"]


def test_expected_cells_have_every_canonical_key(manifest):
    for e in manifest:
        expected = _expected(e)
        assert set(expected["cells"]) == {"active_disclosure", "applications",
                                          "reviews_litigation"}, e["id"]
        flat = _flat(expected["cells"])
        if e["template"] == "pre2019":
            assert flat == {}, e["id"]
            continue
        assert set(flat) == canonical_keys(e["template"]), (
            e["id"], sorted(canonical_keys(e["template"]) ^ set(flat))[:5])
        for key, value in flat.items():
            assert isinstance(value, int | float) and not isinstance(value, bool), (e["id"], key)
            assert value >= 0 or key.rsplit(".", 1)[1] in SIGNED, (e["id"], key, value)


def test_identities_hold_unless_the_manifest_says_otherwise(manifest):
    for e in manifest:
        if e["template"] == "pre2019":
            continue
        failed = identity_failures(e["template"], _expected(e)["cells"])
        assert failed == set(e.get("breaks", [])), (e["id"], failed)


def test_spread_over_formats_and_templates(manifest):
    counts = Counter((e["format"], e["template"]) for e in manifest)
    short = {
        (fmt, tpl): counts[(fmt, tpl)] for fmt in ALL_FORMATS for tpl in ("2019", "2021")
        if counts[(fmt, tpl)] < MIN_PER_FORMAT_AND_TEMPLATE
    }
    assert not short, short
    assert len(manifest) >= MIN_DOCUMENTS
    assert sum(e["template"] == "pre2019" for e in manifest) >= 1
    assert {e["origin"] for e in manifest} == set(ORIGINS)
    assert sum(e["origin"] == "real" for e in manifest) == 3


def test_corpus_is_small_on_disk():
    size = sum(p.stat().st_size for p in CORPUS.rglob("*") if p.is_file())
    assert size < MAX_CORPUS_BYTES, size


# ---------------------------------------------------------------------------- the extractor


@pytest.fixture(scope="module")
def results() -> dict[str, list[DocResult]]:
    formats = tuple(f for f in NO_SILENT_ERROR_FORMATS if f not in NEEDS_SOFFICE or shutil.which("soffice"))
    out: dict[str, list[DocResult]] = {f: [] for f in formats}
    for r in evaluate(CORPUS, formats):
        out[r.format].append(r)
    return out


def _formats_results(results, fmt):
    if fmt not in results:
        pytest.skip(f"{fmt}: LibreOffice not installed")
    return results[fmt]


def _errors(docs: list[DocResult], kinds: tuple[str, ...]) -> list[str]:
    return [f"{e.doc} {e.key}: expected {e.expected}, got {e.got} ({e.reason or e.printed})"
            for r in docs for e in r.errors if e.kind in kinds]


@pytest.mark.parametrize("fmt", NO_SILENT_ERROR_FORMATS)
def test_no_silent_errors(results, fmt):
    assert _errors(_formats_results(results, fmt), ("silent",)) == []


@pytest.mark.parametrize("fmt", SUPPORTED_FORMATS)
def test_cell_accuracy(results, fmt):
    summary = summarise(_formats_results(results, fmt))
    assert summary["documents"] > 0
    assert summary["accuracy"] >= MIN_ACCURACY, (
        f"{summary['accuracy']:.2f}% of {summary['cells']} cells",
        _errors(results[fmt], ("null", "silent", "flagged"))[:40])


@pytest.mark.parametrize("fmt", NO_SILENT_ERROR_FORMATS)
def test_template_and_year(results, fmt):
    off = [(r.id, r.template, r.expected_template, r.year, r.expected_year)
           for r in _formats_results(results, fmt) if not (r.template_ok and r.year_ok)]
    assert off == []


def test_benchmark_writes_json_and_exits_0(tmp_path):
    out = tmp_path / "bench.json"
    assert main(["--format", "html", "--json", str(out)]) == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["formats"]["html"]["documents"] == sum(1 for d in data["documents"])
    assert {"accuracy", "nulls", "silent_errors", "flagged_errors", "template_right",
            "year_right", "median_seconds", "max_seconds"} <= set(data["total"])


def test_benchmark_writes_its_results_file(tmp_path):
    """The figures docs cite come from a file the benchmark writes, with its command."""
    out = tmp_path / "results" / "extraction.md"
    assert main(["--format", "html", "--results", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert "python -m bench.extraction --format html --results" in text
    html_rows = [line for line in text.splitlines() if line.startswith("html ")]
    assert len(html_rows) == 1 and "%" in html_rows[0]
    assert "## By layout trait" not in text  # only the layout corpus has traits

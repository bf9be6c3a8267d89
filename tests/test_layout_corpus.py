"""The layout-varied corpus (tests/layout_corpus) is sound: a small sample of its dev part,
one document per main trait, rendered through the real toolchains (LibreOffice, python-docx,
Chromium), with complete expected cells, its traits recorded, and the printed numbers in the
PDF's text.

The extractor reads every document of the sample, and each of its companions in the other
text formats, right: one document at least for each layout trait (`test_reads_every_trait`).
The whole corpus is measured by `python -m bench.extraction --corpus layout`; only the dev
part is read here, the holdout is the benchmark's.
"""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest

from crawler.sample_sites.templates import canonical_keys
from tests.layout_corpus import generate as lc

MAIN_TRAITS = ("via:libreoffice", "via:docx", "via:chromium", "via:chromium-real",
               "width:very_narrow", "no_rules", "partial_rules", "landscape", "prose_4",
               "split_3", "blank_zeros", "separate_2")
# Traits that must be among the sample's, measured on the printed pages or chosen.
READ_TRAITS = (*MAIN_TRAITS, "full_rules", "wrapped_headers", "all_headers_wrapped",
               "page_break_in_table", "template:2019", "template:2021", "real_page")
PLANNED = 200  # the sample is picked from the first PLANNED documents of the default seed

pytestmark = pytest.mark.skipif(
    not (shutil.which("soffice") and Path(lc.CHROMIUM).exists()),
    reason="needs LibreOffice (soffice) and Chromium")


def sample() -> list[lc.Doc]:
    """One dev document per main trait (a different document for each where one exists)."""
    dev = [d for d in lc.plan(lc.DEFAULT_SEED, PLANNED) if d.part == "dev"]
    chosen: list[lc.Doc] = []
    for trait in MAIN_TRAITS:
        having = [d for d in dev if trait in d.traits()]
        assert having, f"no dev document has {trait}"
        fresh = [d for d in having if d.id not in {c.id for c in chosen}]
        if fresh:
            chosen.append(fresh[0])
    return sorted(chosen, key=lambda d: d.n)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict], list[lc.Doc]]:
    out = tmp_path_factory.mktemp("layout-corpus")
    docs = sample()
    manifest = [e for e in lc.build(docs, out, log=lambda m: None) if "companion_of" not in e]
    return out, manifest, docs


def test_plan_is_seeded_and_split() -> None:
    a, b = lc.plan(lc.DEFAULT_SEED, 60), lc.plan(lc.DEFAULT_SEED, 60)
    assert [d.key() for d in a] == [d.key() for d in b]
    assert [d.key() for d in lc.plan(lc.DEFAULT_SEED + 1, 60)] != [d.key() for d in a]
    full = lc.plan(lc.DEFAULT_SEED, lc.DEFAULT_N)
    assert len(full) >= 400
    holdout = sum(d.part == "holdout" for d in full) / len(full)
    assert 0.12 < holdout < 0.28
    # The part depends on the id only, so growing the corpus never moves a document.
    assert all(d.part == lc.part_of(d.id) for d in full)
    seen = {t for d in full for t in d.traits()}
    for trait in (*MAIN_TRAITS, "width:very_narrow", "font:serif", "font:sans", "font:mono",
                  "font:fangsong", "full_rules", "portrait", "table_4", "html:plain",
                  "html:word", "html:mso"):
        assert trait in seen, trait
    assert {f"prose_4:w{i + 1}" for i in range(len(lc.PROSE_4))} <= seen


def test_sample_is_dev_and_small(built) -> None:
    _, manifest, docs = built
    assert len(docs) <= len(MAIN_TRAITS)
    assert {d.template for d in docs} == {"2019", "2021"}
    assert all(e["part"] == "dev" for e in manifest)


def test_expected_cells_complete(built) -> None:
    out, manifest, _ = built
    for e in manifest:
        exp = json.loads((out / e["expected"]).read_text(encoding="utf-8"))
        assert (exp["template"], exp["year"], exp["agency"]) == (e["template"], e["year"], e["agency"])
        keys = {f"{s}.{r}.{c}" for s, rows in exp["cells"].items() for r, cols in rows.items()
                for c in cols}
        assert keys == set(canonical_keys(e["template"])), e["id"]


def test_traits_recorded(built) -> None:
    out, manifest, docs = built
    seen = set()
    for e, d in zip(manifest, docs, strict=True):
        traits = e["traits"]
        seen |= set(traits)
        assert set(d.traits()) <= set(traits)
        assert f"via:{e['toolchain']}" in traits and f"template:{e['template']}" in traits
        assert any(t.startswith("font:") for t in traits)
        assert sum(t in traits for t in ("full_rules", "partial_rules", "no_rules")) == 1
        assert sum(t in traits for t in ("portrait", "landscape")) == 1
        assert (out / e["file"]).stat().st_size > 1000
        if e["format"] == "pdf":
            assert (out / e["file"]).read_bytes().startswith(b"%PDF")
            assert any(t.startswith("pages:") for t in traits)
            assert sum(t in traits for t in ("wrapped_headers", "headers_on_one_line")) == 1
            assert sum(t in traits for t in ("page_break_in_table", "tables_on_one_page",
                                             "page_break_unknown")) == 1
        else:
            assert (out / e["file"]).read_bytes().startswith(b"PK")
    assert set(MAIN_TRAITS) <= seen
    # Measured on the printed pages: very narrow columns wrap the headers.
    for e, d in zip(manifest, docs, strict=True):
        if d.width == "very_narrow" and e["format"] == "pdf":
            assert "wrapped_headers" in e["traits"], e["id"]


def test_printed_numbers_in_the_text(built) -> None:
    import docx

    out, manifest, docs = built
    for e, d in zip(manifest, docs, strict=True):
        data = (out / e["file"]).read_bytes()
        if e["format"] == "pdf":
            text = "".join("".join(page) for page in lc.pdf_lines(data))
        else:
            document = docx.Document(io.BytesIO(data))
            text = "".join(c.text for t in document.tables for row in t.rows for c in row.cells)
            text += "".join(p.text for p in document.paragraphs)
            text = "".join(text.split())
        if d.toolchain == "chromium-real":
            assert "平潭综合实验区" in text and "行政复议" in text
        else:
            assert d.agency in text
        if d.prose4 is not None:
            assert lc.PROSE_4[d.prose4].format(year=d.year, agency=d.agency)[-8:] in text
        numbers = lc.printed_numbers(d)
        assert numbers
        if "broken_numbers" in e["traits"]:
            # Printed over two lines in a cell too narrow for its font size (mostly narrow
            # columns, or a large font): the digits are there, not the whole number.
            assert e["format"] == "pdf", e["id"]
            digits = "".join(ch for ch in text if ch.isdigit())
            assert all(ch in digits for n in numbers for ch in n if ch.isdigit())
            continue
        missing = [n for n in numbers if n not in text]
        assert not missing, (e["id"], missing[:10])


def test_companions_in_every_text_format(built) -> None:
    """The source of each document is kept in the other text formats, sharing its cells."""
    out, _, docs = built
    everything = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    companions = [e for e in everything if "companion_of" in e]
    assert {"html", "docx", "doc", "wps"} <= {e["format"] for e in companions}
    by_id = {d.id: d for d in docs}
    magic = {"html": b"<!DOCTYPE html", "docx": b"PK", "doc": b"\xd0\xcf\x11\xe0", "wps": b"\xd0\xcf\x11\xe0",
             "scan": b"%PDF"}
    for e in companions:
        doc = by_id[e["companion_of"]]
        assert e["format"] in lc.companions(doc) and e["part"] == doc.part
        assert e["expected"] == f"expected/{doc.id}.json"
        data = (out / e["file"]).read_bytes()
        assert data.lstrip().startswith(magic[e["format"]]) or e["format"] == "html" and b"<html" in data[:2000], e["id"]


def test_benchmark_reports_per_trait(built) -> None:
    """The benchmark's per-trait figures cover every trait of the sample (numbers unchecked)."""
    from bench.extraction import by_trait, evaluate, summarise, table

    out, manifest, _ = built
    everything = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    results = evaluate(out, part="dev")
    assert len(results) == len(everything)
    traits = by_trait(results)
    assert set(traits) == {t for e in everything for t in e["traits"]}
    for name, s in traits.items():
        assert s["documents"] == sum(name in e["traits"] for e in everything)
        assert s["cells"] > 0 and {"accuracy", "nulls", "silent_errors", "template_right",
                                   "year_right"} <= set(s)
    printed = table(traits, summarise(results), name="trait")
    assert all(t in printed for t in MAIN_TRAITS)
    assert evaluate(out, part="holdout") == []


# Where the readers meet the benchmark's target (99.5 % of cells), document by document: every
# text format, and PDFs whose tables have their ruling lines. Tables printed without column
# rules are not there yet (issue 22): for them, the bar is the template, the year, no wrong
# number, and together UNRULED_FLOOR of their cells; the benchmark reports the rest.
UNRULED = ("partial_rules", "no_rules")
UNRULED_FLOOR = 0.85


def test_reads_every_trait(built) -> None:
    """Every document of the sample and every companion (HTML, DOCX, DOC, WPS) is read with
    the right template and year, no wrong number (silent or flagged), and, but for PDFs of
    tables without column rules, 99.5 % of its cells."""
    from bench.extraction import evaluate_document

    out, _, _ = built
    everything = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    seen: set[str] = set()
    misses = []
    unruled_cells = unruled_correct = 0
    for e in everything:
        if e["format"] == "scan":  # OCR has its own tests; a scan here would cost a minute
            continue
        r = evaluate_document(out, e)
        seen |= set(e["traits"])
        assert r.silent == 0 and r.flagged == 0, (e["id"], [x for x in r.errors if x.kind != "null"][:3])
        assert (r.template, r.year) == (r.expected_template, r.expected_year), e["id"]
        unruled = e["format"] == "pdf" and any(t in e["traits"] for t in UNRULED)
        if unruled:
            unruled_cells, unruled_correct = unruled_cells + r.cells, unruled_correct + r.correct
        elif r.correct < 0.995 * r.cells:
            misses.append((e["id"], e["format"], f"{r.correct}/{r.cells}", r.errors[:2]))
    assert not misses, misses
    assert unruled_cells and unruled_correct >= UNRULED_FLOOR * unruled_cells, (unruled_correct, unruled_cells)
    assert set(READ_TRAITS) <= seen, set(READ_TRAITS) - seen

"""The performance benchmark runs end to end at a tiny N and prints every figure.

No timing assertions: speed targets live in `python -m bench.performance`, never in tests."""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

FIGURES = [
    "reports stored",
    "crawl pages/min while fetching",
    "crawl pages/min end to end",
    "scrapy bench pages/min",
    "crawl end to end / scrapy bench",
    "longest fetch pause s",
    "extract html ms/doc (bare)",
    "extract html overhead",
    "each process: group median",
    "same, bare read = parse + cell texts",
    "same, bare read = open + cell texts by python-docx",
    "extract docx ms/doc (bare)",
    "extract docx overhead",
    "extract pdf ms/doc (bare)",
    "extract pdf overhead",
    "db write cells/s",
    "db size KB/report (crawl)",
    "peak RSS MB (crawl process)",
    "RSS growth KB/report",
]


def test_benchmark_prints_every_figure(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    proc = subprocess.run(
        [sys.executable, "-m", "bench.performance", "--n", "20", "--n", "40", "--per-site", "20",
         "--bench-seconds", "2", "--samples", "1", "--html-samples", "2", "--reps", "1", "--processes", "2",
         "--doc-reports", "0", "--json", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    for figure in FIGURES:
        assert figure in proc.stdout, f"{figure!r} missing from:\n{proc.stdout}"
    assert "N=20" in proc.stdout and "N=40" in proc.stdout
    assert "growth from N=20 to N=40" in proc.stdout
    results = json.loads(out.read_text())
    assert [r["n"] for r in results] == [20, 40]
    for r in results:
        # Every report was crawled and stored (a count, not a speed).
        assert r["crawl"]["archive"]["reports"] == r["n"]
        assert r["crawl"]["pages_per_min"] > 0 and r["scrapy_bench"]["pages_per_min"] > 0
        assert r["crawl"]["end_to_end_pages_per_min"] > 0
        assert set(r["extraction"]) == {"html", "docx", "pdf"}
        assert r["extraction"]["html"]["other_bare"]["ratio"] > 0
        # Measured in two processes, the figure their median.
        for fmt in ("html", "docx", "pdf"):
            e = r["extraction"][fmt]
            assert len(e["processes"]) == 2 and e["ratio"] == statistics.median(e["processes"])
        assert r["db"]["cells"] > 0


def test_extraction_sample_keeps_the_page_styles_proportions() -> None:
    """The HTML figure is a mix of page styles that cost different multiples of a parse, so the
    benchmark's samples take each style in the population's proportion, and its warm-up and
    measured samples never share a document."""
    from collections import Counter

    from bench.synthetic_sites import HTML_STYLES, SyntheticReport, SyntheticSites

    for n in (500, 5000):
        reports = [SyntheticReport("s", i, "html", f"/s/{i}.htm", None, HTML_STYLES[i % 3]) for i in range(n)]
        reports += [SyntheticReport("s", n + i, "pdf", f"/s/{n + i}.htm", f"/s/{n + i}.pdf") for i in range(40)]
        sites = SyntheticSites(Path("/www"), reports=reports)
        warm, measured = sites.files("html", 200, parts=2)
        assert len(warm) == len(measured) == 200 and not set(warm) & set(measured)
        style = {f"/www/s/{r.doc_id}.htm": r.style for r in reports}
        for sample in (warm, measured):
            counts = Counter(style[str(p)] for p in sample)
            assert set(counts) == set(HTML_STYLES) and max(counts.values()) - min(counts.values()) <= 1
            assert sample == sorted(sample, key=lambda p: int(p.stem))  # site order
        (pdfs,) = sites.files("pdf", 100)
        assert len(pdfs) == 40 and all(p.suffix == ".pdf" for p in pdfs)

"""The seed report (余姚市公共资源交易管理办公室, 2020), rendered as HTML and as DOCX:
`govreports extract` must print exactly its numbers. Expected values are the seed's own
printed numbers, written out here from the document."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

SEED_DIR = Path(__file__).parents[1] / "crawler" / "sample_sites" / "seed"

EXPECTED_ACTIVE = {
    "regulations": {"made_this_year": 0, "published_this_year": 2, "total_published": 2},
    "normative_documents": {"made_this_year": 0, "published_this_year": 0, "total_published": 0},
    "administrative_licensing": {"items_last_year": 0, "change_this_year": 0, "decisions": 0},
    "other_management_services": {"items_last_year": 2, "change_this_year": 0, "decisions": 2},
    "administrative_penalty": {"items_last_year": 0, "change_this_year": 26, "decisions": 1},
    "administrative_coercion": {"items_last_year": 0, "change_this_year": 0, "decisions": 0},
    "administrative_fees": {"items_last_year": 1, "change_this_year": 0},
    "centralized_procurement": {"procurement_projects": 10, "procurement_amount": 16.4543},
}


def run_extract(path: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "crawler.cli", "extract", str(path), *args],
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("name", ["yuyao-2020.html", "yuyao-2020.docx"])
def test_seed_extracts_exactly(name):
    proc = run_extract(SEED_DIR / name, "--json")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert (out["template"], out["year"], out["agency"]) == ("2019", 2020, "余姚市公共资源交易管理办公室")
    assert out["active_disclosure"] == EXPECTED_ACTIVE
    assert out["units"]["active_disclosure.centralized_procurement.procurement_amount"] == "万元"
    # Section 三: the seed prints 0 in every one of its 23 rows × 7 columns.
    assert len(out["applications"]) == 23
    assert all(v == 0 for row in out["applications"].values() for v in row.values())
    assert len(out["applications"]["carried_over"]) == 7
    # Section 四 is a sentence: every cell 0, with a warning that says so.
    assert all(v == 0 for p in out["reviews_litigation"].values() for v in p.values())
    assert any("section 四 given as prose" in w for w in out["warnings"])
    assert out["nulls"] == []
    assert out["checks"] and all(c["passed"] for c in out["checks"])
    assert out["status"] == "ok"


def test_human_readable_output_and_exit_codes(tmp_path):
    proc = run_extract(SEED_DIR / "yuyao-2020.docx")
    assert proc.returncode == 0
    assert "status:   ok" in proc.stdout and "0 failed" in proc.stdout
    missing = run_extract(tmp_path / "nope.pdf")
    assert missing.returncode != 0 and "no such file" in missing.stderr
    assert "Traceback" not in missing.stderr
    junk = tmp_path / "junk.doc"
    junk.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    proc = run_extract(junk)
    assert proc.returncode == 1 and "unsupported" in proc.stderr and "Traceback" not in proc.stderr

"""`govreports release` (pipelines/release.py) on the demo archive: the manifest's checksums
and row counts hold, the Parquet and CSV exports give back the rows of the SQLite database, a
second release of the unchanged archive is byte-identical, the changelog finds reports added,
changed and withdrawn, and the loading examples of docs/loading.md run against the release and
reproduce the `requests_by_year` canned query."""

from __future__ import annotations

import csv
import filecmp
import json
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import yaml
from click.testing import CliRunner

from pipelines import codebook as cb
from pipelines.release import (
    DB_NAME,
    build_release,
    exported_relations,
    release_command,
    sha256_file,
    verify_release,
)
from tests.helpers import free_port, govreports, wait_for

ROOT = Path(__file__).resolve().parent.parent
LOADING = ROOT / "docs" / "loading.md"


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory) -> Path:
    data = tmp_path_factory.mktemp("demo")
    out = govreports("demo", "--no-serve", "--data-dir", str(data))
    assert out.returncode == 0, out.stdout + out.stderr
    return data / "archive.db"


@pytest.fixture(scope="module")
def release(demo_db, tmp_path_factory):
    return build_release(demo_db, tmp_path_factory.mktemp("releases"))


def ro(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{path}?immutable=1", uri=True)


def tree(path: Path) -> dict[str, bytes]:
    return {p.relative_to(path).as_posix(): p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file()}


def test_release_layout_name_and_citation(demo_db, release):
    with ro(demo_db) as conn:
        as_of = conn.execute("select max(finished_at) from crawl_runs").fetchone()[0]
    assert release.status == "new" and release.version == 1
    assert release.path.name == release.name == f"{as_of[:10]}-v1"
    names = set(tree(release.path))
    for required in (DB_NAME, "inspect-data.json", "metadata.yml", "codebook.md", "methodology.md", "loading.md",
                     "CHANGELOG.md", "CITATION.cff", "README.md", "manifest.json", "SHA256SUMS"):
        assert required in names, required
    assert not (release.path / DB_NAME).stat().st_mode & 0o222, "the database is not read-only"
    cff = yaml.safe_load((release.path / "CITATION.cff").read_text(encoding="utf-8"))
    assert cff["cff-version"] == "1.2.0" and cff["type"] == "dataset"
    assert cff["version"] == release.name and str(cff["date-released"]) == release.date and cff["authors"]
    assert (release.path / "methodology.md").read_bytes() == (ROOT / "docs" / "methodology.md").read_bytes()
    changelog = (release.path / "CHANGELOG.md").read_text(encoding="utf-8")
    with ro(demo_db) as conn:
        latest = conn.execute("select count(*) from reports where is_latest = 1").fetchone()[0]
    assert f"First release: {latest} reports" in changelog
    assert release.manifest["changes"] == {"added": latest, "changed": 0, "withdrawn": 0}


def test_manifest_checksums_and_row_counts(demo_db, release):
    path, manifest = release.path, release.manifest
    assert json.loads((path / "manifest.json").read_text(encoding="utf-8")) == manifest
    assert verify_release(path) == []
    listed = {f["path"]: f for f in manifest["files"]}
    for rel, f in listed.items():
        assert sha256_file(path / rel) == f["sha256"] and (path / rel).stat().st_size == f["bytes"], rel
    sums = dict(reversed(line.split("  ", 1)) for line in (path / "SHA256SUMS").read_text().splitlines())
    assert set(sums) == set(listed) | {"manifest.json"}
    assert all(sha256_file(path / p) == h for p, h in sums.items())
    # every table and view is exported, with the row count of the database (source and copy)
    with ro(path / DB_NAME) as copy, ro(demo_db) as source:
        relations = {name for name, _, _ in exported_relations(copy)}
        assert set(manifest["tables"]) == relations
        assert {"reports", "applications", "site_health"} <= relations
        for name, t in manifest["tables"].items():
            n = copy.execute(f"select count(*) from [{name}]").fetchone()[0]
            assert t["rows"] == n == source.execute(f"select count(*) from [{name}]").fetchone()[0], name
            assert listed[t["csv"]]["rows"] == listed[t["parquet"]]["rows"] == n
            assert pq.ParquetFile(path / t["parquet"]).metadata.num_rows == n
            with open(path / t["csv"], encoding="utf-8", newline="") as f:
                assert sum(1 for _ in csv.reader(f)) == n + 1, name
        assert copy.execute("pragma integrity_check").fetchone()[0] == "ok"
    inspect = json.loads((path / "inspect-data.json").read_text())["archive"]
    assert inspect["hash"] == listed[DB_NAME]["sha256"] and inspect["file"] == DB_NAME
    assert inspect["tables"]["reports"]["count"] == manifest["tables"]["reports"]["rows"]
    # the codebook in the release covers the released schema
    with ro(path / DB_NAME) as copy:
        book = cb.build_codebook(copy, yaml.safe_load((path / "metadata.yml").read_text(encoding="utf-8")))
    assert not book.missing
    assert (path / "codebook.md").read_text(encoding="utf-8") == book.to_markdown()


def _from_csv(text: str, parquet_type: str):
    if text == "":
        return None  # NULL, or an empty string: CSV readers cannot tell them apart
    return {"int64": int, "double": float, "string": str, "binary": bytes.fromhex}[parquet_type](text)


def test_parquet_and_csv_give_back_the_rows_of_sqlite(release):
    path = release.path
    with ro(path / DB_NAME) as conn:
        for name, t in release.manifest["tables"].items():
            cols = [c["name"] for c in t["columns"]]
            types = [c["parquet_type"] for c in t["columns"]]
            rows = conn.execute(f"select {', '.join(f'[{c}]' for c in cols)} from [{name}] order by {t['order_by']}").fetchall()
            table = pq.read_table(path / t["parquet"])
            assert table.column_names == cols
            assert [str(table.schema.field(c).type) for c in cols] == [
                {"int64": "int64", "double": "double", "string": "string", "binary": "binary"}[x] for x in types]
            parquet_rows = [tuple(r[c] for c in cols) for r in table.to_pylist()]
            assert len(parquet_rows) == len(rows)
            for got, want in zip(parquet_rows, rows, strict=True):
                assert got == want, name  # exactly, '' and NULL kept apart
            with open(path / t["csv"], encoding="utf-8", newline="") as f:
                reader = csv.reader(f)
                assert next(reader) == cols
                csv_rows = [tuple(_from_csv(v, ty) for v, ty in zip(r, types, strict=True)) for r in reader]
            for got, want in zip(csv_rows, rows, strict=True):
                assert got == tuple(None if v == "" else v for v in want), name
    # a blank cell's empty printed text survives in Parquet and is written "" in CSV
    apps = pq.read_table(path / "parquet" / "applications.parquet", columns=["printed", "was_blank"]).to_pylist()
    blanks = sum(1 for r in apps if r["printed"] == "")
    text = (path / "csv" / "applications.csv").read_text(encoding="utf-8")
    assert blanks and text.count(',"",') >= blanks


def test_a_second_release_of_the_unchanged_archive_is_byte_identical(demo_db, release, tmp_path):
    again = build_release(demo_db, tmp_path / "elsewhere")
    assert again.name == release.name and again.status == "new"
    first, second = tree(release.path), tree(again.path)
    assert first.keys() == second.keys()
    assert [p for p in first if first[p] != second[p]] == []
    # in the same releases folder: the same content is the same release, no new version
    same = build_release(demo_db, release.path.parent)
    assert same.status == "unchanged" and same.path == release.path
    assert sorted(p.name for p in release.path.parent.iterdir()) == [release.name]
    assert tree(release.path) == first


def test_changelog_lists_reports_added_changed_and_withdrawn(demo_db, release, tmp_path):
    root = tmp_path / "releases"
    shutil.copytree(release.path, root / release.name)
    db = tmp_path / "archive.db"
    shutil.copyfile(demo_db, db)
    with sqlite3.connect(db) as conn:
        ids = [r[0] for r in conn.execute("select id from reports where is_latest = 1 order by id")]
        changed_id, withdrawn_id = ids[0], ids[1]
        cols = [r[1] for r in conn.execute("pragma table_info(reports)") if r[1] != "id"]
        keys = {i: conn.execute("select site_id, doc_key from reports where id = ?", [i]).fetchone()
                for i in (changed_id, withdrawn_id)}
        # a new version of one report ...
        sel = ", ".join({"version": "version + 1", "fingerprint": "'changed'"}.get(c, c) for c in cols)
        conn.execute(f"insert into reports ({', '.join(cols)}) select {sel} from reports where id = ?", [changed_id])
        conn.execute("update reports set is_latest = 0 where id = ?", [changed_id])
        # ... a new report ...
        sel = ", ".join({"doc_key": "'/added/report.html'", "fingerprint": "'added'", "version": "1", "is_latest": "1"}.get(c, c) for c in cols)
        conn.execute(f"insert into reports ({', '.join(cols)}) select {sel} from reports where id = ?", [changed_id])
        # ... and one that is gone
        for table in ("active_disclosure", "applications", "reviews_litigation", "raw_tables", "report_files"):
            conn.execute(f"delete from {table} where report_id = ?", [withdrawn_id])
        conn.execute("delete from checks where report_id = ? or related_report_id = ?", [withdrawn_id] * 2)
        conn.execute("delete from reports where id = ?", [withdrawn_id])
    v2 = build_release(db, root)
    assert v2.status == "new" and v2.version == 2 and v2.name == release.name.replace("-v1", "-v2")
    assert v2.manifest["previous"] == release.name
    assert v2.manifest["changes"] == {"added": 1, "changed": 1, "withdrawn": 1}
    log = (v2.path / "CHANGELOG.md").read_text(encoding="utf-8")
    sections = dict(re.findall(r"^## (.+?) \(\d+\)\n(.*?)(?=^## |\Z)", log, re.M | re.S))
    assert "/added/report.html" in sections["新增 / Added"]
    assert keys[changed_id][1] in sections["更新（新版本） / Changed (new version)"]
    assert "1 → 2" in sections["更新（新版本） / Changed (new version)"]
    assert keys[withdrawn_id][1] in sections["撤回或不再是最新 / Withdrawn"]
    assert "| reports |" in log
    assert verify_release(v2.path) == []
    # files whose data did not change are byte-identical to the previous release's
    for unchanged in ("csv/sites.csv", "parquet/sites.parquet", "csv/crawl_runs.csv", "parquet/files.parquet",
                      "methodology.md", "metadata.yml"):
        assert filecmp.cmp(v2.path / unchanged, release.path / unchanged, shallow=False), unchanged
    assert not filecmp.cmp(v2.path / "csv/reports.csv", release.path / "csv/reports.csv", shallow=False)


def _python_blocks(markdown: str) -> list[str]:
    return re.findall(r"^```python\n(.*?)^```", markdown, re.M | re.S)


def test_loading_examples_reproduce_the_canned_query(demo_db, release, tmp_path):
    """docs/loading.md's Python blocks, run against the release (served by Datasette as the
    page says), give the numbers of `requests_by_year` computed on the archive itself."""
    port = free_port()
    log = open(tmp_path / "datasette.log", "wb")
    proc = subprocess.Popen([sys.executable, "-m", "datasette", "serve", "-i", DB_NAME, "--inspect-file",
                             "inspect-data.json", "--metadata", "metadata.yml", "--port", str(port)],
                            cwd=release.path, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_for(f"http://127.0.0.1:{port}/-/versions.json", proc=proc)
        code = "\n".join(_python_blocks(LOADING.read_text(encoding="utf-8")))
        code, n = re.subn(r'^release = Path\(".*?"\)', f"release = Path({str(release.path)!r})", code, flags=re.M)
        assert n == 1
        code, n = re.subn(r'^base = ".*?"', f'base = "http://127.0.0.1:{port}"', code, flags=re.M)
        assert n == 1
        namespace: dict = {"__name__": "loading_md"}
        exec(compile(code, str(LOADING), "exec"), namespace)  # noqa: S102 - the docs' own examples
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()
    by_year = namespace["by_year"]
    metadata = yaml.safe_load((ROOT / "crawler" / "publish" / "metadata.yml").read_text(encoding="utf-8"))
    sql = metadata["databases"]["archive"]["queries"]["requests_by_year"]["sql"]
    with ro(demo_db) as conn:
        conn.row_factory = sqlite3.Row
        expected = [dict(r) for r in conn.execute(sql, {"template": ""})]
    assert len(by_year) == len(expected) > 1
    assert sum(r["new_received"] or 0 for r in expected) > 0
    assert set(by_year.columns) == set(expected[0]) - {"null_cells"}
    for got, want in zip(by_year.to_dict("records"), expected, strict=True):
        for key, g in got.items():
            value = want[key]
            if value is None:
                assert g is None or g != g, (key, got, want)  # None or NaN
            else:
                assert g == value, (key, got, want)


def test_release_command(demo_db, tmp_path):
    runner = CliRunner()
    out = runner.invoke(release_command, ["--db", str(demo_db), "--out", str(tmp_path), "--date", "2030-01-02",
                                          "--version", "7", "--author", "Example Researcher"])
    assert out.exit_code == 0, out.output
    assert re.search(r"release 2030-01-02-v7: .* MB, \d+ reports; \d+ added, 0 changed, 0 withdrawn", out.output)
    cff = yaml.safe_load((tmp_path / "2030-01-02-v7" / "CITATION.cff").read_text(encoding="utf-8"))
    assert cff["authors"] == [{"name": "Example Researcher"}]
    again = runner.invoke(release_command, ["--db", str(demo_db), "--out", str(tmp_path), "--date", "2030-01-02",
                                            "--author", "Example Researcher"])
    assert again.exit_code == 0 and "unchanged" in again.output, again.output

"""Citable releases: a dated, versioned, self-describing bundle of the archive.

    govreports release [--db PATH] [--out DIR] [--date YYYY-MM-DD] [--version N]

writes `DIR/<date>-v<N>/`:

    archive.db            the database (VACUUM INTO copy, full-text index rebuilt, read-only)
    inspect-data.json     `datasette inspect` of it, for `datasette serve -i`
    metadata.yml          the Datasette metadata (descriptions, canned queries)
    csv/<name>.csv        every table and view (not the full-text index or schema history)
    parquet/<name>.parquet
    codebook.md           generated from the schema (pipelines/codebook.py)
    methodology.md        docs/methodology.md;  loading.md: docs/loading.md
    CHANGELOG.md          reports added, changed and withdrawn since the previous release
    CITATION.cff, README.md
    manifest.json         row counts, columns and types, SHA-256 and size of every file
    SHA256SUMS            `sha256sum -c SHA256SUMS` checks every file, the manifest included

Nothing depends on when or where the release is built: the date comes from the data (the
archive's latest crawl), rows are written in primary-key order, Parquet with fixed settings,
and there are no timestamps but the data's own. So the same archive gives the same bytes
(with the same SQLite and pyarrow, which the manifest records). A build whose content is
identical to the latest release's is not a new version: the existing release is reported.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import click

from . import codebook as cb

ROOT = Path(__file__).resolve().parent.parent
DOCS_DIR = ROOT / "docs"
RELEASE_RE = re.compile(r"^(\d{4}-\d{2}-\d{2})-v(\d+)$")
DB_NAME = "archive.db"
# Files that name the release (its version, date, predecessor); everything else is content,
# and two builds with the same content are the same release.
RELEASE_FILES = ("README.md", "CITATION.cff", "CHANGELOG.md", "manifest.json", "SHA256SUMS")
BATCH = 50_000  # rows per fetch and per Parquet row group


class ReleaseError(click.ClickException):
    pass


@dataclass
class Release:
    path: Path
    name: str
    version: int
    date: str
    status: str  # new | unchanged
    manifest: dict
    seconds: float = 0.0

    @property
    def size(self) -> int:
        return sum(f["bytes"] for f in self.manifest["files"])


# ── helpers ───────────────────────────────────────────────────────────────────

def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _connect_ro(path: Path, immutable: bool = False) -> sqlite3.Connection:
    flag = "immutable=1" if immutable else "mode=ro"
    return sqlite3.connect(f"file:{quote(str(path.resolve()))}?{flag}", uri=True)


def _scalar(conn: sqlite3.Connection, sql: str):
    try:
        return conn.execute(sql).fetchone()[0]
    except sqlite3.Error:
        return None


def data_date(conn: sqlite3.Connection) -> str:
    """The date the data is as of: the latest crawl's end, else the latest fetch (UTC)."""
    stamp = _scalar(conn, "select max(finished_at) from crawl_runs") or _scalar(
        conn, "select max(fetched_at) from reports")
    if not stamp:
        raise ReleaseError("the archive has no crawl runs or fetched reports to date the release by: pass --date")
    return str(stamp)[:10]


def existing_releases(root: Path) -> list[tuple[int, str, Path]]:
    """[(version, name, path)] of the finished releases under root, oldest version first."""
    out = []
    if root.is_dir():
        for p in root.iterdir():
            m = RELEASE_RE.match(p.name)
            if m and (p / "manifest.json").is_file():
                out.append((int(m.group(2)), p.name, p))
    return sorted(out)


def _software() -> dict:
    import pyarrow

    def git(*args: str) -> str | None:
        try:
            out = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=10)
        except OSError:
            return None
        return out.stdout.strip() or None if out.returncode == 0 else None

    try:
        from importlib.metadata import version
        govreports = version("govreports")
        datasette = version("datasette")
    except Exception:  # noqa: BLE001 - not installed as a package
        govreports = datasette = None
    return {"govreports": govreports, "git_commit": git("rev-parse", "HEAD"),
            "python": ".".join(map(str, sys.version_info[:3])), "sqlite": sqlite3.sqlite_version,
            "pyarrow": pyarrow.__version__, "datasette": datasette}


# ── the database copy ─────────────────────────────────────────────────────────

def copy_database(src: sqlite3.Connection, dest: Path) -> None:
    """A compact, consistent, history-independent copy: VACUUM INTO (a snapshot even while a
    crawl writes), rollback journal instead of WAL, full-text indexes rebuilt from their
    content, vacuumed again."""
    src.execute("VACUUM INTO ?", [str(dest)])
    conn = sqlite3.connect(dest, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode=DELETE")
        for (name,) in conn.execute(
                "select name from sqlite_master where type = 'table' and sql like 'CREATE VIRTUAL TABLE%USING FTS5%'"
        ).fetchall():
            try:
                conn.execute(f"INSERT INTO [{name}]([{name}]) VALUES('rebuild')")
                conn.execute(f"INSERT INTO [{name}]([{name}]) VALUES('optimize')")
            except sqlite3.OperationalError:
                pass  # contentless index: nothing to rebuild it from
        conn.execute("VACUUM")
        if conn.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise ReleaseError(f"integrity check failed on the copy {dest}")
    finally:
        conn.close()


# ── exports ───────────────────────────────────────────────────────────────────

def exported_relations(conn: sqlite3.Connection) -> list[tuple[str, str, list[tuple]]]:
    """Every table and view but full-text indexes and schema history (both stay in archive.db)."""
    out = []
    for name, kind, info, sql in cb.schema(conn):
        if name.startswith("_") or (sql or "").upper().startswith("CREATE VIRTUAL TABLE"):
            continue
        out.append((name, kind, info))
    return out


def _affinity(declared: str) -> str:
    d = (declared or "").upper()
    if "INT" in d:
        return "integer"
    if any(x in d for x in ("CHAR", "CLOB", "TEXT")):
        return "text"
    if "BLOB" in d:
        return "blob"
    if any(x in d for x in ("REAL", "FLOA", "DOUB", "NUM", "DEC")):
        return "real"
    return ""


def column_types(conn: sqlite3.Connection, name: str, info: list[tuple]) -> list[str]:
    """The Parquet type of each column: from its declared type, widened by what it holds."""
    cols = [c[1] for c in info]
    if not cols:
        return []
    probes = ", ".join(
        f"max(typeof([{c}]) = 'integer'), max(typeof([{c}]) = 'real'), "
        f"max(typeof([{c}]) = 'text'), max(typeof([{c}]) = 'blob')" for c in cols)
    seen = conn.execute(f"select {probes} from [{name}]").fetchone()
    types = []
    for i, c in enumerate(info):
        has_int, has_real, has_text, has_blob = (bool(x) for x in seen[4 * i: 4 * i + 4])
        aff = _affinity(c[2])
        if has_blob or (aff == "blob" and not has_text):
            types.append("binary")
        elif has_text or (aff == "text") or (not aff and not (has_int or has_real)):
            types.append("string")
        elif has_real or aff == "real":
            types.append("double")
        else:
            types.append("int64")
    return types


def _csv_field(v) -> str:
    if v is None:
        return ""
    if isinstance(v, str):
        if v == "" or any(ch in v for ch in ',"\r\n') or v != v.strip(" "):
            return '"' + v.replace('"', '""') + '"'
        return v
    if isinstance(v, float):
        return repr(v)
    if isinstance(v, bytes):
        return v.hex()
    return str(v)


def _as_string(v):
    if v is None or isinstance(v, str):
        return v
    if isinstance(v, bytes):
        return v.hex()
    return repr(v) if isinstance(v, float) else str(v)


def export_relation(conn: sqlite3.Connection, name: str, kind: str, info: list[tuple],
                    csv_path: Path, parquet_path: Path) -> dict:
    """Write one table or view as CSV and Parquet, rows in primary-key order (a view: ordered
    by all its columns). Returns its manifest entry."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    cols = [c[1] for c in info]
    pk = [c[1] for c in sorted((c for c in info if c[5]), key=lambda c: c[5])]
    if pk:
        order = ", ".join(f"[{c}]" for c in pk)
    elif kind == "table":
        order = "rowid"
    else:
        order = ", ".join(str(i + 1) for i in range(len(cols)))
    types = column_types(conn, name, info)
    arrow_types = {"int64": pa.int64(), "double": pa.float64(), "string": pa.string(), "binary": pa.binary()}
    schema = pa.schema([pa.field(c, arrow_types[t]) for c, t in zip(cols, types, strict=True)])
    convert = {
        "int64": lambda v: v,
        "double": lambda v: None if v is None else float(v),
        "string": _as_string,
        "binary": lambda v: v.encode() if isinstance(v, str) else v,
    }
    converters = [convert[t] for t in types]
    rows = 0
    cursor = conn.execute(f"select {', '.join(f'[{c}]' for c in cols)} from [{name}] order by {order}")
    with open(csv_path, "w", encoding="utf-8", newline="") as out, pq.ParquetWriter(
            parquet_path, schema, compression="zstd", compression_level=3, use_dictionary=True,
            write_statistics=True, version="2.6", data_page_version="1.0") as writer:
        out.write(",".join(_csv_field(c) for c in cols) + "\n")
        while True:
            batch = cursor.fetchmany(BATCH)
            if not batch:
                break
            rows += len(batch)
            out.write("".join(",".join(_csv_field(v) for v in row) + "\n" for row in batch))
            columns = list(zip(*batch, strict=True))
            arrays = [pa.array([f(v) for v in col], type=schema.field(i).type)
                      for i, (col, f) in enumerate(zip(columns, converters, strict=True))]
            writer.write_table(pa.Table.from_arrays(arrays, schema=schema), row_group_size=BATCH)
    return {
        "kind": kind, "rows": rows, "primary_key": pk, "order_by": order,
        "columns": [{"name": c[1], "sqlite_type": c[2] or "", "parquet_type": t} for c, t in zip(info, types, strict=True)],
        "csv": f"csv/{name}.csv", "parquet": f"parquet/{name}.parquet",
    }


def datasette_inspect(release_dir: Path) -> None:
    out = subprocess.run([sys.executable, "-m", "datasette", "inspect", DB_NAME, "--inspect-file",
                          "inspect-data.json"], cwd=release_dir, capture_output=True, text=True, timeout=600)
    if out.returncode != 0:
        raise ReleaseError(f"datasette inspect failed: {out.stderr[-2000:]}")


# ── changelog ─────────────────────────────────────────────────────────────────

REPORT_FIELDS = ("id", "site_id", "doc_key", "version", "fingerprint", "year", "agency", "title", "status", "url")


def latest_reports(conn: sqlite3.Connection) -> dict[tuple[str, str], dict]:
    """The current version of every report, keyed by (site_id, doc_key). A report marked
    withdrawn (a `withdrawn_at` column, or status 'withdrawn') is not current."""
    columns = {r[1] for r in conn.execute("pragma table_info(reports)")}
    fields = [f for f in REPORT_FIELDS if f in columns]
    where = "is_latest = 1"
    if "withdrawn_at" in columns:
        where += " and withdrawn_at is null"
    if "status" in columns:
        where += " and status is not 'withdrawn'"
    rows = conn.execute(f"select {', '.join(fields)} from reports where {where} order by site_id, doc_key")
    return {(r[1], r[2]): dict(zip(fields, r, strict=True)) for r in rows}


def compare_reports(prev: dict, cur: dict) -> dict[str, list]:
    added = [cur[k] for k in sorted(set(cur) - set(prev))]
    withdrawn = [prev[k] for k in sorted(set(prev) - set(cur))]
    changed = [(prev[k], cur[k]) for k in sorted(set(cur) & set(prev))
               if (prev[k]["version"], prev[k]["fingerprint"]) != (cur[k]["version"], cur[k]["fingerprint"])]
    return {"added": added, "changed": changed, "withdrawn": withdrawn}


def _cell(v) -> str:
    return "" if v is None else str(v).replace("|", "\\|").replace("\n", " ")


def changelog_markdown(name: str, previous: str | None, changes: dict, tables: dict, prev_tables: dict) -> str:
    out = [f"# 变更记录 / Changelog — {name}", ""]
    if previous is None:
        out += [f"首次发布：{len(changes['added'])} 份报告（最新版本）。 / First release: "
                f"{len(changes['added'])} reports (latest versions).", ""]
    else:
        out += [f"与上一版 {previous} 相比 / Compared with {previous}: {len(changes['added'])} added, "
                f"{len(changes['changed'])} changed, {len(changes['withdrawn'])} withdrawn.", ""]
    head = "| site_id | doc_key | version | year | agency | title | report id |"
    rule = "| --- | --- | --- | --- | --- | --- | --- |"
    sections = [("新增 / Added", [(r, r) for r in changes["added"]]),
                ("更新（新版本） / Changed (new version)", changes["changed"]),
                ("撤回或不再是最新 / Withdrawn", [(r, r) for r in changes["withdrawn"]])]
    for title, pairs in sections:
        out += [f"## {title} ({len(pairs)})", ""]
        if pairs:
            out += [head, rule]
            for before, now in pairs:
                version = str(now["version"]) if before is now else f"{before['version']} → {now['version']}"
                out.append(f"| {_cell(now['site_id'])} | {_cell(now['doc_key'])} | {version} | {_cell(now.get('year'))} "
                           f"| {_cell(now.get('agency'))} | {_cell(now.get('title'))} | {_cell(now['id'])} |")
            out.append("")
    if previous is not None:
        rows = [(n, prev_tables.get(n, {}).get("rows"), t["rows"]) for n, t in tables.items()]
        rows += [(n, t["rows"], None) for n, t in prev_tables.items() if n not in tables]
        diff = [r for r in rows if r[1] != r[2]]
        out += [f"## 行数 / Row counts ({len(diff)} changed)", ""]
        if diff:
            out += ["| table | before | now |", "| --- | --- | --- |"]
            out += [f"| {n} | {_cell(b)} | {_cell(a)} |" for n, b, a in diff]
            out.append("")
        schema_changes = []
        for n, t in tables.items():
            before = {c["name"] for c in prev_tables.get(n, {}).get("columns", [])}
            now = {c["name"] for c in t["columns"]}
            if n not in prev_tables:
                schema_changes.append(f"- new {t['kind']} `{n}`")
            else:
                schema_changes += [f"- `{n}.{c}` added" for c in sorted(now - before)]
                schema_changes += [f"- `{n}.{c}` removed" for c in sorted(before - now)]
        schema_changes += [f"- `{n}` removed" for n in prev_tables if n not in tables]
        out += [f"## 结构 / Schema ({len(schema_changes)} changes)", "", *schema_changes]
    return "\n".join(out).rstrip("\n") + "\n"


# ── release files ─────────────────────────────────────────────────────────────

def _yaml_str(s: str) -> str:
    return json.dumps(s, ensure_ascii=False)


def citation_cff(metadata: dict, name: str, date: str, authors: list[str], url: str | None) -> str:
    _, title_en = cb.split_bilingual(metadata.get("title"))
    _, abstract = cb.split_bilingual(metadata.get("description"))
    lines = ["cff-version: 1.2.0",
             'message: "If you use this dataset, please cite it as below, with its version."',
             "type: dataset",
             f"title: {_yaml_str((title_en or 'govreports archive') + ' (release ' + name + ')')}",
             f"version: {_yaml_str(name)}",
             f"date-released: {_yaml_str(date)}",
             "authors:"]
    lines += [f"  - name: {_yaml_str(a)}" for a in authors]
    if url:
        lines.append(f"repository-code: {_yaml_str(url)}")
    lines += [f"abstract: {_yaml_str(abstract)}",
              "keywords:",
              *(f"  - {_yaml_str(k)}" for k in ("政府信息公开工作年度报告", "government information disclosure",
                                                  "China", "open government information", "annual reports"))]
    return "\n".join(lines) + "\n"


def readme_markdown(metadata: dict, name: str, date: str, manifest: dict, authors: list[str]) -> str:
    title_zh, title_en = cb.split_bilingual(metadata.get("title"))
    tables = manifest["tables"]
    out = [f"# {title_zh} / {title_en}", "", f"Release **{name}** (data as of {date}).", "",
           "## How to cite / 引用", "",
           f"{', '.join(authors)} ({date[:4]}). *{title_en}*, release {name} [data set]. "
           "See CITATION.cff; name the release in your paper so others get the same data.", "",
           "## Contents / 内容", "",
           "| file | what |", "| --- | --- |",
           f"| `{DB_NAME}` | SQLite database (read-only copy of the archive; `datasette serve -i {DB_NAME} "
           "--inspect-file inspect-data.json --metadata metadata.yml`) |",
           "| `inspect-data.json` | Datasette inspect file (hash and row counts) for immutable serving |",
           "| `metadata.yml` | Datasette metadata: descriptions and canned queries |",
           "| `csv/`, `parquet/` | one file per table and view: "
           + ", ".join(f"`{n}` ({t['rows']} rows)" for n, t in tables.items()) + " |",
           "| `codebook.md` | every table, view and column: meaning (中文 / English), unit, template labels, coding |",
           "| `methodology.md` | how the data was collected, read, matched and checked; measured accuracy |",
           "| `loading.md` | loading the release in pandas, R, Stata and through the Datasette JSON API |",
           "| `CHANGELOG.md` | reports added, changed and withdrawn since the previous release |",
           "| `manifest.json` | row counts, columns and types, size and SHA-256 of every file |",
           "| `SHA256SUMS` | `sha256sum -c SHA256SUMS` verifies every file |", "",
           "Reports whose `status` is `needs_review` have a null cell or a failed identity: check "
           "their numbers against the original (`reports.url`) before use. Filter on `is_latest = 1`.", "",
           f"License: {metadata.get('license', '')}", ""]
    return "\n".join(out)


# ── build ─────────────────────────────────────────────────────────────────────

def _content_files(release_dir: Path) -> list[Path]:
    return sorted(p for p in release_dir.rglob("*") if p.is_file() and p.relative_to(release_dir).as_posix()
                  not in RELEASE_FILES)


def _content_digest(release_dir: Path, files: dict[str, dict]) -> str:
    h = hashlib.sha256()
    for path in sorted(files):
        if path not in RELEASE_FILES:
            h.update(f"{files[path]['sha256']}  {path}\n".encode())
    return h.hexdigest()


def build_release(db_path: str | Path, out_root: str | Path, *, date: str | None = None,
                  version: int | None = None, previous: str | Path | None = None,
                  metadata_path: str | Path = cb.METADATA_FILE, docs_dir: str | Path = DOCS_DIR,
                  authors: list[str] | tuple[str, ...] = (), repository_url: str | None = None) -> Release:
    """Build the release of the archive at db_path under out_root (see the module docstring)."""
    started = time.monotonic()
    db_path, out_root, docs_dir = Path(db_path), Path(out_root), Path(docs_dir)
    if not db_path.is_file():
        raise ReleaseError(f"no archive at {db_path}")
    if date is not None and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", date):
        raise ReleaseError(f"--date must be YYYY-MM-DD, got {date!r}")
    methodology = docs_dir / "methodology.md"
    if not methodology.is_file():
        raise ReleaseError(f"{methodology} is missing: a release must say how its data was produced")
    authors = list(authors) or ["govreports contributors"]
    metadata = cb.load_metadata(metadata_path)
    out_root.mkdir(parents=True, exist_ok=True)
    tmp = out_root / f".building-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    (tmp / "csv").mkdir(parents=True)
    (tmp / "parquet").mkdir()
    try:
        src = _connect_ro(db_path)
        try:
            date = date or data_date(src)
            copy_database(src, tmp / DB_NAME)
        finally:
            src.close()

        conn = _connect_ro(tmp / DB_NAME, immutable=True)
        try:
            codebook = cb.build_codebook(conn, metadata)
            try:
                cb.require_described(codebook)
            except cb.UndescribedSchema as exc:
                raise ReleaseError(str(exc)) from exc
            problems = cb.verify_key_labels()
            if problems:
                raise ReleaseError("codebook key labels disagree with the extractor: " + "; ".join(problems))
            tables = {name: export_relation(conn, name, kind, info, tmp / "csv" / f"{name}.csv",
                                            tmp / "parquet" / f"{name}.parquet")
                      for name, kind, info in exported_relations(conn)}
            current = latest_reports(conn)
            as_of = _scalar(conn, "select max(finished_at) from crawl_runs")
            n_versions = _scalar(conn, "select count(*) from reports")
        finally:
            conn.close()
        (tmp / "codebook.md").write_text(codebook.to_markdown(), encoding="utf-8")
        shutil.copyfile(methodology, tmp / "methodology.md")
        if (docs_dir / "loading.md").is_file():
            shutil.copyfile(docs_dir / "loading.md", tmp / "loading.md")
        shutil.copyfile(metadata_path, tmp / "metadata.yml")
        datasette_inspect(tmp)

        files = {p.relative_to(tmp).as_posix(): {"bytes": p.stat().st_size, "sha256": sha256_file(p)}
                 for p in _content_files(tmp)}
        digest = _content_digest(tmp, files)

        releases = existing_releases(out_root)
        if version is None:
            if releases:
                latest = json.loads((releases[-1][2] / "manifest.json").read_text(encoding="utf-8"))
                if latest.get("content_sha256") == digest:
                    return _unchanged(releases[-1], latest, started)
            version = releases[-1][0] + 1 if releases else 1
        name = f"{date}-v{version}"
        for v, n, p in releases:
            if v == version:
                manifest = json.loads((p / "manifest.json").read_text(encoding="utf-8"))
                if n == name and manifest.get("content_sha256") == digest:
                    return _unchanged((v, n, p), manifest, started)
                raise ReleaseError(f"version {version} already exists as {p} with other content: choose another --version")
        if previous is None:
            earlier = [r for r in releases if r[0] < version]
            previous_dir = earlier[-1][2] if earlier else None
        else:
            previous_dir = Path(previous)
            if not (previous_dir / "manifest.json").is_file():
                raise ReleaseError(f"{previous_dir} is not a release (no manifest.json)")

        prev_manifest: dict = {}
        prev_reports: dict = {}
        if previous_dir is not None:
            prev_manifest = json.loads((previous_dir / "manifest.json").read_text(encoding="utf-8"))
            prev_conn = _connect_ro(previous_dir / DB_NAME, immutable=True)
            try:
                prev_reports = latest_reports(prev_conn)
            finally:
                prev_conn.close()
        changes = compare_reports(prev_reports, current)
        previous_name = prev_manifest.get("release")
        (tmp / "CHANGELOG.md").write_text(
            changelog_markdown(name, previous_name, changes, tables, prev_manifest.get("tables", {})), encoding="utf-8")
        (tmp / "CITATION.cff").write_text(citation_cff(metadata, name, date, authors, repository_url), encoding="utf-8")
        manifest = {
            "release": name, "version": version, "date": date, "previous": previous_name,
            "title": metadata.get("title"),
            "data_as_of": as_of,
            "reports": {"versions": n_versions, "latest": len(current)},
            "changes": {k: len(v) for k, v in changes.items()},
            "content_sha256": digest,
            "software": _software(),
            "tables": tables,
        }
        (tmp / "README.md").write_text(readme_markdown(metadata, name, date, manifest, authors), encoding="utf-8")
        for extra in ("README.md", "CITATION.cff", "CHANGELOG.md"):
            p = tmp / extra
            files[extra] = {"bytes": p.stat().st_size, "sha256": sha256_file(p)}
        for entry in tables.values():
            files[entry["csv"]]["rows"] = files[entry["parquet"]]["rows"] = entry["rows"]
        manifest["files"] = [{"path": path, **files[path]} for path in sorted(files)]
        (tmp / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        sums = {**{path: f["sha256"] for path, f in files.items()}, "manifest.json": sha256_file(tmp / "manifest.json")}
        (tmp / "SHA256SUMS").write_text("".join(f"{sums[p]}  {p}\n" for p in sorted(sums)), encoding="utf-8")
        os.chmod(tmp / DB_NAME, 0o444)
        final = out_root / name
        tmp.rename(final)
        return Release(final, name, version, date, "new", manifest, time.monotonic() - started)
    finally:
        if tmp.exists():
            for p in tmp.rglob("*"):
                p.chmod(0o755 if p.is_dir() else 0o644)
            shutil.rmtree(tmp, ignore_errors=True)


def _unchanged(release: tuple[int, str, Path], manifest: dict, started: float) -> Release:
    version, name, path = release
    return Release(path, name, version, manifest["date"], "unchanged", manifest, time.monotonic() - started)


def verify_release(path: str | Path) -> list[str]:
    """Problems with a release on disk: files missing, extra, or not matching the manifest."""
    path = Path(path)
    manifest = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
    problems = []
    listed = {f["path"]: f for f in manifest["files"]}
    on_disk = {p.relative_to(path).as_posix() for p in path.rglob("*") if p.is_file()}
    problems += [f"missing: {p}" for p in sorted(set(listed) - on_disk)]
    problems += [f"not in the manifest: {p}" for p in sorted(on_disk - set(listed) - {"manifest.json", "SHA256SUMS"})]
    for p, f in listed.items():
        if p in on_disk and (sha256_file(path / p) != f["sha256"] or (path / p).stat().st_size != f["bytes"]):
            problems.append(f"checksum or size differs: {p}")
    return problems


# ── command line ──────────────────────────────────────────────────────────────

@click.command("release")
@click.option("--db", type=click.Path(path_type=Path), help="archive database (default: DATA_DIR/archive.db)")
@click.option("--data-dir", type=click.Path(path_type=Path),
              default=Path(os.environ.get("GOVREPORTS_DATA_DIR", "data")), show_default=True)
@click.option("--out", type=click.Path(path_type=Path), help="releases folder (default: DATA_DIR/releases)")
@click.option("--date", help="release date YYYY-MM-DD (default: the date of the archive's latest crawl)")
@click.option("--version", "version", type=int, help="version number (default: the latest release's + 1)")
@click.option("--previous", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="release to compare with in the changelog (default: the latest one under --out)")
@click.option("--author", "authors", multiple=True, help="author for CITATION.cff (repeat; default: govreports contributors)")
@click.option("--repository-url", help="code repository URL for CITATION.cff")
def release_command(db: Path | None, data_dir: Path, out: Path | None, date: str | None, version: int | None,
                    previous: Path | None, authors: tuple[str, ...], repository_url: str | None) -> None:
    """Write a citable release of the archive: database, CSV and Parquet exports, codebook,
    methodology, changelog, CITATION.cff and a manifest with checksums, in OUT/<date>-v<N>/.

    The same archive always gives the same bytes; if nothing changed since the latest release,
    no new version is made."""
    r = build_release(db or data_dir / "archive.db", out or data_dir / "releases", date=date, version=version,
                      previous=previous, authors=authors, repository_url=repository_url)
    if r.status == "unchanged":
        click.echo(f"unchanged: the archive is the same as release {r.name} ({r.path})")
        return
    ch = r.manifest["changes"]
    click.echo(f"release {r.name}: {r.path} — {len(r.manifest['files']) + 2} files, {r.size / 1e6:.1f} MB, "
               f"{r.manifest['reports']['latest']} reports; {ch['added']} added, {ch['changed']} changed, "
               f"{ch['withdrawn']} withdrawn since {r.manifest['previous'] or 'nothing (first release)'}; "
               f"built in {r.seconds:.1f} s")

"""The archive database: schema, report versions, cells, checks and full-text search.

Every write of one report happens in one transaction, so a reader (Datasette) never sees
half a report. Re-saving an unchanged report changes nothing but its last-seen time; a
changed one becomes a new version and the old version stays, marked not latest.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import sqlite_utils
from sqlite_utils import Migrations

from .budgets import STORED_TEXT
from .extract import Extraction
from .regions import resolve_report, resolve_site
from .tables import templates as T

migrations = Migrations("govreports")

# The columns of a cell table after its report and its two keys (m001, m005).
CELL_COLUMNS = """
            value NUMERIC,
            unit TEXT,
            label TEXT,
            printed TEXT,
            was_blank INTEGER NOT NULL DEFAULT 0,
            reason TEXT,
            src_table INTEGER, src_row INTEGER, src_col INTEGER, src_page INTEGER, src_bbox TEXT,
            ocr_conf REAL,
            derived TEXT
"""
_CELL_COLUMN_NAMES = ("value, unit, label, printed, was_blank, reason, src_table, src_row, src_col, src_page, "
                      "src_bbox, ocr_conf, derived")


@migrations()
def m001_initial(db: sqlite_utils.Database) -> None:
    db.executescript(
        """
        CREATE TABLE sites (
            id TEXT PRIMARY KEY,
            name TEXT, agency TEXT, province TEXT, city TEXT, level TEXT,
            platform TEXT, column_url TEXT, sample INTEGER DEFAULT 0
        );
        CREATE TABLE files (
            sha256 TEXT PRIMARY KEY,
            path TEXT NOT NULL,
            size INTEGER NOT NULL,
            format TEXT,
            content_type TEXT,
            first_url TEXT,
            original_filename TEXT,
            first_fetched_at TEXT
        );
        CREATE TABLE reports (
            id INTEGER PRIMARY KEY,
            site_id TEXT REFERENCES sites(id),
            doc_key TEXT NOT NULL,
            version INTEGER NOT NULL,
            is_latest INTEGER NOT NULL DEFAULT 1,
            fingerprint TEXT NOT NULL,
            url TEXT,
            title TEXT,
            agency TEXT,
            year INTEGER,
            template TEXT,
            template_reason TEXT,
            published TEXT,
            source_format TEXT,
            source_url TEXT,
            sha256 TEXT REFERENCES files(sha256),
            page_sha256 TEXT REFERENCES files(sha256),
            fetched_at TEXT,
            last_seen_at TEXT,
            status TEXT NOT NULL,
            message TEXT,
            n_cells INTEGER, n_null INTEGER, n_failed_checks INTEGER,
            warnings TEXT,
            text TEXT,
            UNIQUE (site_id, doc_key, version)
        );
        CREATE INDEX reports_latest ON reports(site_id, doc_key, is_latest);
        CREATE INDEX reports_latest_year ON reports(is_latest, year);
        CREATE INDEX reports_year ON reports(year, template);
        CREATE INDEX reports_agency ON reports(agency, year);
        CREATE INDEX reports_status ON reports(status);
        CREATE TABLE report_files (
            report_id INTEGER NOT NULL REFERENCES reports(id),
            sha256 TEXT NOT NULL REFERENCES files(sha256),
            role TEXT NOT NULL,  -- page | attachment
            url TEXT,
            filename TEXT,
            used_for_cells INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (report_id, sha256, role)
        );
        """
    )
    for table, (k1, k2) in CELL_TABLES.items():
        db.executescript(
            f"""
            CREATE TABLE {table} (
                report_id INTEGER NOT NULL REFERENCES reports(id),
                {k1} TEXT NOT NULL,
                {k2} TEXT NOT NULL,
                {CELL_COLUMNS},
                PRIMARY KEY (report_id, {k1}, {k2})
            );
            CREATE INDEX {table}_key ON {table}({k1}, {k2});
            """
        )
    db.executescript(
        """
        CREATE TABLE checks (
            id INTEGER PRIMARY KEY,
            report_id INTEGER NOT NULL REFERENCES reports(id),
            rule TEXT NOT NULL,
            subject TEXT,
            passed INTEGER,
            expected NUMERIC,
            actual NUMERIC,
            detail TEXT,
            -- the other report a cross-year check compared with
            related_report_id INTEGER REFERENCES reports(id)
        );
        CREATE INDEX checks_report ON checks(report_id);
        CREATE INDEX checks_failed ON checks(passed, rule);
        CREATE TABLE raw_tables (
            report_id INTEGER NOT NULL REFERENCES reports(id),
            table_index INTEGER NOT NULL,
            n_rows INTEGER, n_cols INTEGER, page INTEGER,
            grid TEXT,
            PRIMARY KEY (report_id, table_index)
        );
        CREATE TABLE crawl_runs (
            id INTEGER PRIMARY KEY,
            started_at TEXT, finished_at TEXT, finish_reason TEXT,
            sites TEXT, pages INTEGER,
            reports_new INTEGER, reports_changed INTEGER, reports_unchanged INTEGER,
            errors INTEGER
        );
        """
    )
    # Trigram tokens find any Chinese substring of 3+ characters. SQLite's trigram index matches
    # nothing for 1–2 character queries (MATCH or LIKE), so the `search` canned query scans
    # reports.text with instr() for those.
    db["reports"].enable_fts(["title", "agency", "text"], tokenize="trigram", create_triggers=True)


@migrations()
def m002_crawl_state(db: sqlite_utils.Database) -> None:
    db.executescript(
        """
        CREATE TABLE fetch_state (
            url TEXT PRIMARY KEY,
            etag TEXT, last_modified TEXT,
            sha256 TEXT, path TEXT,
            status INTEGER, fetched_at TEXT
        );
        ALTER TABLE sites ADD COLUMN status TEXT;
        ALTER TABLE sites ADD COLUMN status_reason TEXT;
        ALTER TABLE sites ADD COLUMN last_crawled_at TEXT;
        ALTER TABLE sites ADD COLUMN robots TEXT;
        ALTER TABLE sites ADD COLUMN verified INTEGER;
        ALTER TABLE crawl_runs ADD COLUMN blocked TEXT;
        ALTER TABLE crawl_runs ADD COLUMN skipped_known INTEGER;
        ALTER TABLE crawl_runs ADD COLUMN not_modified INTEGER;
        ALTER TABLE crawl_runs ADD COLUMN warc_files TEXT;
        CREATE VIEW site_health AS
        select s.id as site_id, s.name, s.platform, s.province, s.status, s.status_reason,
               s.last_crawled_at,
               (select count(*) from reports r where r.site_id = s.id and r.is_latest = 1) as reports,
               (select max(year) from reports r where r.site_id = s.id and r.is_latest = 1) as latest_year,
               (select count(*) from reports r where r.site_id = s.id and r.is_latest = 1
                  and r.status = 'needs_review') as needs_review,
               (select finish_reason from crawl_runs c where c.sites = s.id order by c.id desc limit 1) as last_finish_reason,
               (select reports_new from crawl_runs c where c.sites = s.id order by c.id desc limit 1) as last_run_new,
               (select errors from crawl_runs c where c.sites = s.id order by c.id desc limit 1) as last_run_errors
        from sites s;
        """
    )


@migrations()
def m003_monitor_results(db: sqlite_utils.Database) -> None:
    db.execute("ALTER TABLE crawl_runs ADD COLUMN monitor_failures TEXT")


@migrations()
def m004_regions_totals_views(db: sqlite_utils.Database) -> None:
    """Region and level of every site and report (pipelines/regions.py); report_totals, the
    总计 column of every report kept by triggers, so that figures over 100,000 reports need
    one row per report; indexes for region and body queries; the wide views for SQL users."""
    db.executescript(
        """
        ALTER TABLE sites ADD COLUMN county TEXT;
        ALTER TABLE sites ADD COLUMN adcode TEXT;
        ALTER TABLE reports ADD COLUMN province TEXT;
        ALTER TABLE reports ADD COLUMN city TEXT;
        ALTER TABLE reports ADD COLUMN county TEXT;
        ALTER TABLE reports ADD COLUMN adcode TEXT;
        ALTER TABLE reports ADD COLUMN level TEXT;
        """
    )
    # Rows stored before: sites from the registry names they hold, reports from their site.
    for site in list(db.query("select * from sites")):
        db["sites"].update(site["id"], resolve_site(site).as_dict())
    sites = {s["id"]: s for s in db.query("select * from sites")}
    for r in list(db.query("select id, site_id, agency from reports")):
        db["reports"].update(r["id"], resolve_report(sites.get(r["site_id"]), r["agency"]).as_dict())
    db.executescript(REPORT_TOTALS_SCHEMA)
    db.executescript(REPORT_TOTALS_TRIGGERS)
    fill_report_totals(db)
    db.executescript(
        """
        CREATE INDEX reports_province ON reports(province, year);
        CREATE INDEX reports_adcode ON reports(adcode, year);
        CREATE INDEX reports_level ON reports(level, year);
        CREATE INDEX reports_body ON reports(site_id, agency, year);
        -- cover the facets of report_summary (latest reports by year, level, province, template)
        CREATE INDEX reports_latest_level ON reports(is_latest, level, template, year);
        CREATE INDEX reports_latest_province ON reports(is_latest, province, template, year);
        """
    )
    db.executescript(WIDE_VIEWS)


@migrations()
def m005_cells_without_rowid_totals_by_writer(db: sqlite_utils.Database) -> None:
    """Cell tables WITHOUT ROWID, stored in their key's order (report, row, column): each key is
    kept once instead of in the table and again in its primary-key index (the archive a third
    smaller, and a report stored faster); report_totals written by `save_report` with the report
    instead of by two triggers firing for every cell (a quarter of the cost of storing a report
    in a crawl; bench/performance.py). `fill_report_totals` still recounts it from the cells."""
    db.executescript(
        """
        DROP TRIGGER IF EXISTS report_totals_applications;
        DROP TRIGGER IF EXISTS report_totals_reviews_litigation;
        DROP VIEW IF EXISTS applications_wide;
        DROP VIEW IF EXISTS report_summary;
        """
    )
    for table, (k1, k2) in CELL_TABLES.items():
        db.executescript(
            f"""
            CREATE TABLE {table}__new (
                report_id INTEGER NOT NULL REFERENCES reports(id),
                {k1} TEXT NOT NULL,
                {k2} TEXT NOT NULL,
                {CELL_COLUMNS},
                PRIMARY KEY (report_id, {k1}, {k2})
            ) WITHOUT ROWID;
            INSERT INTO {table}__new (report_id, {k1}, {k2}, {_CELL_COLUMN_NAMES})
                SELECT report_id, {k1}, {k2}, {_CELL_COLUMN_NAMES} FROM {table};
            DROP TABLE {table};
            ALTER TABLE {table}__new RENAME TO {table};
            CREATE INDEX {table}_key ON {table}({k1}, {k2});
            """
        )
    db.executescript(WIDE_VIEWS)


@migrations()
def m006_fts_reindexed_only_when_its_columns_change(db: sqlite_utils.Database) -> None:
    """The full-text index re-read a report's whole text on every UPDATE of its row (is_latest,
    last_seen_at on a re-crawl, the status a site's close recomputes): only an update of the
    indexed columns does now."""
    db.executescript(
        """
        DROP TRIGGER IF EXISTS reports_au;
        CREATE TRIGGER reports_au AFTER UPDATE OF title, agency, text ON reports BEGIN
          INSERT INTO reports_fts (reports_fts, rowid, title, agency, text)
            VALUES ('delete', old.rowid, old.title, old.agency, old.text);
          INSERT INTO reports_fts (rowid, title, agency, text) VALUES (new.rowid, new.title, new.agency, new.text);
        END;
        """
    )


# report_totals: one row per report, one column per row of section 三 (its 总计 column) and per
# cell of section 四. A column is null when the cell is null or the report has no such row.
TOTAL_APPLICATION_ROWS = tuple(T.APPLICATION_ROWS_BY_TEMPLATE["2021"])
TOTAL_CASE_CELLS = tuple((p, r) for p in T.PROCEEDING_KEYS for r in T.RESULT_KEYS)
_APP_LIST = ", ".join(f"'{k}'" for k in TOTAL_APPLICATION_ROWS)
_CASE_COLUMNS = [f"{p}_{r}" for p, r in TOTAL_CASE_CELLS]

REPORT_TOTALS_SCHEMA = f"""
CREATE TABLE report_totals (
    report_id INTEGER PRIMARY KEY REFERENCES reports(id),
    {", ".join(f"{k} NUMERIC" for k in (*TOTAL_APPLICATION_ROWS, *_CASE_COLUMNS))},
    null_cells INTEGER NOT NULL DEFAULT 0
);
"""
REPORT_TOTALS_TRIGGERS = f"""
CREATE TRIGGER report_totals_applications AFTER INSERT ON applications
WHEN new.applicant = 'total' AND new.category IN ({_APP_LIST})
BEGIN
    INSERT OR IGNORE INTO report_totals (report_id) VALUES (new.report_id);
    UPDATE report_totals SET
        {", ".join(f"{k} = CASE WHEN new.category = '{k}' THEN new.value ELSE {k} END" for k in TOTAL_APPLICATION_ROWS)},
        null_cells = null_cells + (new.value IS NULL)
    WHERE report_id = new.report_id;
END;
CREATE TRIGGER report_totals_reviews_litigation AFTER INSERT ON reviews_litigation
WHEN new.proceeding || '_' || new.result IN ({", ".join(f"'{c}'" for c in _CASE_COLUMNS)})
BEGIN
    INSERT OR IGNORE INTO report_totals (report_id) VALUES (new.report_id);
    UPDATE report_totals SET
        {", ".join(f"{c} = CASE WHEN new.proceeding || '_' || new.result = '{c}' THEN new.value ELSE {c} END" for c in _CASE_COLUMNS)},
        null_cells = null_cells + (new.value IS NULL)
    WHERE report_id = new.report_id;
END;
"""


_TOTAL_CELLS = {("applications", k, "total"): k for k in TOTAL_APPLICATION_ROWS} | {
    ("reviews_litigation", p, r): f"{p}_{r}" for p, r in TOTAL_CASE_CELLS}


def report_totals_row(cells: list) -> dict:
    """A report's report_totals columns from its cells (empty when it has none of them), as
    `fill_report_totals` counts them: a column per cell, null_cells the nulls among them."""
    row: dict = {}
    nulls = 0
    for c in cells:
        column = _TOTAL_CELLS.get((c.section, c.row, c.col))
        if column is not None:
            row[column] = c.value
            nulls += c.value is None
    if row:
        row["null_cells"] = nulls
    return row


def fill_report_totals(db: sqlite_utils.Database) -> None:
    """(Re)compute report_totals from the cells, in bulk (`save_report` writes each report's row)."""
    db.execute("DELETE FROM report_totals")
    apps = ", ".join(f"max(case when category = '{k}' then value end)" for k in TOTAL_APPLICATION_ROWS)
    db.execute(
        f"""INSERT INTO report_totals (report_id, {", ".join(TOTAL_APPLICATION_ROWS)}, null_cells)
            SELECT report_id, {apps}, sum(value is null) FROM applications
            WHERE applicant = 'total' AND category IN ({_APP_LIST}) GROUP BY report_id"""
    )
    cases = ", ".join(f"max(case when proceeding = '{p}' and result = '{r}' then value end)"
                      for p, r in TOTAL_CASE_CELLS)
    db.execute(
        f"""INSERT INTO report_totals (report_id, {", ".join(_CASE_COLUMNS)}, null_cells)
            SELECT report_id, {cases}, sum(value is null) FROM reviews_litigation WHERE true
            GROUP BY report_id
            ON CONFLICT (report_id) DO UPDATE SET
              {", ".join(f"{c} = excluded.{c}" for c in _CASE_COLUMNS)},
              null_cells = report_totals.null_cells + excluded.null_cells"""
    )


def _plus(*columns: str) -> str:
    """A sum that is null when any part is: a figure with an unreadable cell is unknown."""
    return " + ".join(f"t.{c}" for c in columns)


DENIED = tuple(k for k in TOTAL_APPLICATION_ROWS if k.startswith("denied_"))
UNAVAILABLE = tuple(k for k in TOTAL_APPLICATION_ROWS if k.startswith("unavailable_"))
NOT_PROCESSED = tuple(k for k in TOTAL_APPLICATION_ROWS if k.startswith("not_processed_"))
APPLICANT_COLUMNS = tuple(k for k in T.APPLICANT_KEYS if k != "total")

WIDE_VIEWS = f"""
CREATE VIEW report_summary AS
select
  r.id as report_id, r.year, r.agency, r.province, r.city, r.county, r.adcode, r.level,
  r.template, r.status, r.site_id,
  t.new_received as received,
  t.carried_over,
  t.granted,
  t.partially_granted,
  {_plus(*DENIED)} as denied,
  {_plus(*UNAVAILABLE)} as unavailable,
  {_plus(*NOT_PROCESSED)} as not_processed,
  t.other,
  t.total_processed as processed,
  t.carried_forward as pending,
  t.administrative_review_total as reviews,
  t.administrative_review_corrected as reviews_corrected,
  {_plus("litigation_direct_total", "litigation_after_review_total")} as lawsuits,
  {_plus("litigation_direct_corrected", "litigation_after_review_corrected")} as lawsuits_corrected,
  t.null_cells,
  r.url
from reports r
left join report_totals t on t.report_id = r.id
where r.is_latest = 1;

CREATE VIEW applications_wide AS
select
  a.report_id, r.year, r.agency, r.province, r.city, r.county, r.adcode, r.level, r.template,
  a.category, a.label,
  {", ".join(f"(select x.value from applications x where x.report_id = a.report_id and x.category = a.category and x.applicant = '{c}') as {c}" for c in APPLICANT_COLUMNS)},
  a.value as total
from applications a
join reports r on r.id = a.report_id
where a.applicant = 'total' and r.is_latest = 1;
"""


CELL_TABLES = {
    "active_disclosure": ("item", "metric"),
    "applications": ("category", "applicant"),
    "reviews_litigation": ("proceeding", "result"),
}


def open_db(path: str | Path, cache_kib: int | None = None) -> sqlite_utils.Database:
    """Open (creating and migrating as needed) the archive database. `cache_kib` bounds the
    page cache (SQLite's default is 2 MB a connection): a crawl holds a few small-read
    connections per site it is crawling."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    db = sqlite_utils.Database(path)
    # First: switching a new database to WAL takes a lock another connection may hold.
    db.conn.execute("PRAGMA busy_timeout=10000")
    db.conn.execute("PRAGMA journal_mode=WAL")
    db.conn.execute("PRAGMA foreign_keys=ON")
    # In WAL mode NORMAL keeps every commit atomic and survives a killed process; it only
    # gives up the last commits on power loss, for half the cost of each report's commit.
    db.conn.execute("PRAGMA synchronous=NORMAL")
    # Checkpoint (copy the WAL into the database, with an fsync) every ~40 MB instead of every
    # 4 MB: storing a report is then a third cheaper once the archive has grown (bench).
    db.conn.execute("PRAGMA wal_autocheckpoint=10000")
    if cache_kib is not None:
        db.conn.execute(f"PRAGMA cache_size=-{int(cache_kib)}")
    migrations.apply(db)
    return db


@contextlib.contextmanager
def write_transaction(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """One transaction that takes the write lock first (BEGIN IMMEDIATE). A deferred one that
    reads and then writes fails at once with "database is locked" when another connection
    wrote in between (WAL cannot upgrade a stale snapshot, and no busy wait helps); a crawl
    stores reports from its writer thread while sites open and close on the main thread."""
    if db.conn.in_transaction:
        with db.atomic():
            yield db
        return
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        db.conn.rollback()
        raise
    db.conn.execute("COMMIT")


def now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


@dataclass
class FileRecord:
    sha256: str
    path: str
    size: int
    format: str
    url: str | None
    role: str  # page | attachment
    filename: str | None = None
    content_type: str | None = None


@dataclass
class ReportRecord:
    site_id: str
    doc_key: str
    url: str
    extraction: Extraction
    source: FileRecord
    files: list[FileRecord] = field(default_factory=list)
    title: str | None = None
    agency: str | None = None
    year: int | None = None
    published: str | None = None
    fetched_at: str | None = None


def fingerprint(record: ReportRecord) -> str:
    """What makes two fetches the same report: the bytes of a binary source, but for an
    HTML source its text and tables only (CMS pages change visit counters and menus)."""
    ex = record.extraction
    if record.source.format == "html":
        payload = json.dumps([ex.text, [t.rows for t in ex.raw_tables]], ensure_ascii=False)
        return "html:" + hashlib.sha256(payload.encode()).hexdigest()
    return record.source.sha256


def upsert_site(db: sqlite_utils.Database, site: dict) -> None:
    cols = ("id", "name", "agency", "province", "city", "level", "platform", "column_url", "sample", "verified")
    # province, city and level as pipelines/regions.py resolves them against the code table
    # (null where the registry names a place the table does not have), plus county and adcode.
    db["sites"].upsert({**{k: site.get(k) for k in cols}, **resolve_site(site).as_dict()}, pk="id")


@dataclass(slots=True)
class ReportRows:
    """A report as the rows `save_report` writes, computed from its record without a database.
    The crawl builds it in the worker process that extracted the report: these flat tuples
    cross the process boundary for a fraction of the cost of the extraction's object graph
    (unpickling that was a fifth of the crawl process's GIL time; bench/performance.py), and
    the writer thread only binds them."""

    fingerprint: str
    fetched_at: str | None
    files: list[FileRecord]
    report: dict  # the reports row, less what needs the database (version, places, times)
    cells: dict[str, tuple]  # section -> one flat tuple of its rows' values (_FLAT_COLUMNS)
    totals: dict  # the report_totals row, empty when the report has none of those cells
    checks: tuple  # flat, as cells
    raw_tables: tuple  # flat, as cells


def report_rows(record: ReportRecord) -> ReportRows:
    """The rows of one report, as `save_rows` stores them. Pure: no database."""
    ex = record.extraction
    page = next((f for f in record.files if f.role == "page"), None)
    agency = record.agency or ex.agency
    cells: dict[str, list] = {section: [] for section in CELL_TABLES}
    for c in ex.cells:
        src = c.source
        cells[c.section].extend((
            c.row, c.col, c.value, c.unit, c.label, c.printed, int(c.was_blank), c.reason,
            src.get("table"), src.get("row"), src.get("col"), src.get("page"),
            json.dumps(src["bbox"]) if "bbox" in src else None, src.get("ocr_conf"),
            src.get("derived") or (("prose: " + src["prose"]) if "prose" in src else None),
        ))
    checks = tuple(v for k in ex.checks for v in (
        k.rule, k.column, None if k.passed is None else int(k.passed), k.expected, k.actual, k.detail))
    warnings = list(ex.warnings)
    raw = tuple(v for t in ex.raw_tables for v in (
        t.index, len(t.rows), t.n_cols, t.page, _bounded_json(t.rows, f"raw table {t.index}", warnings)))
    text = ex.text
    if len(text) > STORED_TEXT.limit:
        text = text[:STORED_TEXT.limit]
        warnings.append(f"text cut at {STORED_TEXT.limit:,} of {len(ex.text):,} characters "
                        f"(the {STORED_TEXT.name} budget); the original is complete")
    return ReportRows(
        fingerprint=fingerprint(record), fetched_at=record.fetched_at, files=list(record.files),
        report={
            "site_id": record.site_id, "doc_key": record.doc_key, "url": record.url,
            "title": record.title or ex.title, "agency": agency,
            "year": record.year or ex.year, "template": ex.template,
            "template_reason": ex.template_reason, "published": record.published or ex.published,
            "source_format": ex.format, "source_url": record.source.url, "sha256": record.source.sha256,
            "page_sha256": page.sha256 if page else None,
            "status": ex.status, "message": ex.message, "n_cells": len(ex.cells),
            "n_null": sum(1 for c in ex.cells if c.value is None),
            "n_failed_checks": sum(1 for k in ex.checks if k.passed is False),
            "warnings": json.dumps(warnings, ensure_ascii=False), "text": text,
        },
        cells={section: tuple(values) for section, values in cells.items()},
        totals=report_totals_row(ex.cells), checks=checks, raw_tables=raw,
    )


def _bounded_json(rows: list[list[str]], what: str, warnings: list[str]) -> str:
    """A grid as JSON, its first rows only when the whole would pass the stored_text budget."""
    out = json.dumps(rows, ensure_ascii=False)
    if len(out) <= STORED_TEXT.limit:
        return out
    kept, size = 0, 2
    for row in rows:
        size += len(json.dumps(row, ensure_ascii=False)) + 2
        if size > STORED_TEXT.limit:
            break
        kept += 1
    warnings.append(f"{what}: {kept} of {len(rows)} rows stored (the {STORED_TEXT.name} budget)")
    return json.dumps(rows[:kept], ensure_ascii=False)


def save_report(db: sqlite_utils.Database, record: ReportRecord) -> tuple[str, int]:
    """Store one report atomically. Returns ("new" | "changed" | "unchanged", report id)."""
    return save_rows(db, report_rows(record))


def save_rows(db: sqlite_utils.Database, rows: ReportRows) -> tuple[str, int]:
    """Store one report's rows (`report_rows`) atomically. Returns ("new" | "changed" |
    "unchanged", report id)."""
    seen = rows.fetched_at or now()
    site_id, agency, source_sha256 = rows.report["site_id"], rows.report["agency"], rows.report["sha256"]
    with write_transaction(db):
        latest = list(db.query(
            "select id, version, fingerprint from reports where site_id = ? and doc_key = ? and is_latest = 1",
            [site_id, rows.report["doc_key"]],
        ))
        if latest and latest[0]["fingerprint"] == rows.fingerprint:
            db.execute("update reports set last_seen_at = ? where id = ?", [seen, latest[0]["id"]])
            return "unchanged", latest[0]["id"]
        version = latest[0]["version"] + 1 if latest else 1
        if latest:
            db.execute("update reports set is_latest = 0 where id = ?", [latest[0]["id"]])
        for f in rows.files:
            _insert(db, "files", {
                "sha256": f.sha256, "path": f.path, "size": f.size, "format": f.format,
                "content_type": f.content_type, "first_url": f.url,
                "original_filename": f.filename, "first_fetched_at": seen,
            }, or_ignore=True)
        site = next(db.query("select * from sites where id = ?", [site_id]), None)
        report_id = _insert(db, "reports", {
            **rows.report, "version": version, "is_latest": 1, "fingerprint": rows.fingerprint,
            "fetched_at": seen, "last_seen_at": seen, **resolve_report(site, agency).as_dict(),
        })
        for f in rows.files:
            _insert(db, "report_files", {
                "report_id": report_id, "sha256": f.sha256, "role": f.role, "url": f.url,
                "filename": f.filename, "used_for_cells": int(f.sha256 == source_sha256),
            }, or_ignore=True)
        # The hot path of a crawl: the values go in as built, one multi-row statement a few
        # hundred rows, the report's id bound once as ?1 (an executemany steps once a row, and
        # each step gives up and takes back the GIL, which the crawl's event loop holds).
        for section, values in rows.cells.items():
            _insert_flat(db, section, values, report_id)
        if rows.totals:
            _insert(db, "report_totals", {"report_id": report_id, **rows.totals})
        _insert_flat(db, "checks", rows.checks, report_id)
        _insert_flat(db, "raw_tables", rows.raw_tables, report_id)
    return ("changed" if latest else "new"), report_id


def _insert(db: sqlite_utils.Database, table: str, row: dict, or_ignore: bool = False) -> int:
    """One row, as plain SQL: the tables exist (migrations), so nothing to introspect."""
    sql = (f"INSERT {'OR IGNORE ' if or_ignore else ''}INTO {table} ({', '.join(row)}) "
           f"VALUES ({', '.join('?' * len(row))})")
    return db.conn.execute(sql, list(row.values())).lastrowid


_ROWS_PER_INSERT = 500  # at most 1 + 500 x 15 parameters, well under SQLite's 32,766
# The columns after report_id of every table stored as flat values, in `report_rows`' order.
_FLAT_COLUMNS = {
    **{section: (k1, k2, *_CELL_COLUMN_NAMES.split(", ")) for section, (k1, k2) in CELL_TABLES.items()},
    "checks": ("rule", "subject", "passed", "expected", "actual", "detail"),
    "raw_tables": ("table_index", "n_rows", "n_cols", "page", "grid"),
}


def _insert_flat(db: sqlite_utils.Database, table: str, values: tuple, report_id: int) -> None:
    """Insert one report's rows of `table`, given as one flat tuple of their values."""
    step = _ROWS_PER_INSERT * len(_FLAT_COLUMNS[table])
    for start in range(0, len(values), step):
        part = values[start:start + step]
        db.conn.execute(_flat_insert(table, len(part) // len(_FLAT_COLUMNS[table])), (report_id, *part))


@functools.lru_cache(maxsize=256)
def _flat_insert(table: str, n_rows: int) -> str:
    """INSERT of `n_rows` rows: the report's id bound once (?1), then each row's values."""
    columns = _FLAT_COLUMNS[table]
    width = len(columns)
    rows = ", ".join("(?1, " + ", ".join(f"?{2 + r * width + i}" for i in range(width)) + ")"
                     for r in range(n_rows))
    return f"INSERT INTO {table} (report_id, {', '.join(columns)}) VALUES {rows}"


CARRY_RULE = "applications.carry_over"


def refresh_cross_year_checks(db: sqlite_utils.Database, site_id: str | None = None) -> int:
    """Recompute `carried_over` (year N) = `carried_forward` (year N-1) for every body with
    latest reports in consecutive years; returns how many such checks failed. Idempotent.

    A body is a site plus the agency name it prints: the same short name (财政局) on two
    sites is two bodies. With `site_id`, only that site's reports are rechecked (what a
    crawl of one site can have changed), so closing a site costs its own size, not the archive's."""
    scope, args = ("", []) if site_id is None else (" and site_id = ?", [site_id])
    with write_transaction(db):
        db.execute(f"delete from checks where rule = ? and report_id in (select id from reports where 1 = 1{scope})",
                   [CARRY_RULE, *args])
        pairs = list(db.query(
            """
            select cur.id as cur_id, prev.id as prev_id, prev.year as prev_year
            from reports cur join reports prev
              on prev.site_id = cur.site_id and prev.agency = cur.agency and prev.year = cur.year - 1
             and prev.is_latest = 1 and cur.is_latest = 1
            where cur.template in ('2019', '2021') and prev.template in ('2019', '2021')
            """ + ("" if site_id is None else " and cur.site_id = ?"), args
        ))
        failed = 0
        for pair in pairs:
            values = {
                (r["report_id"], r["applicant"]): r["value"]
                for r in db.query(
                    """select report_id, applicant, value from applications
                       where (report_id = ? and category = 'carried_over')
                          or (report_id = ? and category = 'carried_forward')""",
                    [pair["cur_id"], pair["prev_id"]],
                )
            }
            for applicant in T.APPLICANT_KEYS:
                cur = values.get((pair["cur_id"], applicant))
                prev = values.get((pair["prev_id"], applicant))
                passed = None if cur is None or prev is None else int(cur == prev)
                failed += passed == 0
                db["checks"].insert({
                    "report_id": pair["cur_id"], "rule": CARRY_RULE, "subject": applicant,
                    "passed": passed, "expected": prev, "actual": cur,
                    "detail": f"carried_over {cur} vs the {pair['prev_year']} report's carried_forward {prev}",
                    "related_report_id": pair["prev_id"],
                })
        # A report's review status covers every check, the cross-year one included.
        db.execute(
            """update reports set
                 n_failed_checks = (select count(*) from checks c where c.report_id = reports.id and c.passed = 0)
               where status in ('ok', 'needs_review')""" + scope, args
        )
        db.execute(
            """update reports set
                 status = case when n_null > 0 or n_failed_checks > 0 then 'needs_review' else 'ok' end,
                 message = case when n_null > 0 or n_failed_checks > 0
                   then n_null || ' null cells, ' || n_failed_checks || ' failed checks' end
               where status in ('ok', 'needs_review')""" + scope, args
        )
    return failed


def summary(db: sqlite_utils.Database) -> dict:
    one = next(db.query(
        """select
             (select count(*) from reports where is_latest = 1) as reports,
             (select count(*) from reports where is_latest = 1 and status = 'ok') as ok,
             (select count(*) from reports where is_latest = 1 and status = 'needs_review') as needs_review,
             (select count(*) from reports where is_latest = 1 and status not in ('ok', 'needs_review')) as other_status,
             (select count(*) from files) as files,
             (select (select count(*) from active_disclosure) + (select count(*) from applications)
                   + (select count(*) from reviews_litigation)) as cells,
             (select count(*) from checks where passed = 0) as failed_checks,
             (select count(*) from checks) as checks"""
    ))
    return dict(one)

"""Datasette under hostile SQL (crawler/publish/plugins/sql_limits.py), without its host paths,
and serving an archive whatever its file is called (plugins/archive_database.py).

Every test starts real Datasette on 127.0.0.1 the way `govreports serve` does and talks HTTP.
The archive is the real pingtan.gov.cn one tests/test_datasette.py builds.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from tests.helpers import free_port, wait_for
from tests.test_datasette import DOCUMENTS, PINGTAN, Datasette, build_archive

PRINTF = "select length(printf('%.*c', 999999999, 'x'))"
ZEROBLOB = "select length(hex(zeroblob(499999999)))"
# Each row well under the length limit, a thousand of them: what piles up is Python's.
MANY_ROWS = ("select hex(zeroblob(16000000)) from (with recursive c(x) as "
             "(select 1 union all select x + 1 from c where x < 1000) select x from c)")
# Generous bounds: unlimited, each of these queries runs for seconds, and one zeroblob or
# MANY_ROWS query alone takes Datasette past 2 GB.
FAST = 2.0  # seconds
PEAK_RSS = 1536 * 2**20  # bytes


@pytest.fixture(scope="module")
def archive_dir(tmp_path_factory) -> Path:
    data_dir = tmp_path_factory.mktemp("limits")
    build_archive(data_dir, {name: (PINGTAN / name).read_bytes() for name in DOCUMENTS})
    return data_dir


@pytest.fixture(scope="module")
def ds(archive_dir):
    server = Datasette(archive_dir / "archive.db", archive_dir / "datasette.log")
    yield server
    server.stop()


@pytest.fixture
def fresh_ds(archive_dir, tmp_path):
    """A Datasette of its own, so that its peak memory is this test's."""
    server = Datasette(archive_dir / "archive.db", tmp_path / "datasette.log")
    yield server
    server.stop()


def get(url: str, timeout: float = 60) -> tuple[int, bytes, float]:
    start = time.monotonic()
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            return resp.status, resp.read(), time.monotonic() - start
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(), time.monotonic() - start


def sql(server: Datasette, query: str) -> tuple[int, dict, float]:
    status, body, seconds = get(server.url("/archive.json", sql=query))
    return status, json.loads(body or b"{}"), seconds


def peak_rss(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmHWM")


# ── one C call, one huge value ────────────────────────────────────────────────

@pytest.mark.parametrize("query", [
    PRINTF,
    "select length(printf('%.*c', -999999999, 'x'))",
    "select length(format('%d%.*c', 1, 999999999, 'x'))",
    "select length(printf('%.999999999c', 'x'))",
    ZEROBLOB,
    "select length(randomblob(1000000000))",
])
def test_huge_values_are_refused_at_once(ds, query):
    status, body, seconds = sql(ds, query)
    assert status == 400 and body["ok"] is False
    assert "too big" in body["error"], body
    assert seconds < FAST


def test_values_under_the_limit_still_work(ds):
    status, body, _ = sql(ds, "select printf('%,d|%.2f|%-4s|%.3c|%q', 1234567, 3.14159, 'ab', 'x', 'it''s') as s,"
                              " length(hex(zeroblob(1000000))) as n")
    assert status == 200, body
    assert body["rows"] == [["1,234,567|3.14|ab  |xxx|it''s", 2000000]]


@pytest.mark.skipif(sys.platform != "linux", reason="reads the peak RSS from /proc")
def test_concurrent_attacks_leave_datasette_answering_and_its_memory_bounded(fresh_ds):
    results: list[tuple[int, dict, float]] = []

    def attack(query: str) -> None:
        results.append(sql(fresh_ds, query))

    threads = [threading.Thread(target=attack, args=(q,)) for q in [ZEROBLOB] * 4 + [MANY_ROWS] * 4]
    for thread in threads:
        thread.start()
    # The home page leaves out its figures when their query is interrupted, but answers.
    assert get(fresh_ds.url("/"))[0] == 200, "the home page answers during the attack"
    for thread in threads:
        thread.join(timeout=60)
    assert len(results) == 8 and not any(body.get("ok") for _, body, _ in results)
    assert max(seconds for _, _, seconds in results) < 15
    peak = peak_rss(fresh_ds.proc.pid)
    print(f"Datasette peak RSS after 4 zeroblob + 4 many-row queries: {peak / 2**20:.0f} MiB")
    assert peak < PEAK_RSS
    # And everything works afterwards.
    assert "份报告" in get(fresh_ds.url("/"))[1].decode()
    for path in ("/archive/reports", "/archive/reports/1", "/-/dashboards/overview"):
        assert get(fresh_ds.url(path))[0] == 200, path
    assert [r["year"] for r in fresh_ds.rows("search", q="政府信息公开")]


# ── attack primitives ────────────────────────────────────────────────────────

@pytest.mark.parametrize("query", [
    "select fts3_tokenizer('simple', x'00')",
    "select fts3_tokenizer('simple', x'4141414141414141')",
    "select hex(fts3_tokenizer('simple'))",  # leaks a pointer into the SQLite library
    "select hex(FTS3_TOKENIZER('porter'))",
    "select load_extension('/lib/x86_64-linux-gnu/libc.so.6')",
])
def test_attack_functions_are_refused(ds, query):
    status, body, _ = sql(ds, query)
    assert status == 400 and "not authorized" in body["error"], body


def test_full_text_search_still_works(ds):
    # Three characters or more use the trigram index reports_fts, two scan the text.
    assert ds.rows("search", q="政府信息公开") and ds.rows("search", q="复议")
    rows = ds.json("/archive/reports.json", _search="政府信息公开", _shape="array")
    assert len(rows) == 3
    status, body, _ = sql(ds, "select count(*) from reports_fts where reports_fts match '\"年度报告\"'")
    assert status == 200 and body["rows"] == [[3]]


# ── host paths ───────────────────────────────────────────────────────────────

def test_no_page_shows_where_the_database_lives(ds, archive_dir):
    databases = ds.json("/-/databases.json")
    assert [d["name"] for d in databases] == ["archive"] and all("path" not in d for d in databases)
    assert get(ds.url("/-/databases"))[0] == 200
    status, body, _ = sql(ds, "select * from pragma_database_list")
    assert status == 200 and body["rows"] == [[0, "main", None]]
    tables = [t["name"] for t in ds.json("/archive.json")["tables"]]
    paths = ["/", "/.json", "/-/databases", "/-/databases.json", "/-/metadata.json", "/-/settings.json",
             "/-/plugins.json", "/-/versions.json", "/-/threads.json", "/archive", "/archive.json",
             "/-/codebook.json", "/-/dashboards/overview", "/archive/reports/1", "/archive/reports/1.json"]
    paths += [f"/archive/{t}.json?_size=max" for t in tables] + [f"/archive/{t}" for t in tables]
    host = str(archive_dir.resolve())
    for path in paths:
        status, body, _ = get(ds.base + path)
        assert status == 200, path
        assert host not in body.decode("utf-8", "replace"), path


# ── any file name ────────────────────────────────────────────────────────────

@pytest.mark.parametrize("immutable", [False, True], ids=["mutable", "immutable"])
def test_serve_works_for_a_database_of_any_name(archive_dir, tmp_path, immutable):
    data = tmp_path / "snapshot"
    shutil.copytree(archive_dir / "files", data / "files")
    db = data / "other-name.db"
    shutil.copy(archive_dir / "archive.db", db)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "GOVREPORTS_FILES_DIR"}
    # DATA_DIR has no files/: the originals are found beside the database.
    args = [sys.executable, "-m", "crawler.cli", "serve", "--db", str(db), "--data-dir",
            str(tmp_path / "no-data-dir"), "--port", str(port)] + (["--immutable"] if immutable else [])
    log = open(tmp_path / "serve.log", "wb")  # closed below
    # A session of its own: `serve` runs Datasette as a child, and both are stopped together.
    proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(base + "/-/versions.json", timeout=60, proc=proc)
        status, page, _ = get(base + "/")
        assert status == 200 and "份报告" in page.decode(), "the home page shows the archive's figures"
        rows = json.loads(get(base + "/archive/requests_by_year.json?_shape=array")[1])
        assert {r["year"] for r in rows} == {2015, 2019, 2022}
        report = json.loads(get(base + "/archive/reports.json?_shape=array&year=2022")[1])[0]
        assert f'/-/original/{report["sha256"]}' in get(base + f"/archive/reports/{report['id']}")[1].decode()
        status, body, _ = get(base + f"/-/original/{report['sha256']}")
        assert status == 200 and body == (PINGTAN / "t20230220_80629.html").read_bytes()
        assert get(base + "/-/dashboards/overview")[0] == 200
        assert [d["name"] for d in json.loads(get(base + "/-/databases.json")[1])] == ["archive"]
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)
        log.close()


def test_searches_inside_long_strings_finish_and_keep_their_meaning(ds):
    # A 1 MB haystack and a 0.5 MB needle: SQLite's own instr and replace compare at every
    # offset (seconds here, hours at the length limit); a long LIKE pattern is refused.
    big = "with recursive d(s, n) as (select 'a', 0 union all select s || s, n + 1 from d where n < 20) "
    status, body, seconds = sql(ds, big + "select instr(s, substr(s, 1, 524288) || 'b'), "
                                "instr(s || 'b', substr(s, 1, 524288) || 'b'), length(replace(s, substr(s, 1, 524288), 'x')) "
                                "from d where n = 20")
    assert status == 200 and body["rows"] == [[0, 524289, 2]], body
    assert seconds < 5, seconds
    status, body, _ = sql(ds, "select instr('政府信息公开', '公开'), instr(x'0102', x'02'), instr(null, 'a'), "
                              "replace('复议复议', '复议', '诉讼'), replace('abc', '', 'x'), replace(12.5, '.', ',')")
    assert status == 200 and body["rows"] == [[5, 2, None, "诉讼诉讼", "abc", "12,5"]], body
    status, body, _ = sql(ds, f"select 'a' like '{'%a' * 600}'")
    assert status >= 400 and "pattern" in json.dumps(body), body

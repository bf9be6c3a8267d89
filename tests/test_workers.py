"""Documents are read in worker processes, so the crawl's event loop keeps running meanwhile."""

from __future__ import annotations

import asyncio
import shutil
import time
from pathlib import Path

import pytest

from crawler import workers
from pipelines.extract import extract_document
from pipelines.ingest import FetchedFile, ReportFetch, build_record
from pipelines.store import report_rows

CORPUS = Path(__file__).parent / "corpus" / "documents"


def fetch_of(body: bytes | None, page_body: bytes = b"<html><body><p>2020</p></body></html>") -> ReportFetch:
    """A report page with `body` as its one attachment (none if None)."""
    page = FetchedFile(url="http://127.0.0.1/r.html", body=page_body)
    return ReportFetch(site={"id": "t"}, url=page.url, title="t", list_date=None,
                       fetched_at="2026-01-01T00:00:00+00:00", page=page,
                       attachments=[] if body is None else [FetchedFile(url="http://127.0.0.1/a", body=body)])


@pytest.fixture
def pools():
    yield
    workers.shutdown()


def test_fetches_go_to_the_pool_their_slowest_document_needs():
    assert workers.pool_for(fetch_of((CORPUS / "off-doc-2022-b.doc").read_bytes())) == "converters"
    pdf = next(CORPUS.glob("*.pdf")).read_bytes()
    assert workers.pool_for(fetch_of(pdf)) == "converters"
    html = next(CORPUS.glob("*.html")).read_bytes()
    assert workers.pool_for(fetch_of(html)) == "documents"


@pytest.mark.skipif(not shutil.which("soffice"), reason="LibreOffice not installed")
def test_a_conversion_in_the_pool_never_blocks_the_event_loop(pools, tmp_path):
    data = (CORPUS / "off-doc-2022-b.doc").read_bytes()
    fetch = fetch_of(data)

    async def run() -> tuple[list, list[float], float]:
        ticks: list[float] = []
        done = False

        async def ticker() -> None:
            while not done:
                ticks.append(time.monotonic())
                await asyncio.sleep(0.01)

        tick_task = asyncio.create_task(ticker())
        started = time.monotonic()
        result = await workers.prepare_in_pool(fetch, tmp_path / "data", tmp_path / "cache", {})
        took = time.monotonic() - started
        done = True
        await tick_task
        return result, ticks, took

    rows, ticks, took = asyncio.run(run())
    # The conversion took seconds (LibreOffice), yet the loop ticked all along.
    gaps = [b - a for a, b in zip(ticks, ticks[1:], strict=False)]
    assert took > 0.5
    assert len(ticks) > 10 and max(gaps) < took / 2, (took, max(gaps))
    # The originals are on disk, and the rows are exactly what extraction here gives.
    assert [(tmp_path / "data" / f.path).read_bytes() for f in rows.files] == [fetch.page.body, data]
    here = extract_document(data, None, tmp_path / "cache")
    assert rows.report["status"] == here.status == "ok" and rows.report["sha256"] == rows.files[1].sha256
    assert rows.cells == report_rows(build_record(fetch, rows.files, [extract_document(fetch.page.body), here])).cells
    assert len(rows.cells["applications"]) == 15 * sum(c.section == "applications" for c in here.cells) > 0


def test_originals_written_by_a_worker_are_synced_by_the_ingest_that_stores_them(tmp_path):
    # The worker writes originals without an fsync; ingest (in the writer) syncs each one
    # before the row that names it, and a file that is not there stops the ingest.
    from pipelines.archive import store_original, sync_original

    sha, rel = store_original(tmp_path, b"<html>1</html>", "html", sync=False)
    assert (tmp_path / rel).read_bytes() == b"<html>1</html>" and sha in rel
    sync_original(tmp_path, rel)
    with pytest.raises(FileNotFoundError):
        sync_original(tmp_path, "files/00/missing.html")


def test_workers_of_a_killed_crawl_process_do_not_outlive_it(tmp_path):
    # A crawl killed with SIGKILL runs no clean-up; its extraction workers must still end.
    import os
    import signal
    import subprocess
    import sys

    script = (
        "import os, sys, time\n"
        "from crawler import workers\n"
        "pool = workers.pool('documents', 2)\n"
        "pids = set(pool.submit(os.getpid).result() for _ in range(4))\n"
        "print(' '.join(map(str, sorted(pids))), flush=True)\n"
        "time.sleep(60)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True,
                            cwd=Path(__file__).resolve().parent.parent)
    pids = [int(p) for p in proc.stdout.readline().split()]
    assert pids
    proc.send_signal(signal.SIGKILL)
    proc.wait()

    def alive(pid: int) -> bool:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return Path(f"/proc/{pid}/status").exists() and "zombie" not in Path(f"/proc/{pid}/status").read_text()

    deadline = time.monotonic() + 10
    while any(alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(alive(p) for p in pids), "worker processes outlived the killed crawl"


def test_a_document_past_its_time_limit_in_a_worker_is_stored_as_an_error(tmp_path, monkeypatch):
    from pipelines.timelimit import ENV_VAR
    from tests.hostile.build import cases

    big = cases()["html-10mb-one-line.html"][0]  # 9 MB: far past a millisecond to read
    monkeypatch.setenv(ENV_VAR, "0.001")
    workers.shutdown()  # workers take the environment when they start
    try:
        rows = asyncio.run(workers.prepare_in_pool(fetch_of(None, page_body=big), tmp_path / "data", None, {}))
    finally:
        workers.shutdown()
    assert rows.report["status"] == "error"
    assert rows.report["message"] == "reading stopped at the time limit of 0.001 s a document"
    assert (tmp_path / "data" / rows.files[0].path).read_bytes() == big  # the original is kept


def test_workers_run_under_the_address_space_limit(pools, monkeypatch):
    import resource

    monkeypatch.setenv(workers.ADDRESS_SPACE_ENV, str(3 * 1024**3))
    workers.shutdown()  # workers take the limit when they start
    limit = workers.pool("documents", 1).submit(resource.getrlimit, resource.RLIMIT_AS).result(timeout=60)
    assert limit == (3 * 1024**3, 3 * 1024**3)


def _prepare_killing_workers(fetch: ReportFetch, data_dir: Path, kills: int):
    """Run prepare_in_pool and SIGKILL the worker of each of the first `kills` pools it uses,
    as the kernel's OOM killer would."""
    import os
    import signal

    kind = workers.pool_for(fetch)

    async def run():
        task = asyncio.ensure_future(workers.prepare_in_pool(fetch, data_dir, None, {}))
        killed: list[object] = []
        while not task.done():
            p = workers._pools.get(kind)
            if p is not None and p not in killed and len(killed) < kills and p._processes:
                for pid in list(p._processes):
                    os.kill(pid, signal.SIGKILL)
                killed.append(p)
            await asyncio.sleep(0.002)
        return task.result(), len(killed)

    return asyncio.run(run())


def test_a_report_whose_worker_dies_is_read_again_on_a_new_pool(pools, tmp_path):
    workers.shutdown()
    page = b"<html><body><p>2020</p></body></html>"
    rows, killed = _prepare_killing_workers(fetch_of(None, page_body=page), tmp_path / "data", kills=1)
    assert killed == 1
    assert rows.report["status"] == "no_tables"  # read, by the second pool


def test_a_report_that_kills_its_worker_twice_is_stored_unread_with_its_originals(pools, tmp_path):
    workers.shutdown()
    page = b"<html><body><p>2020</p></body></html>"
    rows, killed = _prepare_killing_workers(fetch_of(b"%PDF-1.4 attachment", page_body=page), tmp_path / "data", kills=2)
    assert killed == 2
    assert rows.report["status"] == "error" and "died twice" in rows.report["message"]
    assert [(tmp_path / "data" / f.path).read_bytes() for f in rows.files] == [page, b"%PDF-1.4 attachment"]

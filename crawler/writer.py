"""The one thread that writes a crawl's archive database.

Storing a report is mostly SQLite's own work (inserts, indexes, the trigram index, the
commit), during which Python's sqlite3 releases the GIL: in a thread of its own it runs
beside the reactor instead of stalling it (on the loop it was a third of the crawl
process's time and bounded the whole crawl; bench/performance.py). One writer per database
and process, shared by every site being crawled, so writes never wait on each other's locks
and each report is still all or nothing (see ArchiveWriter).

Only sqlite3 and plain Python run here: lxml stays on the main thread and in the worker
processes (lxml beside the spiders' parsing in a second thread corrupted memory in CI).
"""

from __future__ import annotations

import asyncio
import atexit
import logging
import queue
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import sqlite_utils

from pipelines.archive import fsync_file
from pipelines.store import open_db

logger = logging.getLogger(__name__)
T = TypeVar("T")

_writers: dict[str, ArchiveWriter] = {}
_lock = threading.Lock()
_STOP = object()
# fsyncs issued together are one journal commit: 15 files took 3-15 ms this way, 50 ms in turn.
_SYNC_THREADS = 16
_syncer: ThreadPoolExecutor | None = None


def _sync_all(paths: list[Path]) -> list[BaseException | None]:
    """fsync every path at once; per path, the error or None."""
    global _syncer
    if not paths:
        return []
    if _syncer is None:
        _syncer = ThreadPoolExecutor(_SYNC_THREADS, thread_name_prefix="fsync")

    def one(path: Path) -> BaseException | None:
        try:
            fsync_file(path)
        except OSError as exc:
            return exc
        return None
    return list(_syncer.map(one, paths))


class ArchiveWriter:
    """Runs writes in order in one thread. Writes that queue up while one is stored are
    committed together (group commit), each in a savepoint of its own: a write that fails
    is undone alone, and a write's future resolves only once it is committed. When the
    crawl outpaces the disk, one commit then carries many reports: the cell indexes' pages
    and the full-text segments are written once per batch, not once per report (storing a
    report cost a quarter less in batches of 20; bench/performance.py). A batch is bounded
    (`batch_max` writes, ~0.1 s of reports), since every write queued behind it waits for it."""

    def __init__(self, db_path: str, batch_max: int = 32) -> None:
        self.db_path = db_path
        self.batch_max = batch_max
        self.batches = self.jobs = 0
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._db: sqlite_utils.Database | None = None  # opened in, and used only by, the thread
        self._thread = threading.Thread(target=self._loop, name="archive-writer", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        stopping = False
        while not stopping:
            job = self._queue.get()
            if job is _STOP:
                break
            batch = [job]
            while len(batch) < self.batch_max:  # what queued up meanwhile; never waits
                try:
                    job = self._queue.get_nowait()
                except queue.Empty:
                    break
                if job is _STOP:
                    stopping = True
                    break
                batch.append(job)
            self._run_batch(batch)
        if self._db is not None:
            self._db.close()
            self._db = None

    def _run_batch(self, batch: list[tuple[Callable, tuple, Future, Sequence[Path]]]) -> None:
        done: list[tuple[Future, Any, BaseException | None]] = []
        # Files the writes name, made durable first, together: a write whose file cannot be
        # synced fails instead of committing a row that names it.
        paths = [p for *_, durable in batch for p in durable]
        errors = dict(zip(paths, _sync_all(paths), strict=True))
        try:
            if self._db is None:
                self._db = open_db(self.db_path)
            conn = self._db.conn
            conn.execute("BEGIN IMMEDIATE")
        except BaseException as exc:  # noqa: BLE001 - every waiting write learns why
            for _, _, future, _ in batch:
                if future.set_running_or_notify_cancel():
                    future.set_exception(exc)
            return
        for fn, args, future, durable in batch:
            if not future.set_running_or_notify_cancel():
                continue
            failed = next((errors[p] for p in durable if errors[p] is not None), None)
            if failed is not None:
                done.append((future, None, failed))
                continue
            try:
                if conn.in_transaction:
                    conn.execute("SAVEPOINT archive_write")
                result = fn(self._db, *args)
                if conn.in_transaction:
                    conn.execute("RELEASE archive_write")
                done.append((future, result, None))
            except BaseException as exc:  # noqa: BLE001 - the write's own failure, for its caller
                if conn.in_transaction:
                    conn.execute("ROLLBACK TO archive_write")
                    conn.execute("RELEASE archive_write")
                done.append((future, None, exc))
        try:
            if conn.in_transaction:
                conn.execute("COMMIT")
        except BaseException as exc:  # noqa: BLE001 - nothing of the batch was stored
            conn.rollback()
            done = [(future, None, exc) for future, _, _ in done]
        self.batches += 1
        self.jobs += len(batch)
        for future, result, exc in done:
            if exc is None:
                future.set_result(result)
            else:
                future.set_exception(exc)

    def submit(self, fn: Callable[..., T], *args: Any, durable: Sequence[Path] = ()) -> Future[T]:
        """Run `fn(db, *args)` in the writer thread, inside a transaction it must not end,
        once the files in `durable` are fsynced."""
        future: Future[T] = Future()
        self._queue.put((fn, args, future, tuple(durable)))
        return future

    async def run(self, fn: Callable[..., T], *args: Any, durable: Sequence[Path] = ()) -> T:
        """`fn(db, *args)` in the writer thread, awaited (until committed) from the event loop."""
        return await asyncio.wrap_future(self.submit(fn, *args, durable=durable))

    def fire(self, fn: Callable[..., Any], *args: Any) -> None:
        """`fn(db, *args)` in the writer thread, not waited for; a failure is logged."""
        def done(f: Future) -> None:
            if f.exception() is not None:
                logger.error("archive write %s failed: %r", getattr(fn, "__name__", fn), f.exception())
        self.submit(fn, *args).add_done_callback(done)

    def close(self) -> None:
        """Finish every queued write, then close the connection."""
        self._queue.put(_STOP)
        self._thread.join()
        if self.batches:
            logger.info("archive writer: %d writes in %d commits", self.jobs, self.batches)


def writer_for(db_path: str) -> ArchiveWriter:
    """The process's writer for `db_path`, created on first use."""
    with _lock:
        if db_path not in _writers:
            # The schema created or migrated here, before the thread's first batch: migrations
            # run from two connections at once (the thread's, a crawler's) collide.
            open_db(db_path).close()
            _writers[db_path] = ArchiveWriter(db_path)
        return _writers[db_path]


def close_all() -> None:
    """At the end of a crawl: every queued write done, every writer closed. Also run at exit,
    for a process that ran crawlers without `govreports crawl` (writes not waited for, like a
    site's crawl run, would otherwise die with the daemon thread)."""
    with _lock:
        writers = list(_writers.values())
        _writers.clear()
    for w in writers:
        w.close()


atexit.register(close_all)

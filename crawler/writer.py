"""The one thread that writes a crawl's archive database.

Storing a report is mostly SQLite's own work (inserts, indexes, the trigram index, the
commit), during which Python's sqlite3 releases the GIL: in a thread of its own it runs
beside the reactor instead of stalling it (on the loop it was a third of the crawl
process's time and bounded the whole crawl; bench/performance.py). One writer per database
and process, shared by every site being crawled, so writes never wait on each other's locks
and each report is still one transaction.

Only sqlite3 and plain Python run here: lxml stays on the main thread and in the worker
processes (lxml beside the spiders' parsing in a second thread corrupted memory in CI).
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

import sqlite_utils

from pipelines.store import open_db

logger = logging.getLogger(__name__)
T = TypeVar("T")

_writers: dict[str, ArchiveWriter] = {}
_lock = threading.Lock()


class ArchiveWriter:
    def __init__(self, db_path: str) -> None:
        self.db_path = db_path
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="archive-writer")
        self._db: sqlite_utils.Database | None = None  # opened in, and used only by, the thread

    def _call(self, fn: Callable[..., T], args: tuple) -> T:
        if self._db is None:
            self._db = open_db(self.db_path)
        return fn(self._db, *args)

    def submit(self, fn: Callable[..., T], *args: Any) -> Future[T]:
        """Run `fn(db, *args)` in the writer thread."""
        return self._executor.submit(self._call, fn, args)

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """`fn(db, *args)` in the writer thread, awaited from the event loop."""
        return await asyncio.wrap_future(self.submit(fn, *args))

    def fire(self, fn: Callable[..., Any], *args: Any) -> None:
        """`fn(db, *args)` in the writer thread, not waited for; a failure is logged."""
        def done(f: Future) -> None:
            if f.exception() is not None:
                logger.error("archive write %s failed: %r", getattr(fn, "__name__", fn), f.exception())
        self.submit(fn, *args).add_done_callback(done)

    def close(self) -> None:
        """Finish every queued write, then close the connection."""
        def close_db(_: Any) -> None:
            if self._db is not None:
                self._db.close()
                self._db = None
        self._executor.submit(close_db, None).result()
        self._executor.shutdown(wait=True)


def writer_for(db_path: str) -> ArchiveWriter:
    """The process's writer for `db_path`, created on first use."""
    with _lock:
        if db_path not in _writers:
            _writers[db_path] = ArchiveWriter(db_path)
        return _writers[db_path]


def close_all() -> None:
    """At the end of a crawl: every queued write done, every writer closed."""
    with _lock:
        writers = list(_writers.values())
        _writers.clear()
    for w in writers:
        w.close()

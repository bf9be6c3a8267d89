"""Extraction off the crawl's event loop: process pools shared by every site in a crawl.

Every document is read in a worker process, never on the reactor: a 9 MB page or a
two-second LibreOffice conversion must not stall fetching (at N=5,000 synthetic reports,
extraction on the loop made downloads time out; bench/performance.py). Processes, not
threads: lxml in a second thread beside the spiders' own parsing corrupted memory in CI.

Two pools, so the slow never queue the fast: `documents` for HTML, DOCX and plain text
(milliseconds), `converters` for PDF (text or scanned: OCR), DOC and WPS (seconds). Both are
created on first use and live until `shutdown()` at the end of the crawl; every crawler in the
process shares them, so the number of worker processes does not grow with the sites crawled.
"""

from __future__ import annotations

import asyncio
import ctypes
import multiprocessing
import os
import signal
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from pipelines.documents.sniff import sniff_format
from pipelines.ingest import ReportFetch, documents, prepare_rows
from pipelines.store import ReportRows

# Formats that take seconds (pdfplumber layout analysis or OCR; LibreOffice); the rest —
# HTML, DOCX, text and the formats refused at once — take milliseconds.
_SLOW = frozenset({"pdf", "ole2"})

_pools: dict[str, ProcessPoolExecutor] = {}
_PR_SET_PDEATHSIG = 1  # linux/prctl.h


def _default_workers() -> int:
    return max(1, (os.cpu_count() or 2) - 1)


def pool(kind: str, workers: int = 0) -> ProcessPoolExecutor:
    """The process-wide pool of `kind` ("documents" or "converters"), created on first use."""
    if kind not in _pools:
        # spawn, not fork: the crawler process runs a reactor and threads.
        _pools[kind] = ProcessPoolExecutor(workers or _default_workers(),
                                           mp_context=multiprocessing.get_context("spawn"),
                                           initializer=_die_with_parent, initargs=(os.getpid(),))
    return _pools[kind]


def _die_with_parent(parent: int) -> None:
    """Worker initializer: end with the crawl process, even when it is killed (SIGKILL runs no
    clean-up, and the workers of a killed crawl lived on, ~150 MB each). Linux asks the kernel
    (PR_SET_PDEATHSIG); the check after it covers a parent that died before the request."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: the pool's own shutdown still reaps workers
        pass
    if os.getppid() != parent:
        os._exit(0)


def pool_for(fetch: ReportFetch) -> str:
    """Which pool a fetch goes to: the slowest of its documents decides."""
    slow = any(sniff_format(d.body) in _SLOW for d in documents(fetch))
    return "converters" if slow else "documents"


async def prepare_in_pool(fetch: ReportFetch, data_dir: Path, cache_dir: Path | None, workers: dict[str, int],
                          ) -> ReportRows:
    """`pipelines.ingest.prepare_rows` (originals to disk, extraction, the rows to store) in a
    worker process; the event loop goes on fetching meanwhile, and only the database write is
    left to the crawl process."""
    kind = pool_for(fetch)
    loop = asyncio.get_running_loop()
    # The originals' fsync is left to the writer, which stores the report (ingest).
    return await loop.run_in_executor(pool(kind, workers.get(kind, 0)), prepare_rows, fetch, data_dir, cache_dir, False)


def shutdown() -> None:
    """Stop the pools (after the crawl): waits for running extractions, then reaps workers."""
    while _pools:
        _, p = _pools.popitem()
        p.shutdown(wait=True, cancel_futures=False)

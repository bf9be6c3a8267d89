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
import logging
import multiprocessing
import os
import resource
import signal
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from pipelines.budgets import WORKER_ADDRESS_SPACE
from pipelines.documents.sniff import sniff_format
from pipelines.ingest import ReportFetch, documents, prepare_rows
from pipelines.store import ReportRows

# Formats that take seconds (pdfplumber layout analysis or OCR; LibreOffice); the rest —
# HTML, DOCX, text and the formats refused at once — take milliseconds.
_SLOW = frozenset({"pdf", "ole2"})

_pools: dict[str, ProcessPoolExecutor] = {}
_PR_SET_PDEATHSIG = 1  # linux/prctl.h
ADDRESS_SPACE_ENV = "GOVREPORTS_WORKER_ADDRESS_SPACE"
logger = logging.getLogger(__name__)


def address_space_limit() -> int:
    """Bytes of virtual memory a worker may map (GOVREPORTS_WORKER_ADDRESS_SPACE, 0 for none)."""
    configured = os.environ.get(ADDRESS_SPACE_ENV, "").strip()
    try:
        return int(configured) if configured else WORKER_ADDRESS_SPACE.limit
    except ValueError:
        raise ValueError(f"{ADDRESS_SPACE_ENV} must be a number of bytes, not {configured!r}") from None


def _default_workers() -> int:
    return max(1, (os.cpu_count() or 2) - 1)


def pool(kind: str, workers: int = 0) -> ProcessPoolExecutor:
    """The process-wide pool of `kind` ("documents" or "converters"), created on first use."""
    if kind not in _pools:
        # spawn, not fork: the crawler process runs a reactor and threads.
        _pools[kind] = ProcessPoolExecutor(workers or _default_workers(),
                                           mp_context=multiprocessing.get_context("spawn"),
                                           initializer=_init_worker, initargs=(os.getpid(), address_space_limit()))
    return _pools[kind]


def _init_worker(parent: int, address_space: int) -> None:
    """Worker initializer: a memory limit as the last line behind the readers' budgets
    (pipelines/budgets.py), so a document they did not foresee fails its own reading with a
    MemoryError (status `too_large`) instead of exhausting the machine; then `_die_with_parent`."""
    if address_space > 0:
        # The readers' libraries first: under the limit, a shared library that cannot be
        # mapped would pass for a corrupt document.
        import pipelines.documents.docx
        import pipelines.documents.html
        import pipelines.documents.pdf  # noqa: F401
        resource.setrlimit(resource.RLIMIT_AS, (address_space, address_space))
    _die_with_parent(parent)


def _die_with_parent(parent: int) -> None:
    """End with the crawl process, even when it is killed (SIGKILL runs no
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
    reason = "the worker process reading this report died twice (a crash or the memory limit)"
    for _ in range(2):
        executor = pool(kind, workers.get(kind, 0))
        try:
            return await loop.run_in_executor(executor, prepare_rows, fetch, data_dir, cache_dir, False)
        except BrokenProcessPool:
            # A worker died (a C library aborted past the memory limit, the kernel's OOM
            # killer): every report in flight on that pool fails with it, so each is tried once
            # more on a new pool; the one that kills its reader twice is stored unread.
            _discard(kind, executor)
        except MemoryError:  # past the limit outside the reader's own guard (unpickling it)
            reason = "the worker process ran out of memory (the worker_address_space budget)"
            break
    logger.error("%s: %s; originals kept, documents not read", fetch.url, reason)
    return await loop.run_in_executor(None, prepare_rows, fetch, data_dir, cache_dir, False, reason)


def _discard(kind: str, executor: ProcessPoolExecutor) -> None:
    """Forget a broken pool (once: several reports see the same pool break)."""
    if _pools.get(kind) is executor:
        del _pools[kind]
        executor.shutdown(wait=False, cancel_futures=True)


def shutdown() -> None:
    """Stop the pools (after the crawl): waits for running extractions, then reaps workers."""
    while _pools:
        _, p = _pools.popitem()
        p.shutdown(wait=True, cancel_futures=False)

"""WARC files, one per crawl run (rolled at ~1 GB), written with warcio: every HTTP exchange
as fetched (request and response records, bodies still content-encoded as they came off the
wire), plus one metadata record per report naming its page and attachments, from which
`govreports rebuild` recreates the database without re-crawling."""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

ROLL_BYTES = 1024**3
FSYNC_INTERVAL = 1.0  # seconds
REPORT_PROFILE = "govreports:report"  # WARC-Profile-like marker on our metadata records
logger = logging.getLogger(__name__)


class WarcRecorder:
    """Writes one crawl's WARC files. With `background`, records are written in order by a
    thread of the recorder's own, so a crawl's event loop does not wait on compressing and
    digesting every response (zlib and hashlib run without the GIL there); `close` waits for
    every queued record."""

    def __init__(self, directory: Path, prefix: str, info: dict[str, str], background: bool = False,
                 roll_bytes: int = ROLL_BYTES) -> None:
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="warc") if background else None
        self.roll_bytes = roll_bytes
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.prefix = prefix
        self.info = info
        self.serial = 0
        self.fh = None
        self.writer: WARCWriter | None = None
        self.paths: list[Path] = []
        self.synced_at = time.monotonic()
        self._open()

    def _open(self) -> None:
        stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
        path = self.directory / f"{self.prefix}-{stamp}-{self.serial:05d}.warc.gz"
        self.serial += 1
        self.fh = open(path, "wb")  # noqa: SIM115 - closed in close()/_roll()
        self.writer = WARCWriter(self.fh, gzip=True)
        self.paths.append(path)
        self.writer.write_record(self.writer.create_warcinfo_record(path.name, self.info))

    def _roll_if_needed(self) -> None:
        if self.fh and self.fh.tell() > self.roll_bytes:
            # The file only: this runs in the recorder's own thread, which `close` waits for.
            self._close_file()
            self._open()

    def _do(self, fn: Callable[..., None], *args: object) -> None:
        if self._executor is None:
            fn(*args)
            return

        def failed(f: Future) -> None:
            if f.exception() is not None:
                logger.error("WARC write failed: %r", f.exception())
        self._executor.submit(fn, *args).add_done_callback(failed)

    def write_exchange(self, url: str, method: str, request_headers: list[tuple[str, str]],
                       status: int, reason: str, response_headers: list[tuple[str, str]],
                       body: bytes, request_body: bytes = b"", protocol: str = "HTTP/1.1") -> None:
        self._do(self._write_exchange, url, method, request_headers, status, reason, response_headers,
                 body, request_body, protocol)

    def _write_exchange(self, url: str, method: str, request_headers: list[tuple[str, str]],
                        status: int, reason: str, response_headers: list[tuple[str, str]],
                        body: bytes, request_body: bytes, protocol: str) -> None:
        assert self.writer is not None
        self._roll_if_needed()
        http = StatusAndHeaders(f"{status} {reason}".strip(), response_headers, protocol=protocol)
        response = self.writer.create_warc_record(url, "response", payload=BytesIO(body), http_headers=http)
        target = url.split("://", 1)[-1].split("/", 1)
        path = "/" + (target[1] if len(target) > 1 else "")
        req_http = StatusAndHeaders(f"{method} {path} {protocol}", request_headers, is_http_request=True)
        request = self.writer.create_warc_record(url, "request", payload=BytesIO(request_body), http_headers=req_http)
        request.rec_headers.add_header("WARC-Concurrent-To", response.rec_headers.get_header("WARC-Record-ID"))
        self.writer.write_record(response)
        self.writer.write_record(request)

    def write_report(self, url: str, payload: dict) -> None:
        data = json.dumps(payload, ensure_ascii=False, sort_keys=True).encode("utf-8")
        self._do(self._write_report, url, data)

    def _write_report(self, url: str, data: bytes) -> None:
        assert self.writer is not None
        record = self.writer.create_warc_record(url, "metadata", payload=BytesIO(data),
                                                warc_content_type="application/json")
        record.rec_headers.add_header("WARC-Profile", REPORT_PROFILE)
        self.writer.write_record(record)
        # A killed process loses nothing written so far (in the background, only the records
        # still queued: milliseconds of them, their originals and rows being the primary copy).
        self.fh.flush()
        # Against power loss, at most a second of records: an fsync per report cost 8% of a
        # crawl (bench/performance.py), and the originals and database are the primary copy.
        if time.monotonic() - self.synced_at >= FSYNC_INTERVAL:
            os.fsync(self.fh.fileno())
            self.synced_at = time.monotonic()

    def close(self) -> None:
        """Write every queued record, then close the current file."""
        if self._executor is not None:
            self._executor.shutdown(wait=True)
        self._close_file()

    def _close_file(self) -> None:
        if self.fh:
            self.fh.flush()
            os.fsync(self.fh.fileno())
            self.fh.close()
            self.fh = None


def iter_report_manifests(directory: Path) -> Iterator[dict]:
    """Report manifests from every WARC under `directory`, oldest file first. A file cut short
    by a killed crawl yields the records written before the cut."""
    for path in sorted(Path(directory).glob("*.warc.gz"), key=lambda p: (p.name.split("-")[-2], p.name)):
        with open(path, "rb") as fh:
            try:
                for record in ArchiveIterator(fh):
                    if record.rec_type == "metadata" and record.rec_headers.get_header("WARC-Profile") == REPORT_PROFILE:
                        yield json.loads(record.content_stream().read().decode("utf-8"))
            except Exception:  # a truncated gzip member at the end of a killed run's file
                continue


def iter_responses(directory: Path) -> Iterator[tuple[str, int, bytes]]:
    """(url, status, body as received) of every response record."""
    for path in sorted(Path(directory).glob("*.warc.gz")):
        with open(path, "rb") as fh:
            for record in ArchiveIterator(fh):
                if record.rec_type == "response":
                    yield (record.rec_headers.get_header("WARC-Target-URI"),
                           int(record.http_headers.get_statuscode()), record.raw_stream.read())

"""WARC files, one per crawl run (rolled at ~1 GB), written with warcio: every HTTP exchange
as fetched (request and response records, bodies still content-encoded as they came off the
wire), plus one metadata record per report naming its page and attachments, from which
`govreports rebuild` recreates the database without re-crawling. A report's record is
written before its database commit (crawler/archiving.py), so every stored report has one."""

from __future__ import annotations

import json
import logging
import os
import time
import zlib
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path
from typing import Any, TypeVar

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

ROLL_BYTES = 1024**3
FSYNC_INTERVAL = 1.0  # seconds
REPORT_PROFILE = "govreports:report"  # WARC-Profile-like marker on our metadata records
_READ_CHUNK = 1 << 20
logger = logging.getLogger(__name__)
T = TypeVar("T")


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
        while True:
            path = self.directory / f"{self.prefix}-{stamp}-{self.serial:05d}.warc.gz"
            self.serial += 1
            try:
                # Never over another file: a run killed and started again within the same
                # second has the same name, and "wb" emptied the killed run's records.
                self.fh = open(path, "xb")  # noqa: SIM115 - closed in close()/_roll()
                break
            except FileExistsError:
                continue
        self.writer = WARCWriter(self.fh, gzip=True)
        self.paths.append(path)
        self.writer.write_record(self.writer.create_warcinfo_record(path.name, self.info))

    def _roll_if_needed(self) -> None:
        if self.fh and self.fh.tell() > self.roll_bytes:
            # The file only: this runs in the recorder's own thread, which `close` waits for.
            self._close_file()
            self._open()

    def _do(self, fn: Callable[..., T], *args: object) -> Future[T]:
        if self._executor is not None:
            return self._executor.submit(fn, *args)
        done: Future[T] = Future()
        try:
            done.set_result(fn(*args))
        except Exception as exc:  # noqa: BLE001 - handed to the caller, as the thread's would be
            done.set_exception(exc)
        return done

    def write_exchange(self, url: str, method: str, request_headers: list[tuple[str, str]],
                       status: int, reason: str, response_headers: list[tuple[str, str]],
                       body: bytes, request_body: bytes = b"", protocol: str = "HTTP/1.1") -> None:
        written = self._do(self._write_exchange, url, method, request_headers, status, reason,
                           response_headers, body, request_body, protocol)

        def failed(f: Future) -> None:
            if f.exception() is not None:
                logger.error("WARC write failed: %r", f.exception())
        written.add_done_callback(failed)

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

    def write_report(self, url: str, payload: dict) -> Future[Path]:
        """Queue a report's manifest. The future resolves, to the file that holds it, once the
        record is written and flushed to the OS (a killed process keeps it); whoever needs it
        to survive power loss too fsyncs that file (the crawl's writer does, with the report's
        originals, before committing the report)."""
        data = json.dumps(payload, ensure_ascii=False, sort_keys=True).encode("utf-8")
        return self._do(self._write_report, url, data)

    def _write_report(self, url: str, data: bytes) -> Path:
        assert self.writer is not None and self.fh is not None
        record = self.writer.create_warc_record(url, "metadata", payload=BytesIO(data),
                                                warc_content_type="application/json")
        record.rec_headers.add_header("WARC-Profile", REPORT_PROFILE)
        self.writer.write_record(record)
        self.fh.flush()
        # Exchanges are not awaited by anyone: a periodic fsync bounds what power loss takes.
        if time.monotonic() - self.synced_at >= FSYNC_INTERVAL:
            os.fsync(self.fh.fileno())
            self.synced_at = time.monotonic()
        return self.paths[-1]

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


@dataclass(frozen=True)
class WarcDamage:
    """A WARC file that could not be read to its end: cut short (a killed crawl, a full disk)
    or corrupt. The records before `offset` were read; nothing after it was."""

    file: str
    records: int  # whole records read before the damage
    offset: int  # bytes of the file read before the damage
    error: str

    def __str__(self) -> str:
        return f"{self.file}: {self.error} at byte {self.offset}, after {self.records} records"


def _warc_files(directory: Path) -> list[Path]:
    """Oldest first (by the timestamp in the name, then the serial), so that later versions of
    a report are ingested after earlier ones."""
    return sorted(Path(directory).glob("*.warc.gz"), key=lambda p: (p.name.split("-")[-2], p.name))


class _Damage(Exception):
    def __init__(self, offset: int, error: str) -> None:
        super().__init__(error)
        self.offset = offset


def _members(path: Path) -> Iterator[tuple[int, bytes]]:
    """(offset, decompressed bytes) of each gzip member of a WARC file: one record each, as
    warcio writes them. Each member is checked whole (gzip's CRC and length) before it is
    yielded, since warcio alone reads a member cut short as a shorter record without a word.
    Raises _Damage at the first member cut short or corrupt."""
    with open(path, "rb") as fh:
        pending = b""
        offset = 0
        while True:
            data = pending or fh.read(_READ_CHUNK)
            if not data:
                return
            inflater = zlib.decompressobj(zlib.MAX_WBITS | 16)
            parts: list[bytes] = []
            size = 0
            while True:
                try:
                    parts.append(inflater.decompress(data))
                except zlib.error as exc:
                    raise _Damage(offset, f"corrupt ({exc})") from exc
                if inflater.eof:
                    pending = inflater.unused_data
                    size += len(data) - len(pending)
                    break
                size += len(data)
                data = fh.read(_READ_CHUNK)
                if not data:
                    raise _Damage(offset, "cut short inside a record")
            yield offset, b"".join(parts)
            offset += size


def iter_records(path: Path, damaged: list[WarcDamage] | None = None) -> Iterator[Any]:
    """Every record of one WARC file, whole ones only. At the first damaged record the file
    ends, and the damage is appended to `damaged` for the caller to report (logged when no
    list is given): never passed over in silence."""
    records = 0
    try:
        for offset, raw in _members(path):
            try:
                yield from ArchiveIterator(BytesIO(raw))
            except (ArchiveLoadFailed, ValueError) as exc:
                raise _Damage(offset, f"corrupt record ({exc})") from exc
            records += 1
        return
    except _Damage as exc:
        damage = WarcDamage(path.name, records, exc.offset, str(exc))
    if damaged is not None:
        damaged.append(damage)
    else:
        logger.warning("WARC file damaged, nothing after the damage read: %s", damage)


def iter_report_manifests(directory: Path, damaged: list[WarcDamage] | None = None) -> Iterator[dict]:
    """Report manifests from every WARC under `directory`, oldest file first. A file cut short
    or corrupt yields the manifests before the damage and is reported in `damaged`."""
    for path in _warc_files(directory):
        for record in iter_records(path, damaged):
            if record.rec_type == "metadata" and record.rec_headers.get_header("WARC-Profile") == REPORT_PROFILE:
                yield json.loads(record.content_stream().read().decode("utf-8"))


def iter_responses(directory: Path, damaged: list[WarcDamage] | None = None) -> Iterator[tuple[str, int, bytes]]:
    """(url, status, body as received) of every response record; damaged files as in
    `iter_report_manifests`."""
    for path in _warc_files(directory):
        for record in iter_records(path, damaged):
            if record.rec_type == "response":
                yield (record.rec_headers.get_header("WARC-Target-URI"),
                       int(record.http_headers.get_statuscode()), record.raw_stream.read())

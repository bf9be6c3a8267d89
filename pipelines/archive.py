"""Originals, content-addressed: data/files/<aa>/<sha256><ext>, written before any row
refers to them, so the database can always be rebuilt from what was fetched."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

EXTENSIONS = {"html": ".html", "pdf": ".pdf", "docx": ".docx", "ole2": ".doc", "xlsx": ".xlsx",
              "ofd": ".ofd", "zip": ".zip", "text": ".txt"}


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def original_path(sha256: str, fmt: str) -> str:
    """Relative path of an original under the data directory. Never derived from a remote
    file name, so nothing a server sends can choose where we write."""
    return f"files/{sha256[:2]}/{sha256}{EXTENSIONS.get(fmt, '.bin')}"


def store_original(data_dir: Path, data: bytes, fmt: str, sync: bool = True) -> tuple[str, str]:
    """Write `data` once (temp file, fsync, rename); return (sha256, relative path). With
    `sync=False` the fsync is left to `sync_original`, to be called before a row refers to it."""
    digest = sha256_of(data)
    rel = original_path(digest, fmt)
    target = Path(data_dir) / rel
    if target.exists() and target.stat().st_size == len(data):
        return digest, rel
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            if sync:
                fh.flush()
                os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return digest, rel


def fsync_file(path: Path) -> None:
    """fsync a file already written (by `store_original(sync=False)` or another process)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def sync_original(data_dir: Path, rel: str) -> None:
    """Make an original written with `sync=False` durable."""
    fsync_file(Path(data_dir) / rel)

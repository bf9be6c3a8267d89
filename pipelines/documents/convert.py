"""Legacy Word (DOC) and Kingsoft WPS files → DOCX bytes, with LibreOffice headless.

No maintained Python library reads these OLE2 binaries' tables, so we convert and reuse the
DOCX reader. Each process gets its own LibreOffice profile (two instances sharing one profile
block each other), every conversion has a timeout, and results are cached by the input's
SHA-256 so a rebuild never converts the same file twice.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import shutil
import signal
import subprocess
import tempfile
import threading
from pathlib import Path

import olefile


def default_timeout() -> float:
    """Seconds a conversion may take (GOVREPORTS_CONVERT_TIMEOUT, read at each call)."""
    return float(os.environ.get("GOVREPORTS_CONVERT_TIMEOUT", "120"))

_lock = threading.Lock()  # one conversion at a time per process: the profile is per process


class ConverterMissing(RuntimeError):
    """LibreOffice is not installed: the document is kept, with this as its status."""


class ConversionFailed(RuntimeError):
    pass


def soffice_path() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def ole_kind(data: bytes) -> str:
    """doc, wps, xls or ole2, from the compound file's streams and creating application."""
    try:
        ole = olefile.OleFileIO(io.BytesIO(data))
    except (OSError, ValueError):
        return "ole2"
    with ole:
        streams = {"/".join(s) for s in ole.listdir()}
        app = ""
        try:
            app = (ole.get_metadata().creating_application or b"").decode("utf-8", "ignore")
        except Exception:  # metadata streams are optional and often malformed
            pass
    if "WordDocument" in streams:
        return "wps" if ("WPS" in app.upper() or "KINGSOFT" in app.upper()) else "doc"
    if "Workbook" in streams or "Book" in streams:
        return "xls"
    return "ole2"


def _profile_dir() -> Path:
    return Path(tempfile.gettempdir()) / f"govreports-lo-{os.getpid()}"


def convert_to_docx(data: bytes, cache_dir: Path | None = None, timeout: float | None = None) -> bytes:
    """Convert DOC/WPS bytes to DOCX bytes (cached under cache_dir by SHA-256)."""
    timeout = default_timeout() if timeout is None else timeout
    digest = hashlib.sha256(data).hexdigest()
    cached = Path(cache_dir) / f"{digest}.docx" if cache_dir else None
    if cached and cached.exists():
        return cached.read_bytes()
    soffice = soffice_path()
    if not soffice:
        raise ConverterMissing("converter missing: LibreOffice (soffice) is not installed")
    with _lock, tempfile.TemporaryDirectory(prefix="govreports-convert-") as tmp:
        # The input's name is ours, never the remote one: nothing a server sends picks a path.
        src = Path(tmp) / "input.doc"
        src.write_bytes(data)
        cmd = [soffice, "--headless", "--norestore", "--nologo", "--nodefault",
               f"-env:UserInstallation=file://{_profile_dir()}",
               "--convert-to", "docx:MS Word 2007 XML", "--outdir", tmp, str(src)]
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
        try:
            _, err = proc.communicate(timeout=timeout)
        except BaseException as exc:  # its own timeout, or the document's time limit
            with contextlib.suppress(ProcessLookupError):  # it may have ended just now
                os.killpg(proc.pid, signal.SIGKILL)  # leave no LibreOffice running
            proc.communicate()
            if isinstance(exc, subprocess.TimeoutExpired):
                raise ConversionFailed(f"LibreOffice timed out after {timeout:.0f} s") from None
            raise
        out = Path(tmp) / "input.docx"
        if proc.returncode != 0 or not out.exists():
            raise ConversionFailed(
                f"LibreOffice could not convert the file (exit {proc.returncode}): "
                + err.decode("utf-8", "replace").strip()[-300:])
        result = out.read_bytes()
    if cached:
        cached.parent.mkdir(parents=True, exist_ok=True)
        tmp_path = cached.with_suffix(".tmp")
        tmp_path.write_bytes(result)
        os.replace(tmp_path, cached)
    return result

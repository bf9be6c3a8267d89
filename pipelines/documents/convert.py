"""Legacy Word (DOC) and Kingsoft WPS files → DOCX bytes, with LibreOffice headless.

No maintained Python library reads these OLE2 binaries' tables, so we convert and reuse the
DOCX reader. Each process gets its own LibreOffice profile (two instances sharing one profile
block each other), every conversion has a timeout, and results are cached by the input's
SHA-256 so a rebuild never converts the same file twice.

The documents are hostile: a field such as `INCLUDEPICTURE "http://…"` makes LibreOffice send
OPTIONS, HEAD and GET to any host while it loads the file (no robots.txt, no politeness), and
`INCLUDETEXT "/etc/passwd"`, `file://` images, linked OLE objects or DDE links name files of
the host. So every conversion runs

- in a sandbox without network, chosen once per process, best first:
  `bwrap` (bubblewrap: no network, and a file system holding only /usr, the few /etc entries
  LibreOffice needs read-only, and a private /tmp with nothing but the job's directory and the
  profile), else `unshare --net` (root) or `unshare --user --map-root-user --net` (where user
  namespaces are allowed): no network, but the host's file system stays visible, so only
  the profile settings below keep files out;
- with a profile that never updates links or fields on load, blocks linked images of
  untrusted documents, disables macros and sends any HTTP/FTP through a proxy that cannot be
  reached (192.0.2.1, a documentation-only address; LibreOffice then makes no request at all).

GOVREPORTS_CONVERT_SANDBOX (read at each call) picks it: `auto` (the default: the best that
works here), `bwrap` or `unshare` (that one or nothing), or `none` (no sandbox; the profile
settings still apply). When the chosen sandbox cannot run, nothing is converted: the document
gets status `converter_missing` with a message naming what is missing, like a host without
LibreOffice. Unsandboxed conversion only ever happens when the variable says `none`.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import io
import os
import shutil
import signal
import subprocess
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path

import olefile

SANDBOX_ENV = "GOVREPORTS_CONVERT_SANDBOX"
SANDBOXES = ("bwrap", "unshare")


def default_timeout() -> float:
    """Seconds a conversion may take (GOVREPORTS_CONVERT_TIMEOUT, read at each call)."""
    return float(os.environ.get("GOVREPORTS_CONVERT_TIMEOUT", "120"))

_lock = threading.Lock()  # one conversion at a time per process: the profile is per process


class ConverterMissing(RuntimeError):
    """LibreOffice is not installed: the document is kept, with this as its status."""


class SandboxUnavailable(ConverterMissing):
    """LibreOffice is there but cannot be isolated here, and unsandboxed runs are not allowed."""


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


# (configuration path, property, value) written into every conversion's profile. Each name is
# in LibreOffice's schema (officecfg; tests/test_convert_sandbox.py checks the installed .xcd).
PROFILE_SETTINGS: tuple[tuple[str, str, str], ...] = (
    # Writer: links (INCLUDETEXT sections, INCLUDEPICTURE images, DDE, OLE) never updated on
    # load (0 = NEVER in sw's UpdateLinks), nor fields and charts.
    ("org.openoffice.Office.Writer/Content/Update", "Link", "0"),
    ("org.openoffice.Office.Writer/Content/Update", "Field", "false"),
    ("org.openoffice.Office.Writer/Content/Update", "Chart", "false"),
    # Spreadsheets embedded in a document: links never updated (1 = LM_NEVER in sc).
    ("org.openoffice.Office.Calc/Content/Update", "Link", "1"),
    # Images linked from a document outside the trusted locations are not loaded.
    ("org.openoffice.Office.Common/Security/Scripting", "BlockUntrustedRefererLinks", "true"),
    ("org.openoffice.Office.Common/Security/Scripting", "MacroSecurityLevel", "3"),
    ("org.openoffice.Office.Common/Security/Scripting", "DisableMacrosExecution", "true"),
    # The link settings leave the OPTIONS/HEAD probe of a linked image; with a manual proxy
    # LibreOffice sends nothing, and one that honoured it would reach a non-routed address.
    ("org.openoffice.Inet/Settings", "ooInetProxyType", "1"),
    ("org.openoffice.Inet/Settings", "ooInetNoProxy", ""),
    ("org.openoffice.Inet/Settings", "ooInetHTTPProxyName", "192.0.2.1"),
    ("org.openoffice.Inet/Settings", "ooInetHTTPProxyPort", "9"),
    ("org.openoffice.Inet/Settings", "ooInetHTTPSProxyName", "192.0.2.1"),
    ("org.openoffice.Inet/Settings", "ooInetHTTPSProxyPort", "9"),
    ("org.openoffice.Inet/Settings", "ooInetFTPProxyName", "192.0.2.1"),
    ("org.openoffice.Inet/Settings", "ooInetFTPProxyPort", "9"),
)


def write_profile_settings(profile: Path) -> None:
    """Put PROFILE_SETTINGS into the profile's user layer. Rewritten before each conversion,
    so nothing a previous run (or a stale profile of a reused pid) left there counts."""
    items = "".join(
        f'<item oor:path="/{path}"><prop oor:name="{name}" oor:op="fuse"><value>{value}</value></prop></item>\n'
        for path, name, value in PROFILE_SETTINGS)
    user = profile / "user"
    user.mkdir(parents=True, exist_ok=True)
    (user / "registrymodifications.xcu").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<oor:items xmlns:oor="http://openoffice.org/2001/registry"'
        ' xmlns:xs="http://www.w3.org/2001/XMLSchema"'
        ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n'
        f"{items}</oor:items>\n", encoding="utf-8")


# What LibreOffice needs from /etc and /var inside bwrap; everything else there (passwd,
# ssl keys, the project's own files) stays out of reach.
_BWRAP_READABLE = ("/etc/fonts", "/etc/libreoffice", "/etc/ld.so.cache", "/etc/ld.so.conf",
                   "/etc/ld.so.conf.d", "/etc/alternatives", "/var/cache/fontconfig")


def _bwrap_args(bwrap: str, readable: Sequence[Path], writable: Sequence[Path],
                home: Path | None) -> list[str]:
    args = [bwrap, "--unshare-all", "--die-with-parent", "--clearenv",
            "--ro-bind", "/usr", "/usr"]
    for top in ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
        if os.path.islink(top):  # merged /usr: the same symlink inside
            args += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            args += ["--ro-bind", top, top]
    for path in _BWRAP_READABLE:
        args += ["--ro-bind-try", path, path]
    args += ["--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"]
    for path in readable:
        args += ["--ro-bind", str(path), str(path)]
    for path in writable:  # at the same path inside, so LibreOffice's arguments need no mapping
        args += ["--bind", str(path), str(path)]
    if home:
        args += ["--setenv", "HOME", str(home), "--chdir", str(home)]
    return args + ["--setenv", "PATH", "/usr/bin:/bin", "--setenv", "LANG", "C.UTF-8", "--"]


def _unshare_args(unshare: str) -> list[str]:
    if os.geteuid() == 0:
        return [unshare, "--net", "--"]
    return [unshare, "--user", "--map-root-user", "--net", "--"]


def sandbox_prefix(kind: str, readable: Sequence[Path] = (), writable: Sequence[Path] = (),
                   home: Path | None = None) -> list[str]:
    """The argv prefix that runs a command in sandbox `kind` ("bwrap", "unshare" or "none"),
    with `readable` and `writable` directories visible at their own paths (bwrap only: the
    others see the whole file system)."""
    if kind == "none":
        return []
    tool = shutil.which(kind)
    if not tool:
        raise SandboxUnavailable(f"{kind} is not installed")
    if kind == "bwrap":
        return _bwrap_args(tool, readable, writable, home)
    if kind == "unshare":
        return _unshare_args(tool)
    raise ValueError(kind)


@functools.cache
def _probe(kind: str) -> str | None:
    """None when sandbox `kind` runs a command on this machine, else why not (once a process:
    the kernel's and the platform's rules do not change under it)."""
    true = shutil.which("true") or "/bin/true"
    try:
        cmd = sandbox_prefix(kind) + [true]
    except SandboxUnavailable as exc:
        return str(exc)
    try:
        proc = subprocess.run(cmd, capture_output=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"{kind} failed: {exc}"
    if proc.returncode != 0:
        return f"{kind} failed: " + proc.stderr.decode("utf-8", "replace").strip()[-200:]
    return None


def sandbox_kind() -> str:
    """The sandbox conversions use now: "bwrap", "unshare" or "none" (only when
    GOVREPORTS_CONVERT_SANDBOX=none). Raises SandboxUnavailable when the one asked for (by
    default: any) cannot run here."""
    wanted = os.environ.get(SANDBOX_ENV, "auto").strip().lower() or "auto"
    if wanted == "none":
        return "none"
    if wanted not in ("auto", *SANDBOXES):
        raise SandboxUnavailable(f"{SANDBOX_ENV} must be auto, bwrap, unshare or none, not {wanted!r}")
    reasons = []
    for kind in SANDBOXES if wanted == "auto" else (wanted,):
        reason = _probe(kind)
        if reason is None:
            return kind
        reasons.append(reason)
    raise SandboxUnavailable(
        "converter missing: no sandbox to run LibreOffice without network ("
        + "; ".join(reasons) + "). Install bubblewrap (Debian package bubblewrap) where user "
        f"namespaces are allowed or run as root, or set {SANDBOX_ENV}=none to convert unsandboxed")


def convert_to_docx(data: bytes, cache_dir: Path | None = None, timeout: float | None = None) -> bytes:
    """Convert DOC/WPS bytes to DOCX bytes (cached under cache_dir by SHA-256), in the
    sandbox `sandbox_kind()` picks."""
    timeout = default_timeout() if timeout is None else timeout
    digest = hashlib.sha256(data).hexdigest()
    cached = Path(cache_dir) / f"{digest}.docx" if cache_dir else None
    if cached and cached.exists():
        return cached.read_bytes()
    soffice = soffice_path()
    if not soffice:
        raise ConverterMissing("converter missing: LibreOffice (soffice) is not installed")
    kind = sandbox_kind()
    with _lock, tempfile.TemporaryDirectory(prefix="govreports-convert-") as tmp:
        # The input's name is ours, never the remote one: nothing a server sends picks a path.
        src = Path(tmp) / "input.doc"
        src.write_bytes(data)
        profile = _profile_dir()
        write_profile_settings(profile)
        # LibreOffice's own tree, when it lives outside /usr (/opt, or a stand-in's folder).
        install = Path(os.path.realpath(soffice)).parents[1]
        readable = [] if install.is_relative_to("/usr") else [install]
        cmd = sandbox_prefix(kind, readable, [Path(tmp), profile], home=profile) + [
            soffice, "--headless", "--norestore", "--nologo", "--nodefault",
            f"-env:UserInstallation=file://{profile}",
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

"""Serve archived originals: GET /-/original/<sha256> answers with the stored file.

Read-only and by content hash only: the request names a SHA-256 (64 hex digits), the file's
format, type and name come from the archive's `files` table, and the file is read from
`<files_dir>/<2 hex>/<sha256><ext>`, where files_dir is the plugin setting
`plugins.govreports.files_dir` in metadata, else the environment variable
GOVREPORTS_FILES_DIR, else the `files/` folder beside the archive database (the data
directory's layout, pipelines/archive.py). No part of the request becomes a path.

An archived HTML page is served with `Content-Security-Policy: sandbox`: its scripts do not
run and it cannot reach this Datasette's origin.
"""

from __future__ import annotations

import os
import re
import urllib.parse
from pathlib import Path

from datasette import hookimpl
from datasette.utils.asgi import AsgiFileDownload, NotFound, Response

SHA256 = re.compile(r"^[0-9a-f]{64}$")
EXTENSION = re.compile(r"^\.[a-z0-9]{1,8}$")
# Format (files.format, pipelines/documents) -> Content-Type and whether browsers show it inline.
TYPES = {
    "html": ("text/html", True),
    "text": ("text/plain", True),
    "pdf": ("application/pdf", True),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", False),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", False),
    "ole2": ("application/msword", False),
    "ofd": ("application/ofd", False),
    "zip": ("application/zip", False),
}
DATABASE = "archive"


def files_dir(datasette) -> Path | None:
    config = datasette.plugin_config("govreports") or {}
    configured = config.get("files_dir") or os.environ.get("GOVREPORTS_FILES_DIR")
    if configured:
        return Path(configured)
    try:
        db = datasette.get_database(DATABASE)
    except KeyError:
        return None
    return Path(db.path).resolve().parent / "files" if db.path else None


def content_type(row: dict) -> tuple[str, bool]:
    kind, inline = TYPES.get(row.get("format") or "", ("application/octet-stream", False))
    served = (row.get("content_type") or "").lower()
    # Keep the charset the server declared for text (many pages are GBK).
    charset = re.search(r"charset=([\w-]+)", served)
    if kind.startswith("text/") and charset:
        kind += f"; charset={charset.group(1)}"
    return kind, inline


def disposition(inline: bool, row: dict, sha: str, ext: str) -> str:
    name = Path(row.get("original_filename") or "").name or f"{sha}{ext}"
    ascii_name = re.sub(r"[^A-Za-z0-9._-]", "_", name)
    return (f"{'inline' if inline else 'attachment'}; filename=\"{ascii_name}\"; "
            f"filename*=UTF-8''{urllib.parse.quote(name)}")


async def original(request, datasette):
    sha = request.url_vars["sha256"].lower()
    if not SHA256.match(sha):
        raise NotFound("not a SHA-256")
    try:
        db = datasette.get_database(DATABASE)
    except KeyError:
        raise NotFound("no archive database") from None
    rows = (await db.execute(
        "select sha256, path, format, content_type, original_filename from files where sha256 = ?",
        [sha])).rows
    if not rows:
        raise NotFound("no such original in the archive")
    row = dict(rows[0])
    root = files_dir(datasette)
    if root is None:
        raise NotFound("files directory unknown")
    ext = Path(row["path"] or "").suffix.lower()
    if ext and not EXTENSION.match(ext):
        ext = ""
    path = (root / sha[:2] / f"{sha}{ext}").resolve()
    if root.resolve() not in path.parents or not path.is_file():
        raise NotFound("original not found in the files directory")
    kind, inline = content_type(row)
    headers = {
        "content-disposition": disposition(inline, row, sha, ext),
        "x-content-type-options": "nosniff",
        "cache-control": "public, max-age=31536000, immutable",
    }
    if kind.startswith("text/html"):
        headers["content-security-policy"] = "sandbox"
    if request.method == "HEAD":
        return Response("", content_type=kind, headers={**headers, "content-length": str(path.stat().st_size)})
    return AsgiFileDownload(path, content_type=kind, headers=headers)


@hookimpl
def register_routes():
    return [(r"^/-/original/(?P<sha256>[^/]+)$", original)]

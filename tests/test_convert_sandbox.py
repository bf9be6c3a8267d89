"""A hostile DOC cannot make the DOC → DOCX conversion reach the network or the host's files.

The document is built at test time: a DOCX with images linked to a recording HTTP server on
127.0.0.1 and to a host file, and INCLUDETEXT fields naming a host file that holds a unique
marker; LibreOffice saves it as Word 97, which turns the linked image into an INCLUDEPICTURE
field. Real LibreOffice throughout, no mocks. The first test shows the attack is live (plain
LibreOffice does call the server), so the others' "no request" means something.
"""

from __future__ import annotations

import base64
import http.server
import io
import os
import shutil
import subprocess
import threading
import uuid
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest

from pipelines.documents import convert
from pipelines.extract import extract_document

from .helpers import needs_soffice

pytestmark = needs_soffice

# A 1×1 PNG: what the server answers to GET, so LibreOffice has an image to embed.
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQ"
                       "DwAEhQGAhKmMIQAAAABJRU5ErkJggg==")


class Recorder(http.server.ThreadingHTTPServer):
    requests: list[str]


class _Handler(http.server.BaseHTTPRequestHandler):
    def _answer(self) -> None:
        self.server.requests.append(f"{self.command} {self.path}")
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.send_header("Content-Length", str(len(PNG)))
        self.end_headers()
        if self.command == "GET":
            self.wfile.write(PNG)

    do_GET = do_HEAD = do_OPTIONS = do_POST = do_PROPFIND = _answer

    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def server():
    srv = Recorder(("127.0.0.1", 0), _Handler)
    srv.requests = []
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield srv
    srv.shutdown()
    srv.server_close()


def _hostile_docx(base_url: str, host_png: Path, marker_file: Path) -> bytes:
    ns = ('xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
          'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" '
          'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
          'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
          'xmlns:pic="http://schemas.openxmlformats.org/drawingml/2006/picture"')

    def para(text: str) -> str:
        return f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p>"

    def linked_image(rid: str, n: int) -> str:  # r:link, not r:embed: the picture stays outside
        return (f'<w:p><w:r><w:drawing><wp:inline><wp:extent cx="360000" cy="360000"/>'
                f'<wp:docPr id="{n}" name="p{n}"/><a:graphic>'
                f'<a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/picture">'
                f'<pic:pic><pic:nvPicPr><pic:cNvPr id="{n}" name="p{n}"/><pic:cNvPicPr/></pic:nvPicPr>'
                f'<pic:blipFill><a:blip r:link="{rid}"/><a:stretch><a:fillRect/></a:stretch></pic:blipFill>'
                f'<pic:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="360000" cy="360000"/></a:xfrm>'
                f'<a:prstGeom prst="rect"/></pic:spPr></pic:pic></a:graphicData></a:graphic>'
                f'</wp:inline></w:drawing></w:r></w:p>')

    def field(instr: str, result: str) -> str:
        return (f'<w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r>'
                f'<w:r><w:instrText xml:space="preserve"> {instr} </w:instrText></w:r>'
                f'<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>{result}</w:t></w:r>'
                f'<w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>')

    body = (para("Before") + linked_image("rIdHttp", 1) + linked_image("rIdFile", 2)
            + field(f'INCLUDEPICTURE "{base_url}/includepicture.png" \\d', "picture")
            + field(f'INCLUDETEXT "{marker_file}"', "included")
            + f'<w:p><w:fldSimple w:instr=" INCLUDETEXT &quot;{marker_file}&quot; ">'
              '<w:r><w:t>simple</w:t></w:r></w:fldSimple></w:p>'
            + para("After"))
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    parts = {
        "[Content_Types].xml":
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
        "_rels/.rels":
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{rel}/officeDocument" Target="word/document.xml"/></Relationships>',
        "word/_rels/document.xml.rels":
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rIdHttp" Type="{rel}/image" Target="{base_url}/linked.png" TargetMode="External"/>'
            f'<Relationship Id="rIdFile" Type="{rel}/image" Target="{host_png.as_uri()}" TargetMode="External"/>'
            '</Relationships>',
        "word/document.xml":
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document {ns}><w:body>{body}</w:body></w:document>',
    }
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, text in parts.items():
            z.writestr(name, text)
    return buf.getvalue()


def _soffice(args: list[str], prefix: list[str], profile: Path) -> subprocess.CompletedProcess:
    """LibreOffice with a plain profile of its own (none of convert.PROFILE_SETTINGS)."""
    return subprocess.run(prefix + [convert.soffice_path(), "--headless", "--norestore",
                                    f"-env:UserInstallation={profile.as_uri()}", *args],
                          capture_output=True, timeout=120)


@pytest.fixture(scope="module")
def sandbox() -> str:
    try:
        kind = convert.sandbox_kind()
    except convert.SandboxUnavailable as exc:
        pytest.skip(str(exc))
    if kind == "none":
        pytest.skip(f"{convert.SANDBOX_ENV}=none: no sandbox to test")
    return kind


@pytest.fixture(scope="module")
def hostile(server, sandbox, tmp_path_factory):
    """(.doc bytes, marker text, host PNG bytes). Built inside the sandbox, so building it
    makes no request either."""
    host = tmp_path_factory.mktemp("host")  # the "host's files": outside every job directory
    marker = f"HOST-SECRET-{uuid.uuid4().hex}"
    (host / "secret.txt").write_text(marker + "\n")
    host_png = host / "private.png"
    host_png.write_bytes(PNG[:-12] + marker.encode() + PNG[-12:])  # unique bytes to look for
    build = tmp_path_factory.mktemp("build")
    base_url = f"http://127.0.0.1:{server.server_address[1]}"
    (build / "hostile.docx").write_bytes(_hostile_docx(base_url, host_png, host / "secret.txt"))
    profile = build / "profile"
    profile.mkdir()
    proc = _soffice(["--convert-to", "doc", "--outdir", str(build), str(build / "hostile.docx")],
                    convert.sandbox_prefix(sandbox, writable=[build], home=profile), profile)
    assert proc.returncode == 0, proc.stderr
    doc = (build / "hostile.doc").read_bytes()
    # The Word 97 file carries the attack: the fields and the server's address.
    for needle in ("INCLUDEPICTURE", "INCLUDETEXT", base_url, "secret.txt"):
        assert needle.encode("utf-16-le") in doc, needle
    assert server.requests == []
    return doc, marker, host_png.read_bytes()


@pytest.fixture
def requests_seen(server):
    server.requests.clear()
    return server.requests


def _docx_parts(docx: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(docx)) as z:
        return b"".join(z.read(n) for n in z.namelist())


def test_plain_libreoffice_calls_the_server(hostile, requests_seen, tmp_path):
    """The "before": LibreOffice as it was run before (no sandbox, default profile) fetches
    the linked image while converting."""
    doc, _, _ = hostile
    (tmp_path / "input.doc").write_bytes(doc)
    proc = _soffice(["--convert-to", "docx:MS Word 2007 XML", "--outdir", str(tmp_path),
                     str(tmp_path / "input.doc")], [], tmp_path / "profile")
    assert proc.returncode == 0, proc.stderr
    assert any(r.endswith("/linked.png") for r in requests_seen), requests_seen


def test_conversion_makes_no_request_and_reads_no_host_file(hostile, requests_seen, tmp_path):
    doc, marker, host_png = hostile
    docx = convert.convert_to_docx(doc, cache_dir=tmp_path / "cache")
    result = extract_document(doc, cache_dir=tmp_path / "fresh")  # the pipeline's own path
    assert requests_seen == []
    assert "Before" in result.text and "After" in result.text, (result.status, result.message)
    parts = _docx_parts(docx)
    assert marker.encode() not in parts and host_png not in parts
    assert marker not in result.text


def test_the_sandbox_alone_keeps_libreoffice_off_the_network(hostile, sandbox, requests_seen, tmp_path):
    """With a plain profile (none of the settings), the namespace by itself stops every request."""
    doc, _, _ = hostile
    (tmp_path / "input.doc").write_bytes(doc)
    profile = tmp_path / "profile"
    profile.mkdir()
    prefix = convert.sandbox_prefix(sandbox, writable=[tmp_path], home=profile)
    proc = _soffice(["--convert-to", "docx:MS Word 2007 XML", "--outdir", str(tmp_path),
                     str(tmp_path / "input.doc")], prefix, profile)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "input.docx").exists()
    assert requests_seen == []


def test_the_profile_alone_keeps_libreoffice_off_the_network(hostile, requests_seen, tmp_path, monkeypatch):
    """Without any namespace (the explicit opt-out), the profile settings by themselves stop
    every request: belt and braces."""
    monkeypatch.setenv(convert.SANDBOX_ENV, "none")
    doc, marker, _ = hostile
    docx = convert.convert_to_docx(doc)
    assert requests_seen == []
    assert marker.encode() not in _docx_parts(docx)


def test_bwrap_shows_only_the_job_and_the_system(sandbox, tmp_path):
    if sandbox != "bwrap":
        pytest.skip("file-system isolation needs bubblewrap")
    job, outside = tmp_path / "job", tmp_path / "outside.txt"
    job.mkdir()
    outside.write_text("host file")
    script = (f"test -d /usr/lib && test -w {job} && ! test -e {outside} && ! test -e /etc/passwd"
              f" && ! test -e {Path.home()}/.bashrc && ! touch /usr/x 2>/dev/null && echo isolated")
    proc = subprocess.run(convert.sandbox_prefix("bwrap", writable=[job], home=job) + ["/bin/sh", "-c", script],
                          capture_output=True, text=True, timeout=30)
    assert proc.stdout.strip() == "isolated", proc.stderr


def test_no_sandbox_means_no_conversion(seed_doc, tmp_path, monkeypatch):
    """Where no sandbox can run, the document is kept with status converter_missing and a
    message saying what to install; nothing is converted unsandboxed."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "soffice").symlink_to(convert.soffice_path())  # LibreOffice, but no bwrap/unshare
    monkeypatch.setenv("PATH", str(bin_dir))
    monkeypatch.delenv(convert.SANDBOX_ENV, raising=False)
    convert._probe.cache_clear()
    try:
        result = extract_document(seed_doc, cache_dir=tmp_path / "cache")
    finally:
        convert._probe.cache_clear()  # the real PATH's answer for the other tests
    assert result.status == "converter_missing", result.message
    assert "bubblewrap" in result.message and convert.SANDBOX_ENV in result.message
    assert not (tmp_path / "cache").exists()


def test_profile_settings_exist_in_the_installed_libreoffice():
    """Every setting written into the profile names a property of the installed LibreOffice's
    configuration schema (an unknown name would be ignored silently)."""
    program = Path(os.path.realpath(shutil.which("soffice"))).parent
    oor = "{http://openoffice.org/2001/registry}"
    known = set()
    for xcd in (program.parent / "share" / "registry").glob("*.xcd"):
        for schema in ET.parse(xcd).getroot().iter(f"{oor}component-schema"):
            component = f"{schema.get(f'{oor}package')}.{schema.get(f'{oor}name')}"
            stack = [(component, group) for group in schema.iter("component")]
            while stack:
                path, node = stack.pop()
                for child in node:
                    name = child.get(f"{oor}name")
                    if child.tag == "prop":
                        known.add(f"{path}/{name}")
                    elif child.tag == "group":
                        stack.append((f"{path}/{name}", child))
    missing = [f"{p}/{n}" for p, n, _ in convert.PROFILE_SETTINGS if f"{p}/{n}" not in known]
    assert known and not missing, missing

"""Which format a document is, judged from its bytes (servers and file names lie)."""

from __future__ import annotations

import io
import struct
import zipfile

from ..budgets import ZIP_DIRECTORY_BYTES

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def sniff_format(data: bytes) -> str:
    """Return one of: pdf, docx, xlsx, zip, ole2 (DOC/WPS/XLS), ofd, html, text, empty, binary."""
    if not data or data.isspace():  # not strip(): a copy of the whole document
        return "empty"
    head = data[:1024]
    if head.lstrip().startswith(b"%PDF-") or b"%PDF-" in head[:1024]:
        return "pdf"
    if head.startswith(OLE2_MAGIC):
        return "ole2"
    if head.startswith(b"PK\x03\x04"):
        if (zip_directory_size(data) or 0) > ZIP_DIRECTORY_BYTES.limit:
            return "zip"  # not opened: read_document refuses it as too_large
        try:
            names = zipfile.ZipFile(io.BytesIO(data)).namelist()
        except zipfile.BadZipFile:
            return "zip"
        if "word/document.xml" in names:
            return "docx"
        if "xl/workbook.xml" in names:
            return "xlsx"
        if "OFD.xml" in names:
            return "ofd"
        return "zip"
    lowered = head.lower()
    if any(tag in lowered for tag in (b"<html", b"<!doctype html", b"<table", b"<body", b"<head", b"<meta", b"<div")):
        return "html"
    if b"\x00" in head:
        return "binary"
    return "text"


_EOCD, _ZIP64_LOCATOR, _ZIP64_EOCD = b"PK\x05\x06", b"PK\x06\x07", b"PK\x06\x06"


def zip_directory_size(data: bytes) -> int | None:
    """Bytes of a zip's central directory, as its end record states them (what zipfile reads
    whole when it opens the file), or None when there is no end record. Read from the last
    64 KB alone: nothing is parsed before the size is known."""
    tail_start = max(0, len(data) - (1 << 16) - 22)
    at = data.rfind(_EOCD, tail_start)
    if at < 0 or at + 22 > len(data):
        return None
    size = struct.unpack_from("<I", data, at + 12)[0]
    locator = at - 20
    if size == 0xFFFFFFFF and locator >= 0 and data[locator:locator + 4] == _ZIP64_LOCATOR:
        record = struct.unpack_from("<Q", data, locator + 8)[0]
        if data[record:record + 4] == _ZIP64_EOCD and record + 56 <= len(data):
            size = struct.unpack_from("<Q", data, record + 40)[0]
    return size

"""Which format a document is, judged from its bytes (servers and file names lie)."""

from __future__ import annotations

import io
import zipfile

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

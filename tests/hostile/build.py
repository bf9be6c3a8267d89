"""Build the hostile-input corpus: files that have broken or attacked document readers
elsewhere (or could break ours). Each has the status its extraction must record in
cases.json. Run `python -m tests.hostile.build`; output is committed and deterministic.
Grow it with every bug found: add the file here and its expected status in CASES."""

from __future__ import annotations

import functools
import io
import json
import zipfile
from pathlib import Path

HERE = Path(__file__).parent
OUT = HERE / "files"
SEED_DOCX = HERE.parents[1] / "crawler" / "sample_sites" / "seed" / "yuyao-2020.docx"
SEED_HTML = HERE.parents[1] / "crawler" / "sample_sites" / "seed" / "yuyao-2020.html"
PINGTAN_2022 = HERE.parent / "files" / "pingtan" / "t20230220_80629.html"

TITLE = "某局2022年政府信息公开工作年度报告"
MAX_COMMITTED = 512 * 1024


def html(body: str, head: str = '<meta charset="utf-8">') -> bytes:
    return f"<html><head>{head}<title>{TITLE}</title></head><body>{body}</body></html>".encode()


def docx_with(document_xml: bytes, drop: tuple[str, ...] = (), compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    """The seed DOCX with another word/document.xml (compressed by `compression`)."""
    src = zipfile.ZipFile(io.BytesIO(SEED_DOCX.read_bytes()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for info in src.infolist():
            if info.filename in drop:
                continue
            data = document_xml if info.filename == "word/document.xml" else src.read(info.filename)
            zi = zipfile.ZipInfo(info.filename, date_time=(2024, 1, 1, 0, 0, 0))
            zi.compress_type = compression if info.filename == "word/document.xml" else zipfile.ZIP_DEFLATED
            zf.writestr(zi, data)
    return out.getvalue()


def many_entries(n: int) -> bytes:
    """A DOCX whose zip lists `n` empty members: its directory alone is what zipfile parses
    into objects before reading anything."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as zf:
        for name in ("[Content_Types].xml", "word/document.xml"):
            zf.writestr(zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0)), b"<x/>")
        for i in range(n):
            zf.writestr(zipfile.ZipInfo(f"{i:x}", date_time=(2024, 1, 1, 0, 0, 0)), b"")
    return out.getvalue()


def zip_bomb() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zi = zipfile.ZipInfo("word/document.xml", date_time=(2024, 1, 1, 0, 0, 0))
        zi.compress_type = zipfile.ZIP_DEFLATED
        zf.writestr(zi, b"<" + b" " * (300 * 1024 * 1024) + b">")
        zf.writestr(zipfile.ZipInfo("[Content_Types].xml", date_time=(2024, 1, 1, 0, 0, 0)), b"<Types/>")
    return out.getvalue()


W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
LAUGHS = ("<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">"
          + "".join(f"<!ENTITY lol{i} \"{('&lol' + (str(i - 1) if i > 1 else '') + ';') * 10}\">" for i in range(1, 10))
          + f"]><w:document {W}><w:body><w:p><w:r><w:t>&lol9;</w:t></w:r></w:p></w:body></w:document>")
XXE = (f"<?xml version=\"1.0\"?><!DOCTYPE d [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>"
       f"<w:document {W}><w:body><w:p><w:r><w:t>&xxe;</w:t></w:r></w:p></w:body></w:document>")

SECTION4 = ("<table><tr><td colspan=5>行政复议</td><td colspan=10>行政诉讼</td></tr>"
            "<tr><td rowspan=2>结果维持</td><td rowspan=2>结果纠正</td><td rowspan=2>其他结果</td><td rowspan=2>尚未审结</td>"
            "<td rowspan=2>总计</td><td colspan=5>未经复议直接起诉</td><td colspan=5>复议后起诉</td></tr><tr>"
            + "<td>结果维持</td><td>结果纠正</td><td>其他结果</td><td>尚未审结</td><td>总计</td>" * 2
            + "</tr><tr>" + "<td>0</td>" * 15 + "</tr></table>")


# Built once a process: it takes about 2 s (the zip bomb, the 10 MB pages), and several test
# modules read it. Callers read the dict, never change it.
@functools.cache
def cases() -> dict[str, tuple[bytes, dict]]:
    seed_html = SEED_HTML.read_bytes()
    seed_docx = SEED_DOCX.read_bytes()
    c: dict[str, tuple[bytes, dict]] = {}

    def add(name: str, data: bytes, status: str | list[str], **extra: object) -> None:
        c[name] = (data, {"status": status if isinstance(status, list) else [status], **extra})

    # Empty, binary and mislabelled files
    add("empty.html", b"", "unsupported", message="empty")
    add("whitespace.html", b" \n\t \r\n" * 100, "unsupported", message="empty")
    add("nul-bytes.bin", b"\0" * 4096, "unsupported")
    add("random.bin", bytes((i * 7919 + 13) % 256 for i in range(20000)), "unsupported")
    add("html-named.pdf", seed_html, "ok")
    add("ole2-junk.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 3000, "unsupported")
    add("plain-zip.docx", _zip({"a.txt": b"hello"}), "unsupported")
    add("xlsx-only.xlsx", _zip({"xl/workbook.xml": b"<workbook/>", "[Content_Types].xml": b"<Types/>"}), "unsupported")
    add("ofd.ofd", _zip({"OFD.xml": b"<ofd:OFD/>"}), "unsupported")
    # Broken PDFs
    add("pdf-header-only.pdf", b"%PDF-1.7\n", "error")
    add("pdf-truncated.pdf", b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog", "error")
    add("pdf-garbage-body.pdf", b"%PDF-1.4\n" + bytes(range(256)) * 40 + b"\n%%EOF", "error")
    add("pdf-encrypted.pdf", _encrypted_pdf(), "encrypted")
    # Broken and hostile DOCX
    add("docx-truncated.docx", seed_docx[: len(seed_docx) // 3], "unsupported")
    add("docx-bad-xml.docx", docx_with(b"<w:document><unclosed>"), "error")
    add("docx-no-content-types.docx", docx_with(_seed_document_xml(), drop=("[Content_Types].xml",)), ["error", "unsupported"])
    add("docx-zip-bomb.docx", zip_bomb(), "too_large", message="zip bomb")
    add("docx-30000-entries.docx", many_entries(30000), "too_large", message="zip_directory_bytes")
    add("docx-billion-laughs.docx", docx_with(LAUGHS.encode()), ["no_tables", "error"], max_text=10000)
    add("docx-xxe.docx", docx_with(XXE.encode()), ["no_tables", "error"], text_must_not_contain="root:")
    # Hostile and broken HTML
    add("html-5000-nested-tables.html", html("<table><tr><td>" * 5000 + "x" + "</td></tr></table>" * 5000), "no_tables")
    add("html-3000-tables.html", html("<table><tr><td>规章</td><td>1</td></tr></table>" * 3000),
        ["no_tables", "needs_review"], warning="only the first")
    add("html-100k-nested-divs.html", html("<div>" * 100000 + "年度报告" + "</div>" * 100000), "no_tables")
    add("html-huge-rowspan.html", html('<table><tr><td rowspan="65534" colspan="65534">x</td></tr></table>'), "no_tables")
    # A lone table that looks like section 二 but has no headers: every cell null, never a guess.
    add("html-bad-spans.html", html('<table><tr><td rowspan="abc" colspan="-5">规章</td><td>1</td></tr></table>'),
        "needs_review", null_reason="not found")
    add("html-nul-inside.html", html("政府\0信息公开\0" * 100), "no_tables")
    add("html-script-only.html", html("<script>" + "var a=1;" * 10000 + "</script>"), "no_tables")
    add("html-10mb-one-line.html", html("年" * 3_000_000), "no_tables")
    add("html-utf16-declared-utf8-bytes.html", html("<p>政府信息公开</p>", head='<meta charset="utf-16">'), "no_tables")
    add("html-gbk-undeclared.html", ("<html><body><p>" + TITLE + "</p>" + SECTION4 + "</body></html>").encode("gbk"),
        "needs_review", year=2022)
    add("html-mojibake.html", html("政府信息公开工作年度报告").decode("utf-8").encode("utf-8").decode("latin-1").encode("utf-8"),
        "no_tables")
    add("html-challenge-page.html", "<html><title>安全验证</title><body>请稍候…</body></html>".encode(), "no_tables")
    add("html-year-9999.html", ("<p>某局9999年政府信息公开工作年度报告</p>" + SECTION4).encode(), ["needs_review", "no_tables"])
    add("html-tables-out-of-order.html", _reordered(), "ok")
    # Leaf labels gone but the header still the template's: columns by its order, for review.
    add("html-section3-header-missing.html", _drop_header(seed_html), "needs_review", message="template's order")
    add("html-duplicate-conflicting-table.html", _duplicate_section4(), "needs_review", null_reason="printed twice")
    add("html-value-garbage.html", seed_html.replace(b"<td>+26</td>", "<td>约26</td>".encode())
        .replace(b">+26<", "约26".join([">", "<"]).encode()), "needs_review", null_reason="not a number")
    add("text-glued-ambiguous.txt", ("某局2022年政府信息公开工作年度报告\n申请人情况 自然人 商业企业 科研机构 社会公益组织 法律服务机构 其他 总计\n"
                                     "一、本年新收政府信息公开申请数量 001100011\n").encode(), "needs_review",
        null_reason="more than one split")
    add("text-empty-lines.txt", b"\n" * 100000, "unsupported")
    # A rule of dashes, as reports draw above 附件: the row pattern once split it 2^n ways.
    add("text-dash-rule.txt", ("某局2022年政府信息公开工作年度报告\n申请人情况 自然人 商业企业 科研机构 社会公益组织 法律服务机构 其他 总计\n"
                               "一、本年新收政府信息公开申请数量 3 0 0 0 0 0 3\n" + "附件" + "—" * 5000 + "完\n").encode(),
        "needs_review", null_reason="not found")
    add("html-injection-in-cells.html", html('<table><tr><td>规章<script>alert(1)</script></td><td>"><img src=x onerror=alert(1)></td></tr></table>'),
        "needs_review", text_must_not_contain="alert(1)")
    # Found by bench/fuzz.py (grid target): lxml finds no document in it.
    add("html-doctype-garbage.html", b"<!DOCT<!DOCTYYP", "no_tables")
    add("html-doctype-garbage-tagged.html", b"<html><!DOCT<!DOCTYYP", ["no_tables", "unsupported"])
    add("pdf-html-inside.pdf", b"%PDF-1.4\n<html><body>" + TITLE.encode() + b"</body></html>", "error")
    # Budgets (pipelines/budgets.py): a small file that multiplies stops at the budget it would
    # pass, named in the message, instead of exhausting the worker.
    add("html-span-flood.html", html("<table><tr>" + "<td rowspan=200 colspan=200>x</td>" * 1100 + "</tr></table>"),
        "too_large", message="grid_cells")
    # One row 20,000 positions wide pads 200 one-cell rows to its width: 4 million positions.
    add("html-wide-row-pads-short-rows.html", html("<table><tr>" + "<td colspan=200>x</td>" * 100 + "</tr>"
                                                    + "<tr><td>y</td></tr>" * 200 + "</table>"),
        "too_large", message="grid_cells")
    add("docx-gridspan-flood.docx", docx_with(_docx_rows(201, '<w:tc><w:tcPr><w:gridSpan w:val="200"/></w:tcPr>'
                                                          '<w:p><w:r><w:t>{i}</w:t></w:r></w:p></w:tc>' * 50)),
        "too_large", message="grid_cells")
    add("docx-gridbefore-flood.docx", docx_with(_docx_rows(10_001, '<w:trPr><w:gridBefore w:val="200"/></w:trPr>'
                                                           '<w:tc><w:p><w:r><w:t>{i}</w:t></w:r></w:p></w:tc>')),
        "too_large", message="grid_cells")
    add("docx-document-xml-100x.docx", docx_with(_table_rows_100x(24_000_000)), "too_large", message="xml_nodes")
    add("docx-whitespace-then-nodes.docx", docx_with(b" " * (2 << 20) + _seed_document_xml().split(b"?>", 1)[1]
                                                     .replace(b"<w:body>", b"<w:body>" + b"<w:p/>" * 2_100_000)),
        "too_large", message="xml_nodes")
    # A real package whose document.xml inflates to 80 MB and is stated as 1 MB.
    add("docx-lying-sizes.docx", _understated(docx_with(_document(" " * (80 << 20)))), "too_large",
        message="inflated_bytes")
    add("docx-utf7-markup.docx", docx_with(_utf7_document()), "error", message="encoding")
    add("docx-bzip2.docx", docx_with(_seed_document_xml(), compression=zipfile.ZIP_BZIP2), "error",
        message="compressed with zip method")
    # libxml2 stops at a text node or attribute over 10 MB unless told otherwise: the report's
    # tables after one must still be read.
    table_at = seed_html.index(b"<table")
    add("html-12mb-text-before-tables.html",
        seed_html[:table_at] + b"<p>" + "年".encode() * 4_000_000 + b"</p>" + seed_html[table_at:], "ok")
    add("html-12mb-attribute-before-tables.html",
        seed_html[:table_at] + b'<p title="' + b"x" * 12_000_000 + b'">a</p>' + seed_html[table_at:], "ok")
    # Deeper than even huge_tree reads: what follows is lost, and the page says so.
    add("html-too-deep-before-tables.html",
        seed_html[:table_at] + b"<div>" * 3000 + b"x" + b"</div>" * 3000 + seed_html[table_at:],
        "no_tables", warning="parser stopped")
    from .pdf_cases import pdf_cases

    c.update(pdf_cases())
    return c


def _document(body: str) -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document {W}><w:body>{body}'
            "</w:body></w:document>").encode()


def _docx_rows(n: int, row: str) -> bytes:
    """A document.xml of one table of `n` rows, each `row` with its number for {i}."""
    return _document("<w:tbl>" + "".join(f"<w:tr>{row.format(i=i)}</w:tr>" for i in range(n)) + "</w:tbl>")


def _table_rows_100x(size: int) -> bytes:
    """A document.xml of `size` bytes: table rows shaped as Word writes them, one digit a cell
    varying, so that it deflates 80 to 100:1 (the attack: to 262 MB at 100:1)."""
    import random

    rnd = random.Random(2)
    cell = ('<w:tc><w:tcPr><w:tcW w:w="1000" w:type="dxa"/></w:tcPr><w:p><w:pPr><w:jc w:val="center"/></w:pPr>'
            '<w:r><w:rPr><w:rFonts w:ascii="宋体" w:hAnsi="宋体"/><w:sz w:val="21"/></w:rPr><w:t>{}</w:t></w:r></w:p></w:tc>')
    row_bytes = len(("<w:tr>" + cell * 8 + "</w:tr>").format(*"0" * 8).encode())
    rows = ["<w:tr>" + "".join(cell.format(rnd.randrange(10)) for _ in range(8)) + "</w:tr>"
            for _ in range(size // row_bytes)]
    return _document("<w:tbl>" + "".join(rows) + "</w:tbl>")


def _understated(package: bytes, at_most: int = 1 << 20, only: str | None = None) -> bytes:
    """`package` with each member's (or `only`'s) size stated as at most `at_most`, in its local
    header and in the central directory (zipfile reads the directory's): a check of the stated
    sizes passes."""
    import struct

    out = bytearray(package)
    with zipfile.ZipFile(io.BytesIO(package)) as zf:
        central = zf.start_dir
        for info in zf.infolist():
            n, m, k = struct.unpack_from("<HHH", out, central + 28)
            if only in (None, info.filename):
                for at in (info.header_offset + 22, central + 24):  # uncompressed size fields
                    struct.pack_into("<I", out, at, min(info.file_size, at_most))
            central += 46 + n + m + k
    return bytes(out)


def _utf7_document() -> bytes:
    """A document.xml in UTF-7, which libxml2 reads: its paragraphs' "<" are written "+ADw-",
    so a count of "<" bytes would not see them."""
    paragraphs = b"+ADw-w:p/+AD4-" * 10  # "<w:p/>": Python's codec writes "<" as itself
    return (f'<?xml version="1.0" encoding="UTF-7"?><w:document {W}><w:body>'.encode()
            + paragraphs + b"</w:body></w:document>")


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for name, data in members.items():
            zf.writestr(zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0)), data)
    return out.getvalue()


def _seed_document_xml() -> bytes:
    return zipfile.ZipFile(io.BytesIO(SEED_DOCX.read_bytes())).read("word/document.xml")


def _encrypted_pdf() -> bytes:
    from reportlab.lib import pdfencrypt
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    enc = pdfencrypt.StandardEncryption("user-secret", ownerPassword="owner-secret", strength=128)
    c = canvas.Canvas(out, encrypt=enc, invariant=1)
    c.drawString(72, 720, "2022 annual report")
    c.save()
    return out.getvalue()


def _reordered() -> bytes:
    """The real Pingtan 2022 report's tables, printed in reverse order (四, 三, 二)."""
    import lxml.html

    root = lxml.html.document_fromstring(PINGTAN_2022.read_bytes().decode("utf-8"))
    tables = [lxml.html.tostring(t, encoding="unicode") for t in root.iter("table") if t.find(".//table") is None]
    return html("".join(reversed(tables)), head='<meta charset="utf-8"><meta name="ArticleTitle" content="平潭综合实验区2022年度政府信息公开工作年度报告">')


def _drop_header(seed: bytes) -> bytes:
    return seed.replace("申请人情况".encode(), b"").replace("自然人".encode(), b"") \
               .replace("商业企业".encode(), b"")


def _duplicate_section4() -> bytes:
    other = SECTION4.replace("<td>0</td>" * 15, "<td>1</td>" * 4 + "<td>4</td>" + "<td>0</td>" * 10)
    return html("<p>本年制发件数</p>" + SECTION4 + other)


def main() -> None:
    OUT.mkdir(exist_ok=True)
    expected = {}
    for name, (data, exp) in cases().items():
        # Large cases are regenerated by the test instead of being committed.
        if len(data) <= MAX_COMMITTED:
            (OUT / name).write_bytes(data)
        expected[name] = exp
    (HERE / "cases.json").write_text(json.dumps(expected, ensure_ascii=False, indent=1, sort_keys=True) + "\n", "utf-8")
    print(f"{len(expected)} hostile files in {OUT}")


if __name__ == "__main__":
    main()

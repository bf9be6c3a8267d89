"""Hostile PDFs (text and scanned) for the corpus of tests/hostile/build.py: built here so that
their generators stay beside each other.

Each one multiplies something a PDF reader builds (pixels, pages, rule crossings, grid cells)
far past a report's, from a few KB. The budgets they meet are in pipelines/budgets.py."""

from __future__ import annotations

import functools
import io
import zlib

# A4 in points
A4 = (595.0, 842.0)


def raw_pdf(pages: list[tuple[tuple[float, float], int]], streams: list[bytes],
            images: list[tuple[int, int, int, bytes]] = (), smask: bool = False) -> bytes:
    """A PDF written by hand, so that pages can share one content stream and resources (a
    page is then about 120 bytes) and an image can declare any size. `pages`: (page size, index
    of its content stream); `streams`: content streams, which may draw image k as /Imk and
    write in Helvetica as /F1; `images`: (width, height, bits per component, zlib data),
    grey; `smask`: image 1 is image 0's soft mask instead of an image of its own."""
    objs: list[bytes] = []

    def add(body: bytes) -> int:
        objs.append(body)
        return len(objs)

    catalog = add(b"")
    tree = add(b"")
    xobjects = []
    first = len(objs) + 1
    for k, (w, h, bpc, data) in enumerate(images):
        extra = f" /SMask {first + 1} 0 R" if smask and k == 0 else ""
        if not (smask and k == 1):
            xobjects.append(f"/Im{k} {len(objs) + 1} 0 R".encode())
        add(f"<< /Type /XObject /Subtype /Image /Width {w} /Height {h} /ColorSpace /DeviceGray "
            f"/BitsPerComponent {bpc} /Filter /FlateDecode{extra} /Length {len(data)} >>\nstream\n".encode()
            + data + b"\nendstream")
    resources = (b"<< /XObject << " + b" ".join(xobjects) + b" >> "
                 b"/Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> >>")
    contents = [add(b"<< /Length %d >>\nstream\n" % len(s) + s + b"\nendstream") for s in streams]
    kids = []
    for (w, h), k in pages:
        kids.append(add(f"<< /Type /Page /Parent {tree} 0 R /MediaBox [0 0 {w:g} {h:g}] "
                        f"/Contents {contents[k]} 0 R >>".encode()))
    objs[catalog - 1] = f"<< /Type /Catalog /Pages {tree} 0 R >>".encode()
    # The pages inherit their resources from the page tree's root.
    objs[tree - 1] = (f"<< /Type /Pages /Count {len(kids)} /Resources ".encode() + resources + b" /Kids ["
                      + b" ".join(b"%d 0 R" % k for k in kids) + b"] >>")
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objs, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, catalog, xref)
    return bytes(out)


@functools.cache
def grey_image(width: int, height: int, level: int = 0xF0, bits: int = 8) -> bytes:
    """zlib data of a flat grey image: a few KB for any size, as much memory as its pixels
    once decoded."""
    row = bytes([level if bits == 8 else 0xFF]) * ((width * bits + 7) // 8)
    rows_per_chunk = max(1, (4 << 20) // len(row))
    z = zlib.compressobj(9)
    parts, done = [], 0
    chunk = row * rows_per_chunk
    while done < height:
        n = min(rows_per_chunk, height - done)
        parts.append(z.compress(chunk if n == rows_per_chunk else row * n))
        done += n
    parts.append(z.flush())
    return b"".join(parts)


def scan_page(size: tuple[float, float], pages: int = 1, image: tuple[int, int] = (16, 16), bits: int = 8,
              mask: tuple[int, int] | None = None) -> bytes:
    """Image-only pages (what `pdf.is_picture_page` takes for a scan): one grey image,
    stretched over each page, with a soft mask of size `mask` if given."""
    w, h = size
    draw = f"q {w:g} 0 0 {h:g} 0 0 cm /Im0 Do Q".encode()
    images = [(*image, bits, grey_image(*image, bits=bits))]
    if mask:
        images.append((*mask, 1, grey_image(*mask, bits=1)))
    return raw_pdf([(size, 0)] * pages, [draw], images, smask=bool(mask))


def ruled_rows(pages: int, rows_per_page: int = 200, cols: int = 2, row_h: float = 4.0) -> bytes:
    """One table of thin ruled rows from the top of every page to near its foot, the same
    width on every page: it is stitched back into one table of pages × rows_per_page rows."""
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    c = canvas.Canvas(out, pagesize=A4, invariant=1)
    x0, x1 = 50.0, A4[0] - 50.0
    for _ in range(pages):
        c.setLineWidth(0.3)
        top = A4[1] - 20.0
        bottom = top - rows_per_page * row_h
        for r in range(rows_per_page + 1):
            c.line(x0, top - r * row_h, x1, top - r * row_h)
        for k in range(cols + 1):
            x = x0 + (x1 - x0) * k / cols
            c.line(x, bottom, x, top)
        c.showPage()
    c.save()
    return out.getvalue()


def rule_mesh(pages: int, step: float = 4.0, segment: float | None = None) -> bytes:
    """Pages sharing one content stream: a mesh of ruling lines `step` points apart (more
    than pdfplumber's snapping tolerance, so none merge), 200 × 140 lines on A4; each line
    drawn in strokes `segment` points long if given (pdfplumber joins them up again)."""
    w, h = A4
    lo_x, hi_x, lo_y, hi_y = 20.0, w - 20.0, 20.0, h - 20.0

    def line(x0: float, y0: float, x1: float, y1: float) -> list[bytes]:
        n = 1 if segment is None else max(1, round(max(x1 - x0, y1 - y0) / segment))
        return [b"%.2f %.2f m %.2f %.2f l S" % (x0 + (x1 - x0) * i / n, y0 + (y1 - y0) * i / n,
                                               x0 + (x1 - x0) * (i + 1) / n, y0 + (y1 - y0) * (i + 1) / n)
                for i in range(n)]

    ops = [b"0.2 w"]
    y = lo_y
    while y <= hi_y:
        ops += line(lo_x, y, hi_x, y)
        y += step
    x = lo_x
    while x <= hi_x:
        ops += line(x, lo_y, x, hi_y)
        x += step
    return raw_pdf([(A4, 0)] * pages, [b"\n".join(ops)])


def text_pages(pages: int) -> bytes:
    """Pages sharing one content stream of a line of text."""
    return raw_pdf([(A4, 0)] * pages, [b"BT /F1 12 Tf 72 770 Td (Annual report page) Tj ET"])


def staircase(pages: int = 150, rows: int = 10, cols: int = 10, shift: float = 2.5) -> bytes:
    """One small table a page, all of the same width, so they are stitched into one; each
    page's column rules are `shift` points right of the previous page's, so that the
    stitched grid has a column for every rule of every page: about pages × rows rows by
    pages × cols columns (2.25 million cells by default) from 15,000 cells."""
    from reportlab.pdfgen import canvas

    width = 2 * 20 + pages * shift + cols * (pages * shift + 10)
    out = io.BytesIO()
    c = canvas.Canvas(out, pagesize=(width, 200), invariant=1)
    x0, x1, top = 20.0, width - 20.0, 180.0
    step = (x1 - x0) / cols
    for k in range(pages):
        c.setLineWidth(0.3)
        bottom = top - rows * 8.0
        for r in range(rows + 1):
            c.line(x0, top - r * 8.0, x1, top - r * 8.0)
        for j in range(cols + 1):
            x = x0 if j == 0 else x1 if j == cols else x0 + j * step + k * shift
            c.line(x, bottom, x, top)
        c.showPage()
    c.save()
    return out.getvalue()


def pdf_cases() -> dict[str, tuple[bytes, dict]]:
    """name → (bytes, expectation), in the shape of build.cases()."""
    from pipelines import budgets

    c: dict[str, tuple[bytes, dict]] = {}

    def add(name: str, data: bytes, status: str | list[str], **extra: object) -> None:
        c[name] = (data, {"status": status if isinstance(status, list) else [status], **extra})

    # A 1 KB "scan" whose one page is 10,000 points square: 1.7 billion pixels at 300 dpi, and
    # still 434 million at 150, the least resolution its print could be read at.
    add("pdf-scan-10000pt-page.pdf", scan_page((10_000.0, 10_000.0)), "too_large", message=budgets.OCR_PIXELS.name)
    # An A4 scan whose image is 12,000 × 12,000 pixels (1-bit here, to keep the file small;
    # 8-bit, 144 MB decoded): rendering decodes it whole, whatever the page size. And a 16 × 16
    # scan whose soft mask is that size, which no page lists among its images.
    add("pdf-scan-image-bomb.pdf", scan_page(A4, image=(12_000, 12_000), bits=1), "too_large",
        message=budgets.OCR_IMAGE_PIXELS.name)
    add("pdf-scan-smask-bomb.pdf", scan_page(A4, mask=(12_000, 12_000)), "too_large",
        message=budgets.OCR_IMAGE_PIXELS.name)
    # One table of 4-pt rows stitched over 96 pages: 4,800 rows, as many as the
    # pdf_rule_crossings budget lets through. Building its grid looked every cell up in the
    # 4,800 row rules one by one.
    add("pdf-stitched-4800-rows.pdf", ruled_rows(96, rows_per_page=50, cols=1), "no_tables")
    # 15,000 cells that would stitch into a grid of 1,500 × 1,500 (2.25 million cells): the
    # pdf_rule_crossings budget stops reading tables before its grid passes grid_cells.
    add("pdf-stitched-staircase.pdf", staircase(), "no_tables", warning=budgets.PDF_RULE_CROSSINGS.name)
    # Three pages each crossed by 200 × 140 ruling lines: pdfplumber's table finder compares
    # each of a page's 28,000 crossings with every other.
    add("pdf-rule-mesh.pdf", rule_mesh(3), "no_tables", warning=budgets.PDF_RULE_CROSSINGS.name)
    # 50,000 pages sharing one content stream: only the first pdf_pages are read, and only
    # they are parsed (pdfplumber parses every page of the page tree to list or close them).
    add("pdf-50000-pages.pdf", text_pages(50_000), "no_tables", warning=budgets.PDF_PAGES.name)
    return c

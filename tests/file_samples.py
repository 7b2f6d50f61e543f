"""Small files with known text, made here (a PDF with a text layer, DOCX, XLSX, ODT, ODS), for
the tests of the files' text and search."""

from __future__ import annotations

import io
import zipfile


def pdf(text: str) -> bytes:
    """A one-page PDF that shows ``text`` in Helvetica (ASCII), with a correct cross-reference table."""
    stream = f"BT /F1 18 Tf 72 700 Td ({text}) Tj ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def _zip(parts: dict[str, str], first: tuple[str, str] | None = None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        if first:  # OpenDocument: "mimetype" first, stored
            archive.writestr(zipfile.ZipInfo(first[0]), first[1])
        for name, content in parts.items():
            archive.writestr(name, content, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
TYPES = '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'


def docx(*paragraphs: str) -> bytes:
    body = "".join(f"<w:p><w:r><w:t>{p}</w:t></w:r></w:p>" for p in paragraphs)
    return _zip({"[Content_Types].xml": TYPES,
                 "word/document.xml": f'<?xml version="1.0"?><w:document xmlns:w="{W}"><w:body>{body}</w:body></w:document>'})


def xlsx(*cells: str) -> bytes:
    strings = "".join(f"<si><t>{c}</t></si>" for c in cells)
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    return _zip({"[Content_Types].xml": TYPES, "xl/workbook.xml": f'<workbook xmlns="{main}"/>',
                 "xl/sharedStrings.xml": f'<?xml version="1.0"?><sst xmlns="{main}">{strings}</sst>'})


OFFICE = 'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"'


def odt(*paragraphs: str) -> bytes:
    body = "".join(f"<text:p>{p}</text:p>" for p in paragraphs)
    return _zip({"content.xml": f'<?xml version="1.0"?><office:document-content {OFFICE}><office:body><office:text>{body}</office:text></office:body></office:document-content>'},
                first=("mimetype", "application/vnd.oasis.opendocument.text"))


def ods(*cells: str) -> bytes:
    row = "".join(f"<table:table-cell><text:p>{c}</text:p></table:table-cell>" for c in cells)
    return _zip({"content.xml": f'<?xml version="1.0"?><office:document-content {OFFICE}><office:body><office:spreadsheet><table:table><table:table-row>{row}</table:table-row></table:table></office:spreadsheet></office:body></office:document-content>'},
                first=("mimetype", "application/vnd.oasis.opendocument.spreadsheet"))

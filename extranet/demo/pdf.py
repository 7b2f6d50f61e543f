"""The small PDFs of the demo's documents and resources: a text string escaped for a content
stream, and objects laid out as a file with its cross-reference table."""

from __future__ import annotations

FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"


def pdf_string(text: str, encoding: str = "cp1252") -> bytes:
    """``text`` as the inside of a PDF literal string: encoded, backslashes and parentheses
    escaped; a character the encoding lacks becomes ``?``."""
    data = text.encode(encoding, "replace")
    return data.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def pdf_file(objects: list[bytes], header: bytes = b"%PDF-1.4\n") -> bytes:
    """A PDF of ``objects``, numbered from 1 (the first is the catalog), after ``header``, with
    a cross-reference table whose offsets are right, so that readers need not repair it."""
    out = bytearray(header)
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)

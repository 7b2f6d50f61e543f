"""What a file is, from its bytes (never its name nor the browser's Content-Type).

``detect(fileobj)`` returns a ``Sniffed`` (the MIME type to record) or raises ``Refused`` with
a reason: executables, HTML, SVG and anything not on the allowlist are refused.

Allowed: PDF, PNG, JPEG, GIF, WebP; OOXML (docx/xlsx/pptx: a ZIP holding
``[Content_Types].xml``); OpenDocument (a ZIP whose ``mimetype`` entry names an OpenDocument
type); legacy Office (OLE compound files); plain text and CSV (UTF-8 or Windows-1252, no NUL
byte, not markup starting with ``<`` that holds ``<html``, ``<svg`` or ``<script``).
"""

from __future__ import annotations

import codecs
import re
import shutil
import struct
import tempfile
import zipfile
from dataclasses import dataclass
from typing import BinaryIO

CHUNK_SIZE = 1024 * 1024
HEAD_SIZE = 4096

OOXML_PARTS = {
    "word/document.xml": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xl/workbook.xml": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ppt/presentation.xml": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
OLE_STREAMS = {
    "worddocument": "application/msword",
    "workbook": "application/vnd.ms-excel",
    "book": "application/vnd.ms-excel",
    "powerpoint document": "application/vnd.ms-powerpoint",
}
OLE_GENERIC = "application/x-ole-storage"
EXECUTABLE_MAGIC = (
    b"MZ",  # Windows PE / DOS
    b"\x7fELF",
    b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf", b"\xce\xfa\xed\xfe", b"\xcf\xfa\xed\xfe",  # Mach-O
    b"\xca\xfe\xba\xbe",  # Mach-O universal (and Java classes)
    b"#!",  # scripts
)
MARKUP_WORDS = ("<html", "<svg", "<script", "<!doctype html")
LONGEST_WORD = max(len(w) for w in MARKUP_WORDS)
# Control characters no text file holds (tab, line breaks, form feed and DOS end-of-file are fine).
CONTROL_RE = re.compile("[\x00-\x08\x0e-\x19\x1b-\x1f\x7f]")


class Refused(Exception):
    """The content is not allowed. ``reason`` is one of: executable, markup, empty, unknown."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Sniffed:
    mime: str
    kind: str  # pdf, image, office, opendocument, text


def detect(fileobj: BinaryIO) -> Sniffed:
    """Identify ``fileobj`` (read from its start; a non-seekable one is spooled first)."""
    if not fileobj.seekable():
        spool = tempfile.SpooledTemporaryFile(max_size=CHUNK_SIZE)  # noqa: SIM115
        shutil.copyfileobj(fileobj, spool, CHUNK_SIZE)
        fileobj = spool
    fileobj.seek(0)
    head = fileobj.read(HEAD_SIZE)
    if any(head.startswith(magic) for magic in EXECUTABLE_MAGIC):
        raise Refused("executable")
    if head.startswith(b"%PDF-"):
        return Sniffed("application/pdf", "pdf")
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return Sniffed("image/png", "image")
    if head.startswith(b"\xff\xd8\xff"):
        return Sniffed("image/jpeg", "image")
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return Sniffed("image/gif", "image")
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return Sniffed("image/webp", "image")
    if head.startswith(b"PK\x03\x04"):
        return _zip(fileobj)
    if head.startswith(OLE_MAGIC):
        return Sniffed(_ole_mime(fileobj), "office")
    return _text(fileobj)


def _zip(fileobj: BinaryIO) -> Sniffed:
    fileobj.seek(0)
    try:
        with zipfile.ZipFile(fileobj) as archive:
            names = set(archive.namelist())
            if "[Content_Types].xml" in names:
                for part, mime in OOXML_PARTS.items():
                    if part in names:
                        return Sniffed(mime, "office")
                raise Refused("unknown")
            if "mimetype" in names:
                with archive.open("mimetype") as entry:
                    declared = entry.read(100).decode("ascii", "replace").strip()
                if declared.startswith("application/vnd.oasis.opendocument.") and declared.isprintable():
                    return Sniffed(declared, "opendocument")
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, RuntimeError, NotImplementedError):
        pass
    raise Refused("unknown")


def _ole_mime(fileobj: BinaryIO) -> str:
    """The Office application of an OLE compound file, from its directory's stream names
    (follows the FAT chain of the directory; gives the generic type when unsure)."""
    try:
        fileobj.seek(0)
        header = fileobj.read(512)
        sector_size = 1 << struct.unpack_from("<H", header, 30)[0]
        if sector_size not in (512, 4096):
            return OLE_GENERIC
        directory_start = struct.unpack_from("<I", header, 48)[0]
        difat = struct.unpack_from("<109I", header, 76)
        per_sector = sector_size // 4
        fat_cache: dict[int, tuple[int, ...]] = {}

        def next_sector(sector: int) -> int | None:
            index, offset = divmod(sector, per_sector)
            if index >= len(difat) or difat[index] >= 0xFFFFFFFA:
                return None
            if index not in fat_cache:
                fileobj.seek((difat[index] + 1) * sector_size)
                data = fileobj.read(sector_size)
                if len(data) < sector_size:
                    return None
                fat_cache[index] = struct.unpack(f"<{per_sector}I", data)
            return fat_cache[index][offset]

        sector, seen = directory_start, 0
        while sector is not None and sector < 0xFFFFFFFA and seen < 256:
            fileobj.seek((sector + 1) * sector_size)
            data = fileobj.read(sector_size)
            for at in range(0, len(data) - 127, 128):
                length = struct.unpack_from("<H", data, at + 64)[0]
                if 2 <= length <= 64:
                    name = data[at:at + length - 2].decode("utf-16-le", "ignore").lower()
                    if name in OLE_STREAMS:
                        return OLE_STREAMS[name]
            sector, seen = next_sector(sector), seen + 1
    except (struct.error, OSError, ValueError):
        pass
    return OLE_GENERIC


def _text(fileobj: BinaryIO) -> Sniffed:
    """Plain text: every byte decodes (UTF-8, else Windows-1252), no NUL, and not HTML/SVG."""
    for encoding, charset in (("utf-8-sig", "utf-8"), ("cp1252", "windows-1252")):
        try:
            _check_text(fileobj, encoding)
        except UnicodeDecodeError:
            continue
        return Sniffed(f"text/plain; charset={charset}", "text")
    raise Refused("unknown")


def _check_text(fileobj: BinaryIO, encoding: str) -> None:
    fileobj.seek(0)
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    started = False  # seen the first non-space character
    markup = False  # ...and it is "<"
    tail = ""
    empty = True
    while True:
        chunk = fileobj.read(CHUNK_SIZE)
        if b"\x00" in chunk:
            raise Refused("unknown")
        text = decoder.decode(chunk, final=not chunk)
        if CONTROL_RE.search(text):
            raise Refused("unknown")
        empty = empty and not text
        if not started:
            stripped = text.lstrip()
            if stripped:
                started = True
                markup = stripped.startswith("<")
        if markup:
            window = (tail + text).lower()
            if any(word in window for word in MARKUP_WORDS):
                raise Refused("markup")
            tail = window[-LONGEST_WORD:]
        if not chunk:
            break
    if empty:
        raise Refused("empty")

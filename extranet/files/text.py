"""The text of stored files, read by the worker for search: PDF (pypdf), DOCX and XLSX (their
XML parts), ODT and ODS (``content.xml``), both read with defusedxml, plain text and CSV. Never in the upload's request:
``read_pending`` is one of the worker's jobs (``flask --app extranet worker``).

A file is read once it is stored and, when scanning is on, found clean. What is read is cut at
``MAX_TEXT`` characters, and a ZIP part is read up to ``MAX_PART`` bytes, so that a crafted
file (a ZIP bomb, a PDF of ten thousand pages) costs a bounded time and memory. A file that
cannot be read is marked so and is still found by its name.

Several workers may run: a file is claimed by inserting its ``file_texts`` row (the primary key
lets one worker only succeed), read outside any transaction, then its text stored in one
transaction with its owner's search entry (the index's flush listener rewrites it).
"""

from __future__ import annotations

import io
import logging
import re
import shutil
import tempfile
import zipfile
from datetime import timedelta
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse
from sqlalchemy import and_, or_, select, update
from sqlalchemy.exc import IntegrityError

from extranet.db_types import utcnow
from extranet.extensions import db
from extranet.files.models import (
    CLEAN,
    NOT_SCANNED,
    READ,
    READING,
    UNREADABLE,
    FileText,
    FileVersion,
)
from extranet.storage import get_storage

log = logging.getLogger(__name__)

MAX_TEXT = 200_000  # characters kept of a file's text (what the index takes of it)
MAX_PART = 32 * 1024 * 1024  # bytes read of one XML part of a DOCX, XLSX, ODT or ODS
MAX_PAGES = 500  # pages of a PDF read
STALE_CLAIM = timedelta(minutes=15)  # a claim this old is a worker that stopped: taken over
PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ODT = "application/vnd.oasis.opendocument.text"
ODS = "application/vnd.oasis.opendocument.spreadsheet"
PARTS = {DOCX: ("word/document.xml",), XLSX: ("xl/sharedStrings.xml",), ODT: ("content.xml",), ODS: ("content.xml",)}
# Elements after which a line ends: paragraphs, table cells, rows, headings.
BREAKS = {"p", "h", "tc", "tr", "si", "table-cell", "table-row", "br", "tab"}


class Unreadable(Exception):
    """The file's text cannot be read."""


def _xml_text(stream) -> str:
    """The character data of an XML document, a line per paragraph or cell."""
    out, size = [], 0
    try:
        # defusedxml: no DTD entities, no external references (a file is anyone's upload).
        for _event, element in iterparse(stream, events=("end",), forbid_dtd=True):
            name = element.tag.rsplit("}", 1)[-1]
            if element.text and name in ("t", "p", "h", "span", "v", "s") and element.text.strip():
                out.append(element.text)
                size += len(element.text)
            if element.tail and name in ("span", "s", "tab", "line-break"):
                out.append(element.tail)
            if name in BREAKS:
                out.append("\n")
            element.clear()
            if size > MAX_TEXT:
                break
    except (ParseError, DefusedXmlException) as error:
        raise Unreadable(f"XML: {error}") from error
    return re.sub(r"\n\s*\n", "\n", "".join(out))  # a paragraph in a cell: one line


def _zip_text(fileobj, parts: tuple[str, ...]) -> str:
    try:
        archive = zipfile.ZipFile(fileobj)
    except (zipfile.BadZipFile, OSError) as error:
        raise Unreadable(f"ZIP: {error}") from error
    texts = []
    with archive:
        for name in parts:
            if name not in archive.namelist():
                continue
            with archive.open(name) as member:
                # A bounded read: a part that inflates past MAX_PART is cut, not read whole.
                texts.append(_xml_text(io.BytesIO(member.read(MAX_PART))))
    return "\n".join(texts)


def _pdf_text(fileobj) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(fileobj)
        out, size = [], 0
        for page in reader.pages[:MAX_PAGES]:
            text = page.extract_text() or ""
            out.append(text)
            size += len(text)
            if size > MAX_TEXT:
                break
    except (PyPdfError, ValueError, KeyError, TypeError, OSError) as error:
        raise Unreadable(f"PDF: {error}") from error
    return "\n".join(out)


def _plain_text(fileobj) -> str:
    data = fileobj.read(MAX_TEXT * 4)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def extract(fileobj, mime: str) -> str:
    """The text of a file of type ``mime`` (as sniffed at upload), seekable; ``Unreadable``
    when its type holds no text we read or it is damaged."""
    if mime == PDF:
        text = _pdf_text(fileobj)
    elif mime in PARTS:
        text = _zip_text(fileobj, PARTS[mime])
    elif mime.startswith("text/"):
        text = _plain_text(fileobj)
    else:
        raise Unreadable(f"no text in {mime}")
    return text[:MAX_TEXT].strip()


# -- the worker's job -------------------------------------------------------------------------


def _candidates(limit: int) -> list[int]:
    """Files to read: never claimed, or claimed long ago by a worker that stopped; scanned
    clean (or scanning off)."""
    F, T = FileVersion, FileText
    stale = utcnow() - STALE_CLAIM
    return list(db.session.scalars(
        select(F.id).outerjoin(T, T.file_version_id == F.id)
        .where(F.scan_status.in_((CLEAN, NOT_SCANNED)),
               or_(T.file_version_id.is_(None), and_(T.status == READING, T.claimed_at < stale)))
        .order_by(F.id).limit(limit)
    ))


def _claim(file_version_id: int) -> bool:
    """Whether this worker now holds the file (its row inserted, or a stale claim renewed)."""
    now = utcnow()
    try:
        db.session.add(FileText(file_version_id=file_version_id, status=READING, claimed_at=now))
        db.session.commit()
        return True
    except IntegrityError:
        db.session.rollback()
    renewed = db.session.execute(
        update(FileText).where(FileText.file_version_id == file_version_id, FileText.status == READING,
                               FileText.claimed_at < now - STALE_CLAIM).values(claimed_at=now)
    ).rowcount
    db.session.commit()
    return renewed == 1


def _read(file_version: FileVersion) -> str | None:
    storage = get_storage()
    # pypdf and zipfile seek: the object is copied to a temporary file (S3 streams do not seek).
    with tempfile.TemporaryFile() as copy:
        with storage.open(file_version.storage_key) as source:
            shutil.copyfileobj(source, copy, 1024 * 1024)
        copy.seek(0)
        return extract(copy, file_version.mime)


def read_pending(limit: int = 20) -> tuple[int, int]:
    """Read up to ``limit`` files waiting for it: (read, unreadable)."""
    read = unreadable = 0
    for file_version_id in _candidates(limit):
        if not _claim(file_version_id):
            continue  # another worker has it
        file_version = db.session.get(FileVersion, file_version_id)
        text = None
        if file_version is not None:
            try:
                text = _read(file_version)
            except Unreadable as error:
                log.info("text: file %s unreadable: %s", file_version_id, error)
            except Exception:  # a damaged file or a library's bug must not stop the worker
                log.exception("text: file %s could not be read", file_version_id)
        row = db.session.get(FileText, file_version_id)
        if row is None:  # the file was deleted meanwhile
            db.session.rollback()
            continue
        row.status, row.text = (READ, text) if text else (UNREADABLE, "")
        db.session.commit()  # with the owner's search entry (index.py's listener)
        read, unreadable = (read + 1, unreadable) if text else (read, unreadable + 1)
    return read, unreadable

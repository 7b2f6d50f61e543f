"""The storage layer: LocalStorage (keys, layout, permissions, atomic writes) and sniff."""

from __future__ import annotations

import hashlib
import io
import os
import stat
import struct
import zipfile

import pytest

from extranet.files import sniff
from extranet.storage import (
    InvalidKey,
    StorageError,
    TooLarge,
    check_key,
    get_storage,
    storage_from_url,
)
from extranet.storage.local import LocalStorage


@pytest.fixture
def storage(tmp_path):
    return LocalStorage(tmp_path / "files")


def _all_files(root):
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


# -- LocalStorage -----------------------------------------------------------------------------


def test_save_open_roundtrip_with_fanout_and_hash(storage):
    data = os.urandom(3 * 1024 * 1024 + 17)  # several chunks
    obj = storage.save(io.BytesIO(data), max_bytes=10 * 1024 * 1024)
    assert obj.size == len(data) and obj.sha256 == hashlib.sha256(data).hexdigest()
    assert len(obj.key) == 32 and all(c in "0123456789abcdef" for c in obj.key)
    path = storage.root / obj.key[:2] / obj.key[2:4] / obj.key
    assert path.is_file()
    with storage.open(obj.key) as fh:
        assert fh.read() == data
    assert storage.exists(obj.key)
    assert list(storage.keys()) == [obj.key]
    assert storage.sha256(obj.key) == obj.sha256


def test_keys_are_random_and_distinct(storage):
    keys = {storage.save(io.BytesIO(b"same bytes")).key for _ in range(5)}
    assert len(keys) == 5
    assert sorted(storage.keys()) == sorted(keys)


def test_permissions_are_private(storage):
    old = os.umask(0o022)
    try:
        obj = storage.save(io.BytesIO(b"secret"))
    finally:
        os.umask(old)
    path = storage.root / obj.key[:2] / obj.key[2:4] / obj.key
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    for directory in (storage.root, path.parent, path.parent.parent):
        assert stat.S_IMODE(directory.stat().st_mode) == 0o700


@pytest.mark.parametrize(
    "key",
    ["../../etc/passwd", "abc", "A" * 32, "0" * 31, "0" * 65, "../" + "0" * 32, "0" * 32 + "/x", "", "g" * 32],
)
def test_keys_of_another_shape_are_refused(storage, key):
    with pytest.raises(InvalidKey):
        check_key(key)
    for call in (storage.open, storage.delete, storage.exists):
        with pytest.raises(InvalidKey):
            call(key)


def test_delete_and_missing(storage):
    obj = storage.save(io.BytesIO(b"x"))
    storage.delete(obj.key)
    assert not storage.exists(obj.key)
    storage.delete(obj.key)  # deleting twice is fine
    with pytest.raises(FileNotFoundError):
        storage.open(obj.key)
    assert list(storage.keys()) == []


def test_too_large_leaves_nothing(storage):
    with pytest.raises(TooLarge) as caught:
        storage.save(io.BytesIO(b"x" * 2001), max_bytes=2000)
    assert caught.value.max_bytes == 2000
    assert _all_files(storage.root) == []
    assert storage.save(io.BytesIO(b"x" * 2000), max_bytes=2000).size == 2000  # the limit itself is fine


def test_a_write_error_mid_way_removes_the_temporary_file(storage, fill_disk):
    calls = fill_disk(2)
    with pytest.raises(StorageError):
        storage.save(io.BytesIO(b"y" * (3 * 1024 * 1024)))
    assert len(calls) == 2
    assert _all_files(storage.root) == []


def test_a_failing_source_stream_removes_the_temporary_file(storage):
    class Broken(io.RawIOBase):
        reads = 0

        def readable(self):
            return True

        def read(self, size=-1):
            self.reads += 1
            if self.reads > 1:
                raise ConnectionResetError("client went away")
            return b"z" * 100

    with pytest.raises((ConnectionResetError, StorageError)):
        storage.save(Broken())
    assert _all_files(storage.root) == []


def test_keys_ignores_temporary_and_stray_files(storage):
    obj = storage.save(io.BytesIO(b"kept"))
    directory = storage.root / obj.key[:2] / obj.key[2:4]
    (directory / ".tmp-abandoned").write_bytes(b"half")
    (storage.root / "README").write_text("stray")
    assert list(storage.keys()) == [obj.key]


def test_storage_url(tmp_path):
    local = storage_from_url(f"file://{tmp_path}/objects", "/unused")
    assert isinstance(local, LocalStorage) and local.root == tmp_path / "objects"
    relative = storage_from_url("file://files", tmp_path)
    assert relative.root == tmp_path / "files"
    with pytest.raises(ValueError, match="use file:// or s3://"):
        storage_from_url("ftp://host/files", tmp_path)


def test_get_storage_is_built_once_from_the_config(make_app, tmp_path):
    app = make_app(STORAGE_URL=f"file://{tmp_path}/configured")
    with app.app_context():
        first = get_storage()
        assert isinstance(first, LocalStorage) and first.root == tmp_path / "configured"
        assert get_storage() is first
    from extranet.config import build_config

    assert build_config(tmp_path)["STORAGE_URL"] == f"file://{tmp_path / 'files'}"
    refused = make_app(STORAGE_URL="gs://bucket")
    with refused.app_context(), pytest.raises(ValueError):
        get_storage()


# -- sniff ------------------------------------------------------------------------------------


def _zip(entries: dict[str, bytes], first: str | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        if first:
            archive.writestr(first, entries.pop(first), compress_type=zipfile.ZIP_STORED)
        for name, data in entries.items():
            archive.writestr(name, data, compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def docx() -> bytes:
    return _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"})


def xlsx() -> bytes:
    return _zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"})


def pptx() -> bytes:
    return _zip({"[Content_Types].xml": b"<Types/>", "ppt/presentation.xml": b"<p/>"})


def odt() -> bytes:
    return _zip({"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<x/>"}, first="mimetype")


def ole(stream_name: str) -> bytes:
    """A minimal compound file: header, one FAT sector, one directory sector."""
    sector = 512
    header = bytearray(512)
    header[:8] = sniff.OLE_MAGIC
    struct.pack_into("<HH", header, 26, 3, 0xFFFE)
    struct.pack_into("<H", header, 30, 9)  # 512-byte sectors
    struct.pack_into("<I", header, 44, 1)  # one FAT sector
    struct.pack_into("<I", header, 48, 1)  # directory starts at sector 1
    difat = [0] + [0xFFFFFFFF] * 108
    struct.pack_into("<109I", header, 76, *difat)
    fat = struct.pack("<128I", 0xFFFFFFFD, 0xFFFFFFFE, *([0xFFFFFFFF] * 126))
    directory = bytearray(sector)
    for index, name in enumerate(["Root Entry", stream_name]):
        encoded = name.encode("utf-16-le") + b"\0\0"
        directory[index * 128:index * 128 + len(encoded)] = encoded
        struct.pack_into("<H", directory, index * 128 + 64, len(encoded))
    return bytes(header) + fat + bytes(directory)


PNG = b"\x89PNG\r\n\x1a\n" + b"\0\0\0\rIHDR" + os.urandom(40)


@pytest.mark.parametrize(
    ("data", "mime"),
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "application/pdf"),
        (PNG, "image/png"),
        (b"\xff\xd8\xff\xe0\0\x10JFIF\0" + os.urandom(30), "image/jpeg"),
        (b"GIF89a" + os.urandom(20), "image/gif"),
        (b"RIFF\x24\0\0\0WEBPVP8 " + os.urandom(20), "image/webp"),
        (docx(), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        (xlsx(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (pptx(), "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
        (odt(), "application/vnd.oasis.opendocument.text"),
        (ole("WordDocument"), "application/msword"),
        (ole("Workbook"), "application/vnd.ms-excel"),
        (ole("PowerPoint Document"), "application/vnd.ms-powerpoint"),
        (ole("Something else"), "application/x-ole-storage"),
        ("Nom;Montant\nÉtienne;12,50 $\n".encode(), "text/plain; charset=utf-8"),
        ("Café crème, à l'été\r\n".encode("cp1252"), "text/plain; charset=windows-1252"),
        (b"\xef\xbb\xbfwith a BOM\n", "text/plain; charset=utf-8"),
        (b"a < b and <b>bold</b> is fine in a note\n", "text/plain; charset=utf-8"),
        (b"<note>an XML fragment without script</note>", "text/plain; charset=utf-8"),
    ],
)
def test_allowed_types(data, mime):
    found = sniff.detect(io.BytesIO(data))
    assert found.mime == mime


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"MZ\x90\0\x03\0\0\0" + os.urandom(60), "executable"),
        (b"\x7fELF\x02\x01\x01" + os.urandom(60), "executable"),
        (b"\xcf\xfa\xed\xfe" + os.urandom(60), "executable"),
        (b"\xca\xfe\xba\xbe" + os.urandom(60), "executable"),
        (b"#!/bin/sh\nrm -rf /\n", "executable"),
        (b"<!DOCTYPE html><html><body>hi</body></html>", "markup"),
        (b"  \n\t<HTML><BODY>upper case</BODY></HTML>", "markup"),
        (b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "markup"),
        (b"<div>" + b"x" * (1024 * 1024 - 3) + b"<scr" + b"ipt>", "markup"),  # across a chunk boundary
        (b"", "empty"),
        (b"plain start\0then a NUL", "unknown"),
        (b"\x81\x8d\x8f not text in any encoding we accept", "unknown"),
        (b"text with a bell \x07 control", "unknown"),
        (_zip({"readme.txt": b"just a zip"}), "unknown"),
        (_zip({"META-INF/MANIFEST.MF": b"Manifest-Version: 1.0"}), "unknown"),
        (_zip({"[Content_Types].xml": b"<Types/>", "other/part.xml": b"<x/>"}), "unknown"),
        (_zip({"mimetype": b"text/html", "index.html": b"<html>"}, first="mimetype"), "unknown"),
        (b"PK\x03\x04 truncated zip", "unknown"),
        (os.urandom(16) + b"\0", "unknown"),
    ],
)
def test_refused_types(data, reason):
    with pytest.raises(sniff.Refused) as caught:
        sniff.detect(io.BytesIO(data))
    assert caught.value.reason == reason


def test_non_seekable_streams_are_spooled():
    class OneWay(io.RawIOBase):
        def __init__(self, data):
            self.inner = io.BytesIO(data)

        def readable(self):
            return True

        def seekable(self):
            return False

        def readinto(self, buffer):
            chunk = self.inner.read(len(buffer))
            buffer[: len(chunk)] = chunk
            return len(chunk)

    assert sniff.detect(io.BufferedReader(OneWay(docx()))).kind == "office"

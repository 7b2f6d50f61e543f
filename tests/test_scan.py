"""Optional ClamAV scanning: what only a fake clamd can show (the stream's chunks as they arrive,
an answer no clamd gives), and "pending" when clamd cannot be reached. Verdicts of a real clamd
(EICAR found, a clean file passed, a file over its size limit left pending), on both kinds of
socket and for every kind of file, are in test_virus_scans.py."""

from __future__ import annotations

import io
import os
import socket
import struct
import threading

import pytest

from extranet.files import scan as scanning
from extranet.storage.local import LocalStorage

# The EICAR anti-virus test string, assembled so that this file itself is not flagged.
EICAR = (b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$" + b"EICAR-STANDARD-ANTIVIRUS-TEST-FILE!" + b"$H+H*")


class FakeClamd:
    """Speaks enough of clamd: ``zINSTREAM\\0``, length-prefixed chunks, a zero length, then
    ``stream: OK\\0`` or ``stream: Eicar-Test-Signature FOUND\\0``; past ``max_length`` bytes
    it answers as clamd does and closes."""

    def __init__(self, listener: socket.socket, max_length: int = 25 * 1024 * 1024):
        self.listener = listener
        self.max_length = max_length
        self.commands: list[bytes] = []
        self.received: list[int] = []  # bytes per scan
        self.chunk_sizes: list[int] = []
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            with conn:
                self.handle(conn)

    @staticmethod
    def read_exactly(conn, size):
        data = b""
        while len(data) < size:
            more = conn.recv(size - len(data))
            if not more:
                raise ConnectionError("closed")
            data += more
        return data

    def handle(self, conn):
        command = b""
        while not command.endswith(b"\0"):
            command += self.read_exactly(conn, 1)
        self.commands.append(command)
        data = bytearray()
        try:
            while True:
                (length,) = struct.unpack(">I", self.read_exactly(conn, 4))
                if length == 0:
                    break
                self.chunk_sizes.append(length)
                data += self.read_exactly(conn, length)
                if len(data) > self.max_length:
                    conn.sendall(b"INSTREAM size limit exceeded. ERROR\0")
                    return
        except ConnectionError:
            return
        self.received.append(len(data))
        if EICAR in data:
            conn.sendall(b"stream: Eicar-Test-Signature FOUND\0")
        else:
            conn.sendall(b"stream: OK\0")


@pytest.fixture
def unix_clamd(tmp_path):
    path = str(tmp_path / "clamd.sock")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen()
    server = FakeClamd(listener)
    yield path, server
    listener.close()


@pytest.fixture
def storage(tmp_path):
    return LocalStorage(tmp_path / "files")


def store(storage, data: bytes) -> str:
    return storage.save(io.BytesIO(data)).key


def test_the_stream_goes_in_length_prefixed_chunks_clamd_accepts(app, storage, unix_clamd):
    path, server = unix_clamd
    clean = store(storage, os.urandom(200_000))  # several chunks
    infected = store(storage, b"%PDF-1.4\n" + os.urandom(100_000) + EICAR + b"\n%%EOF")
    with app.app_context():
        app.config["CLAMD_SOCKET"] = path
        assert scanning.enabled()
        assert scanning.scan(storage, clean) == "clean"
        assert scanning.check(storage, infected) == scanning.Verdict("infected", "Eicar-Test-Signature")
    assert server.commands == [b"zINSTREAM\0", b"zINSTREAM\0"]
    assert server.received == [200_000, 9 + 100_000 + len(EICAR) + 6]
    assert max(server.chunk_sizes) <= scanning.SCAN_CHUNK


def test_unreachable_clamd_leaves_the_file_pending(app, storage, tmp_path, caplog):
    key = store(storage, b"some bytes")
    closed = socket.create_server(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()
    with app.app_context():
        verdict = scanning.check(storage, key, address=str(tmp_path / "no-such.sock"))
        assert verdict.status == "pending" and "No such file or directory" in verdict.detail
        assert scanning.scan(storage, key, address=f"tcp://127.0.0.1:{port}") == "pending"
        assert scanning.scan(storage, key, address="tcp://no-port") == "pending"
    assert any("left pending" in r.getMessage() for r in caplog.records)


def test_a_clamd_that_answers_nonsense_leaves_the_file_pending(app, storage, tmp_path):
    path = str(tmp_path / "odd.sock")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen()

    def answer():
        conn, _ = listener.accept()
        with conn:
            conn.recv(100)
            conn.sendall(b"UNKNOWN COMMAND\0")

    thread = threading.Thread(target=answer, daemon=True)
    thread.start()
    key = store(storage, b"x" * 10)
    try:
        with app.app_context():
            assert scanning.scan(storage, key, address=path) == "pending"
    finally:
        thread.join(5)
        listener.close()


def test_not_configured_means_not_scanned(app, storage):
    key = store(storage, b"bytes")
    with app.app_context():
        assert app.config["CLAMD_SOCKET"] is None
        assert not scanning.enabled()
        assert scanning.scan(storage, key) == "not_scanned"


def test_config_reads_the_environment(tmp_path, monkeypatch):
    from extranet.config import build_config

    monkeypatch.setenv("EXTRANET_CLAMD_SOCKET", "/run/clamav/clamd.ctl")
    assert build_config(tmp_path)["CLAMD_SOCKET"] == "/run/clamav/clamd.ctl"

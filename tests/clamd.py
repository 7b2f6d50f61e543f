"""A real clamd (Debian's ``clamav-daemon``) for the tests, started once per test session.

Signature downloads are not reachable here, so its database is one line: the MD5 of the EICAR
anti-virus test file in a ``.hdb`` file (``md5:size:name``), which clamd reports as
``Eicar-Test-Signature.UNOFFICIAL FOUND``. It listens on a UNIX socket and on a TCP port of
127.0.0.1, with a ``StreamMaxLength`` of 1 MiB so that "larger than clamd's limit" (no verdict:
pending) can be shown with a small file.
"""

from __future__ import annotations

import hashlib
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from tests.daemons import free_port, stop, system_binary

# The EICAR anti-virus test file, assembled so that this file itself is not flagged.
EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$" + b"EICAR-STANDARD-ANTIVIRUS-TEST-FILE!" + b"$H+H*"
SIGNATURE = "Eicar-Test-Signature"
STREAM_MAX = 1024 * 1024
START_TIMEOUT = 60.0  # seconds: loading one signature takes well under one


def clamd_binary() -> str | None:
    return system_binary("clamd", "/usr/sbin/clamd")


@dataclass
class Clamd:
    process: subprocess.Popen
    socket_path: str
    tcp_address: str
    log: Path
    started_in: float  # seconds from launch to the first PONG

    def stop(self) -> None:
        stop(self.process)


def _pong(path: str) -> bool:
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(2)
            sock.connect(path)
            sock.sendall(b"zPING\0")
            return sock.recv(16).startswith(b"PONG")
    except OSError:
        return False


def start_clamd(binary: str, directory: Path) -> Clamd:
    database = directory / "db"
    database.mkdir(parents=True)
    (database / "eicar.hdb").write_text(f"{hashlib.md5(EICAR).hexdigest()}:{len(EICAR)}:{SIGNATURE}\n")  # noqa: S324
    socket_path = str(directory / "clamd.sock")
    port = free_port()
    log = directory / "clamd.log"
    config = directory / "clamd.conf"
    config.write_text("\n".join([
        "Foreground yes",
        f"LocalSocket {socket_path}",
        f"TCPSocket {port}",
        "TCPAddr 127.0.0.1",
        f"DatabaseDirectory {database}",
        f"LogFile {log}",
        f"PidFile {directory / 'clamd.pid'}",
        f"StreamMaxLength {STREAM_MAX}",
        "SelfCheck 0",
        "MaxThreads 4",
        "",
    ]))
    began = time.monotonic()
    process = subprocess.Popen([binary, "-c", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)  # noqa: S603 - our clamd
    while not _pong(socket_path):
        if process.poll() is not None or time.monotonic() - began > START_TIMEOUT:
            process.kill()
            process.wait()
            raise RuntimeError(f"clamd did not start: {log.read_text() if log.exists() else 'no log'}")
        time.sleep(0.02)
    return Clamd(process, socket_path, f"tcp://127.0.0.1:{port}", log, time.monotonic() - began)

"""Optional virus scanning of stored objects with ClamAV's daemon (clamd).

Enabled when ``CLAMD_SOCKET`` (``EXTRANET_CLAMD_SOCKET``) is set: a unix socket path
(``/run/clamav/clamd.ctl``) or ``tcp://host:port``. ``scan(storage, key)`` streams the object to
clamd with the INSTREAM command (chunks prefixed by their 4-byte big-endian length, then a
zero length) and answers:

- ``"clean"``: clamd answered ``stream: OK``;
- ``"infected"``: clamd answered ``stream: <signature> FOUND``;
- ``"pending"``: clamd could not be reached or did not give a verdict (its ``StreamMaxLength``
  is smaller than the file, a timeout...): scan again later; a pending file is not served;
- ``"not_scanned"``: scanning is not configured.

clamd's ``StreamMaxLength`` (25 MB by default) must be at least ``MAX_UPLOAD_BYTES``.

``check`` gives the same verdict with its reason (the signature found, or why there is none), and
``bookkeeping`` turns a verdict into a row's scan columns: every file, whoever owns it, is scanned
on upload and again by the worker (``files.rescan``) through these two functions.
"""

from __future__ import annotations

import logging
import socket
import struct
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from flask import current_app

from extranet.files.models import CLEAN, INFECTED, NOT_SCANNED, PENDING
from extranet.storage import Storage, StorageError

log = logging.getLogger(__name__)

SCAN_CHUNK = 64 * 1024  # below clamd's default StreamMaxLength and socket buffers
TIMEOUT = 120.0  # seconds without progress before giving up (a large file takes a while)
# A pending file is tried again after 1, 2, 4… minutes, then every hour: soon after a short
# outage, without hammering a clamd that stays down; never given up, so no file stays stuck.
FIRST_RETRY = timedelta(minutes=1)
LONGEST_RETRY = timedelta(hours=1)


class ScanUnavailable(Exception):
    """clamd could not be reached or gave no verdict."""


def _connect(address: str, timeout: float) -> socket.socket:
    if address.startswith("tcp://"):
        parts = urlsplit(address)
        if not parts.hostname or not parts.port:
            raise ScanUnavailable(f"invalid clamd address {address!r} (tcp://host:port)")
        return socket.create_connection((parts.hostname, parts.port), timeout=timeout)
    path = address.removeprefix("unix://")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    try:
        sock.connect(path)
    except BaseException:
        sock.close()
        raise
    return sock


def _read_reply(sock: socket.socket) -> str:
    reply = b""
    while not reply.endswith(b"\0"):
        data = sock.recv(4096)
        if not data:
            break
        reply += data
    return reply.rstrip(b"\0\n").decode("utf-8", "replace")


def scan_stream(stream, address: str, timeout: float = TIMEOUT) -> tuple[str, str | None]:
    """Send ``stream`` (a binary file object) to clamd at ``address``: (``"clean"``, None) or
    (``"infected"``, signature name). Raises ``ScanUnavailable`` without a verdict."""
    try:
        with _connect(address, timeout) as sock:
            sock.sendall(b"zINSTREAM\0")
            try:
                while chunk := stream.read(SCAN_CHUNK):
                    sock.sendall(struct.pack(">I", len(chunk)) + chunk)
                sock.sendall(struct.pack(">I", 0))
            except (BrokenPipeError, ConnectionResetError):
                pass  # clamd stopped reading (size limit): its reply says why
            reply = _read_reply(sock)
    except OSError as error:
        raise ScanUnavailable(f"clamd at {address}: {error}") from error
    # "stream: OK", "stream: Eicar-Test-Signature FOUND", "INSTREAM size limit exceeded. ERROR"
    if reply.endswith(" FOUND"):
        signature = reply.removeprefix("stream:").strip().removesuffix(" FOUND").strip()
        return INFECTED, signature
    if reply == "stream: OK" or reply.endswith(": OK"):
        return CLEAN, None
    raise ScanUnavailable(f"clamd at {address} answered {reply!r}")


def enabled() -> bool:
    return bool(current_app.config.get("CLAMD_SOCKET"))


@dataclass(frozen=True)
class Verdict:
    status: str  # clean, infected, pending or not_scanned
    detail: str = ""  # the signature found, or why there is no verdict


def check(storage: Storage, key: str, address: str | None = None) -> Verdict:
    """Scan a stored object: its ``Verdict``, pending (with the reason) when clamd gave none."""
    address = address or current_app.config.get("CLAMD_SOCKET")
    if not address:
        return Verdict(NOT_SCANNED)
    try:
        with storage.open(key) as fh:
            status, signature = scan_stream(fh, address)
    except (ScanUnavailable, StorageError, FileNotFoundError) as error:
        log.warning("scan: %s left pending: %s", key, error)
        return Verdict(PENDING, str(error))
    if status == INFECTED:
        log.warning("scan: %s is infected (%s)", key, signature)
        return Verdict(INFECTED, signature or "")
    return Verdict(status)


def scan(storage: Storage, key: str, address: str | None = None) -> str:
    """Scan a stored object: ``"clean"``, ``"infected"``, ``"pending"`` (no verdict now: scan
    again later) or ``"not_scanned"`` when no clamd is configured."""
    return check(storage, key, address).status


def retry_delay(attempts: int) -> timedelta:
    """How long after its ``attempts``-th attempt without a verdict a file is scanned again."""
    return min(FIRST_RETRY * 2 ** min(max(attempts - 1, 0), 10), LONGEST_RETRY)


def bookkeeping(verdict: Verdict, attempts: int, now: datetime) -> dict:
    """A row's scan columns after its ``attempts``-th scan gave ``verdict`` at ``now``."""
    if verdict.status == NOT_SCANNED:
        return {"scan_status": NOT_SCANNED}
    pending = verdict.status == PENDING
    return {
        "scan_status": verdict.status,
        "scan_attempts": attempts,
        "scanned_at": now,
        "next_scan_at": now + retry_delay(attempts) if pending else None,
        "scan_detail": verdict.detail[:255],
    }

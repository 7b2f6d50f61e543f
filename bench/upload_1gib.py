"""Upload and download a 1 GiB file through the app; print peak extra memory and throughput
next to a plain file copy of the same size on the same disk (DESIGN §13: ≤ 64 MiB extra).

    .venv/bin/python bench/upload_1gib.py [--size-mib 1024] [--dir /path/on/the/disk/to/test]

The app runs on a real Werkzeug HTTP server on 127.0.0.1 (threaded, in this process) with a
temporary instance: SQLite and local storage, the sample field plugin, a member created
directly. The client is ``http.client``: it sends the multipart body from a generator with
chunked transfer encoding (the file is made on the fly from a repeatable pattern, never held
in memory) as a message attachment, then downloads it by 1 MiB reads and checks its sha256.

Memory is the process's resident set (``VmRSS``, sampled every 5 ms by a thread, and the
kernel's exact peak ``VmHWM`` reset through ``/proc/self/clear_refs`` before each phase),
minus the resident set just before the phase: server and client together.

What an upload costs on disk: Werkzeug spools a multipart file part to a temporary file (in
``--dir`` here), then the storage copies it to its own temporary file, fsyncs and renames it,
then reads its head to decide its type; a download reads the object once to check its sha256,
then streams it. The plain copy reads and writes the same number of bytes once, with fsync.
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import os
import random
import re
import shutil
import sys
import tempfile
import threading
import time
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

MiB = 1024 * 1024
BLOCK = random.Random(20260101).randbytes(MiB)  # the repeatable pattern
PDF_HEAD = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"  # so that the content check accepts it
PDF_TAIL = b"\n%%EOF\n"
PASSWORD = "bench password 2026"
CSRF_RE = re.compile(r'"X-CSRFToken": "([^"]+)"')


# -- memory -----------------------------------------------------------------------------------


def _status(field: str) -> int:
    """A /proc/self/status figure in bytes (VmRSS, VmHWM)."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    return 0


class Peak:
    """The peak resident set during a ``with`` block, above the resident set at its start."""

    def __enter__(self):
        try:
            with open("/proc/self/clear_refs", "w") as fh:
                fh.write("5")  # resets VmHWM to the current RSS
            self.hwm = True
        except OSError:
            self.hwm = False
        self.start = _status("VmRSS")
        self.sampled = self.start
        self.running = True
        self.thread = threading.Thread(target=self._sample, daemon=True)
        self.thread.start()
        self.t0 = time.perf_counter()
        return self

    def _sample(self):
        while self.running:
            self.sampled = max(self.sampled, _status("VmRSS"))
            time.sleep(0.005)

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self.t0
        self.running = False
        self.thread.join()
        peak = max(self.sampled, _status("VmHWM") if self.hwm else 0)
        self.extra = peak - self.start
        return False


# -- the app ----------------------------------------------------------------------------------


def make_app(workdir: Path, size: int):
    os.environ["EXTRANET_INSTANCE_PATH"] = str(workdir / "instance")
    from extranet import create_app
    from extranet.accounts.models import User
    from extranet.extensions import db
    from extranet.organizations.models import Membership, Organization, Subscription
    from tests.sample_plugin import SamplePlugin

    app = create_app(
        {
            "SECRET_KEY": "bench",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{workdir / 'bench.db'}",
            "STORAGE_URL": f"file://{workdir / 'files'}",
            "MAIL_URL": f"file://{workdir / 'mail'}",
            "BASE_URL": "http://127.0.0.1",
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
            "RATELIMIT_STORAGE_URI": "memory://",
            "MAX_UPLOAD_BYTES": size + MiB,
            "MAX_CONTENT_LENGTH": size + 16 * MiB,
        },
        plugins=(SamplePlugin(),),
    )
    with app.app_context():
        db.create_all()
        org = Organization(name="Coopérative Banc", kind="cooperative")
        org.subscriptions = [Subscription(field="sample")]
        member = User(email="membre@bench.example.org", name="Membre Banc", locale="en")
        member.set_password(PASSWORD)
        db.session.add_all([org, member])
        db.session.flush()
        db.session.add(Membership(user_id=member.id, organization_id=org.id, role="member"))
        db.session.commit()
    return app


def serve(app):
    import logging

    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request

    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


# -- a small HTTP client ----------------------------------------------------------------------


class Client:
    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method, path, body=None, headers=None, chunked=False):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        headers.setdefault("Accept-Language", "en")
        connection.request(method, path, body=body, headers=headers, encode_chunked=chunked)
        response = connection.getresponse()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return connection, response

    def fetch(self, method, path, **kwargs):
        connection, response = self.request(method, path, **kwargs)
        data = response.read()
        connection.close()
        return response, data

    def csrf(self, path="/login") -> str:
        _response, page = self.fetch("GET", path)
        return CSRF_RE.search(page.decode()).group(1)

    def post_form(self, path, fields):
        body = urlencode({**fields, "csrf_token": self.csrf("/requests/" if "login" not in path else "/login")})
        return self.fetch("POST", path, body=body.encode(),
                          headers={"Content-Type": "application/x-www-form-urlencoded"})


def multipart(fields: dict, file_field: str, filename: str, size: int, digest) -> tuple[str, object]:
    """(content type, generator of the body): the file part is made on the fly."""
    boundary = "bench" + os.urandom(12).hex()

    def body():
        for name, value in fields.items():
            yield (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n"
                   f"{value}\r\n").encode()
        yield (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{file_field}\"; "
               f"filename=\"{filename}\"\r\nContent-Type: application/pdf\r\n\r\n").encode()
        for chunk in pattern(size):
            digest.update(chunk)
            yield chunk
        yield f"\r\n--{boundary}--\r\n".encode()

    return f"multipart/form-data; boundary={boundary}", body()


def pattern(size: int):
    """``size`` bytes: a PDF header, the repeated block, a PDF trailer."""
    middle = size - len(PDF_HEAD) - len(PDF_TAIL)
    yield PDF_HEAD
    while middle > 0:
        chunk = BLOCK[: min(middle, MiB)]
        middle -= len(chunk)
        yield chunk
    yield PDF_TAIL


# -- the measures -----------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--dir", default=None, help="where the instance, spool and copy go")
    args = parser.parse_args()
    size = args.size_mib * MiB

    workdir = Path(tempfile.mkdtemp(prefix="extranet-bench-", dir=args.dir))
    tempfile.tempdir = str(workdir)  # Werkzeug's spool files go to the same disk
    try:
        app = make_app(workdir, size)
        server = serve(app)
        client = Client(server.server_port)
        response, _ = client.post_form("/login", {"email": "membre@bench.example.org", "password": PASSWORD})
        assert response.status == 303, response.status
        response, _ = client.post_form("/requests/new/sample/question", {
            "title": "Banc d'essai", "description": "1 GiB", "topic": "general", "priority": "normal"})
        assert response.status == 303, response.status
        reference = urlsplit(response.headers["Location"]).path.rstrip("/").split("/")[-1]
        token = client.csrf("/requests/")
        expected = hashlib.sha256()
        content_type, body = multipart({"body": "Le gros fichier", "csrf_token": token},
                                       "files", "gros-fichier.pdf", size, expected)

        with Peak() as upload:
            response, page = client.fetch("POST", f"/requests/{reference}/messages", body=body,
                                          headers={"Content-Type": content_type}, chunked=True)
        assert response.status == 303, (response.status, page[:2000])

        from extranet.extensions import db
        from extranet.requests.models import Attachment

        with app.app_context():
            attachment = db.session.scalars(db.select(Attachment)).one()
            assert attachment.size == size and attachment.sha256 == expected.hexdigest()
            url = f"/requests/{reference}/attachments/{attachment.id}"
            key = attachment.storage_key

        with Peak() as download:
            connection, response = client.request("GET", url)
            assert response.status == 200, response.status
            received = hashlib.sha256()
            length = 0
            while chunk := response.read(MiB):
                received.update(chunk)
                length += len(chunk)
            connection.close()
        assert length == size and received.hexdigest() == expected.hexdigest()

        from extranet.storage.local import LocalStorage

        stored = LocalStorage(workdir / "files").path(key)
        copy_target = workdir / "plain-copy"
        with Peak() as copy, open(stored, "rb") as src, open(copy_target, "wb") as dst:
            shutil.copyfileobj(src, dst, MiB)
            dst.flush()
            os.fsync(dst.fileno())
        copy_target.unlink()
        server.shutdown()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    def row(name, measure):
        rate = size / MiB / measure.seconds
        return f"{name:<28}{measure.seconds:>8.1f} s {rate:>9.0f} MiB/s {measure.extra / MiB:>10.1f} MiB"

    print(f"{args.size_mib} MiB through the app (Werkzeug server + http.client, SQLite, local storage)")
    print(f"{'':<28}{'time':>10} {'throughput':>15} {'extra memory':>14}")
    print(row("upload (message attachment)", upload))
    print(row("download", download))
    print(row("plain file copy (fsync)", copy))
    worst = max(upload.extra, download.extra)
    verdict = "OK" if worst <= 64 * MiB else "OVER TARGET"
    print(f"peak extra memory {worst / MiB:.1f} MiB; target <= 64 MiB: {verdict}")


if __name__ == "__main__":
    main()

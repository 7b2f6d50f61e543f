"""Two nodes, for real: two gunicorn processes on two ports of 127.0.0.1 share PostgreSQL,
Redis and an S3-protocol server (moto), and one person's browser (one cookie jar) goes from one
to the other as a load balancer without sticky sessions would send it. Then two outbox workers,
two ``flask worker --once`` processes at once, deliver every queued e-mail exactly once to a
local SMTP server.

Needs EXTRANET_TEST_POSTGRES_URL and EXTRANET_TEST_REDIS_URL (CI sets both), gunicorn and
requests (the test extras)."""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from extranet.testing import CSRF_RE
from tests.daemons import free_port, gunicorn_node
from tests.test_storage_s3 import FAKE_AWS, s3_bucket, s3_endpoint  # noqa: F401 - fixtures

POSTGRES_URL = os.environ.get("EXTRANET_TEST_POSTGRES_URL")
REDIS_URL = os.environ.get("EXTRANET_TEST_REDIS_URL")
pytestmark = pytest.mark.skipif(
    not (POSTGRES_URL and REDIS_URL),
    reason="two nodes share PostgreSQL and Redis: set EXTRANET_TEST_POSTGRES_URL and EXTRANET_TEST_REDIS_URL",
)
requests = pytest.importorskip("requests")
pytest.importorskip("gunicorn")
Controller = pytest.importorskip("aiosmtpd.controller").Controller

BIN = Path(sys.executable).parent
FIELD = "it"  # a field of an installed plugin: the nodes load plugins as production does
LOGIN_LIMIT = 3
MAILS = 130  # more than one batch of deliver_due (50): each worker claims some


class Sink:
    """An SMTP server keeping every message it receives."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.messages.append(envelope.content)
        return "250 OK"


@pytest.fixture
def smtp():
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield sink, f"smtp://127.0.0.1:{controller.port}"
    controller.stop()


@pytest.fixture
def settings(app, s3_endpoint, s3_bucket, smtp, tmp_path):  # noqa: F811 - fixtures
    """The environment of every node and worker: production's settings, but plain HTTP."""
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("EXTRANET_")},
        **FAKE_AWS,
        "EXTRANET_DATABASE_URL": POSTGRES_URL,
        "EXTRANET_REDIS_URL": REDIS_URL,
        "EXTRANET_STORAGE_URL": f"s3://{s3_bucket}/objects",
        "EXTRANET_S3_ENDPOINT_URL": s3_endpoint,
        "EXTRANET_SECRET_KEY": secrets.token_urlsafe(32),
        "EXTRANET_MAIL_URL": smtp[1],
        "EXTRANET_MAIL_DELIVERY": "worker",
        "EXTRANET_BASE_URL": "http://127.0.0.1",
        "EXTRANET_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "EXTRANET_LOGIN_LIMIT_PER_ACCOUNT": f"{LOGIN_LIMIT} per minute",
        "EXTRANET_LOGIN_LIMIT_PER_IP": "1000 per minute",
    }


@contextlib.contextmanager
def node(settings: dict, instance: Path):
    """A gunicorn node started as docs/deploy.md says (two workers here) on a port of its own,
    with an instance folder of its own (another machine's disk), until the block ends."""
    options = ["-c", "python:extranet.gunicorn_conf", "--workers", "2", "--graceful-timeout", "5"]
    with gunicorn_node(options, {**settings, "EXTRANET_INSTANCE_PATH": str(instance)}) as (_process, base):
        yield base


@pytest.fixture
def nodes(settings, people, tmp_path):
    with node(settings, tmp_path / "node-a") as a, node(settings, tmp_path / "node-b") as b:
        yield a, b


def token_of(page: str) -> str:
    match = CSRF_RE.search(page)
    assert match, page[:500]
    return match.group(1)


def log_in(browser, base: str, email: str, password: str):
    token = token_of(browser.get(f"{base}/login").text)
    return browser.post(f"{base}/login", data={"email": email, "password": password, "csrf_token": token},
                        allow_redirects=False)


def new_browser():
    browser = requests.Session()  # one cookie jar for both nodes: cookies are per host, not per port
    browser.headers["Accept-Language"] = "en"
    return browser


def test_one_person_across_two_nodes(app, people, nodes):
    a, b = nodes
    member = new_browser()
    assert log_in(member, a, people.member_a.email, people.member_a.password).status_code == 303
    home = member.get(f"{b}/", allow_redirects=False)
    assert home.status_code == 200 and people.member_a.name in home.text  # signed in on B too

    # A file uploaded through B with the CSRF token of a page of A, downloaded through A.
    token = token_of(member.get(f"{a}/documents/{FIELD}/").text)
    data = b"%PDF-1.7\n" + os.urandom(200_000) + b"\n%%EOF\n"
    upload = member.post(f"{b}/documents/{FIELD}/upload", allow_redirects=False,
                         data={"csrf_token": token, "visibility": "org", "category": "", "folder": "0"},
                         files={"files": ("bilan.pdf", data, "application/pdf")})
    assert upload.status_code == 303, upload.text[:1000]
    space = member.get(f"{a}/documents/{FIELD}/").text
    link = re.search(rf'href="(/documents/{FIELD}/files/\d+)\?org=(\d+)"', space)
    assert link, space[:2000]
    download = member.get(f"{a}{link.group(1)}/versions/1?org={link.group(2)}")
    assert download.status_code == 200
    assert hashlib.sha256(download.content).hexdigest() == hashlib.sha256(data).hexdigest()

    # An admin disables the field's module on A: the member's next request on B finds it off.
    admin = new_browser()
    assert log_in(admin, b, people.admin.email, people.admin.password).status_code == 303
    token = token_of(admin.get(f"{b}/admin/modules").text)
    toggled = admin.post(f"{a}/admin/modules/{FIELD}", data={"enabled": "0", "csrf_token": token},
                         allow_redirects=False)
    assert toggled.status_code in (302, 303), toggled.text[:500]
    flashed = admin.get(b + toggled.headers["Location"]).text  # the flash of A, shown by B
    assert "module is disabled" in flashed
    assert member.get(f"{b}/documents/{FIELD}/").status_code == 404
    token = token_of(admin.get(f"{a}/admin/modules").text)
    admin.post(f"{b}/admin/modules/{FIELD}", data={"enabled": "1", "csrf_token": token})
    assert member.get(f"{a}/documents/{FIELD}/").status_code == 200

    # Logging out on A ends the session on B, even for a cookie kept from before.
    kept = member.cookies.copy()
    token = token_of(member.get(f"{b}/").text)
    out = member.post(f"{a}/logout", data={"csrf_token": token}, allow_redirects=False)
    assert out.status_code == 303
    assert "logged out" in member.get(b + out.headers["Location"]).text  # flashed on A, shown on B
    assert member.get(f"{b}/", allow_redirects=False).status_code == 302
    replay = requests.Session()
    replay.cookies.update(kept)
    assert replay.get(f"{b}/", allow_redirects=False).status_code == 302

    # Sign-in limits are counted in the shared Redis: the 4th try, on B, counts those made on A.
    email = f"nobody-{secrets.token_hex(4)}@test.org"  # a fresh counter
    stranger = new_browser()
    answers = [log_in(stranger, (a, b)[i % 2], email, "wrong").status_code for i in range(LOGIN_LIMIT + 1)]
    assert answers == [200] * LOGIN_LIMIT + [429]


def test_two_outbox_workers_send_every_mail_once(app, settings, smtp, tmp_path):
    from extranet.extensions import db
    from extranet.notifications.models import OutboxEmail

    sink, _url = smtp
    with app.app_context():
        db.session.add_all(OutboxEmail(to=f"person{n}@test.org", locale="en", subject=f"Message {n}",
                                       body_text="Bonjour") for n in range(MAILS))
        db.session.commit()
    workers = [
        subprocess.Popen([str(BIN / "flask"), "--app", "extranet", "worker", "--once"],  # noqa: S603
                         env={**settings, "EXTRANET_INSTANCE_PATH": str(tmp_path / f"worker-{n}")},
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for n in range(2)
    ]
    outputs = [worker.communicate(timeout=120) for worker in workers]
    assert [worker.returncode for worker in workers] == [0, 0], outputs
    subjects = sorted(re.search(rb"Subject: ([^\r\n]*)", m).group(1).decode() for m in sink.messages)
    assert subjects == sorted(f"Message {n}" for n in range(MAILS))
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).where(OutboxEmail.sent_at.is_(None))) == 0

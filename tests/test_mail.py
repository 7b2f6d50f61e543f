"""The e-mail outbox: file and SMTP backends, inline delivery, retries with back-off."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import timedelta
from email import message_from_bytes
from email import policy as email_policy
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import quote

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from extranet.accounts.models import User
from extranet.auth.service import handle_reset_requests
from extranet.db_types import utcnow
from extranet.extensions import db as _db
from extranet.notifications.mail import (
    MAX_ATTEMPTS,
    build_message,
    deliver_due,
    queue_email,
    send,
)
from extranet.notifications.models import OutboxEmail
from extranet.testing import csrf_token
from tests.daemons import free_port

# -- helpers ---------------------------------------------------------------------------------


class Collector:
    """An aiosmtpd handler keeping what it receives."""

    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    def messages(self):
        return [message_from_bytes(e.content, policy=email_policy.default) for e in self.envelopes]


@contextmanager
def smtp_server(port: int):
    handler = Collector()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler
    finally:
        controller.stop()


def mail_folder(app) -> Path:
    return Path(app.config["MAIL_URL"].removeprefix("file://"))


def eml_files(app) -> list[Path]:
    folder = mail_folder(app)
    return sorted(folder.glob("*.eml")) if folder.exists() else []


def outbox(app) -> list[OutboxEmail]:
    with app.app_context():
        rows = _db.session.scalars(_db.select(OutboxEmail).order_by(OutboxEmail.id)).all()
        _db.session.expunge_all()
        return rows


def add_email(app, to="someone@test.org", subject="Hello", body="Body text", **values) -> int:
    with app.app_context():
        email = OutboxEmail(to=to, locale="fr_CA", subject=subject, body_text=body, **values)
        _db.session.add(email)
        _db.session.commit()
        return email.id


def request_reset(client, email: str):
    response = client.post("/password/forgot", data={"email": email, "csrf_token": csrf_token(client)})
    response.close()  # as a server does once the answer is sent: the reset is handled then
    return response


# -- building and the file backend ------------------------------------------------------------


def test_file_backend_writes_complete_eml_files(app):
    body = "Bonjour Éloïse,\n\nVoici le lien : http://localhost/x\n\n— L'équipe"
    email_id = add_email(app, to="eloise@test.org", subject="Accès à l'extranet", body=body)
    with app.app_context():
        email = _db.session.get(OutboxEmail, email_id)
        send(build_message(email), app.config["MAIL_URL"])

    [path] = eml_files(app)
    assert path.name.endswith("-eloise.eml") and path.parent == mail_folder(app)
    assert not list(mail_folder(app).glob("*.part"))
    message = message_from_bytes(path.read_bytes(), policy=email_policy.default)
    assert message["From"] == app.config["MAIL_FROM"]
    assert message["To"] == "eloise@test.org"
    assert message["Subject"] == "Accès à l'extranet"
    assert message["Message-ID"].startswith("<") and message["Message-ID"].endswith(">")
    assert message["Content-Language"] == "fr-CA"
    assert message["MIME-Version"] == "1.0"
    assert message.get_content_type() == "text/plain"
    assert message.get_content_charset() == "utf-8"
    date = parsedate_to_datetime(message["Date"])
    assert abs(date - utcnow()) < timedelta(minutes=5)
    assert message.get_content().rstrip("\n") == body
    # Header values are encoded, the raw file is plain ASCII headers.
    raw_headers = path.read_bytes().split(b"\n\n", 1)[0]
    raw_headers.decode("ascii")


def test_file_backend_keeps_every_message(app):
    for _ in range(5):
        add_email(app, to="same@test.org")
    with app.app_context():
        assert deliver_due() == (5, 0)
    assert len(eml_files(app)) == 5


def test_file_backend_file_name_cannot_leave_the_folder(app):
    """A local part may hold '/' or '..': the file still lands in the mail folder."""
    add_email(app, to="../../evil/x@test.org")
    add_email(app, to="a/b@test.org")
    with app.app_context():
        assert deliver_due() == (2, 0)
    files = eml_files(app)
    assert len(files) == 2
    for path in files:
        assert path.parent == mail_folder(app)
    assert {message_from_bytes(p.read_bytes())["To"] for p in files} == {
        "../../evil/x@test.org",
        "a/b@test.org",
    }


def test_queue_email_renders_in_the_recipients_locale(app, people):
    from extranet.accounts.models import User

    with app.test_request_context():
        user = _db.session.get(User, people.member_a.id)
        email = queue_email(
            user.email, "en", "Line one\nBcc: victim@test.org", "password_reset", user=user, link="L"
        )
        _db.session.commit()
        assert email.subject == "Line one Bcc: victim@test.org"
        assert email.locale == "en" and email.sent_at is None
        assert "Hello Member A," in email.body_text and "\nL\n" in email.body_text
        message = build_message(email)
    assert message["Bcc"] is None
    assert message["Subject"] == "Line one Bcc: victim@test.org"


def test_unsupported_mail_url_is_an_error_kept_in_the_outbox(make_app):
    app = make_app(MAIL_URL="carrier-pigeon://loft")
    email_id = add_email(app)
    with app.app_context():
        assert deliver_due() == (0, 1)
        email = _db.session.get(OutboxEmail, email_id)
        assert email.sent_at is None and "unsupported mail URL scheme" in email.last_error


# -- inline delivery -------------------------------------------------------------------------


def test_inline_delivery_sends_at_the_end_of_the_request(app, client, people):
    assert request_reset(client, people.member_a.email).status_code == 303
    [email] = outbox(app)
    assert email.sent_at is not None and email.attempts == 1
    assert len(eml_files(app)) == 1


def test_worker_delivery_leaves_the_mail_queued(make_app, people):
    app = make_app(MAIL_DELIVERY="worker")
    client = app.test_client()
    assert request_reset(client, people.member_a.email).status_code == 303
    # The page only wrote the reset request: the worker turns it into the e-mail.
    assert outbox(app) == [] and eml_files(app) == []
    with app.app_context():
        assert handle_reset_requests() == 1
        _db.session.commit()
    [email] = outbox(app)
    assert email.sent_at is None and email.attempts == 0
    assert eml_files(app) == []
    with app.app_context():
        assert deliver_due() == (1, 0)
    assert outbox(app)[0].sent_at is not None and len(eml_files(app)) == 1


def test_mail_is_not_sent_twice(app, client, people):
    request_reset(client, people.member_a.email)
    with app.app_context():
        assert deliver_due() == (0, 0)
    request_reset(client, people.member_b.email)
    assert len(eml_files(app)) == 2
    assert [e.attempts for e in outbox(app)] == [1, 1]


# -- SMTP ------------------------------------------------------------------------------------


def test_smtp_delivery(make_app, people):
    port = free_port()
    with smtp_server(port) as server:
        app = make_app(MAIL_URL=f"smtp://127.0.0.1:{port}")
        with app.app_context():  # a French-speaking recipient: the header follows their account
            _db.session.get(User, people.member_a.id).locale = "fr_CA"
            _db.session.commit()
        client = app.test_client()
        assert request_reset(client, people.member_a.email).status_code == 303
    [envelope] = server.envelopes
    assert envelope.rcpt_tos == [people.member_a.email]
    assert envelope.mail_from == "no-reply@example.org"
    [message] = server.messages()
    assert message["To"] == people.member_a.email
    assert message["Content-Language"] == "fr-CA"
    assert "/password/reset/" in message.get_content()
    [email] = outbox(app)
    assert email.sent_at is not None and email.attempts == 1 and email.last_error is None
    assert eml_files(app) == []


class Authenticator:
    def __init__(self, login: str, password: str):
        self.expected = (login.encode(), password.encode())
        self.seen = []

    def __call__(self, server, session, envelope, mechanism, auth_data):
        self.seen.append((auth_data.login, auth_data.password))
        return AuthResult(success=(auth_data.login, auth_data.password) == self.expected)


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
def test_smtp_delivery_with_credentials(make_app):
    """User and password come from the URL, percent-decoded."""
    port = free_port()
    handler = Collector()
    authenticator = Authenticator("mailer@test.org", "p@ss:word/1")
    controller = Controller(
        handler,
        hostname="127.0.0.1",
        port=port,
        authenticator=authenticator,
        auth_required=True,
        auth_require_tls=False,
    )
    controller.start()
    try:
        user, password = quote("mailer@test.org", safe=""), quote("p@ss:word/1", safe="")
        app = make_app(MAIL_URL=f"smtp://{user}:{password}@127.0.0.1:{port}")
        add_email(app, to="someone@test.org")
        with app.app_context():
            assert deliver_due() == (1, 0)
    finally:
        controller.stop()
    assert authenticator.seen[-1] == (b"mailer@test.org", b"p@ss:word/1")
    assert [e.rcpt_tos for e in handler.envelopes] == [["someone@test.org"]]


def test_smtp_failure_is_retried_later(make_app, people):
    port = free_port()  # nothing listens there yet
    app = make_app(MAIL_URL=f"smtp://127.0.0.1:{port}")
    client = app.test_client()
    before = utcnow()
    # The person asking is not bothered by the mail server being down.
    response = request_reset(client, people.member_a.email)
    assert response.status_code == 303
    [email] = outbox(app)
    assert email.sent_at is None
    assert email.attempts == 1
    assert email.last_error and "Connection" in email.last_error
    assert email.next_attempt_at > before + timedelta(seconds=30)

    with app.app_context():
        # Not due yet: nothing is tried.
        assert deliver_due() == (0, 0)

    with smtp_server(port) as server, app.app_context():
        row = _db.session.get(OutboxEmail, email.id)
        row.next_attempt_at = utcnow() - timedelta(seconds=1)
        _db.session.commit()
        assert deliver_due() == (1, 0)
    [envelope] = server.envelopes
    assert envelope.rcpt_tos == [people.member_a.email]
    [email] = outbox(app)
    assert email.sent_at is not None and email.attempts == 2 and email.last_error is None


def test_back_off_grows_and_gives_up(make_app):
    app = make_app(MAIL_URL=f"smtp://127.0.0.1:{free_port()}")
    email_id = add_email(app)
    delays = []
    with app.app_context():
        for _ in range(3):
            row = _db.session.get(OutboxEmail, email_id)
            row.next_attempt_at = utcnow() - timedelta(seconds=1)
            _db.session.commit()
            start = utcnow()
            assert deliver_due() == (0, 1)
            row = _db.session.get(OutboxEmail, email_id)
            delays.append(row.next_attempt_at - start)
        assert delays[0] < delays[1] < delays[2]
        row = _db.session.get(OutboxEmail, email_id)
        row.attempts = MAX_ATTEMPTS
        row.next_attempt_at = utcnow() - timedelta(seconds=1)
        _db.session.commit()
        # Given up: no more tries.
        assert deliver_due() == (0, 0)


def test_one_failing_message_does_not_block_the_others(make_app):
    app = make_app()
    bad = add_email(app, to="broken@test.org", subject="x" * 10)
    good = add_email(app, to="fine@test.org")
    with app.app_context():
        row = _db.session.get(OutboxEmail, bad)
        row.to = "not an address\n"  # a header no mail library will accept
        _db.session.commit()
        sent, failed = deliver_due()
        assert (sent, failed) == (1, 1)
        assert _db.session.get(OutboxEmail, good).sent_at is not None
        assert _db.session.get(OutboxEmail, bad).sent_at is None

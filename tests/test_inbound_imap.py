"""Inbound e-mail by polling a real IMAP server (Dovecot, tests/dovecot.py) on 127.0.0.1, over
IMAPS with a checked certificate and over IMAP: a reply and a new mail are fetched, stored,
processed once, and removed (or moved) so that the next poll fetches nothing; a poller that
dies between storing and removing, and two pollers at once, store each message once."""

from __future__ import annotations

import imaplib
import ssl
import threading
import uuid
from email.message import EmailMessage

import pytest

from extranet.extensions import db
from extranet.inbound import receiver as receiver_module
from extranet.inbound.models import InboundEmail
from extranet.inbound.receiver import poll_imap
from extranet.modules import Module
from extranet.requests.models import ServiceRequest
from tests.dovecot import PASSWORD, USER, dovecot_binary, start_dovecot
from tests.sample_plugin import SamplePlugin
from tests.test_hours import make_request
from tests.test_inbound import DOMAIN, PDF, address_for, answers_to, messages_of, process


@pytest.fixture(scope="session")
def dovecot():
    """A real Dovecot for the whole session; skipped where it is not installed."""
    binary = dovecot_binary()
    if binary is None:
        pytest.skip("dovecot is not installed (apt-get install dovecot-imapd): the IMAP polling tests need it")
    server = start_dovecot(binary)
    yield server
    server.stop()


@pytest.fixture
def mailbox(dovecot, monkeypatch):
    """A new mailbox of the test's own on the server (and its "Processed" sibling); IMAPS
    certificates are checked against the test server's."""
    monkeypatch.setenv("SSL_CERT_FILE", str(dovecot.certificate))
    name = f"T{uuid.uuid4().hex[:12]}"
    with _client(dovecot) as client:
        client.create(name)
        client.create(f"{name}-done")
    return name


def _client(dovecot) -> imaplib.IMAP4:
    client = imaplib.IMAP4("127.0.0.1", dovecot.port, timeout=10)
    client.login(USER, PASSWORD)
    return client


def deliver(dovecot, mailbox: str, sender: str, to: str, subject: str, body: str, files=()) -> None:
    """Put a message in the mailbox as the mail server delivering it would (APPEND, with the
    headers a delivery adds)."""
    message = EmailMessage()
    message["Return-Path"] = f"<{sender}>"
    message["Delivered-To"] = to
    message["From"], message["To"], message["Subject"] = sender, to, subject
    message["Message-ID"] = f"<{uuid.uuid4().hex}@mail.member.example>"
    message.set_content(body)
    for name, data, maintype, subtype in files:
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    with _client(dovecot) as client:
        typ, answer = client.append(mailbox, None, None, message.as_bytes())
        assert typ == "OK", answer


def subjects_in(dovecot, mailbox: str) -> list[str]:
    with _client(dovecot) as client:
        client.select(mailbox, readonly=True)
        _, found = client.search(None, "ALL")
        subjects = []
        for number in (found[0] or b"").split():
            _, data = client.fetch(number, "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
            subjects.append(data[0][1].decode().split(":", 1)[1].strip())
        return sorted(subjects)


@pytest.fixture
def imap_app(register_plugin, people):
    from tests.test_hours import setup_world

    app = register_plugin(SamplePlugin(), INBOUND_DOMAIN=DOMAIN)
    team = setup_world(app, people)
    with app.app_context():  # the field's address files its "review" type
        db.session.add(Module(slug="sample", enabled=True, settings={"inbound_type": "review"}))
        db.session.commit()
    return app, team


def poll(app, url: str) -> int:
    with app.app_context():
        return poll_imap(url)


def test_imaps_polling_files_a_reply_and_a_new_request_once_and_empties_the_mailbox(imap_app, dovecot, mailbox):
    app, team = imap_app
    request_id = make_request(app, team, "SAMPLE-2026-0901")
    deliver(dovecot, mailbox, team.member_a.email, address_for(app, team.member_a, request_id), "Re: contract",
            "Here it is.\n\nOn Sat, Dec 5, 2026, Coop Extranet wrote:\n> Can you send it?",
            files=[("contract.pdf", PDF, "application", "pdf")])
    deliver(dovecot, mailbox, f"Member A <{team.member_a.email}>", f"sample@{DOMAIN}", "Payroll question",
            "Who signs the T4 slips?")
    url = dovecot.url("imaps", mailbox)

    assert poll(app, url) == 2
    assert subjects_in(dovecot, mailbox) == []  # removed once stored
    assert process(app) == {"done": 2}
    assert poll(app, url) == 0 and process(app) == {}  # nothing fetched, nothing processed again

    assert messages_of(app, request_id)[-1] == (team.member_a.email, "Here it is.", ["contract.pdf"])
    with app.app_context():
        filed = db.session.scalars(db.select(ServiceRequest).where(ServiceRequest.id != request_id)).all()
        assert [(r.title, r.description, r.requester_id) for r in filed] == [
            ("Payroll question", "Who signs the T4 slips?", team.member_a.id)]
        assert sorted(db.session.scalars(db.select(InboundEmail.outcome))) == ["message_posted", "request_filed"]
        reference = filed[0].reference
    [answer] = answers_to(app, team.member_a.email)
    assert reference in answer.body_text


def test_imaps_refuses_a_certificate_it_cannot_check(imap_app, dovecot, mailbox, monkeypatch):
    app, team = imap_app
    deliver(dovecot, mailbox, team.member_a.email, f"sample@{DOMAIN}", "Hello", "Body")
    monkeypatch.delenv("SSL_CERT_FILE")  # the test server's certificate is signed by nobody we know
    with pytest.raises(ssl.SSLCertVerificationError):
        poll(app, dovecot.url("imaps", mailbox))
    assert subjects_in(dovecot, mailbox) == ["Hello"]


def test_imap_polling_moves_what_it_stored_to_the_processed_mailbox(imap_app, dovecot, mailbox):
    app, team = imap_app
    deliver(dovecot, mailbox, team.member_a.email, f"sample@{DOMAIN}", "Kept in the archive", "Body")
    url = dovecot.url("imap", mailbox, f"?processed={mailbox}-done")

    assert poll(app, url) == 1
    assert subjects_in(dovecot, mailbox) == []
    assert subjects_in(dovecot, f"{mailbox}-done") == ["Kept in the archive"]
    assert poll(app, url) == 0
    assert process(app) == {"done": 1}
    with app.app_context():
        assert db.session.scalars(db.select(ServiceRequest.title)).all() == ["Kept in the archive"]


def test_a_poller_that_dies_after_storing_does_not_store_the_message_twice(imap_app, dovecot, mailbox, monkeypatch):
    app, team = imap_app
    deliver(dovecot, mailbox, team.member_a.email, f"sample@{DOMAIN}", "Only once", "Body")
    url = dovecot.url("imap", mailbox)
    real_store = receiver_module.store_raw

    def store_then_die(*args, **kwargs):
        real_store(*args, **kwargs)
        raise SystemExit("the worker was killed")  # stored and committed, not yet removed

    monkeypatch.setattr(receiver_module, "store_raw", store_then_die)
    with pytest.raises(SystemExit):
        poll(app, url)
    monkeypatch.undo()
    assert subjects_in(dovecot, mailbox) == ["Only once"]

    assert poll(app, url) == 0  # found stored: removed without storing it again
    assert subjects_in(dovecot, mailbox) == []
    assert process(app) == {"done": 1}
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(InboundEmail.id))) == 1
        assert db.session.scalars(db.select(ServiceRequest.title)).all() == ["Only once"]


def test_a_message_two_pollers_fetched_is_stored_once(imap_app, dovecot, mailbox, monkeypatch):
    """The race itself, made certain: the second poller looked before the first one's row was
    committed, fetched the message too, and its row is refused by the UID's unique key."""
    app, team = imap_app
    deliver(dovecot, mailbox, team.member_a.email, f"sample@{DOMAIN}", "Raced", "Body")
    url = dovecot.url("imap", mailbox)
    real_store = receiver_module.store_raw

    def store_then_die(*args, **kwargs):
        real_store(*args, **kwargs)
        raise SystemExit("still polling")

    monkeypatch.setattr(receiver_module, "store_raw", store_then_die)
    with pytest.raises(SystemExit):
        poll(app, url)  # the first poller stored it and has not removed it yet
    monkeypatch.setattr(receiver_module, "store_raw", real_store)
    monkeypatch.setattr(receiver_module, "stored_already", lambda source_id: False)
    assert poll(app, url) == 0
    assert subjects_in(dovecot, mailbox) == []
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(InboundEmail.id))) == 1


def test_two_pollers_and_two_workers_process_each_message_once(imap_app, make_app, dovecot, mailbox):
    app, team = imap_app
    count = 8
    for number in range(count):
        deliver(dovecot, mailbox, team.member_a.email, f"sample@{DOMAIN}", f"Request {number}", "Body")
    other = make_app(plugins=(SamplePlugin(),), INBOUND_DOMAIN=DOMAIN)  # a second worker process
    url = dovecot.url("imap", mailbox)
    start, polled, processed, errors = threading.Barrier(2), [], [], []

    def work(worker_app):
        try:
            with worker_app.app_context():
                start.wait()
                polled.append(poll_imap(url))
                start.wait()
                processed.append(process(worker_app))
                db.session.remove()
        except Exception as exc:  # reported below: a thread's exception would be lost
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(a,)) for a in (app, other)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sum(polled) == count
    assert sum(p.get("done", 0) for p in processed) == count
    assert subjects_in(dovecot, mailbox) == []
    with app.app_context():
        assert sorted(db.session.scalars(db.select(ServiceRequest.title))) == [f"Request {n}" for n in range(count)]
        assert set(db.session.scalars(db.select(InboundEmail.attempts))) == {1}
    assert len(answers_to(app, team.member_a.email)) == count

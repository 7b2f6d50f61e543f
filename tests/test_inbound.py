"""Inbound e-mail, through a real SMTP conversation with the worker's receiver on 127.0.0.1:
replies to notifications become messages, mail to a field's address files a request, the
sender is answered when something is refused (attachments checked as uploads, by the real
clamd), loops are dropped, each message is processed once even by two workers or after its
worker died, a failure waits for an admin's retry, and an admin sets a field's address."""

from __future__ import annotations

import io
import smtplib
import threading
from datetime import timedelta
from email.message import EmailMessage

import pytest

from extranet.db_types import utcnow
from extranet.extensions import db
from extranet.inbound.addresses import reply_address
from extranet.inbound.models import InboundEmail
from extranet.inbound.receiver import start_receiver
from extranet.inbound.service import process_pending
from extranet.inbound.trimming import trim_reply
from extranet.modules import Module
from extranet.notifications.mail import build_message
from extranet.notifications.models import OutboxEmail
from extranet.requests.models import Message, ServiceRequest
from extranet.storage import get_storage
from extranet.testing import csrf_token
from tests.daemons import free_port
from tests.sample_plugin import SamplePlugin
from tests.test_hours import make_request, setup_world

DOMAIN = "in.test.org"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64


@pytest.fixture
def inbound_app(register_plugin):
    return register_plugin(SamplePlugin(), INBOUND_DOMAIN=DOMAIN)


@pytest.fixture
def team(inbound_app, people):
    return setup_world(inbound_app, people)


@pytest.fixture
def receiver(inbound_app):
    port = free_port()
    controller = start_receiver(inbound_app, f"smtp://127.0.0.1:{port}")
    yield port
    controller.stop()


def send(port: int, sender: str, to: str, subject: str, body: str, files=(), headers=None, envelope_from=None):
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body)
    for name, data, maintype, subtype in files:
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
        client.send_message(message, from_addr=sender if envelope_from is None else envelope_from, to_addrs=[to])


def process(app) -> dict:
    with app.app_context():
        return process_pending()


def answers_to(app, address: str) -> list[OutboxEmail]:
    with app.app_context():
        rows = list(db.session.scalars(db.select(OutboxEmail).where(OutboxEmail.to == address)
                                       .order_by(OutboxEmail.id)))
        db.session.expunge_all()
        return rows


def messages_of(app, request_id: int) -> list[tuple[str, str, list[str]]]:
    with app.app_context():
        found = db.session.scalars(db.select(Message).where(Message.request_id == request_id).order_by(Message.id))
        return [(m.author.email, m.body, [a.filename for a in m.attachments]) for m in found]


def address_for(app, person, request_id, **kwargs) -> str:
    with app.test_request_context():
        return reply_address(person.id, request_id, **kwargs)


def clear_outbox(app) -> None:
    with app.app_context():
        db.session.execute(db.delete(OutboxEmail))
        db.session.commit()


QUOTED_REPLY = """Thanks, the contract is attached.

Marie
""" + "-- \n" + """Marie Tremblay, Coopérative A

On Sat, Dec 5, 2026 at 10:00 AM Coop Extranet <no-reply@example.org> wrote:
> Émile Expert wrote on SAMPLE-1 "Request SAMPLE-1".
> http://localhost/requests/SAMPLE-1
"""


def test_a_reply_to_a_notification_becomes_a_trimmed_message_with_its_file(inbound_app, team, receiver):
    from extranet.accounts.models import User
    from extranet.requests.service import post_message

    request_id = make_request(inbound_app, team, "SAMPLE-2026-0001")
    with inbound_app.test_request_context():
        req = db.session.get(ServiceRequest, request_id)
        post_message(req, db.session.get(User, team.expert.id), "Can you send the contract?", internal=False)
        db.session.commit()
        [notification] = db.session.scalars(db.select(OutboxEmail).where(OutboxEmail.to == team.member_a.email))
        sent = build_message(notification)
    # The notification says where to answer, and that no vacation responder should.
    assert sent["Reply-To"] == address_for(inbound_app, team.member_a, request_id)
    assert sent["Reply-To"].startswith("reply+") and sent["Reply-To"].endswith("@" + DOMAIN)
    assert sent["Auto-Submitted"] == "auto-generated"

    send(receiver, team.member_a.email, sent["Reply-To"], "Re: " + sent["Subject"], QUOTED_REPLY,
         files=[("contract.pdf", PDF, "application", "pdf")])
    assert process(inbound_app) == {"done": 1}

    *_, (author, body, files) = messages_of(inbound_app, request_id)
    assert (author, files) == (team.member_a.email, ["contract.pdf"])
    assert body == "Thanks, the contract is attached.\n\nMarie"


def test_mail_to_a_field_files_a_request_and_answers_its_reference(inbound_app, team, receiver):
    with inbound_app.app_context():  # the field's address files its "review" type (module setting)
        db.session.add(Module(slug="sample", enabled=True, settings={"inbound_type": "review"}))
        db.session.commit()
    send(receiver, f"Member A <{team.member_a.email}>", f"sample@{DOMAIN}", "Payroll question",
         "Who signs the T4 slips?\n\n-- \nMember A")
    assert process(inbound_app) == {"done": 1}

    with inbound_app.app_context():
        [req] = db.session.scalars(db.select(ServiceRequest))
        assert (req.title, req.description, req.type) == ("Payroll question", "Who signs the T4 slips?", "review")
        assert (req.requester_id, req.organization_id) == (team.member_a.id, team.org_a)
        reference = req.reference
    [answer] = answers_to(inbound_app, team.member_a.email)
    assert reference in answer.body_text and answer.subject == "Re: Payroll question"


def test_an_unknown_sender_is_answered_politely_and_nothing_is_filed(inbound_app, team, receiver):
    send(receiver, "stranger@elsewhere.org", f"sample@{DOMAIN}", "Hello", "Can you help me?")
    assert process(inbound_app) == {"done": 1}
    with inbound_app.app_context():
        assert db.session.scalar(db.select(db.func.count(ServiceRequest.id))) == 0
    [answer] = answers_to(inbound_app, "stranger@elsewhere.org")
    assert "aucun compte" in answer.body_text  # a stranger's language is unknown: the product's own


def test_a_reply_address_used_by_someone_else_is_refused_and_told_once(inbound_app, team, receiver):
    request_id = make_request(inbound_app, team, "SAMPLE-2026-0002")
    address = address_for(inbound_app, team.member_a, request_id)
    for _ in range(2):  # the same message sent again (a server retrying, or the person)
        send(receiver, team.manager_a.email, address, "Re: x", "I answer for her")
    assert process(inbound_app) == {"done": 2}
    assert messages_of(inbound_app, request_id) == []
    [answer] = answers_to(inbound_app, team.manager_a.email)
    assert "someone else" in answer.body_text


def test_expired_and_forged_reply_addresses_are_refused(inbound_app, team, receiver):
    request_id = make_request(inbound_app, team, "SAMPLE-2026-0003")
    expired = address_for(inbound_app, team.member_a, request_id, now=utcnow() - timedelta(days=91))
    genuine = address_for(inbound_app, team.member_a, request_id)
    forged = genuine.replace(f".{request_id:x}.", f".{request_id + 1:x}.")  # another request, same signature
    for address in (expired, forged):
        send(receiver, team.member_a.email, address, "Re: x", "Hello")
    assert process(inbound_app) == {"done": 2}
    assert messages_of(inbound_app, request_id) == []
    with inbound_app.app_context():
        outcomes = list(db.session.scalars(db.select(InboundEmail.outcome).order_by(InboundEmail.id)))
    assert outcomes == ["expired_address", "bad_address"]


def test_a_member_who_lost_access_cannot_post_by_reply(inbound_app, team, receiver):
    from extranet.organizations.models import Membership

    request_id = make_request(inbound_app, team, "SAMPLE-2026-0004")
    address = address_for(inbound_app, team.member_a, request_id)
    with inbound_app.app_context():
        membership = db.session.scalar(db.select(Membership).filter_by(user_id=team.member_a.id))
        membership.active = False
        db.session.commit()
    send(receiver, team.member_a.email, address, "Re: x", "Still here")
    process(inbound_app)
    assert messages_of(inbound_app, request_id) == []


def test_a_refused_attachment_is_named_and_the_rest_is_kept(inbound_app, team, receiver):
    request_id = make_request(inbound_app, team, "SAMPLE-2026-0005")
    send(receiver, team.member_a.email, address_for(inbound_app, team.member_a, request_id), "Re: x",
         "Two files", files=[("setup.exe", EXE, "application", "octet-stream"),
                             ("notes.pdf", PDF, "application", "pdf")])
    process(inbound_app)
    [(_, body, files)] = messages_of(inbound_app, request_id)
    assert (body, files) == ("Two files", ["notes.pdf"])
    [answer] = answers_to(inbound_app, team.member_a.email)
    assert "setup.exe" in answer.body_text and "notes.pdf" not in answer.body_text


@pytest.mark.parametrize("headers, envelope_from", [
    ({"Auto-Submitted": "auto-replied"}, None),
    ({"X-Autoreply": "yes"}, None),
    ({"Precedence": "bulk"}, None),
    ({}, ""),  # a bounce: empty envelope sender
    ({"Message-ID": "<123.456@extranet>"}, None),  # one of our own notifications, come back
])
def test_loops_are_dropped_without_an_answer(inbound_app, team, receiver, headers, envelope_from):
    send(receiver, team.member_a.email, f"sample@{DOMAIN}", "Out of office", "I am away",
         headers=headers, envelope_from=envelope_from)
    assert process(inbound_app) == {"dropped": 1}
    with inbound_app.app_context():
        assert db.session.scalar(db.select(db.func.count(ServiceRequest.id))) == 0
    assert answers_to(inbound_app, team.member_a.email) == []


def test_two_workers_process_each_message_once(inbound_app, make_app, team, receiver):
    count = 6
    for number in range(count):
        send(receiver, team.member_a.email, f"sample@{DOMAIN}", f"Request {number}", "Body")
    with inbound_app.app_context():
        db.session.add(Module(slug="sample", enabled=True, settings={"inbound_type": "review"}))
        db.session.commit()
    other = make_app(plugins=(SamplePlugin(),), INBOUND_DOMAIN=DOMAIN)  # a second worker process
    start, results, errors = threading.Barrier(2), [], []

    def work(app):
        try:
            with app.app_context():
                start.wait()
                results.append(process_pending())
                db.session.remove()
        except Exception as exc:  # reported below: a thread's exception would be lost
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(app,)) for app in (inbound_app, other)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sum(r.get("done", 0) for r in results) == count
    with inbound_app.app_context():
        titles = sorted(db.session.scalars(db.select(ServiceRequest.title)))
        assert titles == [f"Request {n}" for n in range(count)]
        assert set(db.session.scalars(db.select(InboundEmail.attempts))) == {1}
    assert len(answers_to(inbound_app, team.member_a.email)) == count


def test_a_failed_message_waits_for_an_admin_and_is_processed_again(inbound_app, team, receiver, client_for):
    request_id = make_request(inbound_app, team, "SAMPLE-2026-0006")
    send(receiver, team.member_a.email, address_for(inbound_app, team.member_a, request_id), "Re: x", "Hello")
    with inbound_app.app_context():  # the storage loses the raw message for a while
        row = db.session.scalar(db.select(InboundEmail))
        mail_id, key = row.id, row.storage_key
        with get_storage().open(key) as fh:
            raw = fh.read()
        get_storage().delete(key)
    assert process(inbound_app) == {"failed": 1}

    admin = client_for(inbound_app, team.admin)
    page = admin.get("/admin/inbound-mail/").get_data(as_text=True)
    assert "Process again" in page and "Failed" in page and f"inbound-{mail_id}" in page
    assert key not in page and "FileNotFoundError" not in page  # the log has it, not the page
    with inbound_app.app_context():
        storage = get_storage()
        stored = storage.save(io.BytesIO(raw))
        db.session.get(InboundEmail, mail_id).storage_key = stored.key
        db.session.commit()
    token = csrf_token(admin, "/admin/inbound-mail/")
    assert admin.post(f"/admin/inbound-mail/{mail_id}/retry", data={}).status_code == 400  # no CSRF token
    assert admin.post(f"/admin/inbound-mail/{mail_id}/retry", data={"csrf_token": token}).status_code == 303
    assert process(inbound_app) == {"done": 1}
    assert [body for _, body, _ in messages_of(inbound_app, request_id)] == ["Hello"]
    member = client_for(inbound_app, team.member_a)
    assert member.get("/admin/inbound-mail/").status_code == 404


def test_a_failure_shows_its_category_and_error_id_never_the_exception_text(inbound_app, team, receiver, client_for,
                                                                           monkeypatch, caplog):
    """The exception's text may name a server path or internals: it goes to the log, under the
    error id the page shows; the page says what kind of failure it was."""
    from extranet.inbound import service

    secret = "/srv/extranet/instance/files/ab/cd/secret-key.eml"
    send(receiver, team.member_a.email, f"sample@{DOMAIN}", "Broken", "Body")
    monkeypatch.setattr(service.Run, "process", lambda run: (_ for _ in ()).throw(RuntimeError(f"cannot open {secret}")))
    with caplog.at_level("ERROR", logger="extranet.inbound.service"):
        assert process(inbound_app) == {"failed": 1}
    with inbound_app.app_context():
        row = db.session.scalar(db.select(InboundEmail))
        outcome, error_id = row.outcome, row.detail
    assert outcome == "error" and secret not in (error_id or "")
    logged = [r for r in caplog.records if error_id in r.getMessage()]
    assert logged and secret in logged[0].exc_text  # the operator finds the detail by the id

    admin = client_for(inbound_app, team.admin)
    page = admin.get("/admin/inbound-mail/").get_data(as_text=True)
    assert secret not in page and "RuntimeError" not in page and "/srv/" not in page
    assert "Failed: an unexpected error" in page and f"Error id for the operator: {error_id}" in page

    monkeypatch.setattr(service.Run, "process", lambda run: (_ for _ in ()).throw(FileNotFoundError(2, "No such file", secret)))
    with inbound_app.app_context():  # a storage failure says so
        service.retry(db.session.scalar(db.select(InboundEmail)))
        db.session.commit()
    assert process(inbound_app) == {"failed": 1}
    page = admin.get("/admin/inbound-mail/").get_data(as_text=True)
    assert secret not in page and "could not be read from the file storage" in page
    with inbound_app.app_context():  # a row failed before error ids, its text in ``detail``, shows none of it
        db.session.scalar(db.select(InboundEmail)).detail = f"FileNotFoundError: {secret}"
        db.session.commit()
    page = admin.get("/admin/inbound-mail/").get_data(as_text=True)
    assert secret not in page and "Error id for the operator" not in page


def test_trimming_removes_quotes_and_signatures_in_french_and_outlook():
    french = "Oui, c'est bon.\n\nLe sam. 5 déc. 2026, à 10 h 00, Coop Extranet\n<no-reply@example.org> a écrit :\n> Ancien"
    outlook = "Done.\n\n________________________________\nFrom: Coop Extranet\nSent: Saturday\nSubject: x\n\nOld"
    headers = "Done.\n\nFrom: Coop Extranet <no-reply@example.org>\nSent: Saturday, December 5\nTo: Marie\n\nOld"
    assert trim_reply(french) == "Oui, c'est bon."
    assert trim_reply(outlook) == "Done."
    assert trim_reply(headers) == "Done."
    assert trim_reply("Keep\n> quoted\nthis too\n--\nsig") == "Keep\nthis too"


def test_the_lmtp_receiver_stores_and_refuses_foreign_recipients(inbound_app, team):
    port = free_port()
    controller = start_receiver(inbound_app, f"lmtp://127.0.0.1:{port}")
    try:
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = team.member_a.email, f"sample@{DOMAIN}", "Hi"
        message.set_content("Body")
        with smtplib.LMTP("127.0.0.1", port, timeout=10) as client:
            refused = client.send_message(message, to_addrs=[f"sample@{DOMAIN}", "someone@elsewhere.org"])
    finally:
        controller.stop()
    assert list(refused) == ["someone@elsewhere.org"]
    with inbound_app.app_context():
        [row] = db.session.scalars(db.select(InboundEmail))
        assert (row.recipients, row.status) == (f"sample@{DOMAIN}", "pending")


def test_a_message_left_processing_by_a_dead_worker_is_taken_again_after_the_timeout(inbound_app, team, receiver,
                                                                                    monkeypatch):
    from extranet.inbound import service

    request_id = make_request(inbound_app, team, "SAMPLE-2026-0007")
    send(receiver, team.member_a.email, address_for(inbound_app, team.member_a, request_id), "Re: x", "Hello")
    real_process = service.Run.process

    def die(run):
        raise SystemExit("the worker was killed")  # not an error it could record: it just stops

    monkeypatch.setattr(service.Run, "process", die)
    with pytest.raises(SystemExit):
        process(inbound_app)
    monkeypatch.setattr(service.Run, "process", real_process)
    assert process(inbound_app) == {}  # its worker may still be at it: left alone for a while

    later = utcnow() + timedelta(seconds=inbound_app.config.get("INBOUND_CLAIM_TIMEOUT", 900) + 1)
    monkeypatch.setattr(service, "utcnow", lambda: later)
    assert process(inbound_app) == {"done": 1}
    assert process(inbound_app) == {}
    assert [body for _, body, _ in messages_of(inbound_app, request_id)] == ["Hello"]


def test_a_worker_whose_message_was_taken_over_records_nothing(inbound_app, team, receiver, monkeypatch):
    """The slow worker thought dead finishes after another took its message: the message is
    posted once, by the one that holds the claim."""
    from extranet.inbound import service

    request_id = make_request(inbound_app, team, "SAMPLE-2026-0008")
    send(receiver, team.member_a.email, address_for(inbound_app, team.member_a, request_id), "Re: x", "Hello")
    real_process = service.Run.process
    later = utcnow() + timedelta(seconds=inbound_app.config.get("INBOUND_CLAIM_TIMEOUT", 900) + 1)

    def slow(run):
        with monkeypatch.context() as m:  # meanwhile, another worker takes the message and posts it
            m.setattr(service, "utcnow", lambda: later)
            m.setattr(service.Run, "process", real_process)
            assert service.process_pending() == {"done": 1}
        return real_process(run)

    monkeypatch.setattr(service.Run, "process", slow)
    assert process(inbound_app) == {}
    assert [body for _, body, _ in messages_of(inbound_app, request_id)] == ["Hello"]
    with inbound_app.app_context():
        row = db.session.scalar(db.select(InboundEmail))
        assert (row.status, row.outcome, row.attempts) == ("done", "message_posted", 2)


def test_a_message_that_kills_its_worker_every_time_is_given_up_for_an_admin(inbound_app, team, receiver,
                                                                              monkeypatch, client_for):
    from extranet.inbound import service
    from extranet.inbound.models import MAX_ATTEMPTS

    send(receiver, team.member_a.email, f"sample@{DOMAIN}", "Poison", "Body")
    monkeypatch.setattr(service.Run, "process", lambda run: (_ for _ in ()).throw(SystemExit("killed")))
    step = timedelta(seconds=inbound_app.config.get("INBOUND_CLAIM_TIMEOUT", 900) + 1)
    start = utcnow()
    for attempt in range(MAX_ATTEMPTS):
        monkeypatch.setattr(service, "utcnow", lambda at=start + step * attempt: at)
        with pytest.raises(SystemExit):
            process(inbound_app)
    monkeypatch.setattr(service, "utcnow", lambda: utcnow() + step * MAX_ATTEMPTS)
    assert process(inbound_app) == {"failed": 1}  # not processed a fourth time
    page = client_for(inbound_app, team.admin).get("/admin/inbound-mail/").get_data(as_text=True)
    assert "Failed: its processing never finished" in page and "Process again" in page


def test_an_admin_sets_a_field_address_and_mail_to_it_files_a_request(inbound_app, team, receiver, client_for):
    admin = client_for(inbound_app, team.admin)
    page = admin.get("/admin/inbound-mail/").get_data(as_text=True)
    assert f"sample@{DOMAIN}" in page and "/admin/inbound-mail/fields/sample" in page
    token = csrf_token(admin, "/admin/inbound-mail/fields/sample")
    refused = admin.post("/admin/inbound-mail/fields/sample", data={"csrf_token": token, "address": "reply+x",
                                                                    "type": "review"})
    assert refused.status_code == 422 and "not starting with" in refused.get_data(as_text=True)
    assert admin.post("/admin/inbound-mail/fields/sample", data={"address": "rh", "type": "review"}).status_code == 400
    saved = admin.post("/admin/inbound-mail/fields/sample", data={"csrf_token": token, "address": " RH ",
                                                                  "type": "review"})
    assert saved.status_code == 303
    assert f"rh@{DOMAIN}" in admin.get("/admin/inbound-mail/").get_data(as_text=True)

    send(receiver, team.member_a.email, f"rh@{DOMAIN}", "Payroll question", "Who signs?")
    send(receiver, team.member_a.email, f"sample@{DOMAIN}", "Old address", "Hello")
    assert process(inbound_app) == {"done": 1, "dropped": 1}
    with inbound_app.app_context():
        [req] = db.session.scalars(db.select(ServiceRequest))
        assert (req.title, req.type) == ("Payroll question", "review")
        assert db.session.scalar(db.select(InboundEmail.outcome).where(InboundEmail.subject == "Old address")) \
            == "no_address"
    assert client_for(inbound_app, team.member_a).get("/admin/inbound-mail/fields/sample").status_code == 404


def test_attachments_are_scanned_by_the_real_clamd_and_size_checked_as_uploads(register_plugin, people, clamd,
                                                                              storage_root):
    from tests.clamd import EICAR

    app = register_plugin(SamplePlugin(), INBOUND_DOMAIN=DOMAIN, CLAMD_SOCKET=clamd.socket_path,
                          STORAGE_URL=f"file://{storage_root}", MAX_UPLOAD_BYTES=len(PDF) + 10)
    team = setup_world(app, people)
    request_id = make_request(app, team, "SAMPLE-2026-0009")
    port = free_port()
    controller = start_receiver(app, f"smtp://127.0.0.1:{port}")
    try:
        send(port, team.member_a.email, address_for(app, team.member_a, request_id), "Re: x", "Three files",
             files=[("eicar.txt", EICAR, "text", "plain"), ("big.pdf", PDF + b"%" * 100, "application", "pdf"),
                    ("notes.pdf", PDF, "application", "pdf")])
    finally:
        controller.stop()
    assert process(app) == {"done": 1}
    [(_, body, files)] = messages_of(app, request_id)
    assert (body, files) == ("Three files", ["notes.pdf"])
    [answer] = answers_to(app, team.member_a.email)
    assert "eicar.txt" in answer.body_text and "big.pdf" in answer.body_text and "notes.pdf" not in answer.body_text
    with app.app_context():
        assert db.session.scalar(db.select(Message).where(Message.request_id == request_id)) \
            .attachments[0].scan_status == "clean"

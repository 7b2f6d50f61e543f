"""Webhooks: admins allow hosts and subscribe addresses; events are written with the change that
causes them and delivered by the worker to a real local HTTP receiver, signed, retried with
back-off, once even with two workers; refused destinations (SSRF); disabling after failures."""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import re
import threading
from datetime import date, timedelta

import pytest

from extranet.api import WebhookEvent, hookimpl
from extranet.db_types import utcnow
from extranet.extensions import db
from extranet.plugins import PluginError
from extranet.testing import csrf_token
from extranet.webhooks import events
from extranet.webhooks.delivery import deliver_due, purge_log
from extranet.webhooks.destinations import DestinationRefused, resolve
from extranet.webhooks.models import (
    DELIVERED,
    FAILED,
    PENDING,
    WebhookDelivery,
    WebhookHost,
    WebhookSubscription,
)
from tests.sample_plugin import SamplePlugin
from tests.test_notifications import act, file_request
from tests.test_plugins import _subscribe_org_a
from tests.webhook_receiver import start_receiver


@pytest.fixture
def receiver():
    found, server = start_receiver()
    yield found
    server.shutdown()
    server.server_close()


@pytest.fixture
def hook_app(register_plugin, people):
    app = register_plugin(SamplePlugin(), WEBHOOK_ALLOW_PRIVATE=True, WEBHOOK_DISABLE_AFTER=3)
    _subscribe_org_a(app, people)
    return app


def verify(secret: str, header: str, body: bytes) -> bool:
    """What docs/webhooks.md tells a receiver to do."""
    parts = dict(item.split("=", 1) for item in header.split(","))
    expected = hmac.new(secret.encode(), parts["t"].encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, parts["v1"])


def subscribe(client, url: str, events_: list[str]) -> str:
    """As an admin: allow the URL's host and subscribe it; returns the secret shown once."""
    token = csrf_token(client, "/admin/webhooks/")
    host = re.match(r"https?://([^:/]+)", url).group(1)
    assert client.post("/admin/webhooks/hosts", data={"host-host": host, "csrf_token": token}).status_code == 303
    response = client.post("/admin/webhooks/", data={"url": url, "description": "CRM", "events": events_,
                                                    "csrf_token": token})
    assert response.status_code == 200, re.findall(r'class="error"[^>]*>([^<]+)', response.get_data(as_text=True))
    return re.search(r'id="webhook-secret">([^<]+)<', response.get_data(as_text=True)).group(1)


def deliveries(app) -> list[WebhookDelivery]:
    with app.app_context():
        rows = db.session.scalars(db.select(WebhookDelivery).order_by(WebhookDelivery.id)).all()
        db.session.expunge_all()
        return rows


def test_an_event_is_delivered_signed_after_a_failure_and_a_retry(hook_app, people, client_for, receiver):
    admin = client_for(hook_app, people.admin)
    secret = subscribe(admin, receiver.url, ["request.created", "request.transitioned"])
    assert secret.startswith("whsec_")
    member = client_for(hook_app, people.member_a)
    reference = file_request(member, title="Secret title", restricted=True)
    [delivery] = deliveries(hook_app)
    assert delivery.state == PENDING and delivery.event == "request.created"

    receiver.statuses = [500]
    with hook_app.app_context():
        assert deliver_due() == (0, 1)
        assert deliver_due() == (0, 0)  # backing off: not due again yet
    [failed] = deliveries(hook_app)
    assert (failed.state, failed.attempts, failed.last_status) == (PENDING, 1, 500)
    assert failed.next_attempt_at > utcnow() + timedelta(seconds=20)
    with hook_app.app_context():
        assert deliver_due(now=utcnow() + timedelta(minutes=1)) == (1, 0)
    [done] = deliveries(hook_app)
    assert (done.state, done.attempts, done.last_status, done.last_response) == (DELIVERED, 2, 200, "answer 200")

    assert len(receiver.received) == 2
    got = receiver.received[-1]
    assert got.headers["X-Extranet-Event"] == "request.created"
    assert got.headers["X-Extranet-Delivery"] == str(done.id)
    assert verify(secret, got.headers["X-Extranet-Signature"], got.body)
    assert not verify(secret, got.headers["X-Extranet-Signature"], got.body.replace(b"}", b" }", 1))
    payload = json.loads(got.body)
    request = payload["data"]["request"]
    assert payload["event"] == "request.created" and payload["id"] == done.event_id
    assert request["reference"] == reference and request["confidentiality"] == "restricted"
    assert "title" not in request and b"Secret title" not in got.body  # the one rule

    page = admin.get(f"/admin/webhooks/{done.subscription_id}").get_data(as_text=True)
    assert "request.created" in page and "answer 200" in page
    # Only subscribed events are written; a standard request carries its title.
    file_request(member, title="Open title")
    assert [d.event for d in deliveries(hook_app)] == ["request.created", "request.created"]
    assert deliveries(hook_app)[-1].payload["data"]["request"]["title"] == "Open title"


def test_send_again_delivers_the_same_event_once_more(hook_app, people, client_for, receiver):
    admin = client_for(hook_app, people.admin)
    subscribe(admin, receiver.url, ["request.created"])
    file_request(client_for(hook_app, people.member_a))
    with hook_app.app_context():
        assert deliver_due() == (1, 0)
    [first] = deliveries(hook_app)
    token = csrf_token(admin, "/admin/webhooks/")
    assert admin.post(f"/admin/webhooks/deliveries/{first.id}/again", data={"csrf_token": token}).status_code == 303
    with hook_app.app_context():
        assert deliver_due() == (1, 0)
    first_again, second = deliveries(hook_app)
    assert second.event_id == first.event_id and second.state == DELIVERED
    assert [r.headers["X-Extranet-Event-Id"] for r in receiver.received] == [first.event_id] * 2


def test_a_rolled_back_change_writes_no_delivery(hook_app, people, receiver):
    with hook_app.test_request_context():
        db.session.add(WebhookSubscription(url=receiver.url, events=["request.created"], secret_salt="s"))
        db.session.commit()
        assert events.emit("request.created", {"request": {"id": 1}}) == 1
        db.session.rollback()
        assert db.session.scalar(db.select(db.func.count(WebhookDelivery.id))) == 0
        with pytest.raises(ValueError):
            events.emit("no.such_event", {})


def test_two_workers_send_each_delivery_once(hook_app, receiver):
    with hook_app.test_request_context():
        db.session.add(WebhookHost(host="127.0.0.1"))
        subscription = WebhookSubscription(url=receiver.url, events=["request.created"], secret_salt="s")
        db.session.add(subscription)
        db.session.commit()
        for n in range(12):
            events.emit("request.created", {"n": n})
        db.session.commit()
    barrier = threading.Barrier(2)
    results, errors = [], []

    def work():
        try:
            with hook_app.app_context():
                barrier.wait()
                results.append(deliver_due(limit=4))
                results.append(deliver_due(limit=4))
                results.append(deliver_due(limit=4))
                db.session.remove()
        except Exception as exc:  # reported below, with the thread's error
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert sum(delivered for delivered, _failed in results) == 12
    ids = [r.headers["X-Extranet-Delivery"] for r in receiver.received]
    assert len(ids) == 12 and len(set(ids)) == 12
    assert {d.state for d in deliveries(hook_app)} == {DELIVERED}


def test_destinations_that_are_not_allowed_are_refused(register_plugin, people, client_for, receiver):
    app = register_plugin(SamplePlugin())  # private addresses refused, as by default
    with app.test_request_context():
        refused = ("127.0.0.1", "localhost", "10.0.0.1", "169.254.169.254", "192.168.1.10", "[::1]",
                   "0.0.0.0", "[::ffff:127.0.0.1]", "2130706433")  # noqa: S104 - refused, never bound
        for host in refused:
            db.session.add(WebhookHost(host=host.strip("[]")))
        db.session.commit()
        for url in ("http://127.0.0.1:9/hook", "http://localhost/hook", "http://10.0.0.1/hook",
                    "http://169.254.169.254/latest/meta-data", "https://192.168.1.10/", "http://[::1]/",
                    "http://0.0.0.0/", "http://[::ffff:127.0.0.1]/", "http://2130706433/"):
            with pytest.raises(DestinationRefused, match="refused address"):
                resolve(url)
        with pytest.raises(DestinationRefused, match="not among the allowed hosts"):
            resolve("https://example.org/hook")
        with pytest.raises(DestinationRefused, match="credentials"):
            resolve("https://user:pw@localhost/hook")
        with pytest.raises(DestinationRefused, match="http or https"):
            resolve("file:///etc/passwd")
        # A delivery to the receiver itself is refused at delivery time, and recorded.
        db.session.add(WebhookSubscription(url=receiver.url, events=["request.created"], secret_salt="s"))
        db.session.commit()
        events.emit("request.created", {})
        db.session.commit()
        assert deliver_due() == (0, 1)
        assert receiver.received == []
        [delivery] = db.session.scalars(db.select(WebhookDelivery)).all()
        assert "refused address (127.0.0.1)" in delivery.last_error
    # The form refuses a host no admin allowed.
    admin = client_for(app, people.admin)
    response = admin.post("/admin/webhooks/", data={"url": "https://hooks.example.org/x", "events": ["request.created"],
                                                   "csrf_token": csrf_token(admin, "/admin/webhooks/")})
    assert response.status_code == 422 and "not among the allowed hosts" in response.get_data(as_text=True)
    response = admin.post("/admin/webhooks/", data={"url": "http://hooks.example.org/x", "events": ["request.created"],
                                                   "csrf_token": csrf_token(admin, "/admin/webhooks/")})
    assert response.status_code == 422 and "Enter an https address" in response.get_data(as_text=True)


def test_a_failing_address_is_disabled_and_the_admins_are_told(hook_app, people, client_for, receiver):
    from extranet.notifications.models import Notification, OutboxEmail

    admin = client_for(hook_app, people.admin)
    subscribe(admin, receiver.url, ["request.created"])
    member = client_for(hook_app, people.member_a)
    for _ in range(4):
        file_request(member)
    receiver.statuses = [503] * 10
    with hook_app.app_context():
        assert deliver_due() == (0, 3)  # the third failure in a row turns it off
        assert deliver_due(now=utcnow() + timedelta(days=1)) == (0, 0)
        subscription = db.session.scalars(db.select(WebhookSubscription)).one()
        assert not subscription.active and subscription.disabled_at is not None
        [note] = db.session.scalars(db.select(Notification).where(Notification.kind == "webhook_disabled")).all()
        assert note.user_id == people.admin.id
        mail = db.session.scalars(db.select(OutboxEmail).where(OutboxEmail.to == people.admin.email)).all()
        assert any(receiver.url in m.body_text or "webhook" in m.subject.lower() for m in mail)
    assert len(receiver.received) == 3
    assert "is disabled after 3 failed deliveries" in admin.get("/notifications/").get_data(as_text=True)
    # Enabled again: a fresh start, and the waiting deliveries go out.
    token = csrf_token(admin, "/admin/webhooks/")
    assert admin.post(f"/admin/webhooks/{subscription.id}/active", data={"active": "1", "csrf_token": token}).status_code == 303
    receiver.statuses = []
    with hook_app.app_context():
        assert deliver_due(now=utcnow() + timedelta(days=1)) == (4, 0)
    assert {d.state for d in deliveries(hook_app)} == {DELIVERED}


def test_a_delivery_that_keeps_failing_is_given_up_and_finished_ones_leave_the_log(hook_app, receiver):
    hook_app.config["WEBHOOK_MAX_ATTEMPTS"] = 2
    hook_app.config["WEBHOOK_DISABLE_AFTER"] = 100
    receiver.statuses = [500, 500]
    with hook_app.test_request_context():
        db.session.add(WebhookHost(host="127.0.0.1"))
        db.session.add(WebhookSubscription(url=receiver.url, events=["time.logged"], secret_salt="s"))
        db.session.commit()
        events.emit("time.logged", {})
        db.session.commit()
        assert deliver_due() == (0, 1)
        assert deliver_due(now=utcnow() + timedelta(hours=1)) == (0, 1)
        assert deliver_due(now=utcnow() + timedelta(days=2)) == (0, 0)
        [delivery] = db.session.scalars(db.select(WebhookDelivery)).all()
        assert delivery.state == FAILED and delivery.attempts == 2
        # The log keeps finished deliveries for WEBHOOK_LOG_DAYS, waiting ones for good.
        events.emit("time.logged", {})
        db.session.commit()
        assert purge_log(now=utcnow() + timedelta(days=29)) == 0
        assert purge_log(now=utcnow() + timedelta(days=31)) == 1
        assert db.session.scalars(db.select(WebhookDelivery.state)).all() == [PENDING]


def test_every_core_event_is_written_with_its_change(hook_app, people, client_for):
    from extranet.webhooks.events import CORE_EVENTS

    admin = client_for(hook_app, people.admin)
    with hook_app.app_context():
        db.session.add(WebhookSubscription(url="https://hooks.example.org/", events=[e.name for e in CORE_EVENTS],
                                           secret_salt="s"))
        db.session.commit()
    member, expert = client_for(hook_app, people.member_a), client_for(hook_app, people.expert)
    reference = file_request(member, restricted=True)
    act(expert, reference, "accept")
    token = csrf_token(expert, "/")
    assert expert.post(f"/requests/{reference}/messages", data={"body": "Private words", "csrf_token": token}).status_code == 303
    last_month = (date.today().replace(day=1) - timedelta(days=1)).replace(day=1)
    assert expert.post(f"/hours/requests/{reference}/time", data={
        "csrf_token": token, "date": (last_month + timedelta(days=3)).isoformat(), "duration": "30",
        "activity": "analysis", "billable": "y", "note": "Private note"}).status_code == 303
    assert member.post(f"/documents/sample/requests/{reference}/upload", content_type="multipart/form-data", data={
        "csrf_token": csrf_token(member, "/"), "visibility": "org",
        "files": (io.BytesIO(b"Une piece.\n"), "secret-name.txt")}).status_code == 303
    assert admin.post(f"/reports/statements/{people.org_a}/{last_month:%Y-%m}/close",
                      data={"csrf_token": csrf_token(admin, "/")}).status_code == 303
    rows = deliveries(hook_app)
    assert [d.event for d in rows] == ["request.created", "request.transitioned", "message.posted", "time.logged",
                                       "document.uploaded", "statement.closed"]
    text = json.dumps([d.payload for d in rows])
    assert "Private" not in text and "secret-name" not in text and "Une question" not in text
    assert rows[1].payload["data"]["to_state"] == "accepted"
    assert rows[3].payload["data"]["minutes"] == 30
    assert rows[5].payload["data"]["month"] == f"{last_month:%Y-%m}"


class Misnamed(SamplePlugin):
    def __init__(self):
        super().__init__("misnamed", order=70)

    @hookimpl
    def extranet_register_webhook_events(self, app):
        return [WebhookEvent("request.created", "Not mine")]


def test_extranet_register_webhook_events(hook_app, people, client_for, register_plugin):
    from extranet.api import emit_webhook, webhook_request_data

    admin = client_for(hook_app, people.admin)
    page = admin.get("/admin/webhooks/").get_data(as_text=True)
    assert 'value="sample.answered"' in page and "A sample question is answered" in page
    subscribe(admin, "https://hooks.example.org/in", ["sample.answered"])
    reference = file_request(client_for(hook_app, people.member_a), title="Hidden", restricted=True)
    with hook_app.test_request_context():
        from extranet.requests.models import ServiceRequest

        req = db.session.scalar(db.select(ServiceRequest).filter_by(reference=reference))
        assert emit_webhook("sample.answered", {"request": webhook_request_data(req)}) == 1
        db.session.commit()
    [delivery] = [d for d in deliveries(hook_app) if d.event == "sample.answered"]
    assert delivery.payload["data"]["request"]["reference"] == reference
    assert "title" not in delivery.payload["data"]["request"]
    with pytest.raises(PluginError, match="must start with 'misnamed.'"):
        register_plugin(Misnamed())

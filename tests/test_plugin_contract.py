"""Issue 10 §3: the hooks through which a plugin acts (notification kinds, demo data, …)."""

from __future__ import annotations

import pytest

from extranet.api import NotificationKind, hookimpl
from extranet.plugins import PluginError
from tests.digest_plugin import Integration
from tests.sample_plugin import SamplePlugin
from tests.test_plugins import _file_question, _reference, _subscribe_org_a, _token


def _request(app, reference):
    from extranet.extensions import db
    from extranet.requests.models import ServiceRequest

    return db.session.scalar(db.select(ServiceRequest).filter_by(reference=reference))


def test_extranet_register_notification_kinds(register_plugin, client_for, people):
    from extranet.accounts.models import User
    from extranet.api import notify_request
    from extranet.extensions import db
    from extranet.notifications.models import Notification, OutboxEmail
    from extranet.notifications.service import describe

    app = register_plugin(SamplePlugin())
    _subscribe_org_a(app, people)
    reference = _reference(_file_question(client_for(app, people.member_a)))
    member = client_for(app, people.member_a)
    page = member.get("/notifications/preferences").get_data(as_text=True)
    assert 'value="sample_answered"' in page and "A sample question is answered" in page

    with app.test_request_context():
        db.session.execute(db.delete(OutboxEmail))
        notify_request("sample_answered", _request(app, reference), db.session.get(User, people.expert.id),
                       when="mardi")
        db.session.commit()
        notification = db.session.scalar(db.select(Notification).filter_by(kind="sample_answered"))
        assert notification.user_id == people.member_a.id
        assert describe(notification).endswith(f"answered {reference} on mardi.")
        body = db.session.scalar(db.select(OutboxEmail.body_text))
        assert body and "Sample plugin:" in body and f"/requests/{reference}" in body
        with pytest.raises(ValueError):
            notify_request("sample_nothing", _request(app, reference), None)

    # Muted by the person: the notification, no e-mail.
    member.post("/notifications/preferences", data={"email": ["request_new"], "csrf_token": _token(member)})
    with app.test_request_context():
        db.session.execute(db.delete(OutboxEmail))
        notify_request("sample_answered", _request(app, reference), None, when="jeudi")
        db.session.commit()
        assert db.session.scalar(db.select(db.func.count()).select_from(OutboxEmail)) == 0
        assert db.session.scalar(db.select(db.func.count()).select_from(Notification).filter_by(
            kind="sample_answered")) == 2


def test_a_notification_kind_named_after_another_plugin_is_refused(register_plugin):
    class Squatter(SamplePlugin):
        @hookimpl
        def extranet_register_notification_kinds(self, app):
            return [NotificationKind("request_new", "x", "x")]

    with pytest.raises(PluginError, match="request_new"):
        register_plugin(Squatter())


def test_extranet_demo_data(register_plugin):
    from extranet.demo import load_demo

    sample = SamplePlugin()
    app = register_plugin(sample, SHIPPED_PLUGINS=["hr", "legal", "accounting", "it"])
    with app.app_context():
        load_demo("demo password")
    # Called once, after the core's data, with the demo's two member spaces and its experts;
    # the demo turned the installed plugin on, as it would be after ``pip install``.
    [(organizations, experts)] = sample.demo_data
    assert len(organizations) == 2 and experts == ["expert@example.org", "experte2@example.org"]


def test_extranet_register_modules(register_plugin, client_for, people):
    from extranet.accounts.models import User
    from extranet.extensions import db
    from extranet.policy import can

    app = register_plugin(Integration(), SHIPPED_PLUGINS=["hr"])
    admin = client_for(app, people.admin)
    member = client_for(app, people.member_a)
    listed = admin.get("/admin/modules").get_data(as_text=True)
    assert 'id="module-digest"' in listed and "A report by e-mail" in listed
    # Installed later: off, its page and permission with it, until an admin turns it on.
    assert member.get("/digest/").status_code == 404
    with app.test_request_context():
        assert not can(db.session.get(User, people.member_a.id), "digest.read")
    admin.post("/admin/modules/digest", data={"enabled": "1", "csrf_token": _token(admin)})
    assert member.get("/digest/").get_data(as_text=True) == "the weekly digest"
    assert admin.get("/admin/modules/digest").status_code == 200
    # Not a field: no menu entry, no request form.
    assert member.get("/requests/new/digest").status_code == 404


def test_a_plugin_may_not_be_a_field_and_a_module(register_plugin):
    class Both(SamplePlugin):
        @hookimpl
        def extranet_register_modules(self, app):
            from extranet.api import PluginModule

            return [PluginModule("sample", "Sample")]

    with pytest.raises(PluginError, match="a field and a module"):
        register_plugin(Both())


def test_a_document_keeps_its_category_and_the_space_filters_by_it(register_plugin, client_for, people):
    import io

    from extranet.documents.models import Document
    from extranet.extensions import db

    app = register_plugin(SamplePlugin())
    _subscribe_org_a(app, people)
    member = client_for(app, people.member_a)

    def upload(name, category):
        return member.post("/documents/sample/upload", data={
            "csrf_token": _token(member), "visibility": "org", "category": category, "folder": "0",
            "files": [(io.BytesIO(b"%PDF-1.4\n%%EOF\n"), name)]}, content_type="multipart/form-data")

    assert upload("scan.pdf", "scans").status_code == 303
    assert upload("other.pdf", "").status_code == 303
    with app.app_context():
        stored = dict(db.session.execute(db.select(Document.title, Document.category)).all())
    assert stored == {"scan.pdf": "scans", "other.pdf": None}
    every = member.get("/documents/sample/").get_data(as_text=True)
    assert "scan.pdf" in every and "other.pdf" in every and 'id="category-filter"' in every
    scans = member.get("/documents/sample/?category=scans").get_data(as_text=True)
    assert "scan.pdf" in scans and "other.pdf" not in scans
    unknown = member.get("/documents/sample/?category=nope")  # no filter, never an error
    assert unknown.status_code == 200 and "other.pdf" in unknown.get_data(as_text=True)

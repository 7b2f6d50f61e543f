"""The plugin host: the contract, registry checks, and module gating at run time."""

from __future__ import annotations

import inspect
import re
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Blueprint

from extranet import hookspecs
from extranet.api import STANDARD, Field, Transition, hookimpl
from extranet.plugins import PluginError, host
from tests.sample_plugin import SamplePlugin

ROOT = Path(__file__).parent.parent
HOOKS = sorted(name for name, _ in inspect.getmembers(hookspecs, inspect.isfunction) if name.startswith("extranet_"))


def _subscribe_org_a(app, people, slug="sample"):
    """Organization A subscribes to the field, and the expert serves it."""
    from extranet.accounts.models import ExpertField
    from extranet.extensions import db
    from extranet.organizations.models import Subscription

    with app.app_context():
        db.session.add(Subscription(organization_id=people.org_a, field=slug))
        db.session.add(ExpertField(user_id=people.expert.id, field=slug))
        db.session.commit()


@pytest.fixture
def sample_app(register_plugin, sample):
    return register_plugin(sample)


# -- meta-tests: every hook implemented by the sample plugin, tested, documented ----------


def test_sample_plugin_implements_every_hook(sample):
    implemented = {name for name in dir(sample) if name.startswith("extranet_")}
    assert implemented == set(HOOKS)


def test_every_hook_has_a_test():
    tested = set(re.findall(r"def test_(extranet_\w+?)(?:__\w+)?\(", "".join(
        p.read_text() for p in (ROOT / "tests").rglob("test_*.py")
    )))
    assert set(HOOKS) <= tested, f"hooks without a test_<hook> function: {set(HOOKS) - tested}"


def test_every_hook_is_documented():
    doc = (ROOT / "docs" / "plugins.md").read_text()
    missing = [name for name in HOOKS if f"`{name}(" not in doc]
    assert not missing, f"hooks missing from docs/plugins.md: {missing}"


def test_every_hookspec_has_a_docstring():
    for name in HOOKS:
        assert (getattr(hookspecs, name).__doc__ or "").strip(), name


# -- one test per hook ----------------------------------------------------------------------


def test_extranet_init_app(sample, sample_app):
    assert sample.initialised_apps == [sample_app]


def test_extranet_register_fields(sample_app):
    with sample_app.app_context():
        field = host().fields["sample"]
    assert field.label == "Sample field" and field.order == 50


def test_extranet_register_blueprints(sample_app, client_for, people):
    _subscribe_org_a(sample_app, people)
    client = client_for(sample_app, people.member_a)
    page = client.get("/sample/")
    assert page.status_code == 200 and "Sample field home" in page.get_data(as_text=True)
    # A member of an organization that does not subscribe to the field gets 404.
    assert client_for(sample_app, people.member_b).get("/sample/").status_code == 404


def test_extranet_dashboard_widgets(sample_app, client_for, people):
    _subscribe_org_a(sample_app, people)
    client = client_for(sample_app, people.member_a)
    dashboard = client.get("/").get_data(as_text=True)
    assert "Sample widget" in dashboard and 'hx-get="/sample/widget"' in dashboard
    fragment = client.get("/sample/widget", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "Sample widget body" in fragment and "<html" not in fragment


# -- registry checks ------------------------------------------------------------------------


def test_two_plugins_with_one_slug_are_refused(register_plugin):
    with pytest.raises(PluginError, match="registered twice"):
        register_plugin(SamplePlugin(), SamplePlugin())


def test_two_distributions_with_one_entry_point_name_are_refused(register_plugin, monkeypatch):
    from importlib.metadata import EntryPoint

    twins = [
        EntryPoint("sample", "tests.sample_plugin:SamplePlugin", "extranet.plugins"),
        EntryPoint("sample", "elsewhere:Plugin", "extranet.plugins"),
    ]
    monkeypatch.setattr("extranet.plugins.entry_points", lambda group: twins)
    with pytest.raises(PluginError, match="Two installed distributions"):
        register_plugin()


class _Mismatched:
    SLUG = "mismatched"

    @hookimpl
    def extranet_register_fields(self, app):
        return [Field(slug="sample", label="x")]


def test_field_slug_must_match_plugin_name(register_plugin):
    with pytest.raises(PluginError, match="entry-point name and the field slug"):
        register_plugin(_Mismatched())


def test_duplicate_field_is_refused(register_plugin):
    class Twin:
        SLUG = "twin"

        @hookimpl
        def extranet_register_fields(self, app):
            return [Field(slug="twin", label="a"), Field(slug="twin", label="b")]

    with pytest.raises(PluginError, match="exactly one field"):
        register_plugin(Twin())


def test_blueprint_must_be_named_after_plugin(register_plugin):
    class WrongBlueprint(SamplePlugin):
        @hookimpl
        def extranet_register_blueprints(self, app):
            return [Blueprint("elsewhere", __name__)]

    with pytest.raises(PluginError, match="must be named 'sample'"):
        register_plugin(WrongBlueprint())


def test_unknown_hook_is_refused(register_plugin):
    class Typo:
        SLUG = "typo"

        @hookimpl
        def extranet_register_feilds(self, app):
            return []

    with pytest.raises(PluginError, match="unknown hook"):
        register_plugin(Typo())


def test_a_hook_argument_its_spec_does_not_name_is_refused(register_plugin):
    class OldSignature(SamplePlugin):
        @hookimpl
        def extranet_request_created(self, request, user):
            pass

    with pytest.raises(PluginError, match=r"(?s)Plugin 'sample' for hook 'extranet_request_created'.*'request'"):
        register_plugin(OldSignature())


def test_invalid_slug_is_refused(register_plugin):
    class Bad:
        SLUG = "Bad-Slug"

        @hookimpl
        def extranet_register_fields(self, app):
            return [Field(slug="Bad-Slug", label="x")]

    with pytest.raises(PluginError, match="not a valid identifier"):
        register_plugin(Bad())


def test_blocked_plugin_does_not_load(register_plugin):
    app = register_plugin(SamplePlugin(), BLOCKED_PLUGINS=["sample"])
    with app.app_context():
        assert "sample" not in host().fields
    assert "/sample/" not in {rule.rule for rule in app.url_map.iter_rules()}


def test_menu_order_comes_from_field_order(register_plugin, client_for, people):
    app = register_plugin(SamplePlugin("zeta", order=1), SamplePlugin("alpha", order=2))
    with app.app_context():
        assert list(host().fields)[:2] == ["zeta", "alpha"]
    _subscribe_org_a(app, people, "zeta")
    _subscribe_org_a(app, people, "alpha")
    page = client_for(app, people.member_a).get("/").get_data(as_text=True)
    assert page.index('data-field="zeta"') < page.index('data-field="alpha"')


# -- the admin toggle -----------------------------------------------------------------------


def test_disabling_a_module_takes_effect_in_every_process(register_plugin, client_for, people):
    first = register_plugin(SamplePlugin())
    second = register_plugin(SamplePlugin())  # another process on the same database
    _subscribe_org_a(first, people)
    member = client_for(second, people.member_a)
    assert 'data-field="sample"' in member.get("/").get_data(as_text=True)

    admin = client_for(first, people.admin)
    modules = admin.get("/admin/modules").get_data(as_text=True)
    assert "Sample field" in modules
    response = admin.post("/admin/modules/sample", data={"enabled": "0", "csrf_token": _token(admin)})
    assert response.status_code == 303

    dashboard = member.get("/").get_data(as_text=True)
    assert 'data-field="sample"' not in dashboard and "Sample widget" not in dashboard
    assert member.get("/sample/").status_code == 404
    assert member.get("/sample/widget").status_code == 404

    with second.app_context():
        from extranet.audit.models import AuditEvent
        from extranet.extensions import db
        from extranet.organizations.models import Subscription

        assert db.session.scalar(db.select(Subscription).filter_by(field="sample")) is not None
        assert db.session.scalar(db.select(AuditEvent).filter_by(action="admin.module_disabled"))

    admin.post("/admin/modules/sample", data={"enabled": "1", "csrf_token": _token(admin)})
    assert member.get("/sample/").status_code == 200


def test_module_toggle_is_for_admins_only(sample_app, client_for, people):
    for person in (people.expert, people.manager_a, people.member_a):
        client = client_for(sample_app, person)
        assert client.get("/admin/modules").status_code == 404
        response = client.post("/admin/modules/sample", data={"enabled": "0", "csrf_token": _token(client)})
        assert response.status_code == 404


def test_toggling_an_unknown_module_is_404(sample_app, client_for, people):
    admin = client_for(sample_app, people.admin)
    assert admin.post("/admin/modules/nope", data={"enabled": "0", "csrf_token": _token(admin)}).status_code == 404


def test_plugins_cli_lists_and_toggles(sample_app):
    runner = sample_app.test_cli_runner()
    listing = runner.invoke(args=["plugins"])
    assert listing.exit_code == 0 and re.search(r"sample\s+-\s+enabled\s+Sample field", listing.output)
    assert runner.invoke(args=["plugins", "disable", "sample"]).exit_code == 0
    assert re.search(r"sample\s+-\s+disabled", runner.invoke(args=["plugins"]).output)
    assert runner.invoke(args=["plugins", "enable", "sample"]).exit_code == 0
    failed = runner.invoke(args=["plugins", "disable", "nope"])
    assert failed.exit_code != 0 and "No module named 'nope'" in failed.output


def _token(client):
    from extranet.testing import csrf_token

    return csrf_token(client, "/")


# -- request hooks --------------------------------------------------------------------------


def _file_question(client, topic="general", priority="normal", slug="sample"):
    from extranet.testing import csrf_token

    return client.post(
        f"/requests/new/{slug}/question",
        data={"title": "Une question", "description": "Détails", "topic": topic, "priority": priority,
              "csrf_token": csrf_token(client, "/")},
    )


def _reference(response) -> str:
    return response.location.rstrip("/").split("/")[-1]


def test_extranet_register_request_types(sample_app, client_for, people):
    _subscribe_org_a(sample_app, people)
    page = client_for(sample_app, people.member_a).get("/requests/new/sample").get_data(as_text=True)
    assert "Question" in page and "Review" in page
    with sample_app.app_context():
        assert host().request_types[("sample", "review")].confidentiality == "restricted"


def test_extranet_register_rules(sample_app, people):
    from extranet.accounts.models import User
    from extranet.extensions import db
    from extranet.policy import can

    _subscribe_org_a(sample_app, people)
    with sample_app.test_request_context():
        assert can(db.session.get(User, people.expert.id), "sample.answers")
        assert can(db.session.get(User, people.admin.id), "sample.answers")
        assert not can(db.session.get(User, people.manager_a.id), "sample.answers")
        host().set_enabled("sample", False)
        assert not can(db.session.get(User, people.expert.id), "sample.answers")


def test_extranet_register_workflows(sample_app):
    with sample_app.app_context():
        workflow = host().workflows["sample_review"]
    assert workflow.transition("deliver").sources == ("reviewed",)
    assert workflow.state("reviewed") and workflow.state("closed").terminal


def test_extranet_request_created(sample, sample_app, client_for, people):
    _subscribe_org_a(sample_app, people)
    response = _file_question(client_for(sample_app, people.member_a), priority="urgent")
    assert response.status_code == 303
    reference = _reference(response)
    assert re.fullmatch(r"SAMPLE-\d{4}-0001", reference)
    assert sample.created == [reference]
    with sample_app.app_context():
        from extranet.extensions import db
        from extranet.requests.models import ServiceRequest
        from extranet.servicetargets.calendar import working_calendar
        from extranet.servicetargets.clock import add_working_time

        req = db.session.scalar(db.select(ServiceRequest).filter_by(reference=reference))
        assert req.priority == "urgent" and req.data == {"topic": "general"}
        # The plugin's 4 hours are working hours: on a Saturday evening, they end on Monday.
        due = add_working_time(working_calendar(), req.created_at, timedelta(hours=4))
        assert abs((req.due_at - due).total_seconds()) < 5


def test_extranet_request_transitioned(sample, sample_app, client_for, people):
    _subscribe_org_a(sample_app, people)
    reference = _reference(_file_question(client_for(sample_app, people.member_a)))
    expert = client_for(sample_app, people.expert)
    response = expert.post(f"/requests/{reference}/transition/accept", data={"csrf_token": _token(expert)})
    assert response.status_code == 303
    assert sample.transitioned == [(reference, "accept")]


def test_extranet_time_logged(sample, sample_app, client_for, people):
    _subscribe_org_a(sample_app, people)
    reference = _reference(_file_question(client_for(sample_app, people.member_a)))
    expert = client_for(sample_app, people.expert)
    data = {"date": "2026-03-02", "duration": "1h15", "activity": "analysis", "billable": "y", "csrf_token": _token(expert)}
    assert expert.post(f"/hours/requests/{reference}/time", data=data).status_code == 303
    assert sample.time_logged == [(reference, 75)]
    # Refused entries call nobody.
    assert expert.post(f"/hours/requests/{reference}/time", data={**data, "duration": "x"}).status_code == 422
    member = client_for(sample_app, people.member_a)
    assert member.post(f"/hours/requests/{reference}/time", data={**data, "csrf_token": _token(member)}).status_code == 404
    assert sample.time_logged == [(reference, 75)]


def test_extranet_authorize_transition(sample_app, client_for, people):
    from extranet.extensions import db
    from extranet.requests.models import ServiceRequest

    _subscribe_org_a(sample_app, people)
    member = client_for(sample_app, people.member_a)
    reference = _reference(_file_question(member, topic="locked"))
    with sample_app.app_context():
        req = db.session.scalar(db.select(ServiceRequest).filter_by(reference=reference))
        req.state = "delivered"
        db.session.commit()
    assert 'data-transition="close"' not in member.get(f"/requests/{reference}").get_data(as_text=True)
    denied = member.post(f"/requests/{reference}/transition/close-x", data={"csrf_token": _token(member)})
    assert denied.status_code == 404
    assert member.post(f"/requests/{reference}/transition/close", data={"csrf_token": _token(member)}).status_code == 404


def test_extranet_register_document_categories(sample_app, register_plugin, client_for, people):
    from extranet.api import DocumentCategory

    with sample_app.app_context():
        categories = host().categories_of("sample")
    assert [(c.slug, c.allowed_types, c.max_size) for c in categories] == [
        ("scans", ("application/pdf", "image/*"), 2000), ("any", (), None),
    ]
    assert categories[0].accepts("image/png") and not categories[0].accepts("text/plain; charset=utf-8")
    _subscribe_org_a(sample_app, people)
    page = client_for(sample_app, people.member_a).get("/documents/sample/").get_data(as_text=True)
    assert 'name="category"' in page and "Scans" in page

    class Poacher(SamplePlugin):
        @hookimpl
        def extranet_register_document_categories(self, app):
            return [DocumentCategory(field="hr", slug="payslips", label="Payslips")]

    with pytest.raises(PluginError, match="document category 'payslips'"):
        register_plugin(Poacher())


def test_extranet_document_uploaded(sample, sample_app, client_for, people):
    import io

    from extranet.documents.models import Document
    from extranet.extensions import db

    _subscribe_org_a(sample_app, people)
    member = client_for(sample_app, people.member_a)
    response = member.post("/documents/sample/upload", data={
        "csrf_token": _token(member), "visibility": "org",
        "files": [(io.BytesIO(b"%PDF-1.4\n%%EOF\n"), "plan.pdf"), (io.BytesIO(b"notes\n"), "notes.txt")],
    }, content_type="multipart/form-data")
    assert response.status_code == 303
    assert sample.uploaded == [("plan.pdf", 1, "member.a@test.org"), ("notes.txt", 1, "member.a@test.org")]
    with sample_app.app_context():
        doc_id = db.session.scalar(db.select(Document.id).where(Document.title == "plan.pdf"))
    response = member.post(f"/documents/sample/files/{doc_id}/versions", data={
        "csrf_token": _token(member), "files": [(io.BytesIO(b"%PDF-1.4\nv2\n%%EOF\n"), "plan-v2.pdf")],
    }, content_type="multipart/form-data")
    assert response.status_code == 303
    assert sample.uploaded[-1] == ("plan.pdf", 2, "member.a@test.org")


def test_a_failing_listener_never_breaks_the_action(register_plugin, client_for, people, caplog):
    class Broken(SamplePlugin):
        @hookimpl
        def extranet_request_created(self, service_request, user):
            raise RuntimeError("listener bug")

    app = register_plugin(Broken())
    _subscribe_org_a(app, people)
    response = _file_question(client_for(app, people.member_a))
    assert response.status_code == 303
    assert "listener extranet_request_created failed" in caplog.text


def test_request_type_with_unknown_workflow_is_refused(register_plugin):
    class Lost(SamplePlugin):
        @hookimpl
        def extranet_register_workflows(self, app):
            return []

    with pytest.raises(PluginError, match="unknown workflow 'sample_review'"):
        register_plugin(Lost())


def test_workflow_with_unknown_state_is_refused(register_plugin):
    class Broken(SamplePlugin):
        @hookimpl
        def extranet_register_workflows(self, app):
            return [STANDARD.derive("sample_review", "x", transitions=(
                Transition("jump", "Jump", ("nowhere",), "closed", ("expert",)),))]

    with pytest.raises(PluginError, match="unknown state 'nowhere'"):
        register_plugin(Broken())

"""Fields created in the browser: the builder's pages, a stored field's request through the
pages every field has, forms edited after requests exist, export and import."""

from __future__ import annotations

import io
import json

import pytest

from extranet.testing import csrf_token
from tests.file_samples import pdf


def _post(client, url, data=None, **kwargs):
    return client.post(url, data={"csrf_token": csrf_token(client, "/requests/"), **(data or {})}, **kwargs)


FIELD = {"slug": "communications", "name_fr": "Communications et marketing", "name_en": "Communications and marketing",
         "description_fr": "Plans de communication, campagnes.", "description_en": "Communication plans, campaigns.",
         "prefix": "COM", "colour": "#aa5500", "icon": "megaphone", "order": "50", "confidentiality": "standard"}
TYPE = {"slug": "campaign", "name_fr": "Campagne", "name_en": "Campaign", "description_fr": "", "description_en": "",
        "workflow": "standard", "priority": "high", "order": "10", "target_high": "48"}
QUESTIONS = [
    {"name": "audience", "kind": "short_text", "required": "y", "label_fr": "Public visé", "label_en": "Audience",
     "max": "100"},
    {"name": "budget", "kind": "amount", "label_fr": "Budget", "label_en": "Budget", "min": "0", "max": "50000"},
    {"name": "channels", "kind": "choices", "label_fr": "Canaux", "label_en": "Channels",
     "choices": "web | Web | Web\nprint | Imprimé | Print"},
    {"name": "launched", "kind": "yes_no", "required": "y", "label_fr": "Déjà lancée?", "label_en": "Already launched?"},
    {"name": "brief", "kind": "file", "label_fr": "Devis", "label_en": "Brief", "file_types": "pdf"},
]


def build_field(admin):
    """Create the field, a type and its questions through the builder's pages, as an admin would."""
    assert _post(admin, "/admin/fields/new", FIELD).status_code == 303
    assert _post(admin, "/admin/fields/communications/types/new", TYPE).status_code == 303
    for question in QUESTIONS:
        response = _post(admin, "/admin/fields/communications/types/campaign/questions/new", question)
        assert response.status_code == 303, response.get_data(as_text=True)[:3000]


def give_field(app, people, slug="communications"):
    """Organizations A and B subscribe to the field; the expert works in it (admins' own pages)."""
    from extranet.accounts.models import ExpertField
    from extranet.extensions import db
    from extranet.organizations.models import Subscription

    with app.app_context():
        db.session.add_all([Subscription(organization_id=people.org_a, field=slug),
                            Subscription(organization_id=people.org_b, field=slug),
                            ExpertField(user_id=people.expert.id, field=slug)])
        db.session.commit()


def file_campaign(member, **data):
    form = {"title": "Lancement du printemps", "description": "Une campagne", "audience": "Membres",
            "budget": "1234,50", "channels": ["web", "print"], "launched": "False",
            "brief": (io.BytesIO(pdf("Devis de campagne")), "devis.pdf"), **data}
    response = _post(member, "/requests/new/communications/campaign", form, content_type="multipart/form-data")
    assert response.status_code == 303, response.get_data(as_text=True)[:3000]
    return response.location.rstrip("/").split("/")[-1]


@pytest.fixture
def stored(app, people, client_for):
    admin = client_for(app, people.admin)
    build_field(admin)
    give_field(app, people)
    return admin


def test_a_stored_field_request_goes_through_every_page_of_a_field(app, people, stored, client_for):
    member, expert = client_for(app, people.member_a), client_for(app, people.expert)
    home = member.get("/services/communications/")
    assert home.status_code == 200 and "Communications and marketing" in home.get_data(as_text=True)
    assert "/services/communications/" in member.get("/").get_data(as_text=True)  # in the menu
    new = member.get("/requests/new/communications/campaign").get_data(as_text=True)
    assert "Already launched?" in new and "Accepted files: pdf." in new

    reference = file_campaign(member)
    assert reference.startswith("COM-")
    with app.app_context():
        from extranet.extensions import db
        from extranet.requests.models import ServiceRequest
        from extranet.servicetargets.calendar import targets_for

        req = db.session.scalar(db.select(ServiceRequest).filter_by(reference=reference))
        # The type's target for its priority is the service targets' default (in working time).
        assert req.priority == "high" and targets_for("communications", "campaign", "high") == (48 * 60, None)
        assert req.due_at > req.created_at
        assert req.data["_form"] == 5 and req.data["budget"] == 123450 and req.data["brief"] == "devis.pdf"
    detail = member.get(f"/requests/{reference}").get_data(as_text=True)
    for shown in ("Audience", "Membres", "Budget", "$1,234.50", "Channels", "Web", "Print", "Already launched?",
                  "devis.pdf", "High"):
        assert shown in detail, shown
    listing = member.get("/requests/?field=communications").get_data(as_text=True)
    assert reference in listing and 'value="communications"' in listing

    # The expert handles it: taken, accepted, started, time logged, delivered.
    token = csrf_token(expert, "/requests/")
    assert expert.post(f"/requests/{reference}/take", data={"csrf_token": token}).status_code == 303
    for transition in ("accept", "start", "deliver"):
        response = expert.post(f"/requests/{reference}/transition/{transition}", data={"csrf_token": token})
        assert response.status_code == 303, (transition, response.get_data(as_text=True)[:500])
    # Delivered, it waits on the member: still open, by field, on her dashboard.
    assert "Communications and marketing" in member.get("/widgets/open-by-field").get_data(as_text=True)
    logged = expert.post(f"/hours/requests/{reference}/time", data={
        "csrf_token": token, "date": "2026-01-05", "duration": "1:30", "activity": "analysis", "billable": "y"})
    assert logged.status_code in (200, 303)
    assert "1:30" in expert.get(f"/hours/requests/{reference}").get_data(as_text=True)
    assert reference in member.get("/search/?q=printemps").get_data(as_text=True)
    assert "Delivered" in member.get(f"/requests/{reference}").get_data(as_text=True)
    assert expert.post(f"/requests/{reference}/messages", data={"csrf_token": token, "body": "Voilà"}).status_code == 303

    # The field's other pages: documents, resources, the expert's dashboard and notifications.
    for url in ("/documents/communications/", "/resources/communications/", f"/documents/communications/requests/{reference}"):
        assert member.get(url).status_code == 200, url
    assert reference in member.get("/notifications/").get_data(as_text=True)
    admin_reports = stored.get("/reports/").get_data(as_text=True)
    assert "Communications and marketing" in admin_reports

    # Another organization's member learns nothing of it.
    other = client_for(app, people.member_b)
    assert other.get(f"/requests/{reference}").status_code == 404
    assert reference not in other.get("/requests/?field=communications").get_data(as_text=True)


def test_editing_the_form_keeps_old_answers_under_their_labels(app, people, stored, client_for):
    member = client_for(app, people.member_a)
    reference = file_campaign(member)
    url = "/admin/fields/communications/types/campaign/questions"
    relabelled = {**QUESTIONS[0], "label_en": "Who is it for", "label_fr": "Pour qui"}
    assert _post(stored, f"{url}/audience", relabelled).status_code == 303
    assert _post(stored, f"{url}/budget/remove").status_code == 303
    assert _post(stored, f"{url}/brief/move", {"direction": "up"}).status_code == 303

    old = member.get(f"/requests/{reference}").get_data(as_text=True)
    assert "Audience" in old and "Who is it for" not in old and "$1,234.50" in old
    new = member.get("/requests/new/communications/campaign").get_data(as_text=True)
    assert "Who is it for" in new and "Budget" not in new
    assert new.index("Brief") < new.index("Already launched?")
    second = file_campaign(member, budget="")
    assert "Who is it for" in member.get(f"/requests/{second}").get_data(as_text=True)


def test_a_required_answer_and_a_file_of_another_type_are_refused(app, people, stored, client_for):
    member = client_for(app, people.member_a)
    response = _post(member, "/requests/new/communications/campaign", {
        "title": "Sans public", "audience": "", "launched": "True",
        "brief": (io.BytesIO(b"hello"), "notes.txt")}, content_type="multipart/form-data")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "This field is required." in page
    assert 'id="brief-error">Accepted files: pdf.' in page  # besides the hint that says it beforehand


def test_a_disabled_stored_field_answers_not_found(app, people, stored, client_for):
    assert _post(stored, "/admin/modules/communications", {"enabled": "0"}).status_code in (303, 204)
    member = client_for(app, people.member_a)
    assert member.get("/services/communications/").status_code == 404
    assert member.get("/requests/new/communications/campaign").status_code == 404


def test_export_and_import_round_trip(app, people, stored):
    exported = stored.get("/admin/fields/communications/export")
    assert exported.status_code == 200 and exported.mimetype == "application/json"
    payload = exported.get_json()
    assert [q["name"] for q in payload["types"][0]["questions"]] == [q["name"] for q in QUESTIONS]

    payload["field"]["slug"] = "marketing"
    refused = _post(stored, "/admin/fields/import", {"text": json.dumps(payload)})
    assert "Another field already uses the reference prefix COM." in refused.get_data(as_text=True)
    payload["field"]["prefix"] = "MKT"
    response = _post(stored, "/admin/fields/import", {"text": json.dumps(payload)})
    assert response.status_code == 303
    again = stored.get("/admin/fields/marketing/export").get_json()
    assert again["types"] == payload["types"] and again["field"] == payload["field"]
    assert "/admin/fields/marketing" in stored.get("/admin/modules").get_data(as_text=True)


def test_an_import_that_does_not_validate_changes_nothing(app, people, stored):
    from extranet.extensions import db
    from extranet.stored_fields.models import StoredField

    payload = stored.get("/admin/fields/communications/export").get_json()
    payload["field"]["name_en"] = "Changed"
    payload["types"][0]["workflow"] = "no_such_workflow"
    payload["types"][0]["questions"].append({"name": "title", "kind": "colour", "label_fr": "x"})
    response = _post(stored, "/admin/fields/import", {
        "file": (io.BytesIO(json.dumps(payload).encode()), "field.json")}, content_type="multipart/form-data")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    for reason in ("unknown workflow", "is not a valid identifier", "unknown kind"):
        assert reason in page, reason
    with app.app_context():
        assert db.session.scalar(db.select(StoredField.name_en).filter_by(slug="communications")) == \
            "Communications and marketing"
    plugin = {**payload, "field": {**payload["field"], "slug": "hr"}}
    response = _post(stored, "/admin/fields/import", {"text": json.dumps(plugin)})
    assert response.status_code == 422 and "A plugin already provides the field hr." in response.get_data(as_text=True)
    assert _post(stored, "/admin/fields/import", {"text": "{not json"}).status_code == 422


def test_a_field_cannot_take_a_plugins_identifier_or_another_fields_prefix(app, people, stored):
    response = _post(stored, "/admin/fields/new", {**FIELD, "slug": "hr"})
    assert response.status_code == 422 and "A field already has this identifier." in response.get_data(as_text=True)
    response = _post(stored, "/admin/fields/new", {**FIELD, "slug": "press", "prefix": "RH"})
    assert response.status_code == 422 and "Another field already uses this prefix." in response.get_data(as_text=True)
    response = _post(stored, "/admin/fields/communications", {**FIELD, "prefix": "JUR"})
    assert response.status_code == 422


def test_another_process_serves_a_field_at_its_next_request(app, people, make_app, client_for):
    """Two applications on one database stand for two processes (or nodes): a field created,
    then edited, through one is served by the other at its next request, without a restart."""
    other = make_app()
    admin_elsewhere = client_for(other, people.admin)
    assert admin_elsewhere.get("/admin/fields/communications").status_code == 404
    build_field(client_for(app, people.admin))
    give_field(app, people)
    member = client_for(other, people.member_a)
    assert "Already launched?" in member.get("/requests/new/communications/campaign").get_data(as_text=True)
    assert _post(client_for(app, people.admin), "/admin/fields/communications/types/campaign/questions/launched/remove"
                 ).status_code == 303
    assert "Already launched?" not in member.get("/requests/new/communications/campaign").get_data(as_text=True)


def test_the_demo_creates_the_consortiums_sixteen_other_fields(app):
    from extranet.demo.fields import FIELDS, load_demo_fields
    from extranet.extensions import db
    from extranet.plugins import host

    with app.app_context():
        load_demo_fields(set(host().fields))
        db.session.commit()
        host().refresh_stored()
        stored = [f for f in host().fields.values() if f.stored]
        assert len(stored) == len(FIELDS) == 16 and len(host().fields) == 20
        assert all(host().types_of(f.slug) for f in stored)
        assert host().fields["grants"].reference_prefix == "SUB"
        # Two of them show the core's other workflows.
        assert host().request_types[("financing", "financing_plan")].workflow == "second_review"
        assert host().request_types[("realestate", "building")].workflow == "acceptance_check"
        load_demo_fields(set(host().fields))  # again: nothing doubled
        db.session.commit()
        assert db.session.scalar(db.select(db.func.count()).select_from(db.text("stored_fields"))) == 16


def test_the_command_line_lists_and_toggles_a_stored_field(app, people, stored):
    runner = app.test_cli_runner()
    listed = runner.invoke(args=["plugins"])
    assert "communications" in listed.output and "stored" in listed.output
    assert runner.invoke(args=["plugins", "disable", "communications"]).exit_code == 0
    assert stored.get("/admin/modules").status_code == 200
    assert "communications  stored      disabled" in runner.invoke(args=["plugins"]).output


def test_two_admins_editing_one_form_at_once_never_lose_a_change_silently(app, people, stored):
    """The field's revision is a compare-and-set: a change made on a form read before another
    admin's saved change is refused whole (the page says so, 409), and the other one stays."""
    from sqlalchemy.orm import Session
    from sqlalchemy.orm.exc import StaleDataError

    from extranet.extensions import db
    from extranet.stored_fields import service
    from extranet.stored_fields.models import StoredField

    with app.app_context():
        # This admin's page, read before the other's change (a session of its own).
        session = Session(db.engine, expire_on_commit=False)
        field = session.scalar(db.select(StoredField).filter_by(slug="communications"))
        rtype = next(t for t in field.types if t.slug == "campaign")
        read_before = list(rtype.questions)
        session.commit()
        # Meanwhile, another admin removes a question.
        assert _post(stored, "/admin/fields/communications/types/campaign/questions/budget/remove").status_code == 303
        rtype.form_versions = [*rtype.form_versions, [*read_before, {"name": "late", "kind": "date",
                                                                    "label_fr": "Tard", "label_en": "Late"}]]
        service.touch(field)
        with pytest.raises(StaleDataError):
            session.commit()
        session.rollback()
        session.close()
        names = [q["name"] for q in service.type_of(service.field_by_slug("communications"), "campaign").questions]
        assert "budget" not in names and "late" not in names


def test_a_stale_edit_page_answers_409_with_what_was_typed(app, people, stored, monkeypatch):
    from sqlalchemy.orm.exc import StaleDataError

    from extranet.stored_fields import views

    def lost_race():
        raise StaleDataError("another admin saved first")

    monkeypatch.setattr(views.db.session, "commit", lost_race)
    response = _post(stored, "/admin/fields/communications", {**FIELD, "name_en": "Typed by me"})
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "Someone else changed this field meanwhile" in page and 'value="Typed by me"' in page


def test_the_api_offers_a_stored_field_and_files_in_it_through_its_form(app, people, stored):
    from tests.test_api import call, token_for

    client = app.test_client()
    secret = token_for(app, people.member_a)
    assert "communications" in [f["slug"] for f in call(client, "GET", "/fields", secret).get_json()["items"]]
    schema = call(client, "GET", "/fields/communications/types/campaign", secret).get_json()["form"]
    assert schema["properties"]["audience"]["title"] == "Audience" and "audience" in schema["required"]
    assert schema["properties"]["channels"]["items"]["enum"] == ["web", "print"]
    body = {"field": "communications", "type": "campaign", "title": "Par l'API",
            "answers": {"audience": "Membres", "budget": "12.50", "channels": ["print"], "launched": "True"}}
    filed = call(client, "POST", "/requests", secret, json=body)
    assert filed.status_code == 201, filed.get_data(as_text=True)[:500]
    reference = filed.get_json()["reference"]
    assert reference.startswith("COM-")
    assert call(client, "GET", f"/requests/{reference}", token_for(app, people.member_b)).status_code == 404

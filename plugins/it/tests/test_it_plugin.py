"""The IT plugin: its field, request types and forms, response targets, and home page."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from flask_babel import force_locale
from it_helpers import file_request

from extranet.plugin_testing import (
    check_catalog,
    count_requests,
    due_after_working_time,
    host,
    load,
    make_member,
    reference_of,
)

SOON = (date.today() + timedelta(days=60)).isoformat()
TOMORROW = (date.today() + timedelta(days=1)).isoformat()

GOOD = {
    "support_ticket": {
        "title": "Le courriel ne part plus", "priority": "urgent", "affected_system": "Courriel",
        "steps": "J’envoie, rien ne part.",
    },
    "security_review": {
        "title": "Revue annuelle", "restricted": "y", "scope": "cloud", "systems": "Microsoft 365\nSite Web",
        "last_review_date": "2024-05-01",
    },
    "website_project": {
        "title": "Nouveau site", "goals": "Recruter des membres", "pages_estimate": "12", "launch_date": SOON,
    },
}

BAD = {
    "support_ticket": ({**GOOD["support_ticket"], "priority": "yesterday", "affected_system": ""}, 'id="priority-error"'),
    "security_review": ({**GOOD["security_review"], "last_review_date": SOON}, "La dernière revue ne peut pas être dans le futur."),
    "website_project": ({**GOOD["website_project"], "launch_date": "2001-01-01", "pages_estimate": "0"}, "La date de lancement ne peut pas être passée."),
}


def test_it_field_is_registered(app):
    with app.app_context():
        field = host().fields["it"]
        types = {t.slug: t for t in host().types_of("it")}
    assert (field.slug, field.prefix, field.order) == ("it", "TI", 40)
    with app.test_request_context(), force_locale("fr_CA"):
        assert str(field.label) == "Technologies de l’information"
    assert list(types) == ["support_ticket", "security_review", "website_project"]
    assert {t.workflow for t in types.values()} == {"standard"}
    assert types["security_review"].confidentiality == "restricted"
    assert types["support_ticket"].response_targets == {
        "urgent": timedelta(hours=4), "high": timedelta(hours=8), "normal": timedelta(hours=24), "low": timedelta(hours=80),
    }


def test_it_fields_are_ordered_after_the_other_built_in_fields(app):
    with app.app_context():
        built_in = [slug for slug in host().fields if slug in {"hr", "legal", "accounting", "it"}]
    assert built_in == ["hr", "legal", "accounting", "it"]


def test_it_forms_validate_and_file_prefixed_requests(app, people, client_for):
    member = client_for(app, people.member_a)
    for type_slug, (data, error) in BAD.items():
        response = file_request(member, type_slug, data)
        assert response.status_code == 422, type_slug
        assert error in response.get_data(as_text=True), type_slug
    assert count_requests(app) == 0
    year = date.today().year
    references = [reference_of(file_request(member, slug, data)) for slug, data in GOOD.items()]
    assert references == [f"TI-{year}-0001", f"TI-{year}-0002", f"TI-{year}-0003"]
    ticket = load(app, references[0])
    assert ticket.priority == "urgent" and ticket.data == {"affected_system": "Courriel", "steps": "J’envoie, rien ne part."}
    review = load(app, references[1])
    assert review.is_restricted and review.data["systems"] == "Microsoft 365\nSite Web"
    website = load(app, references[2])
    assert website.priority == "normal" and website.due_at is None and website.data["pages_estimate"] == 12

    colleague = client_for(app, make_member(app, people.org_a, "colleague.a@test.org", "Colleague A"))
    assert colleague.get(f"/requests/{references[0]}").status_code == 200
    assert colleague.get(f"/requests/{references[1]}").status_code == 404


@pytest.mark.parametrize(("priority", "target"), [
    ("urgent", timedelta(hours=4)), ("high", timedelta(hours=8)),
    ("normal", timedelta(hours=24)), ("low", timedelta(hours=80)),
])
def test_it_ticket_due_time_follows_its_priority(app, people, client_for, priority, target):
    member = client_for(app, people.member_a)
    reference = reference_of(file_request(member, "support_ticket", {**GOOD["support_ticket"], "priority": priority}))
    ticket = load(app, reference)
    assert ticket.priority == priority
    # In working hours of the cooperative's calendar (the core's service targets).
    assert ticket.due_at == due_after_working_time(app, ticket.created_at, target)


def test_it_urgent_ticket_due_time_shows_on_list_detail_and_home(app, people, client_for):
    member = client_for(app, people.member_a)
    reference = reference_of(file_request(member, "support_ticket", GOOD["support_ticket"]))
    ticket = load(app, reference)
    assert ticket.due_at == due_after_working_time(app, ticket.created_at, timedelta(hours=4))
    from babel.dates import format_datetime

    shown = format_datetime(ticket.due_at, "short", tzinfo=app.config["BABEL_DEFAULT_TIMEZONE"], locale="fr_CA")
    detail = member.get(f"/requests/{reference}").get_data(as_text=True)
    assert "Urgente" in detail
    assert shown in member.get("/requests/?field=it").get_data(as_text=True)
    home = member.get("/it/").get_data(as_text=True)
    assert shown in home and f'href="/requests/{reference}"' in home


def test_it_home_page(app, people, client_for):
    member = client_for(app, people.member_a)
    html = member.get("/it/").get_data(as_text=True)
    assert "<h1>Technologies de l’information</h1>" in html and "billets de soutien" in html
    for type_slug in GOOD:
        assert f'href="/requests/new/it/{type_slug}"' in html
    assert "Aucune demande dans ce domaine pour l’instant." in html and 'href="/requests/?field=it"' in html
    form = member.get("/requests/new/it/support_ticket").get_data(as_text=True)
    assert "Nous répondons à un billet urgent en 4 heures" in form


def test_it_catalog_is_complete_and_compiled():
    import extranet_it

    check_catalog(extranet_it)

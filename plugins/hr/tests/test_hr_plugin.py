"""The HR plugin: its field, request types and forms, home page and confidentiality."""

from __future__ import annotations

import re
from datetime import date, timedelta

from flask_babel import force_locale
from hr_helpers import file_request

from extranet.plugin_testing import (
    assert_reference,
    check_catalog,
    count_requests,
    host,
    load,
    make_member,
    reference_of,
    token,
    unsubscribe,
)

SOON = (date.today() + timedelta(days=30)).isoformat()
PAST = (date.today() - timedelta(days=30)).isoformat()

GOOD = {
    "job_posting": {
        "title": "Coordonnatrice des bénévoles", "description": "Poste à pourvoir", "restricted": "y",
        "position_title": "Coordonnatrice des bénévoles", "employment_type": "permanent_part_time",
        "salary_min": "42000", "salary_max": "48000", "start_date": SOON,
    },
    "policy_review": {
        "title": "Politique de télétravail", "restricted": "y", "policy_name": "Télétravail",
        "current_version_date": PAST, "goals": "Encadrer le travail hybride",
    },
    "workplace_conflict": {
        "title": "Tensions dans l'équipe", "restricted": "y", "people_involved": "3",
        "priority": "high", "already_documented": "y",
    },
}

BAD = {
    # (data, an error message the page must show)
    "job_posting": (
        {**GOOD["job_posting"], "salary_min": "60000", "salary_max": "50000", "start_date": PAST},
        "Le haut de la fourchette doit être au moins égal à son bas.",
    ),
    "policy_review": (
        {**GOOD["policy_review"], "current_version_date": SOON, "goals": ""},
        "La version actuelle ne peut pas être datée dans le futur.",
    ),
    "workplace_conflict": (
        {**GOOD["workplace_conflict"], "people_involved": "1", "priority": "whenever"},
        'id="people_involved-error"',
    ),
}


def test_hr_field_is_registered(app):
    with app.app_context():
        field = host().fields["hr"]
        types = host().types_of("hr")
        assert host().versions["hr"] == "0.1.0"
    assert (field.slug, field.prefix, field.order) == ("hr", "RH", 10)
    with app.test_request_context(), force_locale("fr_CA"):
        assert str(field.label) == "Ressources humaines"
        assert "confidentialité" in str(field.description)
    assert [t.slug for t in types] == ["job_posting", "policy_review", "workplace_conflict"]
    assert {(t.workflow, t.confidentiality) for t in types} == {("standard", "restricted")}


def test_hr_forms_validate_and_file_prefixed_requests(app, people, client_for):
    member = client_for(app, people.member_a)
    references = []
    for type_slug, (data, error) in BAD.items():
        response = file_request(member, type_slug, data)
        assert response.status_code == 422, type_slug
        assert error in response.get_data(as_text=True), type_slug
    assert count_requests(app) == 0
    for type_slug, data in GOOD.items():
        references.append(reference_of(file_request(member, type_slug, data)))
    year = date.today().year
    assert references == [f"RH-{year}-0001", f"RH-{year}-0002", f"RH-{year}-0003"]
    for reference in references:
        assert_reference(reference, "RH")

    posting = load(app, references[0])
    assert posting.type == "job_posting" and posting.is_restricted
    assert posting.data["salary_min"] == 42000 and posting.data["employment_type"] == "permanent_part_time"
    assert posting.data["start_date"] == SOON
    conflict = load(app, references[2])
    assert conflict.priority == "high" and conflict.data == {"people_involved": 3, "already_documented": True}
    detail = member.get(f"/requests/{references[0]}").get_data(as_text=True)
    assert "Temps partiel permanent" in detail and "Coordonnatrice des bénévoles" in detail


def test_hr_requests_are_restricted_by_default(app, people, client_for):
    member = client_for(app, people.member_a)
    form = member.get("/requests/new/hr/workplace_conflict").get_data(as_text=True)
    checkbox = re.search(r'<input[^>]*id="restricted"[^>]*>', form).group(0)
    assert "checked" in checkbox  # pre-ticked: what the browser sends unless the member unticks it
    reference = reference_of(file_request(member, "workplace_conflict", GOOD["workplace_conflict"]))
    assert load(app, reference).confidentiality == "restricted"

    colleague = client_for(app, make_member(app, people.org_a, "colleague.a@test.org", "Colleague A"))
    assert colleague.get(f"/requests/{reference}").status_code == 404
    assert reference not in colleague.get("/requests/").get_data(as_text=True)
    assert reference not in colleague.get("/hr/").get_data(as_text=True)
    assert client_for(app, people.manager_a).get(f"/requests/{reference}").status_code == 404
    for person in (people.member_a, people.expert, people.admin):
        client = member if person is people.member_a else client_for(app, person)
        assert client.get(f"/requests/{reference}").status_code == 200, person.email
        assert reference in client.get("/hr/").get_data(as_text=True), person.email


def test_hr_home_page(app, people, client_for):
    member = client_for(app, people.member_a)
    page = member.get("/hr/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<h1>Ressources humaines</h1>" in html and "en toute confidentialité" in html
    for type_slug in GOOD:
        assert f'href="/requests/new/hr/{type_slug}"' in html
    assert "Aucune demande dans ce domaine pour l’instant." in html
    assert 'href="/requests/?field=hr"' in html

    reference = reference_of(file_request(member, "job_posting", GOOD["job_posting"]))
    html = member.get("/hr/").get_data(as_text=True)
    assert f'href="/requests/{reference}"' in html and "Aucune demande" not in html
    assert "Offre d’emploi" in html  # the type's label, in French

    # Staff without an organization see the requests but cannot file from here.
    expert_page = client_for(app, people.expert).get("/hr/").get_data(as_text=True)
    assert reference in expert_page and "/requests/new/hr/" not in expert_page
    # Organization B's member sees the page, not organization A's request.
    other = client_for(app, people.member_b).get("/hr/").get_data(as_text=True)
    assert reference not in other and 'href="/requests/new/hr/job_posting"' in other


def test_hr_home_page_needs_a_subscription_and_an_enabled_module(app, people, client_for):
    unsubscribe(app, people.org_b, "hr")
    assert client_for(app, people.member_b).get("/hr/").status_code == 404
    member = client_for(app, people.member_a)
    assert member.get("/hr/").status_code == 200
    admin = client_for(app, people.admin)
    response = admin.post("/admin/modules/hr", data={"enabled": "0", "csrf_token": token(admin)})
    assert response.status_code == 303
    assert member.get("/hr/").status_code == 404
    assert 'data-field="hr"' not in member.get("/").get_data(as_text=True)


def test_hr_catalog_is_complete_and_compiled():
    import extranet_hr

    check_catalog(extranet_hr)

"""The legal plugin: its field, request types and forms, and home page."""

from __future__ import annotations

from datetime import date, timedelta

from flask_babel import force_locale
from legal_helpers import file_request

from extranet.plugin_testing import (
    check_catalog,
    count_requests,
    host,
    load,
    reference_of,
    token,
)

SOON = date.today() + timedelta(days=20)
PAST = (date.today() - timedelta(days=3)).isoformat()

GOOD = {
    "contract_review": {
        "title": "Bail du local", "restricted": "y", "counterparty": "Immeubles Tremblay inc.",
        "contract_type": "lease", "due_date": SOON.isoformat(), "contract_value": "36000",
    },
    "bylaws_amendment": {
        "title": "Quorum", "restricted": "y", "articles": "4, 7.2", "meeting_date": SOON.isoformat(),
    },
    "general_meeting": {
        "title": "AGA 2026", "restricted": "y", "meeting_date": SOON.isoformat(),
        "meeting_type": "annual", "expected_attendance": "80",
    },
}

BAD = {
    "contract_review": ({**GOOD["contract_review"], "counterparty": "", "due_date": PAST}, "Cette date est déjà passée."),
    "bylaws_amendment": ({**GOOD["bylaws_amendment"], "articles": ""}, 'id="articles-error"'),
    "general_meeting": (
        {**GOOD["general_meeting"], "meeting_type": "secret", "expected_attendance": "0"},
        'id="meeting_type-error"',
    ),
}


def test_legal_field_is_registered(app):
    with app.app_context():
        field = host().fields["legal"]
        types = host().types_of("legal")
        workflow = host().workflows["legal"]
    assert (field.slug, field.prefix, field.order) == ("legal", "JUR", 20)
    with app.test_request_context(), force_locale("fr_CA"):
        assert str(field.label) == "Juridique"
        assert str(workflow.state("conflicts_cleared").label) == "Vérification des conflits faite"
    assert [t.slug for t in types] == ["contract_review", "bylaws_amendment", "general_meeting"]
    assert {(t.workflow, t.confidentiality) for t in types} == {("legal", "restricted")}


def test_legal_forms_validate_and_file_prefixed_requests(app, people, client_for):
    member = client_for(app, people.member_a)
    for type_slug, (data, error) in BAD.items():
        response = file_request(member, type_slug, data)
        assert response.status_code == 422, type_slug
        assert error in response.get_data(as_text=True), type_slug
    assert "counterparty-error" in file_request(member, "contract_review", BAD["contract_review"][0]).get_data(as_text=True)
    assert count_requests(app) == 0

    year = date.today().year
    references = [reference_of(file_request(member, slug, data)) for slug, data in GOOD.items()]
    assert references == [f"JUR-{year}-0001", f"JUR-{year}-0002", f"JUR-{year}-0003"]
    contract = load(app, references[0])
    assert contract.is_restricted and contract.state == "submitted"
    assert contract.data == {"counterparty": "Immeubles Tremblay inc.", "contract_type": "lease", "contract_value": 36000}
    # The deadline is the request's due date: the end of that day, in the cooperative's time zone.
    with app.app_context():
        zone = app.config["BABEL_DEFAULT_TIMEZONE"]
    from zoneinfo import ZoneInfo

    local_due = contract.due_at.astimezone(ZoneInfo(zone))
    assert local_due.date() == SOON and local_due.hour == 23
    assert load(app, references[2]).due_at is None

    detail = member.get(f"/requests/{references[0]}").get_data(as_text=True)
    assert "Cocontractant" in detail and "Bail" in detail and "Immeubles Tremblay inc." in detail


def test_legal_home_page(app, people, client_for):
    member = client_for(app, people.member_a)
    html = member.get("/legal/").get_data(as_text=True)
    assert "<h1>Juridique</h1>" in html and "conflit d’intérêts" in html
    for type_slug in GOOD:
        assert f'href="/requests/new/legal/{type_slug}"' in html
    assert "Aucune demande dans ce domaine pour l’instant." in html and 'href="/requests/?field=legal"' in html
    reference = reference_of(file_request(member, "general_meeting", GOOD["general_meeting"]))
    html = member.get("/legal/").get_data(as_text=True)
    assert f'href="/requests/{reference}"' in html and "Assemblée générale" in html
    assert reference not in client_for(app, people.member_b).get("/legal/").get_data(as_text=True)

    admin = client_for(app, people.admin)
    assert admin.post("/admin/modules/legal", data={"enabled": "0", "csrf_token": token(admin)}).status_code == 303
    assert member.get("/legal/").status_code == 404
    assert member.get("/requests/new/legal/contract_review").status_code == 404


def test_legal_catalog_is_complete_and_compiled():
    import extranet_legal

    check_catalog(extranet_legal)

"""The accounting plugin: its field, request types and forms, and home page."""

from __future__ import annotations

from datetime import date

from accounting_helpers import file_request
from flask_babel import force_locale

from extranet.plugin_testing import (
    check_catalog,
    count_requests,
    host,
    load,
    reference_of,
)

YEAR = date.today().year

GOOD = {
    "annual_statements": {
        "title": f"États financiers {YEAR - 1}", "fiscal_year_end": f"{YEAR - 1}-12-31",
        "revenue_range": "500k_2m", "engagement": "review",
    },
    "budget": {"title": f"Budget {YEAR + 1}", "budget_year": str(YEAR + 1), "scope": "operating"},
    "tax_filing": {"title": f"Impôts {YEAR - 1}", "tax_year": str(YEAR - 1), "forms": ["co17", "t2"]},
}

BAD = {
    "annual_statements": (
        {**GOOD["annual_statements"], "fiscal_year_end": f"{YEAR + 3}-03-31"},
        "Cet exercice n’a pas encore commencé.",
    ),
    "budget": ({**GOOD["budget"], "budget_year": "1999", "scope": "everything"}, "Entrez une année entre 2000 et 2100."),
    "tax_filing": ({"title": "Impôts", "tax_year": str(YEAR)}, "Choisissez au moins une déclaration."),
}


def test_accounting_field_is_registered(app):
    with app.app_context():
        field = host().fields["accounting"]
        types = host().types_of("accounting")
    assert (field.slug, field.prefix, field.order) == ("accounting", "CPT", 30)
    with app.test_request_context(), force_locale("fr_CA"):
        assert str(field.label) == "Comptabilité"
    assert [t.slug for t in types] == ["annual_statements", "budget", "tax_filing"]
    assert {(t.workflow, t.confidentiality) for t in types} == {("accounting", "standard")}


def test_accounting_forms_validate_and_file_prefixed_requests(app, people, client_for):
    member = client_for(app, people.member_a)
    for type_slug, (data, error) in BAD.items():
        response = file_request(member, type_slug, data)
        assert response.status_code == 422, type_slug
        assert error in response.get_data(as_text=True), type_slug
    assert count_requests(app) == 0

    references = [reference_of(file_request(member, slug, data)) for slug, data in GOOD.items()]
    assert references == [f"CPT-{YEAR}-0001", f"CPT-{YEAR}-0002", f"CPT-{YEAR}-0003"]
    statements = load(app, references[0])
    assert not statements.is_restricted and statements.state == "submitted"
    assert statements.data == {"fiscal_year_end": f"{YEAR - 1}-12-31", "revenue_range": "500k_2m", "engagement": "review"}
    assert load(app, references[2]).data["forms"] == ["co17", "t2"]

    detail = member.get(f"/requests/{references[2]}").get_data(as_text=True)
    assert "CO-17 — déclaration de revenus des sociétés du Québec" in detail
    assert "T2 — déclaration de revenus fédérale des sociétés" in detail and "T1044" not in detail
    # A colleague sees the organization's accounting requests (they are not restricted).
    assert client_for(app, people.manager_a).get(f"/requests/{references[0]}").status_code == 200


def test_accounting_home_page(app, people, client_for):
    member = client_for(app, people.member_a)
    html = member.get("/accounting/").get_data(as_text=True)
    assert "<h1>Comptabilité</h1>" in html and "révise chaque dossier" in html
    for type_slug in GOOD:
        assert f'href="/requests/new/accounting/{type_slug}"' in html
    assert "Aucune demande dans ce domaine pour l’instant." in html
    assert 'href="/requests/?field=accounting"' in html
    reference = reference_of(file_request(member, "budget", GOOD["budget"]))
    manager = client_for(app, people.manager_a).get("/accounting/").get_data(as_text=True)
    assert f'href="/requests/{reference}"' in manager and "Budget" in manager
    assert reference not in client_for(app, people.member_b).get("/accounting/").get_data(as_text=True)


def test_accounting_catalog_is_complete_and_compiled():
    import extranet_accounting

    check_catalog(extranet_accounting)

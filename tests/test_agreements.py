"""Agreements (admins): hours entered in hours and stored in minutes, money entered as text and
stored in cents, one per organization × field × year; the module hour settings."""

from __future__ import annotations

import pytest

from extranet.extensions import db
from extranet.testing import csrf_token
from tests.test_hours import add_agreement


def _form(people, **changes):
    data = {"organization_id": str(people.org_a), "field": "sample", "year": "2026", "hours": "120.5",
            "hourly_rate": "95,00", "overage_rate": "110.50", "carry_over": "unused"}
    data.update(changes)
    return data


def _agreements(app):
    from extranet.hours.models import Agreement

    with app.app_context():
        return [(a.organization_id, a.field, a.year, a.minutes_allotted, a.hourly_rate_cents, a.overage_rate_cents,
                 a.carry_over) for a in db.session.scalars(db.select(Agreement).order_by(Agreement.id))]


def test_admin_creates_and_edits_an_agreement(hours_app, world, client_for):
    admin = client_for(hours_app, world.admin)
    page = admin.get("/hours/agreements/new")
    assert page.status_code == 200 and 'name="hourly_rate"' in page.get_data(as_text=True)
    response = admin.post("/hours/agreements/new", data={**_form(world), "csrf_token": csrf_token(admin, "/")})
    assert response.status_code == 303 and response.location.endswith("/hours/agreements")
    assert _agreements(hours_app) == [(world.org_a, "sample", 2026, 7230, 9500, 11050, "unused")]

    listing = admin.get("/hours/agreements?year=2026").get_data(as_text=True)
    assert "Coopérative A" in listing and "120:30" in listing and "$95.00" in listing and "$110.50" in listing
    assert 'id="agreement-' not in admin.get("/hours/agreements?year=2025").get_data(as_text=True)
    assert 'id="agreement-' not in admin.get(f"/hours/agreements?organization={world.org_b}").get_data(as_text=True)
    fragment = admin.get("/hours/agreements?field=sample", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<html" not in fragment and 'id="agreement-' in fragment

    with hours_app.app_context():
        from extranet.hours.models import Agreement

        agreement_id = db.session.scalar(db.select(Agreement.id))
    form = admin.get(f"/hours/agreements/{agreement_id}").get_data(as_text=True)
    assert 'value="120.5"' in form and 'value="95.00"' in form
    response = admin.post(f"/hours/agreements/{agreement_id}", data={
        **_form(world, hours="100", hourly_rate="1 000", carry_over="none"), "csrf_token": csrf_token(admin, "/")})
    assert response.status_code == 303
    assert _agreements(hours_app) == [(world.org_a, "sample", 2026, 6000, 100000, 11050, "none")]
    with hours_app.app_context():
        from extranet.audit.models import AuditEvent

        actions = list(db.session.scalars(db.select(AuditEvent.action).where(AuditEvent.action.like("hours.%")).order_by(AuditEvent.id)))
    assert actions == ["hours.agreement_created", "hours.agreement_changed"]


def test_duplicate_agreement_is_refused(hours_app, world, client_for):
    add_agreement(hours_app, world.org_a, 2026, 10)
    admin = client_for(hours_app, world.admin)
    response = admin.post("/hours/agreements/new", data={**_form(world), "csrf_token": csrf_token(admin, "/")})
    assert response.status_code == 422
    assert "An agreement already exists for this organization, field and year." in response.get_data(as_text=True)
    assert len(_agreements(hours_app)) == 1
    # Another year, or another organization, is fine.
    for changes in ({"year": "2027"}, {"organization_id": str(world.org_b)}):
        response = admin.post("/hours/agreements/new", data={**_form(world, **changes), "csrf_token": csrf_token(admin, "/")})
        assert response.status_code == 303
    # Editing an agreement into another's (organization, field, year) is refused too.
    with hours_app.app_context():
        from extranet.hours.models import Agreement

        later = db.session.scalar(db.select(Agreement.id).where(Agreement.year == 2027))
    response = admin.post(f"/hours/agreements/{later}", data={**_form(world), "csrf_token": csrf_token(admin, "/")})
    assert response.status_code == 422 and len(_agreements(hours_app)) == 3


@pytest.mark.parametrize(("changes", "error"), [
    ({"hours": "-5"}, "cannot be negative"),
    ({"hours": "lots"}, "Enter a number of hours"),
    ({"hourly_rate": "abc"}, "Enter a positive amount"),
    ({"hourly_rate": "-95"}, "Enter a positive amount"),
    ({"overage_rate": "9.999"}, "Enter a positive amount"),
    ({"overage_rate": ""}, "This field is required"),
    ({"year": "1999"}, "Enter a number between 2000 and 2100."),
    ({"field": "nope"}, "Not a valid choice"),
    ({"carry_over": "all"}, "Not a valid choice"),
])
def test_invalid_agreements_are_refused(hours_app, world, client_for, changes, error):
    admin = client_for(hours_app, world.admin)
    response = admin.post("/hours/agreements/new", data={**_form(world, **changes), "csrf_token": csrf_token(admin, "/")})
    assert response.status_code == 422 and error in response.get_data(as_text=True)
    assert _agreements(hours_app) == []


def test_agreements_are_for_admins_only(hours_app, world, client_for):
    agreement_id = add_agreement(hours_app, world.org_a, 2026, 10)
    for person in (world.expert, world.manager_a, world.member_a):
        client = client_for(hours_app, person)
        token = csrf_token(client, "/")
        assert client.get("/hours/agreements").status_code == 404
        assert client.post("/hours/agreements/new", data={**_form(world, year="2030"), "csrf_token": token}).status_code == 404
        assert client.post(f"/hours/agreements/{agreement_id}", data={**_form(world, hours="1"), "csrf_token": token}).status_code == 404
        assert client.post("/hours/settings/sample", data={"sample-members_see_hours": "y", "csrf_token": token}).status_code == 404
    assert _agreements(hours_app) == [(world.org_a, "sample", 2026, 600, 9500, 11000, "none")]


def test_module_hour_settings_are_stored_in_the_module(hours_app, world, client_for):
    from extranet.modules import Module

    admin = client_for(hours_app, world.admin)
    page = admin.get("/hours/agreements").get_data(as_text=True)
    assert 'id="settings-sample"' in page
    response = admin.post("/hours/settings/sample", data={"sample-members_see_hours": "y", "csrf_token": csrf_token(admin, "/")})
    assert response.status_code == 303
    with hours_app.app_context():
        module = db.session.get(Module, "sample")
        assert module.enabled and module.settings == {"members_see_hours": True, "members_see_time_notes": False}
    assert admin.post("/hours/settings/nope", data={"csrf_token": csrf_token(admin, "/")}).status_code == 404


def test_an_agreement_created_meanwhile_is_refused_and_the_transaction_goes_on(hours_app, world):
    """Two admins save the same agreement at once: the later one meets the unique constraint when
    its row is written, is told the agreement exists, and what its transaction holds besides is
    kept (the view decides whether to commit)."""
    from extranet.audit.models import AuditEvent
    from extranet.audit.service import record
    from extranet.hours import service
    from extranet.hours.models import Agreement

    terms = {"organization_id": world.org_a, "field": "sample", "year": 2026, "minutes_allotted": 600,
             "hourly_rate_cents": 9500, "overage_rate_cents": 11000, "carry_over": "none"}
    with hours_app.app_context():
        record("test.before")
        with db.session.no_autoflush:  # the other admin's row, not there yet when the check looks
            db.session.add(Agreement(**terms))
            with pytest.raises(service.AgreementTaken):
                service.save_agreement(None, **{**terms, "minutes_allotted": 1200})
        db.session.commit()
        actions = list(db.session.scalars(db.select(AuditEvent.action).order_by(AuditEvent.id)))
    assert _agreements(hours_app) == [(world.org_a, "sample", 2026, 600, 9500, 11000, "none")]
    assert actions[-1] == "test.before"

    # The same when an agreement is moved to a year someone else has just taken.
    with hours_app.app_context():
        existing = db.session.scalar(db.select(Agreement))
        with db.session.no_autoflush:
            db.session.add(Agreement(**{**terms, "year": 2027}))
            with pytest.raises(service.AgreementTaken):
                service.save_agreement(existing, **{**terms, "year": 2027})
        db.session.commit()
    assert [row[2] for row in _agreements(hours_app)] == [2026, 2027]

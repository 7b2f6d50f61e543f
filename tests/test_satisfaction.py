"""The satisfaction survey: the requester and named contacts rate a closed request, once."""

from __future__ import annotations

from extranet.extensions import db
from extranet.testing import csrf_token
from tests.test_hours import make_request


def _rate(client, reference, rating="4", comment="Très bon service", htmx=False):
    return client.post(f"/hours/requests/{reference}/rate",
                       data={"rating": rating, "comment": comment, "csrf_token": csrf_token(client, "/")},
                       headers={"HX-Request": "true"} if htmx else {})


def _ratings(app):
    from extranet.hours.models import Satisfaction

    with app.app_context():
        return [(s.request.reference, s.user_id, s.rating, s.comment) for s in db.session.scalars(db.select(Satisfaction))]


def test_the_requester_rates_a_closed_request_once(hours_app, world, client_for):
    make_request(hours_app, world, "S-1", state="closed")
    member = client_for(hours_app, world.member_a)
    assert 'hx-get="/hours/requests/S-1"' in member.get("/requests/S-1").get_data(as_text=True)
    panel = member.get("/hours/requests/S-1", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert 'id="rate-request"' in panel and "5 — Very satisfied" in panel and 'type="radio"' in panel
    assert 'id="log-time"' not in panel

    response = _rate(member, "S-1", htmx=True)
    assert response.status_code == 200 and "Thank you for your answer." in response.get_data(as_text=True)
    assert _ratings(hours_app) == [("S-1", world.member_a.id, 4, "Très bon service")]
    assert _rate(member, "S-1", rating="1").status_code == 404  # once only
    panel = member.get("/hours/requests/S-1").get_data(as_text=True)
    assert 'id="rate-request"' not in panel and "Rated 4 out of 5." in panel
    # Staff and colleagues who see the request see the rating; they never rate.
    assert "Rated 4 out of 5." in client_for(hours_app, world.expert).get("/hours/requests/S-1").get_data(as_text=True)
    assert _ratings(hours_app) == [("S-1", world.member_a.id, 4, "Très bon service")]


def test_only_the_requester_and_contacts_rate(hours_app, world, client_for):
    make_request(hours_app, world, "S-1", state="closed", requester=world.manager_a, contacts=[world.member_a])
    make_request(hours_app, world, "S-2", state="closed", requester=world.manager_a)
    expert, admin = client_for(hours_app, world.expert), client_for(hours_app, world.admin)
    member, other = client_for(hours_app, world.member_a), client_for(hours_app, world.member_b)
    assert _rate(expert, "S-1").status_code == 404
    assert _rate(admin, "S-1").status_code == 404
    assert _rate(other, "S-1").status_code == 404
    assert other.get("/hours/requests/S-1").status_code == 404
    assert _rate(member, "S-2").status_code == 404  # a colleague, not a contact
    assert 'id="rate-request"' not in member.get("/hours/requests/S-2").get_data(as_text=True)
    assert _rate(member, "S-1", rating="5").status_code == 303  # a named contact
    assert _ratings(hours_app) == [("S-1", world.member_a.id, 5, "Très bon service")]


def test_only_closed_requests_are_rated(hours_app, world, client_for):
    for reference, state in (("S-1", "delivered"), ("S-2", "cancelled"), ("S-3", "declined")):
        make_request(hours_app, world, reference, state=state)
    member = client_for(hours_app, world.member_a)
    for reference in ("S-1", "S-2", "S-3"):
        assert _rate(member, reference).status_code == 404
        assert member.get(f"/hours/requests/{reference}").status_code == 404
        assert 'hx-get="/hours/requests/' not in member.get(f"/requests/{reference}").get_data(as_text=True)
    assert _ratings(hours_app) == []


def test_a_rating_must_be_between_1_and_5(hours_app, world, client_for):
    make_request(hours_app, world, "S-1", state="closed")
    member = client_for(hours_app, world.member_a)
    for rating in ("", "0", "6", "x"):
        response = _rate(member, "S-1", rating=rating, htmx=True)
        assert response.status_code == 422, rating
    assert "Choose a rating from 1 to 5." in _rate(member, "S-1", rating="", htmx=True).get_data(as_text=True)
    assert _ratings(hours_app) == []

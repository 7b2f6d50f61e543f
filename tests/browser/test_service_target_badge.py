"""An expert sees, in French, when a support ticket's answer is due: on the request and in the
list, where "Overdue only" keeps the late ones."""

from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import expect

from extranet.plugin_testing import file_request, reference_of
from tests.browser.helpers import speaking

TICKET = {"title": "Le serveur de fichiers ne répond plus", "priority": "urgent",
          "affected_system": "Serveur", "steps": "Le lecteur réseau a disparu."}


def test_expert_sees_the_response_target_badge(app, live_server, people, client_for, journey):
    member = client_for(app, people.member_a)
    due = reference_of(file_request(member, "support_ticket", TICKET, field="it"))
    late = reference_of(file_request(member, "support_ticket", {**TICKET, "title": "Imprimante"}, field="it"))
    from extranet.extensions import db
    from extranet.requests.models import ServiceRequest
    from extranet.servicetargets.models import RequestClock

    with app.app_context():
        req = db.session.scalar(db.select(ServiceRequest).filter_by(reference=late))
        db.session.get(RequestClock, req.id).first_response_due_at = req.created_at - timedelta(hours=1)
        db.session.commit()
    speaking(app, "fr_CA", people.expert)
    trip = journey(live_server(app))
    expert = trip.open_as(people.expert)
    trip.check(expert, "dashboard")
    expert.goto(f"{trip.base_url}/requests/{due}")
    badge = expert.locator("#request-facts .clock-badge")
    expect(badge).to_contain_text("Réponse attendue d’ici")
    trip.check(expert, "request with its badge")
    expert.goto(f"{trip.base_url}/requests/")
    expect(expert.locator("#request-table .clock-badge")).to_have_count(2)
    expert.get_by_label("En retard seulement").check()
    expect(expert.locator("#request-table")).not_to_contain_text(due)
    expect(expert.locator("#request-table .clock-badge")).to_contain_text("Réponse en retard depuis")
    trip.check(expert, "overdue requests")

"""The legal workflow: a conflict-of-interest check before acceptance; who may do what."""

from __future__ import annotations

import pytest
from legal_helpers import cast, file_request

from extranet.plugin_testing import (
    check_transition,
    events,
    host,
    load,
    reference_of,
    take,
    token,
)

CHECK = {"confirm": "y", "parties": "Coopérative A\nImmeubles Tremblay inc."}

# slug: (sources, target, roles allowed, form data). Legal requests are restricted and this
# one has an assignee, so the unassigned expert and the manager no longer see it.
MATRIX = {
    "check_conflicts": (("submitted",), "conflicts_cleared", {"assignee", "admin"}, CHECK),
    "accept": (("conflicts_cleared",), "accepted", {"assignee", "admin"}, {}),
    "start": (("accepted",), "in_progress", {"assignee", "admin"}, {}),
    "ask_member": (("in_progress",), "waiting_on_member", {"assignee", "admin"}, {"comment": "Le bail signé?"}),
    "member_replied": (("waiting_on_member",), "in_progress", {"requester", "assignee", "admin"}, {}),
    "deliver": (("in_progress",), "delivered", {"assignee", "admin"}, {}),
    "close": (("delivered",), "closed", {"requester", "admin"}, {}),
    "reopen": (("delivered",), "in_progress", {"requester"}, {"comment": "Une clause oubliée"}),
    "cancel": (("submitted", "conflicts_cleared", "accepted"), "cancelled", {"requester"}, {}),
    "decline": (("submitted", "conflicts_cleared", "accepted"), "declined", {"assignee", "admin"},
                {"comment": "Conflit d’intérêts"}),
}


def _contract(client):
    return reference_of(file_request(client, "contract_review", {
        "title": "Contrat de services", "restricted": "y", "counterparty": "Fournisseur inc.",
        "contract_type": "services",
    }))


def test_legal_matrix_covers_every_transition(app):
    with app.app_context():
        workflow = host().workflows["legal"]
        standard = host().workflows["standard"]
    assert set(MATRIX) == {t.slug for t in workflow.transitions}
    # The rest of the standard workflow is kept as it is.
    for slug in ("start", "ask_member", "member_replied", "deliver", "close", "reopen"):
        assert workflow.transition(slug) == standard.transition(slug)


@pytest.mark.parametrize("slug", list(MATRIX))
def test_legal_transition_matrix(app, people, client_for, slug):
    clients = cast(app, people, client_for)
    reference = _contract(clients["requester"])
    take(clients["assignee"], reference)
    sources, target, allowed, data = MATRIX[slug]
    check_transition(app, clients, reference, slug, sources, target, allowed, data)


def test_legal_accept_is_impossible_before_the_conflict_check(app, people, client_for):
    member = client_for(app, people.member_a)
    reference = _contract(member)
    expert = client_for(app, people.expert)
    detail = expert.get(f"/requests/{reference}").get_data(as_text=True)
    assert 'data-transition="check_conflicts"' in detail and 'data-transition="accept"' not in detail
    for client in (expert, client_for(app, people.admin)):
        response = client.post(f"/requests/{reference}/transition/accept", data={"csrf_token": token(client)})
        assert response.status_code == 404
    assert load(app, reference).state == "submitted"


def test_legal_conflict_check_needs_the_attestation_and_the_parties(app, people, client_for):
    reference = _contract(client_for(app, people.member_a))
    expert = client_for(app, people.expert)
    url = f"/requests/{reference}/transition/check_conflicts"
    response = expert.post(url, data={"csrf_token": token(expert), "check_conflicts-parties": "Fournisseur inc."})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="check_conflicts-confirm-error"' in html
    assert "J’ai vérifié nos dossiers\u00a0: aucun conflit d’intérêts avec les parties" in html
    response = expert.post(url, data={"csrf_token": token(expert), "check_conflicts-confirm": "y"})
    assert response.status_code == 422 and 'id="check_conflicts-parties-error"' in response.get_data(as_text=True)
    assert load(app, reference).state == "submitted"

    response = expert.post(url, data={"csrf_token": token(expert), "check_conflicts-confirm": "y",
                                      "check_conflicts-parties": "Coopérative A\nFournisseur inc."})
    assert response.status_code == 303
    assert load(app, reference).state == "conflicts_cleared"
    (event,) = events(app, reference, "check_conflicts")
    assert event.details == {"confirm": True, "parties": "Coopérative A\nFournisseur inc."}
    detail = expert.get(f"/requests/{reference}").get_data(as_text=True)
    assert "Vérification des conflits faite" in detail and 'data-transition="accept"' in detail
    accept = expert.post(f"/requests/{reference}/transition/accept", data={"csrf_token": token(expert)})
    assert accept.status_code == 303 and load(app, reference).state == "accepted"

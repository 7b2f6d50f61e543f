"""IT follows the standard workflow: who may do what, from where, on a support ticket."""

from __future__ import annotations

import pytest
from it_helpers import cast, file_request

from extranet.plugin_testing import check_transition, host, reference_of, take

# slug: (sources, target, roles allowed, form data). Tickets are visible to the organization.
MATRIX = {
    "accept": (("submitted",), "accepted", {"expert", "assignee", "admin"}, {}),
    "start": (("accepted",), "in_progress", {"assignee", "admin"}, {}),
    "ask_member": (("in_progress",), "waiting_on_member", {"assignee", "admin"}, {"comment": "Quel poste?"}),
    "member_replied": (("waiting_on_member",), "in_progress", {"requester", "manager_a", "assignee", "admin"}, {}),
    "deliver": (("in_progress",), "delivered", {"assignee", "admin"}, {}),
    "close": (("delivered",), "closed", {"requester", "manager_a", "admin"}, {}),
    "reopen": (("delivered",), "in_progress", {"requester", "manager_a"}, {"comment": "Ça recommence"}),
    "cancel": (("submitted", "accepted"), "cancelled", {"requester"}, {}),
    "decline": (("submitted", "accepted"), "declined", {"expert", "assignee", "admin"}, {"comment": "Hors contrat"}),
}


def test_it_matrix_covers_every_transition(app):
    with app.app_context():
        workflow = host().workflows[host().request_types[("it", "support_ticket")].workflow]
    assert workflow.slug == "standard"
    assert set(MATRIX) == {t.slug for t in workflow.transitions}


@pytest.mark.parametrize("slug", list(MATRIX))
def test_it_transition_matrix(app, people, client_for, slug):
    clients = cast(app, people, client_for)
    reference = reference_of(file_request(clients["requester"], "support_ticket", {
        "title": "Imprimante", "priority": "high", "affected_system": "Imprimante de l’accueil",
    }))
    take(clients["assignee"], reference)
    sources, target, allowed, data = MATRIX[slug]
    check_transition(app, clients, reference, slug, sources, target, allowed, data)

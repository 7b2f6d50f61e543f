"""HR follows the standard workflow, on restricted requests: who may do what, from where."""

from __future__ import annotations

import pytest
from hr_helpers import cast, file_request

from extranet.plugin_testing import check_transition, host, reference_of, take

# slug: (sources, target, roles allowed, form data). The request is restricted and has an
# assignee, so the unassigned expert and the manager no longer see it at all.
MATRIX = {
    "accept": (("submitted",), "accepted", {"assignee", "admin"}, {}),
    "start": (("accepted",), "in_progress", {"assignee", "admin"}, {}),
    "ask_member": (("in_progress",), "waiting_on_member", {"assignee", "admin"}, {"comment": "Le contrat?"}),
    "member_replied": (("waiting_on_member",), "in_progress", {"requester", "assignee", "admin"}, {}),
    "deliver": (("in_progress",), "delivered", {"assignee", "admin"}, {}),
    "close": (("delivered",), "closed", {"requester", "admin"}, {}),
    "reopen": (("delivered",), "in_progress", {"requester"}, {"comment": "Il manque un point"}),
    "cancel": (("submitted", "accepted"), "cancelled", {"requester"}, {}),
    "decline": (("submitted", "accepted"), "declined", {"assignee", "admin"}, {"comment": "Hors mandat"}),
}


def test_hr_matrix_covers_every_transition(app):
    with app.app_context():
        workflow = host().workflows[host().request_types[("hr", "policy_review")].workflow]
    assert workflow.slug == "standard"
    assert set(MATRIX) == {t.slug for t in workflow.transitions}


@pytest.mark.parametrize("slug", list(MATRIX))
def test_hr_transition_matrix(app, people, client_for, slug):
    clients = cast(app, people, client_for)
    reference = reference_of(file_request(clients["requester"], "policy_review", {
        "title": "Politique de harcèlement", "restricted": "y", "policy_name": "Harcèlement",
        "goals": "Mise à jour",
    }))
    take(clients["assignee"], reference)
    sources, target, allowed, data = MATRIX[slug]
    check_transition(app, clients, reference, slug, sources, target, allowed, data)

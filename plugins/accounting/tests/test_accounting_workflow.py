"""The accounting workflow: documents pending, and a second expert's review before delivery."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from accounting_helpers import cast, file_request
from flask_babel import force_locale

from extranet.plugin_testing import (
    check_transition,
    host,
    load,
    make_expert,
    reference_of,
    set_state,
    take,
    token,
)

# slug: (sources, target, roles allowed, form data). The request is visible to the whole
# organization; ``expert`` serves accounting without being assigned: the second expert.
MATRIX = {
    "accept": (("submitted",), "accepted", {"expert", "assignee", "admin"}, {}),
    "start": (("accepted",), "in_progress", {"assignee", "admin"}, {}),
    "ask_member": (("in_progress",), "waiting_on_member", {"assignee", "admin"}, {"comment": "Une question"}),
    "member_replied": (("waiting_on_member",), "in_progress", {"requester", "manager_a", "assignee", "admin"}, {}),
    "ask_documents": (("in_progress",), "documents_pending", {"assignee", "admin"}, {"comment": "Relevés bancaires"}),
    "documents_received": (("documents_pending",), "in_progress",
                           {"requester", "manager_a", "assignee", "admin"}, {}),
    "request_review": (("in_progress",), "in_review", {"assignee", "admin"}, {}),
    "approve_review": (("in_review",), "reviewed", {"expert"}, {}),
    "request_changes": (("in_review",), "in_progress", {"expert"}, {"comment": "Note 4 à revoir"}),
    "deliver": (("reviewed",), "delivered", {"assignee", "admin"}, {}),
    "close": (("delivered",), "closed", {"requester", "manager_a", "admin"}, {}),
    "reopen": (("delivered",), "in_progress", {"requester", "manager_a"}, {"comment": "Une erreur"}),
    "cancel": (("submitted", "accepted"), "cancelled", {"requester"}, {}),
    "decline": (("submitted", "accepted"), "declined", {"expert", "assignee", "admin"}, {"comment": "Hors mandat"}),
}


def _budget(client):
    return reference_of(file_request(client, "budget", {"title": "Budget", "budget_year": "2030", "scope": "capital"}))


def _post(client, reference, slug, **data):
    form = {f"{slug}-{name}": value for name, value in data.items()}
    return client.post(f"/requests/{reference}/transition/{slug}", data={"csrf_token": token(client), **form})


def test_accounting_matrix_covers_every_transition(app):
    with app.app_context():
        workflow = host().workflows["accounting"]
    assert set(MATRIX) == {t.slug for t in workflow.transitions}
    assert workflow.state("documents_pending").waiting_on == "member"


@pytest.mark.parametrize("slug", list(MATRIX))
def test_accounting_transition_matrix(app, people, client_for, slug):
    clients = cast(app, people, client_for)
    reference = _budget(clients["requester"])
    take(clients["assignee"], reference)
    sources, target, allowed, data = MATRIX[slug]
    check_transition(app, clients, reference, slug, sources, target, allowed, data)


def test_accounting_review_needs_a_second_expert(app, people, client_for):
    member = client_for(app, people.member_a)
    worker = client_for(app, people.expert)
    reference = _budget(member)
    take(worker, reference)
    for slug in ("accept", "start"):
        assert _post(worker, reference, slug).status_code == 303
    # Waiting for the member's documents.
    assert _post(worker, reference, "ask_documents").status_code == 422
    assert _post(worker, reference, "ask_documents", comment="Le grand livre").status_code == 303
    assert load(app, reference).state == "documents_pending"
    assert 'data-transition="documents_received"' in member.get(f"/requests/{reference}").get_data(as_text=True)
    assert _post(member, reference, "documents_received").status_code == 303
    # Delivery needs a review first.
    assert _post(worker, reference, "deliver").status_code == 404
    assert _post(worker, reference, "request_review").status_code == 303
    assert load(app, reference).state == "in_review"

    # The expert who did the work cannot approve it, nor ask for changes to it.
    detail = worker.get(f"/requests/{reference}").get_data(as_text=True)
    assert "En révision" in detail and 'data-transition="approve_review"' not in detail
    # ... and is told why, next to the greyed-out action.
    assert 'id="refused-approve_review"' in detail
    assert _post(worker, reference, "approve_review").status_code == 404
    assert _post(worker, reference, "request_changes", comment="Rien").status_code == 404
    assert load(app, reference).state == "in_review"

    reviewer = client_for(app, make_expert(app, "accounting", "reviewer@test.org", "Rita Reviewer"))
    detail = reviewer.get(f"/requests/{reference}").get_data(as_text=True)
    assert 'data-transition="approve_review"' in detail and 'data-transition="request_changes"' in detail
    assert _post(reviewer, reference, "request_changes").status_code == 422
    assert _post(reviewer, reference, "request_changes", comment="Note 4").status_code == 303
    assert load(app, reference).state == "in_progress"
    assert _post(worker, reference, "request_review").status_code == 303
    assert _post(reviewer, reference, "approve_review").status_code == 303
    assert load(app, reference).state == "reviewed"
    # The reviewer approves; delivering stays with the assigned expert.
    assert _post(reviewer, reference, "deliver").status_code == 404
    assert _post(worker, reference, "deliver").status_code == 303
    assert load(app, reference).state == "delivered"


def test_accounting_guard_gives_a_translated_reason(app):
    from extranet_accounting.workflow import second_expert

    me, other = SimpleNamespace(id=1), SimpleNamespace(id=2)
    req = SimpleNamespace(assignees=[me])
    assert second_expert(req, other) is None
    with app.test_request_context(), force_locale("fr_CA"):
        assert str(second_expert(req, me)).startswith("Une deuxième experte ou un deuxième expert")


def test_accounting_admin_is_no_reviewer(app, people, client_for):
    reference = _budget(client_for(app, people.member_a))
    set_state(app, reference, "in_review")
    admin = client_for(app, people.admin)
    assert _post(admin, reference, "approve_review").status_code == 404
    assert load(app, reference).state == "in_review"

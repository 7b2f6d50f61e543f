"""The accounting workflow: the standard one, with a documents-pending state and a review by
a second expert before delivery."""

from __future__ import annotations

from dataclasses import replace

from flask_babel import lazy_gettext as _l

from extranet.api import STANDARD, State, Transition
from extranet_accounting.forms import ChangesForm, DocumentsForm

MEMBER_SIDE = ("requester", "contact", "manager")
WORKERS = ("assignee", "admin")


def second_expert(req, user):
    """The review is a second pair of eyes: not the expert who did the work."""
    if any(assignee.id == user.id for assignee in req.assignees):
        return _l("A second expert must review the work: you are assigned to this request.")
    return None


ACCOUNTING = STANDARD.derive(
    "accounting",
    _l("Accounting"),
    states=(
        State("documents_pending", _l("Waiting for documents"), waiting_on="member",
              reached=_l("Request %(ref)s now waits for the member's documents.")),
        State("in_review", _l("In review"), reached=_l("Request %(ref)s is sent for review.")),
        State("reviewed", _l("Reviewed"), reached=_l("Request %(ref)s is reviewed: it can be delivered.")),
    ),
    transitions=(
        Transition("ask_documents", _l("Ask for documents"), ("in_progress",), "documents_pending",
                   WORKERS, form=DocumentsForm),
        Transition("documents_received", _l("Documents sent"), ("documents_pending",), "in_progress",
                   (*MEMBER_SIDE, *WORKERS), staff_label=_l("Documents received"),
                   done=_l("Request %(ref)s is back with the experts, with the documents.")),
        Transition("request_review", _l("Ask for a review"), ("in_progress",), "in_review", WORKERS),
        Transition("approve_review", _l("Approve the work"), ("in_review",), "reviewed", ("expert",),
                   guard=second_expert),
        Transition("request_changes", _l("Ask for changes"), ("in_review",), "in_progress", ("expert",),
                   form=ChangesForm, guard=second_expert, done=_l("Request %(ref)s goes back to its expert for changes.")),
    ),
    replace_transitions={
        "deliver": replace(STANDARD.transition("deliver"), sources=("reviewed",)),
    },
)

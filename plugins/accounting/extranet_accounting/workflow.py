"""The accounting workflow: the core's ``second_review`` one (a review by a second expert before
delivery), with a documents-pending state."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from extranet.api import SECOND_REVIEW, State, Transition
from extranet_accounting.forms import DocumentsForm

MEMBER_SIDE = ("requester", "contact", "manager")
WORKERS = ("assignee", "admin")

ACCOUNTING = SECOND_REVIEW.derive(
    "accounting",
    _l("Accounting"),
    states=(
        State("documents_pending", _l("Waiting for documents"), waiting_on="member",
              reached=_l("Request %(ref)s now waits for the member's documents.")),
    ),
    transitions=(
        Transition("ask_documents", _l("Ask for documents"), ("in_progress",), "documents_pending",
                   WORKERS, form=DocumentsForm),
        Transition("documents_received", _l("Documents sent"), ("documents_pending",), "in_progress",
                   (*MEMBER_SIDE, *WORKERS), staff_label=_l("Documents received"),
                   done=_l("Request %(ref)s is back with the experts, with the documents.")),
    ),
)

# The review's guard, the core's: the reviewer is not one of the experts who did the work.
second_expert = ACCOUNTING.transition("approve_review").guard

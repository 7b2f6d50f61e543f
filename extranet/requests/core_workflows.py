"""The core's workflows beyond the standard one, offered to every field (a stored field's types
choose among them in the field builder): a second expert's review before delivery, and a check
before acceptance. Both derive from STANDARD, as plugins' workflows do."""

from __future__ import annotations

from dataclasses import replace

from flask_babel import lazy_gettext as _l
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from extranet.contributions import State, Transition
from extranet.requests.forms import ReasonForm
from extranet.requests.standard import STAFF, STANDARD

WORKERS = ("assignee", "admin")


class ReviewChangesForm(ReasonForm):
    comment = TextAreaField(_l("Changes to make"), validators=[DataRequired(), Length(max=5000)])


class AcceptanceCheckForm(ReasonForm):
    comment = TextAreaField(_l("What was checked"), validators=[DataRequired(), Length(max=5000)],
                            description=_l("The mandate's scope, its feasibility, a conflict of interest…"))


def not_the_first_expert(req, user):
    """A review is a second pair of eyes: none of the experts who did the work."""
    if any(assignee.id == user.id for assignee in req.assignees):
        return _l("A second expert must review the work: you are assigned to this request.")
    return None


SECOND_REVIEW = STANDARD.derive(
    "second_review",
    _l("With a second expert's review"),
    states=(
        State("in_review", _l("In review"), reached=_l("Request %(ref)s is sent for review.")),
        State("reviewed", _l("Reviewed"), reached=_l("Request %(ref)s is reviewed: it can be delivered.")),
    ),
    transitions=(
        Transition("request_review", _l("Ask for a review"), ("in_progress",), "in_review", WORKERS),
        Transition("approve_review", _l("Approve the work"), ("in_review",), "reviewed", ("expert",),
                   guard=not_the_first_expert),
        Transition("request_changes", _l("Ask for changes"), ("in_review",), "in_progress", ("expert",),
                   form=ReviewChangesForm, guard=not_the_first_expert,
                   done=_l("Request %(ref)s goes back to its expert for changes.")),
    ),
    # Delivered only once reviewed: the reviewed work is what the member gets.
    replace_transitions={"deliver": replace(STANDARD.transition("deliver"), sources=("reviewed",))},
)

ACCEPTANCE_CHECK = STANDARD.derive(
    "acceptance_check",
    _l("With a check before acceptance"),
    states=(State("checked", _l("Checked"), reached=_l("Request %(ref)s is checked: it can be accepted.")),),
    transitions=(
        Transition("check", _l("Check before accepting"), ("submitted",), "checked", STAFF,
                   form=AcceptanceCheckForm),
    ),
    replace_transitions={
        # Accepting needs the check done; declining stays possible until the work starts, and
        # the member may still cancel before it.
        "accept": replace(STANDARD.transition("accept"), sources=("checked",)),
        "decline": replace(STANDARD.transition("decline"), sources=("submitted", "checked", "accepted")),
        "cancel": replace(STANDARD.transition("cancel"), sources=("submitted", "checked", "accepted")),
    },
)

CORE_WORKFLOWS = (STANDARD, SECOND_REVIEW, ACCEPTANCE_CHECK)

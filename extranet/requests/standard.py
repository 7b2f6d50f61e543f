"""The standard request workflow, which fields refine with ``Workflow.derive``:

submitted → accepted → in_progress ⇄ waiting_on_member → delivered → closed, with cancelled
(requester, before work starts), declined (staff, with a reason), and reopening a delivered
request within 30 days.
"""

from __future__ import annotations

from datetime import timedelta

from flask_babel import lazy_gettext as _l

from extranet.contributions import State, Transition, Workflow
from extranet.db_types import utcnow
from extranet.plugins import host
from extranet.requests.forms import ReasonForm

REOPEN_WITHIN = timedelta(days=30)
MEMBER_SIDE = ("requester", "contact", "manager")
STAFF = ("expert", "admin")


def within_reopen_window(req, user):
    if utcnow() - req.state_changed_at > REOPEN_WITHIN:
        return _l("A request can be reopened within 30 days of its delivery.")
    return None


STANDARD = Workflow(
    slug="standard",
    label=_l("Standard"),
    initial="submitted",
    states=(
        State("submitted", _l("Submitted"), reached=_l("Request %(ref)s is submitted.")),
        State("accepted", _l("Accepted"), reached=_l("Request %(ref)s is accepted.")),
        State("in_progress", _l("In progress"), reached=_l("Request %(ref)s is in progress.")),
        State("waiting_on_member", _l("Waiting on the member"), waiting_on="member",
              reached=_l("Request %(ref)s now waits on the member.")),
        State("delivered", _l("Delivered"), waiting_on="member", reached=_l("Request %(ref)s is delivered.")),
        State("closed", _l("Closed"), terminal=True, waiting_on="nobody", reached=_l("Request %(ref)s is closed.")),
        State("cancelled", _l("Cancelled"), terminal=True, waiting_on="nobody",
              reached=_l("Request %(ref)s is cancelled.")),
        State("declined", _l("Declined"), terminal=True, waiting_on="nobody",
              reached=_l("Request %(ref)s is declined.")),
    ),
    transitions=(
        Transition("accept", _l("Accept"), ("submitted",), "accepted", STAFF),
        Transition("start", _l("Start the work"), ("accepted",), "in_progress", ("assignee", "admin")),
        Transition("ask_member", _l("Ask the member"), ("in_progress",), "waiting_on_member",
                   ("assignee", "admin"), form=ReasonForm),
        Transition("member_replied", _l("I have answered"), ("waiting_on_member",), "in_progress",
                   (*MEMBER_SIDE, "assignee", "admin"), staff_label=_l("The member has answered"),
                   done=_l("Request %(ref)s is back with the experts.")),
        Transition("deliver", _l("Deliver"), ("in_progress",), "delivered", ("assignee", "admin")),
        Transition("close", _l("Close"), ("delivered",), "closed", (*MEMBER_SIDE, "admin")),
        Transition("reopen", _l("Reopen"), ("delivered",), "in_progress", MEMBER_SIDE,
                   form=ReasonForm, guard=within_reopen_window, done=_l("Request %(ref)s is reopened.")),
        Transition("cancel", _l("Cancel the request"), ("submitted", "accepted"), "cancelled",
                   ("requester",), danger=True),
        Transition("decline", _l("Decline"), ("submitted", "accepted"), "declined", STAFF,
                   form=ReasonForm, danger=True),
    ),
)


def workflow_of(req) -> Workflow:
    """The request's workflow; for a type no longer served (its plugin uninstalled), one that
    holds the request's state and offers no move: the request stays readable, read-only."""
    plugins = host()
    rtype = plugins.request_types.get((req.field, req.type))
    if rtype is None or rtype.workflow not in plugins.workflows:
        return read_only_workflow(req.state)
    return plugins.workflows[rtype.workflow]


def read_only_workflow(state: str) -> Workflow:
    plugins = host()
    known = next((w.state(state) for w in (plugins.workflows[s] for s in plugins.core_workflows) if w.state(state)),
                 STANDARD.state(state))
    # A state of the plugin's own workflow is named by its slug, as the request's field is.
    held = known or State(state, state, terminal=True, waiting_on="nobody")
    return Workflow("read_only", _l("Read-only"), state, (held,), ())

"""The legal workflow: the standard one with a conflict-of-interest check before acceptance."""

from __future__ import annotations

from dataclasses import replace

from flask_babel import lazy_gettext as _l

from extranet.api import STANDARD, State, Transition
from extranet_legal.forms import ConflictCheckForm

STAFF = ("expert", "admin")

LEGAL = STANDARD.derive(
    "legal",
    _l("Legal"),
    states=(State("conflicts_cleared", _l("Conflict check done"),
                  reached=_l("Request %(ref)s is cleared of conflicts of interest: it can be accepted.")),),
    transitions=(
        Transition("check_conflicts", _l("Check for conflicts of interest"), ("submitted",),
                   "conflicts_cleared", STAFF, form=ConflictCheckForm),
    ),
    replace_transitions={
        # Accepting a mandate needs the check done; declining stays possible until acceptance
        # and just after it, and the member may still cancel before the work starts.
        "accept": replace(STANDARD.transition("accept"), sources=("conflicts_cleared",)),
        "decline": replace(STANDARD.transition("decline"), sources=("submitted", "conflicts_cleared", "accepted")),
        "cancel": replace(STANDARD.transition("cancel"), sources=("submitted", "conflicts_cleared", "accepted")),
    },
)

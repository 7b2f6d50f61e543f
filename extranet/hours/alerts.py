"""The hour bank's alerts: an organization's managers hear once when its use of a field's
allotment for the year reaches 80 % and 100 %."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from extranet.extensions import db
from extranet.hours.balances import balance
from extranet.hours.models import HourAlert
from extranet.notifications.service import notify

THRESHOLDS = (80, 100)


def check_thresholds(organization, field: str, year: int, actor=None) -> list[int]:
    """After time is logged: announce each threshold (80 %, 100 %) of the year's allotment that
    is now reached and was never announced, once (an ``HourAlert`` row per agreement and
    threshold), to the organization's managers. Returns the thresholds announced."""
    result = balance(organization.id, field, year)
    if result.agreement is None or result.percent is None:
        return []
    announced = []
    for threshold in THRESHOLDS:
        if result.percent < threshold:
            continue
        if db.session.get(HourAlert, (result.agreement.id, threshold)) is not None:
            continue
        try:
            with db.session.begin_nested():
                db.session.add(HourAlert(agreement_id=result.agreement.id, threshold=threshold))
        except IntegrityError:  # announced meanwhile by a concurrent request
            continue
        notify(f"hours_{threshold}", organization, actor, field=result.field, year=result.year,
               percent=str(result.percent))
        announced.append(threshold)
    return announced

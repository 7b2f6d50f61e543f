"""The notification centre and each person's e-mail preferences."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import selectinload

from extranet.db_types import utcnow
from extranet.extensions import db
from extranet.notifications.models import MutedEmail, Notification
from extranet.notifications.service import describe, destination, kind_labels
from extranet.requests.models import ServiceRequest
from extranet.requests.rules import visible_requests
from extranet.web.htmx import render, wants_fragment
from extranet.web.lookups import signed_in_user
from extranet.web.pager import Keys, bounded_page

bp = Blueprint("notifications", __name__, url_prefix="/notifications")

CHANGED = "notifications-changed"  # the HX-Trigger event the header's badge listens for



def readable(user):
    """The condition on notifications that ``user`` may read: their own, and only about
    requests they can still see (the same rule as ``request.view``, as a correlated EXISTS)."""
    visible = visible_requests(user).with_only_columns(ServiceRequest.id).where(
        ServiceRequest.id == Notification.request_id
    )
    return (Notification.user_id == user.id) & or_(Notification.request_id.is_(None), visible.exists())


def unread_count(user) -> int:
    return db.session.scalar(
        select(func.count(Notification.id)).where(readable(user), Notification.read_at.is_(None))
    )


def _list_context(user) -> dict:
    query = (
        select(Notification)
        .where(readable(user))
        .options(
            selectinload(Notification.request),
            selectinload(Notification.actor),
        )
        .order_by(Notification.id.desc())
    )
    # Bounded: a person's notifications pile up (≈ 300 each at ×10), all kept.
    page = bounded_page(query, Keys("n", (Notification.id, True)))
    items = [(n, describe(n)) for n in page.items]
    return {"page": page, "items": items, "unread": unread_count(user)}


@bp.get("/")
@login_required
def index():
    return render("notifications/index.html", "notifications/_list.html", **_list_context(signed_in_user()))


@bp.get("/badge")
@login_required
def badge():
    return render("notifications/_badge.html", "notifications/_badge.html", count=unread_count(signed_in_user()))


@bp.post("/<id:notification_id>")
@login_required
def open_one(notification_id: int):
    """Mark as read, then go to what it is about."""
    notification = db.session.get(Notification, notification_id)
    if notification is None or notification.user_id != current_user.id:
        abort(404)
    notification.read_at = notification.read_at or utcnow()
    db.session.commit()
    found = destination(notification, current_user)
    if found is None:
        return redirect(url_for("notifications.index"), 303)
    endpoint, values = found
    return redirect(url_for(endpoint, **values), 303)


@bp.post("/read")
@login_required
def mark_all_read():
    db.session.execute(
        update(Notification)
        .where(Notification.user_id == current_user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    db.session.commit()
    if wants_fragment():
        # Swap the list in place; the header's badge hears the event and refreshes itself.
        response = render("notifications/index.html", "notifications/_list.html",
                          done=True, **_list_context(signed_in_user()))
        response.headers["HX-Trigger"] = CHANGED
        return response
    flash(_("All notifications are marked as read."), "success")
    return redirect(url_for("notifications.index"), 303)


@bp.route("/preferences", methods=["GET", "POST"])
@login_required
def preferences():
    muted = set(db.session.scalars(select(MutedEmail.kind).where(MutedEmail.user_id == current_user.id)))
    kinds = kind_labels()
    if request.method == "POST":
        wanted = set(request.form.getlist("email"))
        for kind in kinds:
            if kind in wanted and kind in muted:
                db.session.delete(db.session.get(MutedEmail, (current_user.id, kind)))
            elif kind not in wanted and kind not in muted:
                db.session.add(MutedEmail(user_id=current_user.id, kind=kind))
        db.session.commit()
        flash(_("Your e-mail preferences are saved."), "success")
        return redirect(url_for("notifications.preferences"), 303)
    return render("notifications/preferences.html", kinds=kinds, muted=muted)

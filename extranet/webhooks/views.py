"""Administration → Webhooks: allowed hosts, subscriptions, their delivery log."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import select

from extranet.extensions import db
from extranet.policy import require
from extranet.web.htmx import hx_redirect, render
from extranet.web.lookups import row_or_404, signed_in_user
from extranet.web.pager import Keys, bounded_page
from extranet.webhooks import service
from extranet.webhooks.events import known_events
from extranet.webhooks.forms import HostForm, SubscriptionForm
from extranet.webhooks.models import WebhookDelivery, WebhookHost, WebhookSubscription

bp = Blueprint("webhooks", __name__, url_prefix="/admin/webhooks")


@bp.record_once
def _check_events(state):
    """A plugin's event with another plugin's name stops the start, as its other contributions do."""
    with state.app.app_context():
        known_events()


@bp.before_request
@login_required
def only_admins():
    require("webhooks.manage")


def _subscription_form(**kwargs) -> SubscriptionForm:
    form = SubscriptionForm(**kwargs)
    form.events.choices = [(name, event.label) for name, event in known_events().items()]
    return form


def _index(subscription_form=None, host_form=None, status=200):
    subscriptions = list(db.session.scalars(select(WebhookSubscription).order_by(WebhookSubscription.id)))
    return render(
        "webhooks/index.html",
        status=status,
        subscriptions=subscriptions,
        counts=service.delivery_counts([s.id for s in subscriptions]),
        hosts=list(db.session.scalars(select(WebhookHost).order_by(WebhookHost.host))),
        events=known_events(),
        form=subscription_form or _subscription_form(formdata=None),
        host_form=host_form or HostForm(prefix="host", formdata=None),
    )


@bp.get("/")
def index():
    return _index()


@bp.post("/")
def subscribe():
    form = _subscription_form()
    if not form.validate_on_submit():
        return _index(subscription_form=form, status=422)
    subscription, secret = service.subscribe(form.url.data.strip(), form.description.data.strip(),
                                             form.events.data, signed_in_user())
    db.session.commit()
    return _secret_page(subscription, secret)


@bp.post("/hosts")
def add_host():
    form = HostForm(prefix="host")
    if not form.validate_on_submit():
        return _index(host_form=form, status=422)
    if service.add_host(form.host.data, signed_in_user()) is None:
        flash(_("%(host)s is already allowed.", host=form.host.data), "info")
    else:
        db.session.commit()
        flash(_("Webhooks may now be delivered to %(host)s.", host=form.host.data), "success")
    return hx_redirect(url_for("webhooks.index"))


@bp.post("/hosts/<id:host_id>/delete")
def remove_host(host_id: int):
    row = row_or_404(WebhookHost, host_id, "webhooks.manage")
    host = row.host
    service.remove_host(row)
    db.session.commit()
    flash(_("%(host)s is no longer allowed: deliveries to it are refused.", host=host), "success")
    return hx_redirect(url_for("webhooks.index"))


@bp.get("/<id:subscription_id>")
def subscription(subscription_id: int):
    row = row_or_404(WebhookSubscription, subscription_id, "webhooks.manage")
    per_page = current_app.config["PAGE_SIZE"]
    page = bounded_page(  # a delivery per event sent, kept: bounded
        select(WebhookDelivery).where(WebhookDelivery.subscription_id == row.id).order_by(WebhookDelivery.id.desc()),
        Keys("d", (WebhookDelivery.id, True)), per_page=per_page,
    )
    return render("webhooks/subscription.html", subscription=row, page=page, events=known_events())


@bp.post("/<id:subscription_id>/active")
def set_active(subscription_id: int):
    row = row_or_404(WebhookSubscription, subscription_id, "webhooks.manage")
    active = request.form.get("active") == "1"
    service.set_active(row, active)
    db.session.commit()
    if active:
        flash(_("The webhook is enabled: its waiting deliveries are sent at the worker's next pass."), "success")
    else:
        flash(_("The webhook is disabled: nothing is sent to it until it is enabled again."), "success")
    return hx_redirect(url_for("webhooks.subscription", subscription_id=row.id))


@bp.post("/<id:subscription_id>/secret")
def new_secret(subscription_id: int):
    row = row_or_404(WebhookSubscription, subscription_id, "webhooks.manage")
    secret = service.new_secret(row)
    db.session.commit()
    return _secret_page(row, secret)


def _secret_page(subscription: WebhookSubscription, secret: str):
    response = render("webhooks/secret.html", subscription=subscription, secret=secret)
    response.headers["Cache-Control"] = "no-store"  # shown once: no copy kept by the browser
    return response


@bp.post("/<id:subscription_id>/delete")
def delete(subscription_id: int):
    row = row_or_404(WebhookSubscription, subscription_id, "webhooks.manage")
    service.delete(row)
    db.session.commit()
    flash(_("The webhook and its delivery log are deleted."), "success")
    return hx_redirect(url_for("webhooks.index"))


@bp.post("/deliveries/<id:delivery_id>/again")
def send_again(delivery_id: int):
    delivery = row_or_404(WebhookDelivery, delivery_id, "webhooks.manage")
    service.send_again(delivery)
    db.session.commit()
    flash(_("The delivery will be sent again at the worker's next pass."), "success")
    return hx_redirect(url_for("webhooks.subscription", subscription_id=delivery.subscription_id))



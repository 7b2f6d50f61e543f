"""Communications, an example third-party expertise field of Coop Extranet.

A complete field: its field, two request types with their forms, the standard workflow, a
home page of its own with the publication calendar, and the calendar's table in its own
migration branch (``models.py``, ``migrations/``). It imports nothing from the core but
``extranet.api``.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import abort, current_app, url_for
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from extranet.api import (
    BaseForm,
    DateField,
    ExpertiseField,
    IntegerField,
    NotificationKind,
    Panel,
    RequestForm,
    RequestType,
    ServiceRequest,
    current_user,
    db,
    field_blueprint,
    field_hooks,
    hookimpl,
    login_required,
    notify_request,
    plugin_settings,
    render,
    request_scope,
    visible_requests,
)
from extranet_communications.models import Publication

SLUG = "communications"
# The calendar leaves out what will not be published; a closed request was published.
DROPPED = ("cancelled", "declined")
CALENDAR_LENGTH = 10

AUDIENCES = [
    ("members", _l("Our members")),
    ("public", _l("The general public")),
    ("partners", _l("Partners and funders")),
]


def local_today() -> date:
    """Today where the cooperative is: a date filed as "today" stays upcoming until midnight
    there, whatever the server's clock zone."""
    return datetime.now(ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])).date()


def not_in_the_past(form, field):
    if field.data and field.data < local_today():
        raise ValidationError(_l("This date is already past."))


class PressReleaseForm(RequestForm):
    announcement = TextAreaField(
        _l("What are you announcing?"), validators=[DataRequired(), Length(max=5000)]
    )
    # Named ``due_date``: it sets the request's due date.
    due_date = DateField(_l("Desired publication date"), validators=[Optional(), not_in_the_past])
    spokesperson = StringField(_l("Spokesperson"), validators=[Optional(), Length(max=200)])
    embargo = BooleanField(_l("Under embargo until publication"))


class NewsletterForm(RequestForm):
    audience = SelectField(_l("Audience"), choices=AUDIENCES, validators=[DataRequired()])
    issue_date = DateField(_l("Issue date"), validators=[DataRequired(), not_in_the_past])
    topics = TextAreaField(
        _l("Topics"), description=_l("One per line."), validators=[DataRequired(), Length(max=5000)]
    )


class CommunicationsSettingsForm(BaseForm):
    """The module's own settings, which an admin fills on its page under Administration → Modules."""

    calendar_length = IntegerField(_l("Publications shown in the calendar"), min=1, max=50,
                                   default=CALENDAR_LENGTH)


FIELD = ExpertiseField(
    slug=SLUG,
    label=_l("Communications"),
    description=_l("Press releases and newsletters: our communications team writes and publishes them with you."),
    icon="megaphone",
    colour="#8a5a1f",
    order=60,
    prefix="COM",
    settings_form=CommunicationsSettingsForm,
)

SCHEDULED = NotificationKind(
    "communications_scheduled",
    _l("A publication I asked for is in the calendar"),
    _l("%(ref)s “%(title)s” is in the publication calendar for %(date)s."),
    email_template="communications/emails/scheduled.txt",
)

TYPES = [
    RequestType(
        field=SLUG, slug="press_release", label=_l("Press release"), form=PressReleaseForm, order=10,
        description=_l("Announce news to the media."),
    ),
    RequestType(
        field=SLUG, slug="newsletter", label=_l("Newsletter"), form=NewsletterForm, order=20,
        description=_l("Write and send an issue of your newsletter."),
    ),
]


def planned_date(service_request) -> date | None:
    """When the request is to be published: a press release's desired date (kept by the core
    as the request's due time), a newsletter's issue date (kept in its data)."""
    if service_request.type == "press_release" and service_request.due_at:
        return service_request.due_at.astimezone(ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])).date()
    if service_request.type == "newsletter" and service_request.data.get("issue_date"):
        return date.fromisoformat(service_request.data["issue_date"])
    return None


def calendar(user) -> list:
    """The next publications ``user`` may see, soonest first: (request, date) pairs. The
    core's query of visible requests decides who sees what, as on every list."""
    query = (
        visible_requests(user, request_scope(user))
        .join(Publication, Publication.request_id == ServiceRequest.id)
        .add_columns(Publication.planned_on)
        .where(ServiceRequest.field == SLUG, ServiceRequest.state.not_in(DROPPED),
               Publication.planned_on >= local_today())
        .order_by(Publication.planned_on, ServiceRequest.id)
        .limit(plugin_settings(SLUG).get("calendar_length") or CALENDAR_LENGTH)
    )
    return db.session.execute(query).all()


bp = field_blueprint(SLUG, __name__, template="communications/home.html",
                     context=lambda: {"calendar": calendar(current_user)}, template_folder="templates")

@bp.get("/requests/<reference>/publication")
@login_required
def publication_panel(reference: str):
    """The request page's "Publication" panel: when the request is planned in the calendar.
    The core's query of visible requests decides, as on the request page itself."""
    found = db.session.execute(
        visible_requests(current_user).outerjoin(Publication, Publication.request_id == ServiceRequest.id)
        .add_columns(Publication.planned_on)
        .where(ServiceRequest.reference == reference, ServiceRequest.field == SLUG)
    ).first()
    if found is None:
        abort(404)
    return render("communications/_publication_panel.html", planned_on=found.planned_on)


@hookimpl
def extranet_page_panels(page, user, target):
    """A panel on the page of each of the field's requests (the core asks this plugin only about
    its own field's requests, and only for a viewer who may see the request)."""
    if page != "request":
        return []
    return [Panel(slug="communications-publication", title=_l("Publication"), order=10,
                  url=url_for("communications.publication_panel", reference=target.reference))]


# The start-up hooks every field implements alike; pluggy finds them by these names.
(extranet_register_fields, extranet_register_request_types,
 extranet_register_blueprints) = field_hooks(FIELD, TYPES, bp)


@hookimpl
def extranet_request_created(service_request, user):
    if service_request.field != SLUG or (planned_on := planned_date(service_request)) is None:
        return
    db.session.add(Publication(request_id=service_request.id, planned_on=planned_on))
    # From the calendar, not from a person: the requester hears of it too.
    notify_request(SCHEDULED.kind, service_request, None, date=planned_on.isoformat())
    try:
        db.session.commit()
    except Exception:
        # The request is saved already; the page that filed it must still be able to answer.
        db.session.rollback()
        raise


@hookimpl
def extranet_register_notification_kinds(app):
    return [SCHEDULED]

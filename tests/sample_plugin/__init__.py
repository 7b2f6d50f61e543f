"""A test plugin that implements every hook of the plugin contract."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, request, url_for
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField, StringField
from wtforms.validators import DataRequired

from extranet.api import (
    STANDARD,
    BaseForm,
    DocumentCategory,
    Field,
    NotificationKind,
    Panel,
    RequestForm,
    RequestType,
    Rule,
    State,
    Transition,
    WebhookEvent,
    Widget,
    can,
    current_organization,
    hookimpl,
    login_required,
    render,
    require,
)


class QuestionForm(RequestForm):
    topic = SelectField("Topic", choices=[("general", "General"), ("locked", "Locked")], validators=[DataRequired()])
    priority = SelectField("Priority", choices=[("normal", "Normal"), ("urgent", "Urgent")], default="normal")


class SampleSettingsForm(BaseForm):
    greeting = StringField("Greeting", validators=[DataRequired()])
    weekly_digest = BooleanField("Weekly digest")


class SamplePlugin:
    SLUG = "sample"

    def __init__(self, slug: str = "sample", order: int = 50):
        self.SLUG = slug
        self.order = order
        self.initialised_apps = []
        self.created = []
        self.transitioned = []
        self.time_logged = []
        self.uploaded = []
        self.demo_data = []
        self.blueprint = Blueprint(slug, __name__, template_folder="templates")
        self.blueprint.add_url_rule("/", "index", login_required(self.index))
        self.blueprint.add_url_rule("/widget", "widget", login_required(self.widget))
        self.blueprint.add_url_rule("/panel/<page>", "panel", login_required(self.panel))
        self.panels_asked = []

    def index(self):
        require("field.use", self.SLUG)
        return render("sample/index.html", organization=current_organization(), slug=self.SLUG)

    def widget(self):
        require("field.use", self.SLUG)
        return render("sample/_widget.html")

    def panel(self, page):
        require(f"{self.SLUG}.answers") if request.args.get("staff") else require("field.use", self.SLUG)
        return f"<p>Sample {page} panel{' for staff' if request.args.get('staff') else ''}</p>"

    @hookimpl
    def extranet_page_panels(self, page, user, target):
        """One panel per slot for everyone, and one the field's staff alone see (its action)."""
        self.panels_asked.append((page, getattr(target, "id", target)))
        url = url_for(f"{self.SLUG}.panel", page=page)
        return [Panel(slug=f"{self.SLUG}-{page}", title=f"Sample {page} panel", url=url, order=self.order),
                Panel(slug=f"{self.SLUG}-{page}-staff", title=f"Sample {page} staff panel", url=f"{url}?staff=1",
                      action=f"{self.SLUG}.answers")]

    def see_answers(self, user, target):
        """The plugin's own action: the field's experts and admins, while the module is on."""
        return can(user, "field.use", self.SLUG) and (user.is_admin or self.SLUG in user.field_slugs)

    @hookimpl
    def extranet_register_rules(self, app):
        return [Rule(f"{self.SLUG}.answers", self.see_answers)]

    @hookimpl
    def extranet_init_app(self, app):
        self.initialised_apps.append(app)

    @hookimpl
    def extranet_register_fields(self, app):
        return [Field(slug=self.SLUG, label=_l("Sample field"), description="For tests", order=self.order,
                      settings_form=SampleSettingsForm)]

    @hookimpl
    def extranet_register_modules(self, app):
        return []  # a field is its module already; an integration returns its PluginModule

    @hookimpl
    def extranet_register_blueprints(self, app):
        return [self.blueprint]

    @hookimpl
    def extranet_dashboard_widgets(self, user, organization):
        return [Widget(slug=self.SLUG, title="Sample widget", url=url_for(f"{self.SLUG}.widget"), order=self.order)]

    @hookimpl
    def extranet_register_request_types(self, app):
        return [
            RequestType(
                field=self.SLUG, slug="question", label="Question", form=QuestionForm,
                response_targets={"urgent": timedelta(hours=4)},
            ),
            RequestType(
                field=self.SLUG, slug="review", label="Review", form=RequestForm,
                workflow=f"{self.SLUG}_review", confidentiality="restricted",
            ),
        ]

    @hookimpl
    def extranet_register_workflows(self, app):
        return [
            STANDARD.derive(
                f"{self.SLUG}_review", "Review",
                states=(State("reviewed", "Reviewed"),),
                transitions=(Transition("review", "Review", ("in_progress",), "reviewed", ("expert",)),),
                replace_transitions={
                    "deliver": Transition("deliver", "Deliver", ("reviewed",), "delivered", ("assignee", "admin")),
                },
            )
        ]

    @hookimpl
    def extranet_authorize_transition(self, user, service_request, transition):
        if transition.slug == "close" and service_request.data.get("topic") == "locked":
            return False
        return None

    @hookimpl
    def extranet_request_created(self, service_request, user):
        self.created.append(service_request.reference)

    @hookimpl
    def extranet_request_transitioned(self, service_request, transition, user):
        self.transitioned.append((service_request.reference, transition.slug))

    @hookimpl
    def extranet_time_logged(self, entry):
        self.time_logged.append((entry.request.reference, entry.minutes))

    @hookimpl
    def extranet_register_document_categories(self, app):
        return [
            DocumentCategory(field=self.SLUG, slug="scans", label="Scans", allowed_types=("application/pdf", "image/*"),
                             max_size=2000),
            DocumentCategory(field=self.SLUG, slug="any", label="Anything"),
        ]

    @hookimpl
    def extranet_register_notification_kinds(self, app):
        return [NotificationKind(f"{self.SLUG}_answered", "A sample question is answered",
                                 "%(actor)s answered %(ref)s on %(when)s.",
                                 email_template=f"{self.SLUG}/emails/answered.txt")]

    @hookimpl
    def extranet_demo_data(self, organizations, experts):
        self.demo_data.append(([o.name for o in organizations], [e.email for e in experts]))

    @hookimpl
    def extranet_register_webhook_events(self, app):
        return [WebhookEvent(f"{self.SLUG}.answered", "A sample question is answered")]

    @hookimpl
    def extranet_document_uploaded(self, document, user):
        self.uploaded.append((document.title, document.current.number, user.email))

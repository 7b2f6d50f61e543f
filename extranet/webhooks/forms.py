from __future__ import annotations

import re
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import lazy_gettext as _l
from wtforms import SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from extranet.web.forms import BaseForm
from extranet.webhooks.destinations import host_allowed, url_problem

HOST_PATTERN = r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$|^[0-9a-f:.]+$"


class EventsField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class SubscriptionForm(BaseForm):
    url = StringField(_l("Address (URL)"), validators=[DataRequired(), Length(max=2000)],
                      description=_l("An https address on one of the allowed hosts."))
    description = StringField(_l("Description"), validators=[Length(max=200)])
    events = EventsField(_l("Events"), validators=[DataRequired(message=_l("Choose at least one event."))])

    def validate_url(self, field):
        url = field.data.strip()
        if url_problem(url):
            raise ValidationError(_l("Enter an http or https address, without a user name or password."))
        parts = urlsplit(url)
        # Payloads are not for anyone on the way: plain http only to the operator's own network.
        if parts.scheme != "https" and not current_app.config["WEBHOOK_ALLOW_PRIVATE"]:
            raise ValidationError(_l("Enter an https address: deliveries are not sent unencrypted."))
        if not host_allowed(parts.hostname):
            raise ValidationError(_l("This host is not among the allowed hosts: an administrator must add it first."))


class HostForm(BaseForm):
    host = StringField(_l("Host name"), validators=[DataRequired(), Length(max=253)],
                       description=_l("For example hooks.example.org: deliveries may then go to it."))

    def validate_host(self, field):
        field.data = field.data.strip().lower().rstrip(".")
        if not re.match(HOST_PATTERN, field.data):
            raise ValidationError(_l("Enter a host name, such as hooks.example.org."))

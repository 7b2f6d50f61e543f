"""Forms of the administration screens: organizations, subscriptions and people."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from extranet.accounts.forms import LOCALE_CHOICES, InviteForm
from extranet.api import BaseForm
from extranet.extensions import db
from extranet.organizations.models import KINDS, Organization

NO_PARENT = 0


class MultiCheckboxField(SelectMultipleField):
    """One checkbox per choice (expertise fields); the choices are set by the view."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class OrganizationForm(BaseForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    kind = SelectField(_l("Kind"), choices=list(KINDS.items()), default="cooperative")
    parent_id = SelectField(
        _l("Parent federation"),
        coerce=int,
        default=NO_PARENT,
        validate_choice=False,  # checked below, with messages that say what is wrong
        description=_l("Only an organization that is not a federation may belong to one."),
    )
    share_with_federation = BooleanField(
        _l("Share its requests with its federation"),
        description=_l("The federation's managers then see this organization's standard requests."),
    )
    locale = SelectField(_l("Language"), choices=LOCALE_CHOICES)

    def __init__(self, *args, organization: Organization | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.organization = organization
        federations = db.session.scalars(
            db.select(Organization)
            .where(Organization.kind == "federation", Organization.active.is_(True))
            .order_by(db.func.lower(Organization.name))
        ).all()
        if organization is not None:
            federations = [f for f in federations if f.id != organization.id]
            parent = organization.parent
            if parent is not None and parent not in federations:
                # Keep an inactive parent selectable, so that saving other changes keeps it.
                federations.append(parent)
        self.allowed_parents = {f.id for f in federations}
        self.parent_id.choices = [(NO_PARENT, _l("— None —"))] + [
            (f.id, f.name if f.active else _l("%(name)s (inactive)", name=f.name))
            for f in federations
        ]

    def validate_name(self, field) -> None:
        field.data = (field.data or "").strip()
        query = db.select(Organization.id).where(
            db.func.lower(Organization.name) == field.data.lower()
        )
        if self.organization is not None:
            query = query.where(Organization.id != self.organization.id)
        if db.session.scalar(query) is not None:
            raise ValidationError(_l("Another organization already has this name."))

    def validate_parent_id(self, field) -> None:
        if not field.data:
            field.data = NO_PARENT
            return
        if self.organization is not None and field.data == self.organization.id:
            raise ValidationError(_l("An organization cannot be its own parent."))
        if self.kind.data == "federation":
            raise ValidationError(_l("A federation cannot belong to another federation."))
        if field.data not in self.allowed_parents:
            raise ValidationError(_l("Choose an active federation."))

    def validate_kind(self, field) -> None:
        org = self.organization
        if org is not None and org.is_federation and field.data != "federation" and org.children:
            raise ValidationError(
                _l("This federation still has member organizations: move them to another federation first.")
            )


class SubscriptionsForm(BaseForm):
    fields = MultiCheckboxField(_l("Fields of expertise"))


def _is_admin_field():
    return BooleanField(_l("Administrator"), description=_l("Manages the platform."))


def _is_expert_field():
    return BooleanField(_l("Expert"), description=_l("Works the requests of their fields."))


def _expert_fields_field():
    return MultiCheckboxField(
        _l("Fields of expertise"), description=_l("The fields whose requests this expert works.")
    )


class StaffInviteForm(InviteForm):
    is_admin = _is_admin_field()
    is_expert = _is_expert_field()
    fields = _expert_fields_field()

    def validate_is_expert(self, field) -> None:
        if not field.data and not self.is_admin.data:
            raise ValidationError(_l("Choose at least one role: administrator or expert."))


class UserForm(BaseForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    locale = SelectField(_l("Language"), choices=LOCALE_CHOICES)
    is_admin = _is_admin_field()
    is_expert = _is_expert_field()
    is_privacy_officer = BooleanField(
        _l("Privacy officer"),
        description=_l("Sees the requests for a copy or the erasure of personal information, and nothing else."),
    )
    fields = _expert_fields_field()

"""Modules: the admin's switch for each field (enabled or not) and the field's settings, one
row per field; no row means enabled with the default settings. Read once per request."""

from __future__ import annotations

from datetime import datetime

from flask import g, has_app_context
from sqlalchemy import JSON, String, select
from sqlalchemy.orm import Mapped, mapped_column

from extranet.db_types import UTCDateTime, utcnow
from extranet.extensions import db

# Settings of a field (admins toggle them on /hours/agreements).
MEMBERS_SEE_HOURS = "members_see_hours"
MEMBERS_SEE_NOTES = "members_see_time_notes"
# How many months a field keeps what it holds, by kind (admins set them on /admin/retention/);
# a kind left out is kept for ever.
RETENTION = "retention_months"
RETENTION_KINDS = ("requests", "messages", "files", "access")
# What an admin saved through the plugin's own settings form (``ExpertiseField.settings_form``).
PLUGIN_SETTINGS = "plugin"


class Module(db.Model):
    """The admin's on/off switch for a field plugin. No row means enabled."""

    __tablename__ = "modules"

    slug: Mapped[str] = mapped_column(String(40), primary_key=True)
    enabled: Mapped[bool] = mapped_column(default=True)
    settings: Mapped[dict] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


def module_settings(slug: str) -> dict:
    """The settings JSON of a field's module (every module's read once per request)."""
    if has_app_context() and "module_settings" in g:
        return g.module_settings.get(slug, {})
    every = {slug: dict(settings or {}) for slug, settings in db.session.execute(select(Module.slug, Module.settings))}
    if has_app_context():
        g.module_settings = every  # one query per request for every module, as module_states
    return every.get(slug, {})


def set_module_setting(slug: str, key: str, value) -> None:
    module = db.session.get(Module, slug) or Module(slug=slug, enabled=True, settings={})
    module.settings = {**(module.settings or {}), key: value}  # a new dict: the JSON change is seen
    db.session.add(module)
    if has_app_context():
        g.pop("module_settings", None)


def members_see_hours(slug: str) -> bool:
    return bool(module_settings(slug).get(MEMBERS_SEE_HOURS, False))


def members_see_notes(slug: str) -> bool:
    return bool(module_settings(slug).get(MEMBERS_SEE_NOTES, False))


def retention_months(slug: str) -> dict[str, int | None]:
    """Months each kind of ``slug``'s information is kept (None: for ever)."""
    stored = module_settings(slug).get(RETENTION) or {}
    return {kind: stored.get(kind) for kind in RETENTION_KINDS}


def plugin_settings(slug: str) -> dict:
    """What an admin saved through the field's ``settings_form`` (empty until then): JSON
    values, a date as its ISO text and a decimal number as its text."""
    return dict(module_settings(slug).get(PLUGIN_SETTINGS) or {})

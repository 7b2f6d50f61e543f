"""What every field plugin mounts and hands over alike: the home page at ``/<slug>/`` (what
the field does, a tile per request type, the latest requests the reader may see, and links to
the rest), the blueprint that carries it, and the start-up hooks that give the host the field,
its request types and that blueprint."""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from flask import Blueprint
from flask_login import current_user, login_required

from extranet.extensions import db
from extranet.hookspecs import hookimpl
from extranet.plugins import host
from extranet.policy import can, current_organization, require
from extranet.requests.models import ServiceRequest
from extranet.requests.rules import request_scope, visible_requests
from extranet.web.htmx import render

LATEST = 10


def field_home(slug: str, note=None, template: str = "fields/home.html", **context):
    """Render the field's home page; ``note`` is a sentence of the field's own (translated),
    ``template`` a page of the plugin's that extends ``fields/home.html`` to add to it, and
    ``context`` what that page shows besides."""
    require("field.use", slug)
    latest = db.session.scalars(
        visible_requests(current_user, request_scope(current_user))
        .where(ServiceRequest.field == slug)
        .order_by(ServiceRequest.created_at.desc(), ServiceRequest.id.desc())
        .limit(LATEST)
    ).all()
    return render(
        template,
        field=host().fields[slug],
        types=host().types_of(slug),
        can_file=can(current_user, "request.create", (current_organization(), slug)),
        latest=latest,
        note=note,
        **context,
    )


def field_blueprint(slug: str, import_name: str, note=None, template: str = "fields/home.html",
                    context: Callable[[], dict] | None = None, **options) -> Blueprint:
    """The field's blueprint, named ``slug``, with its home page as the ``index`` view: the
    arguments of ``field_home``, except that ``note`` is a lazy string (it is translated when
    the page is shown) and ``context`` a function that returns what the plugin's own
    ``template`` shows, called only for a reader who may use the field. ``options`` go to
    ``Blueprint`` (``template_folder`` for a plugin with templates of its own); the plugin
    adds its other pages to the blueprint returned."""
    blueprint = Blueprint(slug, import_name, **options)

    @blueprint.get("/")
    @login_required
    def index():
        # Before ``context()``: what a plugin's page looks up is never looked up for a reader
        # who may not use the field (field_home checks it again, for pages that call it alone).
        require("field.use", slug)
        return field_home(slug, note=note, template=template, **(context() if context else {}))

    return blueprint


class FieldHooks(NamedTuple):
    """The start-up hooks that hand a field plugin's contributions to the host, in the order
    a plugin module unpacks them into its own names (pluggy finds them there)."""

    extranet_register_fields: Callable
    extranet_register_request_types: Callable
    extranet_register_blueprints: Callable


def field_hooks(field, types: list, blueprint: Blueprint) -> FieldHooks:
    """The implementations of ``extranet_register_fields``, ``extranet_register_request_types``
    and ``extranet_register_blueprints`` that return ``[field]``, ``types`` and
    ``[blueprint]``: what every field plugin would otherwise write out the same."""

    @hookimpl
    def extranet_register_fields(app):
        return [field]

    @hookimpl
    def extranet_register_request_types(app):
        return list(types)

    @hookimpl
    def extranet_register_blueprints(app):
        return [blueprint]

    return FieldHooks(extranet_register_fields, extranet_register_request_types, extranet_register_blueprints)

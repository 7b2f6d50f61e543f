"""The home page every field plugin mounts at ``/<slug>/``: what the field does, a tile per
request type, the latest requests the reader may see, and links to the rest."""

from __future__ import annotations

from flask_login import current_user

from extranet.extensions import db
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

"""What a page looks up before it acts: the person signed in, and the request or row it names,
each a 404 when it does not exist or is not the reader's to see (never a 403 that would confirm
it exists). A request found here is a request read: it is noted in the access log, so that no
page or fragment showing one can forget to."""

from __future__ import annotations

from flask import abort
from flask_login import current_user
from sqlalchemy import select

from extranet.access import service as access
from extranet.extensions import db
from extranet.policy import require
from extranet.requests.models import ServiceRequest


def signed_in_user():
    """The user object itself, not Flask-Login's proxy, so that it can be stored and compared."""
    return current_user._get_current_object()


def request_or_404(reference: str, action: str | None = None, found: ServiceRequest | None = None) -> ServiceRequest:
    """The request with this reference if the reader may see it; with ``action``, only if the
    reader may also do it on the request. ``found``: the request already read by that reference
    (with what its page needs loaded), so that it is not read twice."""
    req = found or db.session.scalar(select(ServiceRequest).where(ServiceRequest.reference == reference))
    if req is None:
        abort(404)
    require("request.view", req)
    access.note_request(signed_in_user(), req)
    if action is not None:
        require(action, req)
    return req


def row_or_404(model, row_id: int, action: str | None = None):
    """The row of ``model`` with this id; with ``action``, only if the reader may do it on the row."""
    row = db.session.get(model, row_id)
    if row is None:
        abort(404)
    if action is not None:
        require(action, row)
    return row

"""Errors of the REST API as ``application/problem+json`` (RFC 9457): what went wrong in a
body a program reads, in the caller's language, never a page or a trace."""

from __future__ import annotations

from flask import jsonify, request
from werkzeug.http import HTTP_STATUS_CODES

API_PREFIX = "/api/"
PROBLEM_TYPE = "application/problem+json"


def is_api_call() -> bool:
    return request.path.startswith(API_PREFIX)


def problem(status: int, detail: str | None = None, *, headers=None, **extra):
    """The answer for an error: ``type`` is left to its default (about:blank), so ``title`` is
    the status's own phrase, as the RFC asks."""
    body = {"type": "about:blank", "title": HTTP_STATUS_CODES.get(status, "Error"), "status": status}
    if detail:
        body["detail"] = str(detail)
    body["instance"] = request.path
    body.update(extra)
    response = jsonify(body)
    response.status_code = status
    response.mimetype = PROBLEM_TYPE
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response

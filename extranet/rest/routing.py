"""The REST API's blueprint and what every call goes through: the bearer token (never the
session cookie), the token's scope, its rate limit, the input validated by the operation's
pydantic models, and errors as ``application/problem+json``.

Each operation is declared once with ``operation(…)``: its route, scope, input and output models.
The same declaration routes the call, validates it and writes the OpenAPI document."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from flask import Blueprint, current_app, g, jsonify, request
from flask_babel import gettext as _
from pydantic import BaseModel, ValidationError
from werkzeug.exceptions import HTTPException

from extranet.extensions import csrf
from extranet.policy import switchable_organizations
from extranet.rest import service
from extranet.web.ids import read_id
from extranet.web.limits import allow_api_call
from extranet.web.problems import problem

bp = Blueprint("api", __name__, url_prefix="/api/v1")
# A token is sent by a program in a header a browser never adds by itself, so a call with one
# needs no CSRF token; a call without one is refused, and an unsafe one checked for CSRF first,
# as every other form of the site: a session cookie never authenticates here.
csrf.exempt(bp)
PUBLIC = {"api.openapi", "api.docs"}
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


@dataclass(frozen=True)
class Operation:
    endpoint: str
    method: str
    rule: str
    summary: str
    kind: str | None
    write: bool
    query: type[BaseModel] | None
    body: type[BaseModel] | None
    response: type[BaseModel] | None
    status: int
    multipart: bool
    binary: bool
    description: str


OPERATIONS: list[Operation] = []


class Refused(Exception):
    """Input the operation's models accept but the form behind it does not (422)."""

    def __init__(self, detail: str, errors: list[dict]):
        super().__init__(detail)
        self.detail, self.errors = detail, errors


def _bearer() -> str | None:
    scheme, _sep, secret = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    return secret.strip() or None


@bp.before_request
def authenticate():
    g.api_token = None
    if request.endpoint in PUBLIC:
        return None
    secret = _bearer()
    if secret is None:
        if request.method not in SAFE_METHODS and current_app.config["SESSION_COOKIE_NAME"] in request.cookies:
            csrf.protect()  # a browser's post, with its cookie: refused as on every page (400)
        return problem(401, _("Send a personal access token: Authorization: Bearer <token>."),
                       headers={"WWW-Authenticate": 'Bearer realm="api"'})
    token = service.token_for(secret)
    if token is None:
        return problem(401, _("This token is unknown, expired or revoked."),
                       headers={"WWW-Authenticate": 'Bearer realm="api", error="invalid_token"'})
    # Flask-Login's user of this request: the token's owner, so that the policy, the services and
    # the access log see the same person as on the pages, and the cookie is never read.
    g._login_user = token.user
    g.api_token = token
    if not allow_api_call(token.id):
        return problem(429, _("Too many calls with this token: wait a minute and try again."),
                       headers={"Retry-After": "60"})
    _choose_organization(token.user)
    return None


def _choose_organization(user) -> None:
    """The organization a member's lists are limited to (the header switcher's, on the pages):
    ``?organization=`` among one's own, else the first."""
    choices = switchable_organizations(user)
    wanted = read_id(request.args.get("organization"))
    g.current_org = next((o for o in choices if o.id == wanted), choices[0] if choices else None)


@bp.errorhandler(HTTPException)
def http_error(error: HTTPException):
    allowed = getattr(error, "valid_methods", None)
    detail = error.description if error.code != 404 else _(
        "Not found, or not yours to see.")  # the same words whether it exists or not
    return problem(error.code or 500, detail, headers={"Allow": ", ".join(allowed)} if allowed else None)


@bp.errorhandler(Refused)
def refused(error: Refused):
    return problem(422, error.detail, errors=error.errors)


def _errors(exc: ValidationError, where: str) -> list[dict]:
    return [{"loc": [where, *map(str, e["loc"])], "msg": e["msg"], "type": e["type"]} for e in exc.errors()]


def _read(model: type[BaseModel], data, where: str) -> BaseModel:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise Refused(_("Some values are not valid."), _errors(exc, where)) from None


def _json_body() -> dict:
    if not request.is_json:
        raise Refused(_("Send a JSON object (Content-Type: application/json)."), [])
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise Refused(_("The body is not a JSON object."), [])
    return data


def operation(method: str, rule: str, summary: str, *, kind: str | None, write: bool = False, query=None,
              body=None, response=None, status: int = 200, multipart: type[BaseModel] | None = None,
              binary: bool = False):
    """Declare and route one operation. The view receives the path's arguments, then ``query``
    and ``body`` (validated models) when declared, and returns a model (sent as JSON with
    ``status``) or a response."""

    def wrap(view):
        endpoint = view.__name__
        OPERATIONS.append(Operation(
            f"api.{endpoint}", method, rule, summary, kind, write, query, body or multipart, response,
            status, multipart is not None, binary, (view.__doc__ or "").strip(),
        ))

        @functools.wraps(view)
        def run(**path):
            token = g.api_token
            if kind is not None and not token.allows(kind, write):
                return problem(403, _("This token may not do this: it needs the scope %(scope)s.",
                                      scope=f"{kind}:{'write' if write else 'read'}"))
            if query is not None:
                path["query"] = _read(query, request.args.to_dict(), "query")
            if body is not None:
                path["body"] = _read(body, _json_body(), "body")
            if multipart is not None:
                path["body"] = _read(multipart, request.form.to_dict(), "body")
            result = view(**path)
            if isinstance(result, BaseModel):
                response_ = jsonify(result.model_dump(mode="json"))
                response_.status_code = status
                return response_
            return result

        bp.add_url_rule(rule, endpoint, run, methods=[method])
        return run

    return wrap

"""The REST API (/api/v1): personal access tokens (shown once, hashed, scoped, expiring,
revocable), bearer authentication that never takes the session cookie, errors as
problem+json, the request list's filters and pages, filing, transitions, messages, documents
through the upload path, and the served OpenAPI document."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from openapi_spec_validator import validate

from extranet.db_types import utcnow
from extranet.extensions import db
from extranet.rest.models import SCOPES, ApiToken
from extranet.testing import csrf_token
from tests.sample_plugin import SamplePlugin

ALL = list(SCOPES)


@pytest.fixture
def app(register_plugin):
    return register_plugin(SamplePlugin())


def token_for(app, person, scopes=ALL, expires_at=None) -> str:
    from extranet.accounts.models import User
    from extranet.rest.service import create_token

    with app.app_context():
        _row, secret = create_token(db.session.get(User, person.id), "test", scopes, expires_at)
        db.session.commit()
    return secret


def call(client, method, path, secret=None, **kwargs):
    headers = kwargs.pop("headers", {})
    if secret:
        headers["Authorization"] = f"Bearer {secret}"
    return client.open(f"/api/v1{path}", method=method, headers=headers, **kwargs)


def is_problem(response, status):
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True)[:500])
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == status and body["title"] and body["type"] == "about:blank"
    return body


def file_request(client, secret, headers=None, **extra):
    body = {"field": "sample", "type": "question", "title": "Payroll question", "description": "How?",
            "answers": {"topic": "general"}, **extra}
    return call(client, "POST", "/requests", secret, json=body, headers=headers or {})


# -- tokens ------------------------------------------------------------------------------------


def test_a_token_made_on_the_profile_is_shown_once_stored_hashed_and_works(app, client, people, login_as):
    login_as(people.member_a)
    page = client.get("/profile/api-tokens/")
    assert page.status_code == 200
    made = client.post("/profile/api-tokens/", data={
        "csrf_token": csrf_token(client, "/profile/api-tokens/"), "name": "Accounting export",
        "scopes": ["requests:read", "fields:read"], "lifetime": "30"})
    assert made.status_code == 201
    html = made.get_data(as_text=True)
    secret = re.search(r'<code id="token-secret"[^>]*>([^<]+)</code>', html).group(1)
    assert secret.startswith("cxt_") and len(secret) > 40
    assert made.headers["Cache-Control"] == "no-store"
    # Stored as its SHA-256 only, and never shown again.
    with app.app_context():
        row = db.session.scalar(db.select(ApiToken))
        assert row.token_hash != secret and secret not in repr(row.__dict__)
        assert row.scopes == ["requests:read", "fields:read"]
        assert timedelta(days=29) < row.expires_at - utcnow() <= timedelta(days=30)
    assert secret not in client.get("/profile/api-tokens/").get_data(as_text=True)
    me = call(app.test_client(), "GET", "/me", secret)
    assert me.status_code == 200 and me.get_json()["email"] == people.member_a.email
    assert "Set-Cookie" not in me.headers and me.headers["Cache-Control"] == "no-store"
    assert "Never used" not in client.get("/profile/api-tokens/").get_data(as_text=True)  # last use shown


def test_a_token_refused_when_unknown_expired_revoked_or_its_owner_deactivated(app, client, people, login_as):
    anonymous = app.test_client()
    assert "WWW-Authenticate" in is_problem(call(anonymous, "GET", "/me"), 401) or True
    assert call(anonymous, "GET", "/me").headers["WWW-Authenticate"].startswith("Bearer")
    is_problem(call(anonymous, "GET", "/me", "cxt_not-a-token"), 401)
    is_problem(call(anonymous, "GET", "/me", "Basic abc"), 401)
    expired = token_for(app, people.member_a, expires_at=utcnow() - timedelta(seconds=1))
    is_problem(call(anonymous, "GET", "/me", expired), 401)
    # Revoked from the profile, after a confirmation page.
    secret = token_for(app, people.member_a)
    assert call(anonymous, "GET", "/me", secret).status_code == 200
    login_as(people.member_a)
    with app.app_context():
        token_id = db.session.scalar(db.select(ApiToken.id).where(ApiToken.expires_at.is_(None)))
    confirm = client.get(f"/profile/api-tokens/{token_id}/revoke")
    assert confirm.status_code == 200 and "Revoke the token" in confirm.get_data(as_text=True)
    token = csrf_token(client, "/profile/api-tokens/")
    assert client.post(f"/profile/api-tokens/{token_id}/revoke", data={"csrf_token": token}).status_code == 303
    is_problem(call(anonymous, "GET", "/me", secret), 401)
    # Someone else's token cannot be revoked (404), nor seen.
    other = token_for(app, people.member_b)
    with app.app_context():
        other_id = db.session.scalar(db.select(ApiToken.id).where(ApiToken.user_id == people.member_b.id))
    assert client.post(f"/profile/api-tokens/{other_id}/revoke", data={"csrf_token": token}).status_code == 404
    assert client.get(f"/profile/api-tokens/{other_id}/revoke").status_code == 404
    assert call(anonymous, "GET", "/me", other).status_code == 200
    # A deactivated owner's tokens stop working.
    from extranet.accounts.models import User

    with app.app_context():
        db.session.get(User, people.member_b.id).active = False
        db.session.commit()
    is_problem(call(anonymous, "GET", "/me", other), 401)


def test_scopes_limit_what_a_token_does(app, people):
    client = app.test_client()
    reader = token_for(app, people.member_a, scopes=["requests:read"])
    assert call(client, "GET", "/requests", reader).status_code == 200
    body = is_problem(file_request(client, reader), 403)
    assert "requests:write" in body["detail"]
    is_problem(call(client, "GET", "/fields", reader), 403)
    writer = token_for(app, people.member_a, scopes=["requests:write"])
    assert call(client, "GET", "/requests", writer).status_code == 200  # write includes read
    assert file_request(client, writer).status_code == 201


def test_the_session_cookie_never_authenticates_an_api_call(app, client, people, login_as):
    login_as(people.member_a)
    is_problem(call(client, "GET", "/requests"), 401)
    # A cookie-driven change is refused for its missing CSRF token first, as every form, and
    # with a valid CSRF token still needs a token.
    is_problem(file_request(client, None), 400)
    token = csrf_token(client, "/requests/")
    is_problem(file_request(client, None, headers={"X-CSRFToken": token}), 401)
    with app.app_context():
        from extranet.requests.models import ServiceRequest

        assert db.session.scalar(db.select(db.func.count(ServiceRequest.id))) == 0


def test_calls_are_rate_limited_per_token(app, people):
    app.config["API_LIMIT_PER_TOKEN"] = "3 per minute"
    first, second = token_for(app, people.member_a), token_for(app, people.member_b)
    client = app.test_client()
    assert [call(client, "GET", "/me", first).status_code for _ in range(3)] == [200] * 3
    limited = call(client, "GET", "/me", first)
    is_problem(limited, 429)
    assert limited.headers["Retry-After"] == "60"
    assert call(client, "GET", "/me", second).status_code == 200  # each token its own count


# -- errors ------------------------------------------------------------------------------------


def test_errors_are_problem_json(app, people):
    client = app.test_client()
    secret = token_for(app, people.member_a)
    is_problem(call(client, "GET", "/requests/NOPE-2026-0001", secret), 404)
    is_problem(call(client, "GET", "/no-such-route", secret), 404)
    is_problem(call(client, "DELETE", "/requests", secret), 405)
    is_problem(call(client, "GET", f"/documents/{2**31}", secret), 404)  # out of range: no route
    is_problem(call(client, "GET", f"/documents/{2**31 - 1}", secret), 404)  # in range: no row
    is_problem(call(client, "GET", f"/organizations/{2**31 - 1}/statements", secret), 404)
    bad = is_problem(call(client, "GET", "/requests?per_page=1000&since=yesterday", secret), 422)
    assert {tuple(e["loc"]) for e in bad["errors"]} == {("query", "per_page"), ("query", "since")}
    is_problem(call(client, "GET", "/requests?unknown=1", secret), 422)
    is_problem(call(client, "POST", "/requests", secret, data="{not json", content_type="application/json"), 422)
    refused = is_problem(file_request(client, secret, answers={"topic": "nonsense"}), 422)
    assert refused["errors"][0]["loc"] == ["body", "answers", "topic"]
    unknown = is_problem(file_request(client, secret, answers={"topic": "general", "shoe_size": 9}), 422)
    assert unknown["errors"][0]["loc"] == ["body", "answers", "shoe_size"]


# -- requests ----------------------------------------------------------------------------------


def test_filing_reading_and_moving_a_request_as_on_the_pages(app, people):
    client = app.test_client()
    member, expert = token_for(app, people.member_a), token_for(app, people.expert)
    made = file_request(client, member, answers={"topic": "general", "priority": "urgent"})
    assert made.status_code == 201, made.get_json()
    body = made.get_json()
    reference = body["reference"]
    assert made.headers["Location"].endswith(f"/api/v1/requests/{reference}")
    assert body["state"] == "submitted" and body["priority"] == "urgent" and body["due_at"]
    assert body["answers"] == {"topic": "general"} and body["confidentiality"] == "standard"
    assert "cancel" in body["transitions"] and "accept" not in body["transitions"]
    # Another organization's member: not found, as on the page.
    stranger = token_for(app, people.member_b)
    is_problem(call(client, "GET", f"/requests/{reference}", stranger), 404)
    is_problem(call(client, "POST", f"/requests/{reference}/transitions/cancel", stranger, json={}), 404)
    # The member may not accept; the expert may, with the version read.
    is_problem(call(client, "POST", f"/requests/{reference}/transitions/accept", member, json={}), 404)
    stale = call(client, "POST", f"/requests/{reference}/transitions/accept", expert,
                 json={"version": body["version"] + 1, "comment": "Ok"})
    is_problem(stale, 409)
    moved = call(client, "POST", f"/requests/{reference}/transitions/accept", expert,
                 json={"version": body["version"], "comment": "Ok"})
    assert moved.status_code == 200 and moved.get_json()["state"] == "accepted"
    # A step whose form needs a reason refuses none, with the form's own error.
    declined = call(client, "POST", f"/requests/{reference}/transitions/decline", expert, json={})
    assert is_problem(declined, 422)["errors"][0]["loc"] == ["body", "comment"]


def test_a_restricted_request_shows_only_to_its_people(app, people):
    client = app.test_client()
    member, manager = token_for(app, people.member_a), token_for(app, people.manager_a)
    reference = file_request(client, member, restricted=True).get_json()["reference"]
    assert call(client, "GET", f"/requests/{reference}", member).status_code == 200
    is_problem(call(client, "GET", f"/requests/{reference}", manager), 404)
    assert call(client, "GET", "/requests", manager).get_json()["total"] == 0
    assert call(client, "GET", "/requests", member).get_json()["total"] == 1


def test_the_list_filters_and_pages_as_the_page_does(app, people):
    from tests.test_request_list import seed

    seed(app, people, *({"reference": f"SAMP-2026-{n:04d}", "ago": n} for n in range(1, 8)),
         {"reference": "SAMP-2026-0100", "state": "closed"}, {"reference": "SAMP-2026-0200", "organization_id": people.org_b})
    client = app.test_client()
    secret = token_for(app, people.member_a)
    first = call(client, "GET", "/requests?per_page=3", secret).get_json()
    assert (first["total"], first["pages"], first["page"], len(first["items"])) == (8, 3, 1, 3)
    refs = [r["reference"] for p in (1, 2, 3) for r in
            call(client, "GET", f"/requests?per_page=3&page={p}", secret).get_json()["items"]]
    assert len(refs) == len(set(refs)) == 8 and "SAMP-2026-0200" not in refs
    assert call(client, "GET", "/requests?per_page=3&page=9", secret).get_json()["items"] == []
    closed = call(client, "GET", "/requests?state=closed", secret).get_json()
    assert [r["reference"] for r in closed["items"]] == ["SAMP-2026-0100"]
    assert call(client, "GET", "/requests?open=true", secret).get_json()["total"] == 7
    assert [r["reference"] for r in call(client, "GET", "/requests?q=0003", secret).get_json()["items"]] == ["SAMP-2026-0003"]
    by_ref = call(client, "GET", "/requests?sort=reference&per_page=2", secret).get_json()["items"]
    assert [r["reference"] for r in by_ref] == ["SAMP-2026-0001", "SAMP-2026-0002"]


def test_experts_log_time_through_the_time_form(app, people):
    client = app.test_client()
    member, expert = token_for(app, people.member_a), token_for(app, people.expert)
    reference = file_request(client, member).get_json()["reference"]
    entry = {"date": utcnow().date().isoformat(), "duration": "1h30", "note": "Analyse"}
    is_problem(call(client, "POST", f"/requests/{reference}/time-entries", member, json=entry), 404)
    logged = call(client, "POST", f"/requests/{reference}/time-entries", expert, json=entry)
    assert logged.status_code == 201 and logged.get_json()["minutes"] == 90
    wrong = is_problem(call(client, "POST", f"/requests/{reference}/time-entries", expert,
                            json={**entry, "duration": "soon"}), 422)
    assert wrong["errors"][0]["loc"] == ["body", "duration"]
    listed = call(client, "GET", f"/requests/{reference}/time-entries", expert).get_json()
    assert [(e["minutes"], e["note"]) for e in listed["items"]] == [(90, "Analyse")]


# -- messages and files ------------------------------------------------------------------------


def test_messages_internal_notes_and_files(app, people):
    client = app.test_client()
    member, expert = token_for(app, people.member_a), token_for(app, people.expert)
    reference = file_request(client, member).get_json()["reference"]
    posted = call(client, "POST", f"/requests/{reference}/messages", member, json={"body": "Hello"})
    assert posted.status_code == 201 and posted.get_json()["author"]["id"] == people.member_a.id
    is_problem(call(client, "POST", f"/requests/{reference}/messages", member,
                    json={"body": "Secret", "internal": True}), 404)
    assert call(client, "POST", f"/requests/{reference}/messages", expert,
                json={"body": "Note", "internal": True}).status_code == 201
    seen = call(client, "GET", f"/requests/{reference}/messages", member).get_json()
    assert [m["body"] for m in seen["items"]] == ["Hello"]
    assert [m["body"] for m in call(client, "GET", f"/requests/{reference}/messages", expert).get_json()["items"]] \
        == ["Hello", "Note"]
    # Documents through the upload path: a program (refused, nothing kept) and a text file.
    upload = call(client, "POST", f"/requests/{reference}/files", member, content_type="multipart/form-data", data={
        "visibility": "org", "files": [(io.BytesIO(b"MZ\x90\x00" + b"\x00" * 60), "tool.exe"),
                                       (io.BytesIO(b"Un contrat.\n"), "contrat.txt")]})
    assert upload.status_code == 201, upload.get_data(as_text=True)
    outcomes = upload.get_json()["items"]
    assert outcomes[0]["document"] is None and outcomes[0]["refusal"]
    doc = outcomes[1]["document"]
    assert doc["title"] == "contrat.txt" and doc["request"] == reference
    listed = call(client, "GET", f"/requests/{reference}/files", member).get_json()
    assert [d["id"] for d in listed["documents"]] == [doc["id"]]
    meta = call(client, "GET", f"/documents/{doc['id']}", member).get_json()
    content = call(client, "GET", meta["current"]["download"].removeprefix("/api/v1"), member)
    assert content.status_code == 200 and content.data == b"Un contrat.\n"
    assert "attachment" in content.headers["Content-Disposition"]
    is_problem(call(client, "GET", f"/documents/{doc['id']}", token_for(app, people.member_b)), 404)
    with app.app_context():
        from extranet.files.models import FileVersion

        assert db.session.scalar(db.select(db.func.count(FileVersion.id))) == 1
    stored = app.config["STORAGE_URL"].removeprefix("file://")
    from pathlib import Path

    assert len([p for p in Path(stored).rglob("*") if p.is_file()]) == 1  # nothing of the refused file
    everything_refused = call(client, "POST", f"/requests/{reference}/files", member,
                              content_type="multipart/form-data", data={"files": [(io.BytesIO(b""), "")]})
    is_problem(everything_refused, 422)


def test_fields_and_a_request_types_form_schema(app, people):
    client = app.test_client()
    secret = token_for(app, people.member_a)
    fields = call(client, "GET", "/fields", secret).get_json()["items"]
    assert "sample" in [f["slug"] for f in fields]
    question = call(client, "GET", "/fields/sample/types/question", secret).get_json()
    topic = question["form"]["properties"]["topic"]
    assert topic["enum"] == ["general", "locked"] and "topic" in question["form"]["required"]
    assert "title" not in question["form"]["properties"]
    assert "submitted" in [s["slug"] for s in question["states"]]
    is_problem(call(client, "GET", "/fields/sample/types/nope", secret), 404)


# -- the description ---------------------------------------------------------------------------


def test_the_served_openapi_document_is_valid_and_describes_every_route(app):
    client = app.test_client()
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = response.get_json()
    validate(spec)  # OpenAPI 3.1, its JSON Schema dialect included
    assert spec["openapi"].startswith("3.1")
    described = {(f"/api/v1{path}", method.upper()) for path, item in spec["paths"].items() for method in item}
    routed = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api.") and rule.endpoint not in ("api.openapi", "api.docs"):
            path = rule.rule
            for name in rule.arguments:
                path = path.replace(f"<id:{name}>", f"{{{name}}}").replace(f"<{name}>", f"{{{name}}}")
            routed |= {(path, m) for m in rule.methods - {"HEAD", "OPTIONS"}}
    assert routed == described
    # The schema described for filing is the one that validates it.
    new = spec["components"]["schemas"]["NewRequest"]
    assert new["additionalProperties"] is False and new["properties"]["title"]["maxLength"] == 200
    page = client.get("/api/v1/docs")
    assert page.status_code == 200 and "<script" not in page.get_data(as_text=True).split("<body", 1)[1].split(
        "</main>")[0]
    assert "GET /api/v1/requests/{reference}" in page.get_data(as_text=True)

"""The REST API's authorization matrix: every API route × method, called with a token (all
scopes) of each role of ``tests/proof_world.py``, gets the answer declared in ``MATRIX``; a route
without a row fails. The routes' arguments name the scenario's rows (its restricted request, its
attachment, documents, organization A…), as in ``test_authorization_matrix.py``.

What the page allows the API allows, nothing more: ``PAGES`` names each operation's page (a row
of the main matrix), and no role may succeed through the API where the page refuses it.

A cell is ``ok`` (2xx; a POST is then not sent, it would change the scenario) or the status
expected. A refused POST is sent with a body the operation's schema accepts, so that the policy
answers, and must change no row of any table."""

from __future__ import annotations

import pytest

from extranet.extensions import db
from extranet.rest.models import SCOPES
from tests.proof_world import ROLES, build_world, changed, snapshot, tear_down
from tests.test_authorization_matrix import MATRIX as PAGE_MATRIX
from tests.test_authorization_matrix import routes

# fmt: off
MATRIX = {
    # (endpoint, method):                        anonymous owner colleague member_b manager_b other_expert federation_manager admin
    ("api.openapi", "GET"): "ok    ok    ok    ok    ok    ok    ok    ok",
    ("api.docs", "GET"): "ok    ok    ok    ok    ok    ok    ok    ok",
    ("api.me", "GET"): "401   ok    ok    ok    ok    ok    ok    ok",
    ("api.list_requests", "GET"): "401   ok    ok    ok    ok    ok    ok    ok",
    ("api.create_request", "POST"): "401   ok    ok    ok    ok    404   ok    404",
    ("api.get_request", "GET"): "401   ok    404   404   404   404   404   ok",
    ("api.transition", "POST"): "401   404   404   404   404   404   404   404",
    ("api.list_messages", "GET"): "401   ok    404   404   404   404   404   ok",
    ("api.post_message", "POST"): "401   ok    404   404   404   404   404   ok",
    ("api.attachment_content", "GET"): "401   ok    404   404   404   404   404   ok",
    ("api.request_documents", "GET"): "401   ok    404   404   404   404   404   ok",
    ("api.upload_documents", "POST"): "401   422   404   404   404   404   404   422",
    ("api.get_document", "GET"): "401   ok    ok    404   404   404   404   ok",
    ("api.document_content", "GET"): "401   ok    ok    404   404   404   404   ok",
    ("api.time_entries", "GET"): "401   404   404   404   404   404   404   ok",
    ("api.log_time", "POST"): "401   404   404   404   404   404   404   ok",
    ("api.agreements", "GET"): "401   404   404   404   404   404   404   ok",
    ("api.statements", "GET"): "401   404   404   404   404   404   404   ok",
    ("api.list_organizations", "GET"): "401   ok    ok    ok    ok    ok    ok    ok",
    ("api.get_organization", "GET"): "401   ok    ok    404   404   404   404   ok",
    ("api.members", "GET"): "401   404   404   404   404   404   404   ok",
    ("api.get_user", "GET"): "401   404   404   404   404   404   404   ok",
    ("api.list_fields", "GET"): "401   ok    ok    ok    ok    ok    ok    ok",
    ("api.get_request_type", "GET"): "401   ok    ok    ok    ok    404   404   ok",
}
# fmt: on

# The page each operation answers for (a row of the main matrix).
PAGES = {
    "api.list_requests": ("requests.index", "GET"),
    "api.create_request": ("requests.new", "POST"),
    "api.get_request": ("requests.detail", "GET"),
    "api.transition": ("requests.transition", "POST"),
    "api.list_messages": ("requests.detail", "GET"),
    "api.post_message": ("requests.post_message", "POST"),
    "api.attachment_content": ("requests.attachment", "GET"),
    "api.request_documents": ("documents.request_documents", "GET"),
    "api.upload_documents": ("documents.request_upload", "POST"),
    "api.get_document": ("documents.document", "GET"),
    "api.document_content": ("documents.download", "GET"),
    "api.time_entries": ("hours.request_panel", "GET"),
    "api.log_time": ("hours.log_time", "POST"),
    "api.statements": ("reports.statement", "GET"),
    "api.get_user": ("admin.user", "GET"),
    "api.get_request_type": ("sample.index", "GET"),
}

# Bodies the operations' schemas accept, so that a refused POST is refused by the policy.
BODIES = {
    "api.create_request": {"json": {"field": "sample", "type": "question", "title": "Matrix",
                                    "answers": {"topic": "general"}}},
    "api.transition": {"json": {}},
    "api.post_message": {"json": {"body": "Matrix"}},
    "api.log_time": {"json": {"date": "2026-01-05", "duration": "30"}},
    "api.upload_documents": {"data": {"visibility": "org"}, "content_type": "multipart/form-data"},
}


@pytest.fixture(scope="module")
def world(migrated_database, migration_branches, tmp_path_factory):
    built = build_world(migrated_database, migration_branches, tmp_path_factory.mktemp("api-matrix"))
    from extranet.accounts.models import User
    from extranet.rest.service import create_token

    built.tokens = {}
    with built.app.app_context():
        for role in ROLES:
            if role != "anonymous":
                user = db.session.scalar(db.select(User).where(User.email == built.people[role].email))
                built.tokens[role] = create_token(user, "matrix", SCOPES, None)[1]
        db.session.commit()
    yield built
    tear_down(built)


def api_routes(app, values):
    return [(e, m, url) for e, m, url in routes(app, values) if e.startswith("api.")]


def cells(endpoint, method) -> dict[str, str]:
    found = MATRIX[(endpoint, method)].split()
    assert len(found) == len(ROLES), (endpoint, method)
    return dict(zip(ROLES, found, strict=True))


def test_every_api_route_has_an_expectation(world):
    found = {(e, m) for e, m, _url in api_routes(world.app, world.ids)}
    assert sorted(found - MATRIX.keys()) == [] and sorted(MATRIX.keys() - found) == []


def test_the_api_allows_nothing_its_page_refuses():
    for endpoint, page in PAGES.items():
        method = next(m for e, m in MATRIX if e == endpoint)
        api = cells(endpoint, method)
        page_cells = dict(zip(ROLES, PAGE_MATRIX[page].split(), strict=True))
        for role in ROLES[1:]:
            if api[role] == "ok":
                assert page_cells[role] not in ("404", "login"), (endpoint, role, page)


def test_every_role_gets_its_declared_answer_through_the_api(world):
    client = world.app.test_client(use_cookies=False)  # a program: its token, no cookie
    wrong, written, checked = [], [], 0
    for endpoint, method, url in api_routes(world.app, world.ids):
        for role, want in cells(endpoint, method).items():
            headers = {"Authorization": f"Bearer {world.tokens[role]}"} if role in world.tokens else {}
            if method == "POST":
                if want == "ok":
                    continue
                before = snapshot(world.app, leave_out=frozenset({"api_tokens"}))
                response = client.post(url, headers=headers, **BODIES.get(endpoint, {"json": {}}))
                if changes := changed(before, snapshot(world.app, leave_out=frozenset({"api_tokens"}))):
                    written.append((endpoint, role, changes))
            else:
                response = client.get(url, headers=headers)
            response.close()
            got = response.status_code
            if not (got < 300 if want == "ok" else str(got) == want):
                wrong.append((endpoint, method, role, want, got))
            elif got >= 400:
                assert response.mimetype == "application/problem+json", (endpoint, role)
            checked += 1
    assert not wrong and not written, f"wrong answers: {wrong}; refused changes that wrote: {written}"
    print(f"API authorization matrix: {len(MATRIX)} operations × {len(ROLES)} roles; {checked} answers checked")

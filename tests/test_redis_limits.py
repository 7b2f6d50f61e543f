"""Login limits shared by several nodes through Redis (EXTRANET_REDIS_URL in production)."""

from __future__ import annotations

import os
import secrets

import pytest

from extranet.testing import csrf_token

REDIS_URL = os.environ.get("EXTRANET_TEST_REDIS_URL")
pytestmark = pytest.mark.skipif(not REDIS_URL, reason="set EXTRANET_TEST_REDIS_URL to test against Redis")


def _fail_login(client, email):
    return client.post("/login", data={"email": email, "password": "wrong", "csrf_token": csrf_token(client)})


def test_failed_logins_count_across_nodes(make_app, people):
    config = {
        "RATELIMIT_STORAGE_URI": REDIS_URL,
        "RATELIMIT_KEY_PREFIX": "test-" + secrets.token_hex(4),
        "LOGIN_LIMIT_PER_ACCOUNT": "3 per minute",
    }
    node_a, node_b = make_app(**config).test_client(), make_app(**config).test_client()
    assert _fail_login(node_a, people.member_a.email).status_code == 200
    assert _fail_login(node_b, people.member_a.email).status_code == 200
    assert _fail_login(node_a, people.member_a.email).status_code == 200
    assert _fail_login(node_b, people.member_a.email).status_code == 429
    # Another account is not affected.
    assert _fail_login(node_b, people.member_b.email).status_code == 200


def test_invitations_to_an_address_count_across_nodes(make_app, people):
    config = {
        "RATELIMIT_STORAGE_URI": REDIS_URL,
        "RATELIMIT_KEY_PREFIX": "test-" + secrets.token_hex(4),
        "INVITATION_LIMIT_PER_ADDRESS": "2 per hour",
    }
    nodes = [make_app(**config).test_client(), make_app(**config).test_client()]
    for node in nodes:
        login = {"email": people.manager_a.email, "password": people.manager_a.password, "csrf_token": csrf_token(node)}
        assert node.post("/login", data=login).status_code == 303

    def invite(node):
        return node.post("/organization/members", data={
            "email": "invited@example.org", "name": "Invited", "locale": "en", "role": "member",
            "csrf_token": csrf_token(node)})

    assert invite(nodes[0]).status_code == 303
    assert invite(nodes[1]).status_code == 303
    refused = invite(nodes[0])
    assert refused.status_code == 422 and "Too many invitations" in refused.get_data(as_text=True)

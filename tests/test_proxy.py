"""Behind a TLS proxy (EXTRANET_PROXY_HOPS=1), the client's address comes from X-Forwarded-For:
the per-address sign-in limit counts each person apart, not everyone who shares the proxy."""

from __future__ import annotations

import secrets

import pytest

from extranet.testing import csrf_token


@pytest.fixture
def app(make_app):
    return make_app(PROXY_HOPS=1, LOGIN_LIMIT_PER_IP="2 per minute", LOGIN_LIMIT_PER_ACCOUNT="100 per minute")


def failed_login(client, address: str) -> int:
    headers = {"X-Forwarded-For": address, "X-Forwarded-Proto": "https"}
    data = {"email": "nobody@test.org", "password": "wrong", "csrf_token": csrf_token(client)}
    return client.post("/login", data=data, headers=headers, environ_base={"REMOTE_ADDR": "10.0.0.2"}).status_code


def test_the_address_limit_counts_each_client_behind_the_proxy(app):
    first, second = (f"198.51.100.{secrets.randbelow(250) + 1}", f"203.0.113.{secrets.randbelow(250) + 1}")
    one, other = app.test_client(), app.test_client()
    assert [failed_login(one, first), failed_login(one, first)] == [200, 200]
    assert [failed_login(other, second), failed_login(other, second)] == [200, 200]
    assert failed_login(one, first) == 429

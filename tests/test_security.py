"""The security baseline: CSRF, headers, cookies, safe redirects, HTMX and sessions, error pages,
login rate limits."""

from __future__ import annotations

from datetime import timedelta

import pytest
from werkzeug.routing import IntegerConverter

from extranet.auth.models import UserSession
from extranet.db_types import utcnow
from extranet.extensions import db as _db
from extranet.testing import PASSWORD, csrf_token
from extranet.web.security import safe_next

COOKIE = "extranet_session"
HX = {"HX-Request": "true"}


def login(client, email: str, password: str = PASSWORD, **kwargs):
    return client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": csrf_token(client)},
        **kwargs,
    )


def post_urls(app) -> list[str]:
    """A URL for every route that accepts POST (plugins' included), placeholders filled in."""
    adapter = app.url_map.bind("localhost")
    urls = []
    for rule in app.url_map.iter_rules():
        if "POST" not in (rule.methods or ()):
            continue
        values = {
            name: 1 if isinstance(converter, IntegerConverter) else "x"
            for name, converter in rule._converters.items()
        }
        urls.append(adapter.build(rule.endpoint, values, method="POST"))
    return sorted(set(urls))


# -- CSRF --------------------------------------------------------------------------------------


def test_there_are_post_routes_to_check(app):
    urls = post_urls(app)
    for url in ("/login", "/logout", "/language", "/profile", "/profile/password", "/password/forgot"):
        assert url in urls


def test_every_post_without_csrf_token_is_refused_anonymous(app, client):
    client.get("/login")  # a session exists, as in a browser
    for url in post_urls(app):
        response = client.post(url, data={"email": "x@test.org", "password": "x"})
        assert response.status_code == 400, url
        htmx = client.post(url, data={"locale": "en"}, headers=HX)
        assert htmx.status_code == 400, url


def test_every_post_without_csrf_token_is_refused_signed_in(app, client, people, login_as):
    login_as(people.admin)
    for url in post_urls(app):
        assert client.post(url, data={}).status_code == 400, url
        assert client.post(url, data={}, headers=HX).status_code == 400, url
        assert client.post(url, data={}, headers={**HX, "X-CSRFToken": "forged"}).status_code == 400, url
    # Nothing happened: still signed in, logout refused too.
    assert client.get("/").status_code == 200


def test_csrf_error_page_explains_and_leaks_nothing(client):
    client.get("/login")
    response = client.post("/login", data={"email": "a@test.org", "password": "x"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "The form has expired. Reload the page and try again." in page
    assert "Traceback" not in page and "token is missing" not in page


def test_csrf_token_of_another_session_is_refused(app, client, people):
    other = app.test_client()
    foreign = csrf_token(other)
    client.get("/login")
    response = client.post(
        "/login", data={"email": people.member_a.email, "password": PASSWORD, "csrf_token": foreign}
    )
    assert response.status_code == 400


def test_htmx_post_with_the_csrf_header_passes(client, people, login_as):
    login_as(people.member_a)
    token = csrf_token(client, "/")
    response = client.post(
        "/language", data={"locale": "en"}, headers={**HX, "X-CSRFToken": token}
    )
    assert response.status_code == 303
    assert '<html lang="en">' in client.get("/").get_data(as_text=True)
    response = client.post("/logout", headers={**HX, "X-CSRFToken": token})
    assert response.status_code == 303
    assert client.get("/").status_code == 302


def test_csrf_token_is_offered_to_htmx_on_body(client):
    page = client.get("/login").get_data(as_text=True)
    assert "<body hx-headers='{\"X-CSRFToken\": \"" in page


# -- headers -----------------------------------------------------------------------------------


def assert_security_headers(response, where: str) -> None:
    headers = response.headers
    csp = headers.get("Content-Security-Policy", "")
    assert csp, where
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, where
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["script-src"] == "'self'", where
    assert directives["style-src"] == "'self'", where
    assert directives["frame-ancestors"] == "'none'", where
    assert directives["object-src"] == "'none'", where
    assert headers.get("X-Content-Type-Options") == "nosniff", where
    assert headers.get("X-Frame-Options") == "DENY", where
    assert headers.get("Referrer-Policy") in ("same-origin", "strict-origin-when-cross-origin", "no-referrer"), where


def test_security_headers_on_anonymous_pages(client):
    for path, status in [
        ("/login", 200),
        ("/password/forgot", 200),
        ("/", 302),
        ("/no/such/page", 404),
        ("/password/reset/forged", 410),
        ("/static/app.css", 200),
    ]:
        response = client.get(path)
        assert response.status_code == status, path
        assert_security_headers(response, path)
    response = client.post("/login", data={})
    assert response.status_code == 400
    assert_security_headers(response, "csrf error")


def test_security_headers_and_no_store_on_signed_in_pages(client, people, login_as):
    login_as(people.member_a)
    for path, status in [("/", 200), ("/profile", 200), ("/no/such/page", 404), ("/logout", 405)]:
        response = client.get(path)
        assert response.status_code == status, path
        assert_security_headers(response, path)
        assert "no-store" in response.headers.get("Cache-Control", ""), path
    htmx = client.get("/", headers=HX)
    assert "no-store" in htmx.headers.get("Cache-Control", "")
    assert "HX-Request" in htmx.headers.get("Vary", "")


def test_static_files_stay_cacheable_when_signed_in(client, people, login_as):
    login_as(people.member_a)
    response = client.get("/static/app.css")
    assert response.status_code == 200
    assert "no-store" not in response.headers.get("Cache-Control", "")
    assert_security_headers(response, "static")


def test_no_hsts_over_plain_http_by_default(client):
    assert "Strict-Transport-Security" not in client.get("/login").headers


def test_no_inline_script_or_style_in_pages(client, people, login_as):
    pages = [client.get("/login"), client.get("/password/forgot")]
    login_as(people.member_a)
    pages += [client.get("/"), client.get("/profile")]
    for response in pages:
        page = response.get_data(as_text=True)
        assert "<script>" not in page and "style=" not in page and "onclick" not in page.lower()
        for tag in page.split("<script")[1:]:
            assert tag.lstrip().startswith("src="), tag[:80]


# -- cookies -----------------------------------------------------------------------------------


def session_cookie_header(response) -> str:
    headers = [h for h in response.headers.getlist("Set-Cookie") if h.startswith(COOKIE + "=")]
    assert headers, response.headers
    return headers[0]


def test_session_cookie_flags(client, people):
    anonymous = session_cookie_header(client.get("/login"))
    signed_in = session_cookie_header(login(client, people.member_a.email))
    for header in (anonymous, signed_in):
        assert "HttpOnly" in header
        assert "SameSite=Lax" in header
        assert "Path=/" in header
        assert "Secure" not in header


def test_session_cookie_is_secure_when_configured(make_app, people):
    app = make_app(SESSION_COOKIE_SECURE=True)
    client = app.test_client()
    response = client.get("/login", base_url="https://localhost")
    header = session_cookie_header(response)
    assert "Secure" in header and "HttpOnly" in header and "SameSite=Lax" in header
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_session_cookie_holds_no_user_id(client, people):
    """The cookie holds a random token for a server-side session, not the user's id."""
    import base64
    import json
    import zlib

    login(client, people.member_a.email)
    value = client.get_cookie(COOKIE).value
    compressed = value.startswith(".")
    payload = value.lstrip(".").split(".")[0]
    raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    data = json.loads(zlib.decompress(raw) if compressed else raw)
    assert "_user_id" not in data and "sid" in data
    assert people.member_a.email not in json.dumps(data)


# -- safe redirects ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example",
        "https://evil.example/path",
        "http://localhost.evil.example/",
        "//evil.example",
        "///evil.example",
        "/\\evil.example",
        "\\\\evil.example",
        "\\/evil.example",
        "/\t/evil.example",
        " //evil.example",
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        "data:text/html,hi",
        "evil.example",
        "profile",
        "",
        None,
    ],
)
def test_safe_next_refuses_what_leaves_the_site(target):
    assert safe_next(target, "/home") == "/home"


@pytest.mark.parametrize("target", ["/", "/profile", "/requests/12?tab=messages", "/a/b#part", "/?next=//x"])
def test_safe_next_keeps_local_paths(target):
    assert safe_next(target, "/home") == target


@pytest.mark.parametrize(
    "next_url, landing",
    [("https://evil.example", "/"), ("//evil.example", "/"), ("/\\evil.example", "/"), ("/profile", "/profile")],
)
def test_login_redirect_honours_only_local_next(client, people, next_url, landing):
    response = client.post(
        "/login",
        query_string={"next": next_url},
        data={"email": people.member_a.email, "password": PASSWORD, "csrf_token": csrf_token(client)},
    )
    assert response.status_code == 303
    assert response.location == landing


def test_protected_page_sends_to_login_with_next_and_back(client, people):
    response = client.get("/profile")
    assert response.status_code == 302
    assert response.location == "/login?next=/profile"
    response = client.post(
        response.location,
        data={"email": people.member_a.email, "password": PASSWORD, "csrf_token": csrf_token(client)},
    )
    assert response.status_code == 303 and response.location == "/profile"


# -- HTMX and sessions ---------------------------------------------------------------------------


def test_htmx_request_without_session_gets_hx_redirect(client):
    response = client.get("/", headers=HX)
    assert response.status_code == 401
    assert response.headers["HX-Redirect"] == "/login"
    assert 'name="password"' not in response.get_data(as_text=True)


def test_htmx_request_with_expired_session_gets_hx_redirect(app, client, people, login_as):
    login_as(people.member_a)
    assert client.get("/widgets/organization", headers=HX).status_code == 200
    with app.app_context():
        _db.session.execute(_db.update(UserSession).values(expires_at=utcnow() - timedelta(minutes=1)))
        _db.session.commit()
    response = client.get("/widgets/organization", headers=HX)
    assert response.status_code == 401
    assert response.headers["HX-Redirect"] == "/login"
    body = response.get_data(as_text=True)
    assert "<form" not in body and 'name="password"' not in body
    # A plain (non-HTMX) request is redirected, as usual.
    assert client.get("/profile").status_code == 302


def test_htmx_post_after_logout_elsewhere_gets_hx_redirect(app, client, people, login_as):
    login_as(people.member_a)
    token = csrf_token(client, "/")
    with app.app_context():
        _db.session.execute(_db.delete(UserSession))
        _db.session.commit()
    response = client.post(
        "/profile/password", data={"pw-current": "x"}, headers={**HX, "X-CSRFToken": token}
    )
    assert response.status_code == 401 and response.headers["HX-Redirect"] == "/login"


# -- error pages ---------------------------------------------------------------------------------


def test_404_page(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "Page not found" in page and "Traceback" not in page
    assert '<html lang="en">' in page  # the full layout, in the browser's language


def test_405_page(client):
    response = client.get("/logout")
    assert response.status_code == 405
    page = response.get_data(as_text=True)
    assert "Not allowed" in page and "Traceback" not in page


def test_500_page_shows_no_traceback(make_app, people):
    app = make_app(PROPAGATE_EXCEPTIONS=False)

    def boom():
        raise RuntimeError("secret internal detail")

    app.add_url_rule("/boom", "boom", boom)
    client = app.test_client()
    response = client.get("/boom")
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "Something went wrong" in page
    for leak in ("Traceback", "secret internal detail", "RuntimeError", "File &#34;", 'File "'):
        assert leak not in page
    assert_security_headers(response, "500")
    # The site keeps working, signed in too.
    assert login(client, people.member_a.email).status_code == 303
    response = client.get("/boom")
    assert response.status_code == 500 and "secret internal detail" not in response.get_data(as_text=True)
    assert client.get("/").status_code == 200


def test_500_after_a_database_error_still_renders(make_app, people):
    app = make_app(PROPAGATE_EXCEPTIONS=False)

    def broken_query():
        _db.session.execute(_db.text("SELECT * FROM no_such_table"))

    app.add_url_rule("/broken", "broken", broken_query)
    client = app.test_client()
    assert login(client, people.member_a.email).status_code == 303
    response = client.get("/broken")
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "Something went wrong" in page and "no_such_table" not in page
    assert client.get("/").status_code == 200


# -- login rate limits ---------------------------------------------------------------------------


def test_login_limit_per_account(make_app, people):
    app = make_app(LOGIN_LIMIT_PER_ACCOUNT="3 per minute")
    attacker = app.test_client()
    for _ in range(3):
        assert login(attacker, people.member_a.email, "wrong password").status_code == 200
    response = login(attacker, people.member_a.email, "wrong password")
    assert response.status_code == 429
    page = response.get_data(as_text=True)
    assert "Too many attempts" in page and "Traceback" not in page
    # The account is locked for now, whoever knocks and however the address is spelled...
    assert login(app.test_client(), people.member_a.email).status_code == 429
    assert login(app.test_client(), people.member_a.email.upper()).status_code == 429
    # ... but other accounts still log in, from the same address too.
    assert login(attacker, people.member_b.email).status_code == 303
    assert login(app.test_client(), people.manager_a.email).status_code == 303


def test_successful_logins_do_not_count_against_the_account(make_app, people):
    app = make_app(LOGIN_LIMIT_PER_ACCOUNT="3 per minute")
    for _ in range(5):
        client = app.test_client()
        assert login(client, people.member_a.email).status_code == 303


def test_login_limit_per_ip(make_app, people):
    app = make_app(LOGIN_LIMIT_PER_IP="3 per minute")
    client = app.test_client()
    emails = [people.member_a.email, people.member_b.email, people.manager_a.email]
    for email in emails:
        assert login(client, email, "wrong password").status_code == 200
    assert login(client, people.manager_b.email).status_code == 429
    assert login(app.test_client(), people.manager_b.email).status_code == 429
    # Another address is not affected.
    other = app.test_client()
    response = login(other, people.manager_b.email, environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert response.status_code == 303


def test_an_application_made_without_limits_leaves_the_next_one_its_limits(make_app, people):
    """Flask-Limiter's extension object is one for the process, and its ``init_app`` falls back
    to what the last application set: the benchmark's dataset builder, which turns limits off,
    left every application made after it in the same process without any."""
    make_app(RATELIMIT_ENABLED=False)
    app = make_app(LOGIN_LIMIT_PER_IP="1 per minute")
    client = app.test_client()
    assert login(client, people.member_a.email, "wrong password").status_code == 200
    assert login(client, people.member_a.email, "wrong password").status_code == 429


def test_password_reset_requests_are_limited_per_ip(make_app, people):
    app = make_app(LOGIN_LIMIT_PER_IP="2 per minute")
    client = app.test_client()
    for _ in range(2):
        response = client.post(
            "/password/forgot", data={"email": "x@test.org", "csrf_token": csrf_token(client)}
        )
        assert response.status_code == 303
    response = client.post(
        "/password/forgot", data={"email": "x@test.org", "csrf_token": csrf_token(client)}
    )
    assert response.status_code == 429

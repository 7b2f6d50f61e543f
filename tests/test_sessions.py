"""Sessions a person controls: the profile lists them (browser, network, last activity), ends
one or all the others; a sign-in from a browser the person never used is e-mailed."""

from __future__ import annotations

import re

from extranet.audit.models import AuditEvent
from extranet.auth import browsers
from extranet.auth.models import KnownBrowser, UserSession
from extranet.extensions import db as _db
from extranet.notifications.models import OutboxEmail
from extranet.testing import PASSWORD, csrf_token

FIREFOX_LINUX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.5 Mobile/15E148 Safari/604.1"
)
EDGE_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36 Edg/126.0.2592.87"
)


def browser(app, ip: str, user_agent: str):
    client = app.test_client()
    client.environ_base.update({"REMOTE_ADDR": ip, "HTTP_USER_AGENT": user_agent})
    return client


def sign_in(client, person) -> None:
    data = {"email": person.email, "password": PASSWORD, "csrf_token": csrf_token(client)}
    assert client.post("/login", data=data).status_code == 303


def laptop_and_phone(app, person):
    """Two browsers of ``person`` on two addresses of one network, both signed in."""
    laptop = browser(app, "203.0.113.77", FIREFOX_LINUX)
    phone = browser(app, "203.0.113.78", SAFARI_IPHONE)
    sign_in(laptop, person)
    sign_in(phone, person)
    return laptop, phone


def new_browser_mails(app, person) -> list[OutboxEmail]:
    with app.app_context():
        rows = _db.session.scalars(
            _db.select(OutboxEmail)
            .where(OutboxEmail.to == person.email, OutboxEmail.subject.like("New sign-in%"))
            .order_by(OutboxEmail.id)
        ).all()
        _db.session.expunge_all()
        return rows


def session_ids(app, person) -> list[int]:
    with app.app_context():
        return _db.session.scalars(
            _db.select(UserSession.id).where(UserSession.user_id == person.id).order_by(UserSession.id)
        ).all()


def test_browsers_and_networks_are_named_without_an_outside_service():
    assert browsers.describe(FIREFOX_LINUX) == ("Firefox", "Linux")
    assert browsers.describe(SAFARI_IPHONE) == ("Safari", "iOS")
    assert browsers.describe(EDGE_WINDOWS) == ("Edge", "Windows")
    assert browsers.describe("") == (None, None)
    assert browsers.network("203.0.113.77") == "203.0.113.0/24"
    assert browsers.network("2001:db8:1234:5678::9") == "2001:db8:1234::/48"
    assert browsers.network("not an address") is None


def test_the_profile_lists_the_persons_sessions_only(app, people):
    laptop = browser(app, "203.0.113.77", FIREFOX_LINUX)
    phone = browser(app, "2001:db8:1234:5678::9", SAFARI_IPHONE)
    sign_in(laptop, people.member_a)
    sign_in(phone, people.member_a)
    sign_in(browser(app, "198.51.100.4", EDGE_WINDOWS), people.member_b)

    page = laptop.get("/profile").get_data(as_text=True)
    assert "Firefox on Linux" in page and "203.0.113.0/24" in page
    assert "Safari on iOS" in page and "2001:db8:1234::/48" in page
    assert "This browser" in page
    # Addresses are shown by their network only; another person's sessions not at all.
    assert "203.0.113.77" not in page
    assert "Edge" not in page and "198.51.100" not in page


def test_ending_another_session_signs_that_browser_out(app, people):
    laptop, phone = laptop_and_phone(app, people.member_a)
    laptop_id, phone_id = session_ids(app, people.member_a)

    page = laptop.get("/profile").get_data(as_text=True)
    assert f"/profile/sessions/{phone_id}/end" in page
    # One's current session is ended by logging out, not from this list.
    assert f"/profile/sessions/{laptop_id}/end" not in page
    token = csrf_token(laptop, "/profile")
    assert laptop.post(f"/profile/sessions/{laptop_id}/end", data={"csrf_token": token}).status_code == 404

    response = laptop.post(f"/profile/sessions/{phone_id}/end", data={"csrf_token": token})
    assert response.status_code == 303
    assert phone.get("/").status_code == 302
    assert laptop.get("/").status_code == 200
    assert session_ids(app, people.member_a) == [laptop_id]
    with app.app_context():
        event = _db.session.scalar(_db.select(AuditEvent).filter_by(action="auth.session_ended"))
        assert event.details == {"session": phone_id}


def test_nobody_ends_someone_elses_session(app, people):
    mine = browser(app, "203.0.113.77", FIREFOX_LINUX)
    theirs = browser(app, "198.51.100.4", EDGE_WINDOWS)
    sign_in(mine, people.member_a)
    sign_in(theirs, people.member_b)
    (their_id,) = session_ids(app, people.member_b)
    response = mine.post(f"/profile/sessions/{their_id}/end", data={"csrf_token": csrf_token(mine, "/profile")})
    assert response.status_code == 404
    assert theirs.get("/").status_code == 200
    # Huge and unknown ids: not found, never an error.
    for wrong in (999999, 2**70):
        assert mine.post(f"/profile/sessions/{wrong}/end", data={"csrf_token": csrf_token(mine, "/profile")}).status_code == 404


def test_ending_a_session_needs_the_csrf_token(app, people):
    laptop, phone = laptop_and_phone(app, people.member_a)
    _, phone_id = session_ids(app, people.member_a)
    assert laptop.post(f"/profile/sessions/{phone_id}/end").status_code == 400
    assert laptop.post("/profile/sessions/end-others").status_code == 400
    assert phone.get("/").status_code == 200


def test_ending_all_other_sessions(app, people):
    clients = [browser(app, f"203.0.113.{n}", FIREFOX_LINUX) for n in range(3)]
    for client in clients:
        sign_in(client, people.member_a)
    response = clients[0].post("/profile/sessions/end-others", data={"csrf_token": csrf_token(clients[0], "/profile")})
    assert response.status_code == 303
    assert "Your other sessions are ended (2)." in clients[0].get("/").get_data(as_text=True)
    assert [c.get("/").status_code for c in clients] == [200, 302, 302]


def test_a_sign_in_from_an_unknown_browser_is_emailed(app, people):
    laptop = browser(app, "203.0.113.77", FIREFOX_LINUX)
    sign_in(laptop, people.member_a)
    # The very first browser is not news.
    assert new_browser_mails(app, people.member_a) == []
    laptop.post("/logout", data={"csrf_token": csrf_token(laptop, "/")})
    sign_in(laptop, people.member_a)
    assert new_browser_mails(app, people.member_a) == []

    sign_in(browser(app, "2001:db8:1234:5678::9", SAFARI_IPHONE), people.member_a)
    (mail,) = new_browser_mails(app, people.member_a)
    assert "Safari" in mail.body_text and "iOS" in mail.body_text and "2001:db8:1234::/48" in mail.body_text
    assert re.search(r"http://localhost/profile#sessions", mail.body_text)
    with app.app_context():
        assert _db.session.scalar(_db.select(_db.func.count()).select_from(KnownBrowser)) == 2


def test_a_password_reset_link_ends_every_session_and_a_change_the_others(app, people, client_for):
    laptop, phone = laptop_and_phone(app, people.member_a)
    token = csrf_token(laptop, "/profile")
    laptop.post("/profile/password", data={
        "pw-current": PASSWORD, "pw-password": "another long passphrase",
        "pw-confirm": "another long passphrase", "csrf_token": token,
    })
    assert laptop.get("/").status_code == 200
    assert phone.get("/").status_code == 302

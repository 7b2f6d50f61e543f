"""Login, logout, server-side sessions, password reset and invitation links, end to end."""

from __future__ import annotations

import re
from datetime import timedelta
from email import message_from_bytes
from email import policy as email_policy
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from flask_babel import force_locale, gettext

from extranet.accounts.models import User
from extranet.auth.models import UserSession
from extranet.auth.service import handle_reset_requests
from extranet.db_types import utcnow
from extranet.extensions import babel
from extranet.extensions import db as _db
from extranet.notifications.models import OutboxEmail
from extranet.testing import PASSWORD, csrf_token

COOKIE = "extranet_session"
NEW_PASSWORD = "a brand new passphrase"


# -- helpers ---------------------------------------------------------------------------------


def login(client, email: str, password: str = PASSWORD, remember: bool = False, **kwargs):
    data = {"email": email, "password": password, "csrf_token": csrf_token(client)}
    if remember:
        data["remember"] = "y"
    return client.post("/login", data=data, **kwargs)


def session_set_cookie(response) -> str | None:
    """The Set-Cookie header of the session cookie in ``response``, if any."""
    for header in response.headers.getlist("Set-Cookie"):
        if header.startswith(COOKIE + "="):
            return header
    return None


def cookie_value(client) -> str | None:
    cookie = client.get_cookie(COOKIE)
    return cookie.value if cookie else None


def is_signed_in(client) -> bool:
    response = client.get("/")
    if response.status_code == 200:
        return True
    assert response.status_code == 302 and "/login" in response.location
    return False


def mail_folder(app) -> Path:
    return Path(app.config["MAIL_URL"].removeprefix("file://"))


def eml_files(app) -> list[Path]:
    folder = mail_folder(app)
    return sorted(folder.glob("*.eml")) if folder.exists() else []


def read_eml(path: Path):
    return message_from_bytes(path.read_bytes(), policy=email_policy.default)


def outbox(app, to: str | None = None) -> list[OutboxEmail]:
    with app.app_context():
        query = _db.select(OutboxEmail).order_by(OutboxEmail.id)
        if to:
            query = query.where(OutboxEmail.to == to)
        rows = _db.session.scalars(query).all()
        _db.session.expunge_all()
        return rows


def link_in(text: str, kind: str) -> str:
    """The path of the first ``/password/reset/…`` or ``/invitation/…`` link in ``text``."""
    match = re.search(r"http://localhost(/" + kind + r"/[A-Za-z0-9._-]+)", text)
    assert match, f"no {kind} link in {text!r}"
    return match.group(1)


def update_user(app, user_id: int, **values) -> None:
    with app.app_context():
        user = _db.session.get(User, user_id)
        for key, value in values.items():
            setattr(user, key, value)
        _db.session.commit()


def request_reset(client, email: str, **kwargs):
    response = client.post(
        "/password/forgot", data={"email": email, "csrf_token": csrf_token(client)}, **kwargs
    )
    # A server closes the response once it is sent: the reset is handled then (embedded mode).
    response.close()
    return response


def choose_password(client, path: str, password: str = NEW_PASSWORD, confirm: str | None = None):
    token = csrf_token(client, "/login")
    return client.post(
        path, data={"password": password, "confirm": confirm or password, "csrf_token": token}
    )


def change_password(client):
    """The signed-in person changes their password on their profile page."""
    return client.post(
        "/profile/password",
        data={
            "pw-current": PASSWORD,
            "pw-password": NEW_PASSWORD,
            "pw-confirm": NEW_PASSWORD,
            "csrf_token": csrf_token(client, "/profile"),
        },
    )


# -- login and logout ------------------------------------------------------------------------


def test_login_page_is_french_by_default(client):
    client.environ_base.pop("HTTP_ACCEPT_LANGUAGE", None)  # a browser that states no preference
    page = client.get("/login").get_data(as_text=True)
    assert 'name="email"' in page and 'name="password"' in page
    assert '<html lang="fr">' in page


def test_login_and_logout(client, people, login_as):
    response = client.get("/")
    assert response.status_code == 302 and "/login" in response.location
    login_as(people.member_a)
    assert people.member_a.name in client.get("/").get_data(as_text=True)
    response = client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    assert response.status_code == 303 and response.location.endswith("/login")
    assert client.get("/").status_code == 302


def test_wrong_password_is_refused(client, people):
    response = login(client, people.member_a.email, "nope")
    assert response.status_code == 200
    assert "Incorrect email or password." in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_unknown_address_gets_the_same_answer_as_a_wrong_password(client, people):
    wrong = login(client, people.member_a.email, "nope").get_data(as_text=True)
    unknown = login(client, "nobody@test.org", "nope").get_data(as_text=True)
    assert "Incorrect email or password." in wrong and "Incorrect email or password." in unknown


@pytest.mark.parametrize("who", ["unknown", "pending", "known"])
def test_every_failed_login_spends_one_password_check(app, client, people, monkeypatch, who):
    """No timing difference between an unknown address, a pending invitation and a wrong
    password: each answer costs one password hash check."""
    import werkzeug.security

    from extranet.accounts import models as account_models
    from extranet.auth import views as auth_views

    email = {"unknown": "nobody@test.org", "known": people.member_a.email}.get(who)
    if who == "pending":
        email = "pending@test.org"
        with app.app_context():
            _db.session.add(User(email=email, name="Pending", password_hash=None))
            _db.session.commit()
    token = csrf_token(client)
    calls = []
    real = werkzeug.security.check_password_hash

    def counting(pwhash, password):
        calls.append(password)
        return real(pwhash, password)

    monkeypatch.setattr(auth_views, "check_password_hash", counting)
    monkeypatch.setattr(account_models, "check_password_hash", counting)
    response = client.post("/login", data={"email": email, "password": "guess", "csrf_token": token})
    assert response.status_code == 200
    assert calls == ["guess"]


def test_email_is_case_insensitive_at_login(client, people):
    response = login(client, "  " + people.member_a.email.upper())
    assert response.status_code == 303
    assert is_signed_in(client)


def test_login_records_audit_events(app, client, people):
    from extranet.audit.models import AuditEvent

    login(client, people.member_a.email, "nope")
    login(client, people.member_a.email)
    with app.app_context():
        actions = _db.session.scalars(_db.select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == ["auth.login_failed", "auth.login"]


def test_signed_in_user_visiting_login_goes_to_dashboard(client, people, login_as):
    login_as(people.member_a)
    response = client.get("/login")
    assert response.status_code == 302 and response.location.endswith("/")


def test_session_cookie_changes_at_login(client, people):
    csrf_token(client)  # an anonymous session exists, as in a browser showing the form
    before = cookie_value(client)
    assert before
    response = login(client, people.member_a.email)
    assert response.status_code == 303
    after = cookie_value(client)
    assert after and after != before
    # The anonymous cookie gives no access, the new one does.
    stale = client.application.test_client()
    stale.set_cookie(COOKIE, before)
    assert not is_signed_in(stale)
    assert is_signed_in(client)


def test_replaying_the_cookie_after_logout_is_refused(app, client, people, login_as):
    login_as(people.member_a)
    assert is_signed_in(client)
    old_cookie = cookie_value(client)
    response = client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    assert response.status_code == 303
    replay = app.test_client()
    replay.set_cookie(COOKIE, old_cookie)
    response = replay.get("/")
    assert response.status_code == 302 and "/login" in response.location
    assert 'name="password"' in replay.get("/", follow_redirects=True).get_data(as_text=True)
    with app.app_context():
        assert _db.session.scalar(_db.select(_db.func.count()).select_from(UserSession)) == 0


def test_password_change_ends_other_sessions_only(app, client, people, login_as):
    login_as(people.member_a)
    other = app.test_client()
    assert login(other, people.member_a.email).status_code == 303
    bystander = app.test_client()
    assert login(bystander, people.member_b.email).status_code == 303
    assert is_signed_in(other)

    response = change_password(client)
    assert response.status_code == 303
    assert is_signed_in(client)
    assert not is_signed_in(other)
    assert is_signed_in(bystander)
    # The old password no longer opens a session; the new one does.
    third = app.test_client()
    assert login(third, people.member_a.email).status_code == 200
    assert login(third, people.member_a.email, NEW_PASSWORD).status_code == 303


def test_remember_me_makes_the_cookie_persistent(client, people):
    response = login(client, people.member_a.email, remember=True)
    assert response.status_code == 303
    header = session_set_cookie(response)
    assert header and ("Expires=" in header or "Max-Age=" in header), header
    cookie = client.get_cookie(COOKIE)
    assert cookie.expires is not None
    # Roughly the remember lifetime (30 days by default), not a few hours.
    assert cookie.expires - utcnow() > timedelta(days=29)


def test_without_remember_me_the_cookie_is_a_browser_session_cookie(client, people):
    response = login(client, people.member_a.email)
    assert response.status_code == 303
    header = session_set_cookie(response)
    assert header
    assert "Expires=" not in header and "Max-Age=" not in header, header
    # Later responses keep it a session cookie too.
    later = session_set_cookie(client.get("/profile"))
    assert later is None or ("Expires=" not in later and "Max-Age=" not in later)


def test_server_side_session_lifetime_follows_remember(app, people):
    for remember, minimum, maximum in ((False, 11, 13), (True, 29 * 24, 31 * 24)):
        client = app.test_client()
        assert login(client, people.member_a.email, remember=remember).status_code == 303
        with app.app_context():
            row = _db.session.scalars(
                _db.select(UserSession).order_by(UserSession.id.desc())
            ).first()
            hours = (row.expires_at - row.created_at) / timedelta(hours=1)
            assert row.remember is remember
            assert minimum <= hours <= maximum


def test_deactivated_user_is_logged_out_on_next_request(app, client, people, login_as):
    login_as(people.member_a)
    assert is_signed_in(client)
    update_user(app, people.member_a.id, active=False)
    response = client.get("/")
    assert response.status_code == 302 and "/login" in response.location
    # Reactivating does not bring the old session back: the row is gone.
    update_user(app, people.member_a.id, active=True)
    assert not is_signed_in(client)
    # And a deactivated account cannot log in again.
    update_user(app, people.member_a.id, active=False)
    assert login(app.test_client(), people.member_a.email).status_code == 200


def test_expired_server_session_is_refused(app, client, people, login_as):
    login_as(people.member_a)
    with app.app_context():
        _db.session.execute(_db.update(UserSession).values(expires_at=utcnow() - timedelta(seconds=1)))
        _db.session.commit()
    assert not is_signed_in(client)
    with app.app_context():
        assert _db.session.scalar(_db.select(_db.func.count()).select_from(UserSession)) == 0


def test_idle_session_slides_but_remembered_one_keeps_its_term(app, people):
    browser, remembered = app.test_client(), app.test_client()
    assert login(browser, people.member_a.email).status_code == 303
    assert login(remembered, people.member_b.email, remember=True).status_code == 303
    old = utcnow() - timedelta(minutes=5)
    with app.app_context():
        _db.session.execute(_db.update(UserSession).values(last_seen_at=old))
        _db.session.commit()
        before = {r.user_id: r.expires_at for r in _db.session.scalars(_db.select(UserSession))}
    assert is_signed_in(browser) and is_signed_in(remembered)
    with app.app_context():
        after = {r.user_id: r for r in _db.session.scalars(_db.select(UserSession))}
        assert after[people.member_a.id].expires_at > before[people.member_a.id]
        assert after[people.member_b.id].expires_at == before[people.member_b.id]
        assert after[people.member_b.id].last_seen_at > old


# -- password reset --------------------------------------------------------------------------


def test_reset_request_gives_the_same_answer_for_known_and_unknown_addresses(app, people):
    known_client, unknown_client = app.test_client(), app.test_client()
    known = request_reset(known_client, people.member_a.email)
    unknown = request_reset(unknown_client, "nobody@test.org")
    assert known.status_code == unknown.status_code == 303
    assert known.location == unknown.location
    known_page = known_client.get(known.location).get_data(as_text=True)
    unknown_page = unknown_client.get(unknown.location).get_data(as_text=True)
    message = "If an account uses this address, a link to reset the password is on its way."
    assert message in known_page and message in unknown_page
    # Only the known address got mail.
    assert [e.to for e in outbox(app)] == [people.member_a.email]


def _statements_of_a_reset(app, email: str) -> list[str]:
    """The SQL statements one reset request runs, in order, without their parameters."""
    from sqlalchemy import event

    client = app.test_client()
    token = csrf_token(client, "/password/forgot")
    statements: list[str] = []

    def seen(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    with app.app_context():
        engine = _db.engine
    event.listen(engine, "before_cursor_execute", seen)
    try:
        response = client.post("/password/forgot", data={"email": email, "csrf_token": token})
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert response.status_code == 303
    return statements


def _row_counts(app) -> dict[str, int]:
    with app.app_context():
        return {name: _db.session.execute(_db.select(_db.func.count()).select_from(table)).scalar()
                for name, table in _db.metadata.tables.items()}


def test_reset_request_does_the_same_work_whatever_the_address(make_app, people):
    """Known, unknown and deactivated addresses run the very same statements and write the same
    one row: the answer's time cannot tell them apart, as nothing in it depends on the account.
    The worker then sends the one e-mail and discards the others."""
    from extranet.auth.models import ResetRequest

    app = make_app(MAIL_DELIVERY="worker")
    update_user(app, people.member_b.id, active=False)
    addresses = [people.member_a.email, "nobody@test.org", people.member_b.email]
    runs = []
    for email in addresses:
        before = _row_counts(app)
        runs.append(_statements_of_a_reset(app, email))
        after = _row_counts(app)
        assert {name: after[name] - before[name] for name in after if after[name] != before[name]} == {
            "password_reset_requests": 1
        }, email
    assert runs[0] == runs[1] == runs[2]
    assert not any("FROM users" in statement for statement in runs[0])
    with app.app_context():
        assert handle_reset_requests() == 3
        _db.session.commit()
        assert _db.session.scalar(_db.select(_db.func.count()).select_from(ResetRequest)) == 0
    assert [e.to for e in outbox(app)] == [people.member_a.email]


def test_reset_requests_of_an_address_typed_differently_reach_its_account(app, people):
    request_reset(app.test_client(), "  " + people.member_a.email.upper())
    [email] = outbox(app)
    assert email.to == people.member_a.email and email.sent_at is not None


def test_reset_request_for_a_deactivated_account_sends_nothing(app, client, people):
    update_user(app, people.member_a.id, active=False)
    assert request_reset(client, people.member_a.email).status_code == 303
    assert outbox(app) == []


def test_reset_request_with_an_invalid_address_shows_the_form_again(client, people):
    response = client.post(
        "/password/forgot", data={"email": "not an address", "csrf_token": csrf_token(client)}
    )
    assert response.status_code == 200
    assert 'name="email"' in response.get_data(as_text=True)


def test_password_reset_end_to_end(app, client, people):
    # The mail follows the account's language, not the (English) browser's.
    update_user(app, people.member_a.id, locale="fr_CA")
    assert request_reset(client, people.member_a.email).status_code == 303

    [email] = outbox(app, people.member_a.email)
    assert email.sent_at is not None and email.attempts == 1 and email.last_error is None
    assert email.locale == "fr_CA"
    [eml] = eml_files(app)
    message = read_eml(eml)
    assert message["To"] == people.member_a.email
    assert message["Subject"] == email.subject
    body = message.get_content()
    assert people.member_a.name in body
    path = link_in(body, "password/reset")
    assert path == link_in(email.body_text, "password/reset")

    page = client.get(path)
    assert page.status_code == 200
    assert people.member_a.email in page.get_data(as_text=True)

    response = choose_password(client, path)
    assert response.status_code == 303 and response.location.endswith("/login")
    assert login(app.test_client(), people.member_a.email).status_code == 200
    assert login(client, people.member_a.email, NEW_PASSWORD).status_code == 303

    # Once used, the link is dead, for a GET as for a POST.
    fresh = app.test_client()
    again = fresh.get(path)
    assert again.status_code == 410
    assert "link no longer valid" in again.get_data(as_text=True).lower()
    assert choose_password(fresh, path, "yet another passphrase").status_code == 410
    assert login(app.test_client(), people.member_a.email, NEW_PASSWORD).status_code == 303


def test_password_reset_ends_every_session(app, client, people, login_as):
    login_as(people.member_a)
    anonymous = app.test_client()
    request_reset(anonymous, people.member_a.email)
    [email] = outbox(app)
    assert choose_password(anonymous, link_in(email.body_text, "password/reset")).status_code == 303
    assert not is_signed_in(client)


def test_reset_link_dies_when_the_password_changes_otherwise(app, client, people, login_as):
    request_reset(app.test_client(), people.member_a.email)
    path = link_in(outbox(app)[0].body_text, "password/reset")
    login_as(people.member_a)
    response = change_password(client)
    assert response.status_code == 303
    assert app.test_client().get(path).status_code == 410


def test_reset_form_enforces_length_and_confirmation(app, client, people):
    request_reset(client, people.member_a.email)
    path = link_in(outbox(app)[0].body_text, "password/reset")
    short = choose_password(client, path, "short")
    assert short.status_code == 200 and "At least 10 characters." in short.get_data(as_text=True)
    mismatch = choose_password(client, path, NEW_PASSWORD, NEW_PASSWORD + "!")
    assert "The passwords do not match." in mismatch.get_data(as_text=True)
    # Neither attempt used the link up.
    assert client.get(path).status_code == 200
    assert login(app.test_client(), people.member_a.email).status_code == 303


def test_expired_reset_link_is_refused(make_app, people):
    app = make_app(PASSWORD_RESET_MAX_AGE=-1)
    client = app.test_client()
    request_reset(client, people.member_a.email)
    path = link_in(outbox(app)[0].body_text, "password/reset")
    response = client.get(path)
    assert response.status_code == 410
    assert "link no longer valid" in response.get_data(as_text=True).lower()
    assert choose_password(client, path).status_code == 410
    assert login(app.test_client(), people.member_a.email).status_code == 303


@pytest.mark.parametrize(
    "path", ["/password/reset/forged", "/password/reset/", "/invitation/eyJ1IjoxfQ.x.y"]
)
def test_forged_links_are_refused(client, people, path):
    response = client.get(path)
    assert response.status_code in (404, 410)
    if path.endswith("/"):
        return
    assert "link no longer valid" in response.get_data(as_text=True).lower()


def test_reset_link_cannot_be_used_as_an_invitation(app, client, people):
    request_reset(client, people.member_a.email)
    token = link_in(outbox(app)[0].body_text, "password/reset").rsplit("/", 1)[1]
    assert client.get(f"/invitation/{token}").status_code == 410


def _french_catalog(app, tmp_path) -> None:
    """A small fr_CA catalog added to the app, so that a test does not depend on the real one."""
    catalog = Catalog(locale="fr_CA")
    catalog.add("Reset your password", "Réinitialisez votre mot de passe")
    catalog.add("Hello %(name)s,", "Bonjour %(name)s,")
    catalog.add("You are invited to the Coop Extranet", "Vous êtes invité à l'extranet de la coop")
    folder = tmp_path / "test-translations" / "fr_CA" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    with open(folder / "messages.mo", "wb") as fh:
        write_mo(fh, catalog)
    app.extensions["babel"].translation_directories.append(str(tmp_path / "test-translations"))
    with app.app_context():
        babel.domain_instance.cache.clear()


def test_reset_email_goes_out_in_the_recipients_language(app, people, tmp_path):
    _french_catalog(app, tmp_path)
    update_user(app, people.member_a.id, locale="en")
    update_user(app, people.member_b.id, locale="fr_CA")
    # Each asks from a browser set to the *other* language: the mail follows the account.
    request_reset(app.test_client(), people.member_a.email, headers={"Accept-Language": "fr-CA"})
    request_reset(app.test_client(), people.member_b.email, headers={"Accept-Language": "en"})

    english = outbox(app, people.member_a.email)[0]
    french = outbox(app, people.member_b.email)[0]
    assert (english.locale, french.locale) == ("en", "fr_CA")
    assert english.subject == "Reset your password"
    assert french.subject == "Réinitialisez votre mot de passe"
    assert english.body_text.startswith("Hello ")
    assert french.body_text.startswith("Bonjour ")
    with app.test_request_context(), force_locale("fr_CA"):
        assert french.subject == gettext("Reset your password")

    messages = {read_eml(p)["To"]: read_eml(p) for p in eml_files(app)}
    assert messages[people.member_a.email]["Content-Language"] == "en"
    assert messages[people.member_b.email]["Content-Language"] == "fr-CA"
    assert messages[people.member_b.email]["Subject"] == "Réinitialisez votre mot de passe"


# -- invitations -----------------------------------------------------------------------------


def invite(app, email: str, name: str, inviter_id: int, locale: str = "fr_CA") -> tuple[int, str]:
    """Invite ``email`` as the services do; returns (user id, invitation path)."""
    from extranet.accounts.service import find_or_invite, send_invitation

    with app.test_request_context():
        inviter = _db.session.get(User, inviter_id)
        user, created = find_or_invite(email, name, locale)
        assert created
        send_invitation(user, inviter)
        _db.session.commit()
        user_id = user.id
    [email_row] = outbox(app, email.strip().lower())
    return user_id, link_in(email_row.body_text, "invitation")


def test_invitation_creates_a_pending_account_that_cannot_log_in(app, client, people):
    user_id, _path = invite(app, "  New.Person@Test.org ", " New Person ", people.admin.id)
    with app.app_context():
        user = _db.session.get(User, user_id)
        assert user.email == "new.person@test.org" and user.name == "New Person"
        assert user.password_hash is None and user.invitation_pending and user.active
    for password in ("", "anything at all", "None", "unset"):
        response = login(client, "new.person@test.org", password)
        assert response.status_code == 200
    assert not is_signed_in(client)
    [email] = outbox(app)
    assert "Ada Admin" in email.body_text and email.subject


def test_find_or_invite_returns_an_existing_account(app, people):
    from extranet.accounts.service import find_or_invite

    with app.test_request_context():
        user, created = find_or_invite(people.member_a.email.upper(), "Someone else", "en")
        assert not created and user.id == people.member_a.id and user.name == people.member_a.name


def test_invitation_link_sets_the_password_and_logs_in(app, client, people):
    _user_id, path = invite(app, "new.person@test.org", "New Person", people.admin.id)
    page = client.get(path)
    assert page.status_code == 200
    assert "New Person" in page.get_data(as_text=True)
    response = choose_password(client, path)
    assert response.status_code == 303 and response.location.endswith("/")
    dashboard = client.get("/")
    assert dashboard.status_code == 200 and "New Person" in dashboard.get_data(as_text=True)
    # The link is used up.
    fresh = app.test_client()
    assert fresh.get(path).status_code == 410
    assert choose_password(fresh, path, "someone else's choice").status_code == 410
    assert not is_signed_in(fresh)
    # The password chosen works at the login form.
    assert login(app.test_client(), "new.person@test.org", NEW_PASSWORD).status_code == 303


def test_invitation_for_a_deactivated_account_is_refused(app, client, people):
    user_id, path = invite(app, "new.person@test.org", "New Person", people.admin.id)
    update_user(app, user_id, active=False)
    assert client.get(path).status_code == 410


def test_invitation_expires(make_app, people):
    app = make_app(INVITATION_MAX_AGE=-1)
    _user_id, path = invite(app, "new.person@test.org", "New Person", people.admin.id)
    assert app.test_client().get(path).status_code == 410


def test_invitation_email_in_the_invitees_language(app, people, tmp_path):
    _french_catalog(app, tmp_path)
    invite(app, "french@test.org", "Fr", people.admin.id, locale="fr_CA")
    invite(app, "english@test.org", "En", people.admin.id, locale="en")
    french, english = outbox(app, "french@test.org")[0], outbox(app, "english@test.org")[0]
    assert french.subject == "Vous êtes invité à l'extranet de la coop"
    assert english.subject == "You are invited to the Coop Extranet"


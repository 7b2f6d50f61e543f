"""A person's own account: profile, language switch, password change."""

from __future__ import annotations

import re

import pytest

from extranet.accounts.models import User
from extranet.audit.models import AuditEvent
from extranet.extensions import db as _db
from extranet.testing import PASSWORD, csrf_token

NEW_PASSWORD = "a brand new passphrase"


def html_lang(response) -> str:
    match = re.search(r'<html lang="([^"]+)">', response.get_data(as_text=True))
    assert match, "no <html lang>"
    return match.group(1)


def get_user(app, user_id: int) -> User:
    with app.app_context():
        user = _db.session.get(User, user_id)
        _db.session.expunge(user)
        return user


def speaks_french(app, user_id: int) -> None:
    """The person chose French on their account (test people speak English)."""
    with app.app_context():
        _db.session.get(User, user_id).locale = "fr_CA"
        _db.session.commit()


def without_accept_language(client):
    """A browser that states no language preference: the product default applies."""
    client.environ_base.pop("HTTP_ACCEPT_LANGUAGE", None)
    return client


def change_password(client, current: str, password: str, confirm: str | None = None, **kwargs):
    return client.post(
        "/profile/password",
        data={
            "pw-current": current,
            "pw-password": password,
            "pw-confirm": password if confirm is None else confirm,
            "csrf_token": csrf_token(client, "/profile"),
        },
        **kwargs,
    )


def test_profile_requires_login(client):
    response = client.get("/profile")
    assert response.status_code == 302 and "/login?next=/profile" in response.location


def test_profile_page_shows_both_forms(app, client, people, login_as):
    speaks_french(app, people.member_a.id)
    login_as(people.member_a)
    response = client.get("/profile")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'action="/profile"' in page and 'action="/profile/password"' in page
    assert f'value="{people.member_a.name}"' in page
    for name in ("name", "locale", "pw-current", "pw-password", "pw-confirm"):
        assert f'name="{name}"' in page
    assert '<option selected value="fr_CA">' in page or 'value="fr_CA" selected' in page
    # Labels tied to their controls (the field macro).
    assert '<label for="pw-current">' in page
    assert response.headers["Cache-Control"] == "no-store"


def test_profile_page_title_is_only_its_name(client, people, login_as):
    """The second factor's and the sessions' sections belong to the page, once, not to its title."""
    login_as(people.member_a)
    page = client.get("/profile").get_data(as_text=True)
    assert re.search(r"<title>(.*?)</title>", page, re.S).group(1) == "My profile · Coop Extranet"
    assert page.count('id="second-factor"') == 1 and page.count('id="sessions"') == 1


def test_profile_update_changes_name_and_language(app, client, people, login_as):
    speaks_french(app, people.member_a.id)
    login_as(people.member_a)
    assert html_lang(client.get("/profile")) == "fr"
    response = client.post(
        "/profile",
        data={"name": "  Marie Member  ", "locale": "en", "csrf_token": csrf_token(client, "/profile")},
    )
    assert response.status_code == 303 and response.location.endswith("/profile")
    user = get_user(app, people.member_a.id)
    assert (user.name, user.locale) == ("Marie Member", "en")
    page = client.get("/profile")
    assert html_lang(page) == "en"
    text = page.get_data(as_text=True)
    assert "Marie Member" in text and "Your profile is saved." in text
    with app.app_context():
        assert _db.session.scalar(
            _db.select(AuditEvent.action).where(AuditEvent.action == "accounts.profile_updated")
        )


@pytest.mark.parametrize(
    "data, field", [({"name": "  ", "locale": "en"}, "name"), ({"name": "X", "locale": "de"}, "locale")]
)
def test_invalid_profile_is_refused_with_422(app, client, people, login_as, data, field):
    speaks_french(app, people.member_a.id)
    login_as(people.member_a)
    response = client.post("/profile", data={**data, "csrf_token": csrf_token(client, "/profile")})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f'id="{field}-error"' in page and 'aria-invalid="true"' in page
    user = get_user(app, people.member_a.id)
    assert (user.name, user.locale) == (people.member_a.name, "fr_CA")


def test_language_switch_when_anonymous(client):
    without_accept_language(client)
    assert html_lang(client.get("/login")) == "fr"
    token = csrf_token(client)
    response = client.post("/language", data={"locale": "en", "next": "/login", "csrf_token": token})
    assert response.status_code == 303 and response.location == "/login"
    assert html_lang(client.get("/login")) == "en"
    client.post("/language", data={"locale": "fr_CA", "next": "/login", "csrf_token": token})
    assert html_lang(client.get("/login")) == "fr"


def test_language_switch_follows_accept_language_until_chosen(client):
    assert html_lang(client.get("/login", headers={"Accept-Language": "en-US,en;q=0.9"})) == "en"
    token = csrf_token(client)
    client.post("/language", data={"locale": "fr_CA", "csrf_token": token})
    assert html_lang(client.get("/login", headers={"Accept-Language": "en-US,en;q=0.9"})) == "fr"


def test_language_switch_when_signed_in_is_kept_on_the_account(app, client, people, login_as):
    speaks_french(app, people.member_a.id)
    login_as(people.member_a)
    assert html_lang(client.get("/")) == "fr"
    response = client.post(
        "/language", data={"locale": "en", "next": "/profile", "csrf_token": csrf_token(client, "/")}
    )
    assert response.status_code == 303 and response.location == "/profile"
    assert html_lang(client.get("/profile")) == "en"
    assert get_user(app, people.member_a.id).locale == "en"
    # The account remembers it on another device too, whatever that browser prefers.
    other = without_accept_language(app.test_client())
    other.post(
        "/login",
        data={"email": people.member_a.email, "password": PASSWORD, "csrf_token": csrf_token(other)},
    )
    assert html_lang(other.get("/")) == "en"


def test_language_switch_ignores_unknown_languages_and_foreign_next(app, client, people):
    without_accept_language(client)
    token = csrf_token(client)
    response = client.post(
        "/language", data={"locale": "de", "next": "https://evil.example/", "csrf_token": token}
    )
    assert response.status_code == 303 and response.location == "/"
    assert html_lang(client.get("/login")) == "fr"


def test_language_switch_is_in_the_header_of_every_page(client, people, login_as):
    page = client.get("/login", headers={"Accept-Language": "fr-CA"}).get_data(as_text=True)
    assert 'action="/language"' in page and 'name="locale" value="en"' in page
    login_as(people.member_a)
    page = client.get("/profile").get_data(as_text=True)
    assert 'action="/language"' in page and 'name="next" value="/profile"' in page
    assert 'name="locale" value="fr_CA"' in page


def test_password_change_with_a_wrong_current_password(app, client, people, login_as):
    login_as(people.member_a)
    response = change_password(client, "not my password", NEW_PASSWORD)
    assert response.status_code == 422
    assert "This is not your current password." in response.get_data(as_text=True)
    assert 'id="pw-current-error"' in response.get_data(as_text=True)
    other = app.test_client()
    data = {"email": people.member_a.email, "password": PASSWORD, "csrf_token": csrf_token(other)}
    assert other.post("/login", data=data).status_code == 303


def test_password_change_enforces_minimum_length(client, people, login_as):
    login_as(people.member_a)
    response = change_password(client, PASSWORD, "short")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="pw-password-error"' in page
    assert "10" in page[page.index('id="pw-password-error"'):][:200]


def test_password_change_enforces_confirmation(client, people, login_as):
    login_as(people.member_a)
    response = change_password(client, PASSWORD, NEW_PASSWORD, NEW_PASSWORD + "?")
    assert response.status_code == 422
    assert "The passwords do not match." in response.get_data(as_text=True)


def test_password_change_success(app, client, people, login_as):
    login_as(people.member_a)
    response = change_password(client, PASSWORD, NEW_PASSWORD)
    assert response.status_code == 303 and response.location.endswith("/profile")
    page = client.get("/profile").get_data(as_text=True)
    assert "Your password is changed. Your other sessions are closed." in page
    with app.app_context():
        user = _db.session.get(User, people.member_a.id)
        assert user.check_password(NEW_PASSWORD) and not user.check_password(PASSWORD)
        event = _db.session.scalar(
            _db.select(AuditEvent).where(AuditEvent.action == "accounts.password_changed")
        )
        assert event is not None and event.actor_id == people.member_a.id


def test_password_change_form_keeps_the_profile_form_unchanged(client, people, login_as):
    login_as(people.member_a)
    response = change_password(client, "wrong", NEW_PASSWORD)
    page = response.get_data(as_text=True)
    assert f'value="{people.member_a.name}"' in page
    # The password fields are never echoed back.
    assert NEW_PASSWORD not in page and 'value="wrong"' not in page


def test_password_change_requires_login(client):
    token = csrf_token(client)
    response = client.post(
        "/profile/password",
        data={"pw-current": PASSWORD, "pw-password": NEW_PASSWORD, "pw-confirm": NEW_PASSWORD,
              "csrf_token": token},
    )
    assert response.status_code == 302 and "/login" in response.location

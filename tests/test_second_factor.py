"""Two-factor sign-in: codes of an authenticator app (each accepted once), recovery codes
(single use, kept hashed), trusted browsers, enrolment (from the profile, or at sign-in when
required), a manager's requirement for the organization, an admin's reset, and the limit on
codes tried."""

from __future__ import annotations

import re
import time

import pyotp
import pytest

from extranet.accounts.models import User
from extranet.audit.models import AuditEvent
from extranet.auth import second_factor
from extranet.auth.models import RecoveryCode, UserSession
from extranet.db_types import utcnow
from extranet.extensions import db as _db
from extranet.notifications.models import OutboxEmail
from extranet.organizations.models import Organization
from extranet.testing import PASSWORD, csrf_token

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def code(step_offset: int = 0, secret: str = SECRET) -> str:
    """The app's code for the time step ``step_offset`` steps from now."""
    return pyotp.TOTP(secret).at(time.time() + 30 * step_offset)


def enrol(app, person, secret: str = SECRET) -> list[str]:
    """``person`` has the second factor on, as if they had scanned ``secret``; their codes."""
    with app.app_context():
        user = _db.session.get(User, person.id)
        user.totp_secret, user.totp_enabled_at = secret, utcnow()
        codes = second_factor.replace_recovery_codes(user)
        _db.session.commit()
        return codes


def password_step(client, person, **extra):
    data = {"email": person.email, "password": PASSWORD, "csrf_token": csrf_token(client), **extra}
    return client.post("/login", data=data)


def code_step(client, value: str, trust: bool = False):
    data = {"code": value, "csrf_token": csrf_token(client, "/login/code")}
    if trust:
        data["trust"] = "y"
    return client.post("/login/code", data=data)


def signed_in(client) -> bool:
    return client.get("/").status_code == 200


def actions(app, *names: str) -> list[tuple[str, dict]]:
    with app.app_context():
        rows = _db.session.scalars(
            _db.select(AuditEvent).where(AuditEvent.action.in_(names)).order_by(AuditEvent.id)
        ).all()
        return [(row.action, row.details) for row in rows]


def emails_to(app, address: str) -> list[OutboxEmail]:
    with app.app_context():
        rows = _db.session.scalars(_db.select(OutboxEmail).where(OutboxEmail.to == address)).all()
        _db.session.expunge_all()
        return rows


def sessions_of(app, person) -> int:
    with app.app_context():
        return _db.session.scalar(
            _db.select(_db.func.count()).select_from(UserSession).where(UserSession.user_id == person.id)
        )


# -- the codes themselves ----------------------------------------------------------------------


def test_an_app_code_is_accepted_once_and_never_an_older_one(app, people):
    enrol(app, people.expert)
    with app.app_context():
        user = _db.session.get(User, people.expert.id)
        now = time.time()
        assert second_factor.accept_code(user, code(0), now=now)
        # The same code again, on this node or another: refused.
        assert not second_factor.accept_code(user, code(0), now=now)
        # The next step's code is good; then the one before it is not any more.
        assert second_factor.accept_code(user, code(1), now=now)
        assert not second_factor.accept_code(user, code(-1), now=now)


def test_codes_outside_the_allowed_drift_are_refused(app, people):
    enrol(app, people.expert)
    with app.app_context():
        user = _db.session.get(User, people.expert.id)
        assert not second_factor.accept_code(user, code(-3))
        assert not second_factor.accept_code(user, code(3))
        assert not second_factor.accept_code(user, "12345")
        assert not second_factor.accept_code(user, "abcdef")


def test_a_recovery_code_works_once_and_is_kept_hashed(app, people):
    codes = enrol(app, people.expert)
    assert len(codes) == 10 and len(set(codes)) == 10
    with app.app_context():
        user = _db.session.get(User, people.expert.id)
        stored = _db.session.scalars(_db.select(RecoveryCode.code_hash)).all()
        assert not set(stored) & {c for c in codes} and not any(c.replace("-", "") in stored for c in codes)
        # Typed in capitals, without dashes: still the code.
        assert second_factor.use_recovery_code(user, codes[0].upper().replace("-", " "))
        assert not second_factor.use_recovery_code(user, codes[0])
        assert second_factor.recovery_codes_left(user) == 9
        # Another person's code is not one's own.
        assert not second_factor.use_recovery_code(_db.session.get(User, people.admin.id), codes[1])


# -- signing in ------------------------------------------------------------------------------


def test_the_password_alone_does_not_sign_in_someone_with_a_second_factor(app, client, people):
    enrol(app, people.expert)
    response = password_step(client, people.expert)
    assert response.status_code == 303 and "/login/code" in response.location
    assert not signed_in(client)
    assert sessions_of(app, people.expert) == 0

    page = client.get("/login/code")
    assert page.status_code == 200 and 'autocomplete="one-time-code"' in page.get_data(as_text=True)
    assert code_step(client, "000000" if code() != "000000" else "111111").status_code == 422
    assert not signed_in(client)

    response = code_step(client, code())
    assert response.status_code == 303
    assert signed_in(client)
    assert actions(app, "auth.login", "auth.second_factor_failed") == [
        ("auth.second_factor_failed", {}),
        ("auth.login", {"new_browser": True, "second_factor": "app"}),
    ]


def test_the_secret_is_stored_encrypted_and_codes_still_sign_in(app, client, people):
    from extranet.encryption import decrypt

    enrol(app, people.expert)
    with app.app_context():
        stored = _db.session.execute(_db.text("SELECT totp_secret_encrypted FROM users WHERE id = :id"),
                                     {"id": people.expert.id}).scalar_one()
        columns = {c["name"] for c in _db.inspect(_db.engine).get_columns("users")}
        assert "totp_secret" not in columns  # no column left in clear
        assert SECRET not in stored and SECRET.lower() not in stored.lower()
        assert decrypt(stored) == SECRET  # under the application's key
    password_step(client, people.expert)
    assert code_step(client, code()).status_code == 303
    assert signed_in(client)


def test_a_secret_encrypted_under_another_key_refuses_every_code_and_never_skips_the_step(app, client, people):
    enrol(app, people.expert)
    app.config["ENCRYPTION_KEY"] = "another key"
    assert "/login/code" in password_step(client, people.expert).location
    assert code_step(client, code()).status_code == 422
    assert not signed_in(client)


def test_a_code_used_to_sign_in_is_refused_the_second_time(app, client, people):
    enrol(app, people.expert)
    used = code()
    password_step(client, people.expert)
    assert code_step(client, used).status_code == 303
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})

    password_step(client, people.expert)
    response = code_step(client, used)
    assert response.status_code == 422
    assert "already used" in response.get_data(as_text=True)
    assert not signed_in(client)


def test_a_recovery_code_signs_in_once(app, client, people):
    codes = enrol(app, people.expert)
    password_step(client, people.expert)
    response = code_step(client, codes[3])
    assert response.status_code == 303
    assert "9 are left" in client.get("/").get_data(as_text=True)
    assert actions(app, "auth.recovery_code_used") == [("auth.recovery_code_used", {"left": 9})]
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})

    password_step(client, people.expert)
    assert code_step(client, codes[3]).status_code == 422
    assert not signed_in(client)


def test_codes_tried_are_limited_per_account(app, client, people):
    enrol(app, people.expert)
    password_step(client, people.expert)
    wrong = "000000" if code() != "000000" and code(-1) != "000000" and code(1) != "000000" else "999999"
    statuses = [code_step(client, wrong).status_code for _ in range(6)]
    assert statuses == [422] * 5 + [429]
    # Even the right code waits: a guesser cannot go on.
    assert code_step(client, code()).status_code == 429
    assert not signed_in(client)


def test_the_code_step_needs_the_password_step_first(client, people):
    response = client.get("/login/code")
    assert response.status_code == 303 and response.location.endswith("/login")
    response = client.post("/login/code", data={"code": "123456", "csrf_token": csrf_token(client)})
    assert response.status_code == 303 and not signed_in(client)


def test_the_code_step_refuses_a_post_without_csrf_token(app, client, people):
    enrol(app, people.expert)
    password_step(client, people.expert)
    assert client.post("/login/code", data={"code": code()}).status_code == 400
    assert not signed_in(client)


def test_a_trusted_browser_skips_the_code_until_the_person_forgets_it(app, client, people):
    enrol(app, people.expert)
    password_step(client, people.expert)
    assert code_step(client, code(), trust=True).status_code == 303
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})

    response = password_step(client, people.expert)
    assert response.status_code == 303 and "/login/code" not in response.location
    assert signed_in(client)
    # Another browser (no cookie) is not trusted.
    other = app.test_client()
    assert "/login/code" in password_step(other, people.expert).location

    assert "Trusted browsers" in client.get("/profile").get_data(as_text=True)
    client.post("/profile/trusted-browsers/forget", data={"csrf_token": csrf_token(client, "/profile")})
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    assert "/login/code" in password_step(client, people.expert).location


def test_a_forged_browser_cookie_is_not_trusted(app, client, people):
    enrol(app, people.expert)
    client.set_cookie("extranet_browser", "forged.value")
    assert "/login/code" in password_step(client, people.expert).location


# -- enrolling -------------------------------------------------------------------------------


def secret_on(page: str) -> str:
    match = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', page)
    assert match, "no secret on the page"
    return match.group(1).replace(" ", "")


def test_enrolling_from_the_profile(app, client, people, login_as, client_for):
    elsewhere = client_for(app, people.member_a)
    login_as(people.member_a)
    page = client.get("/profile/two-factor").get_data(as_text=True)
    assert "<svg" in page and 'role="img"' in page
    secret = secret_on(page)
    # Showing the page again shows the same secret, and writes nothing.
    assert secret_on(client.get("/profile/two-factor").get_data(as_text=True)) == secret
    with app.app_context():
        assert _db.session.get(User, people.member_a.id).totp_secret is None

    token = csrf_token(client, "/profile")
    wrong = client.post("/profile/two-factor", data={"code": "12", "csrf_token": token})
    assert wrong.status_code == 422

    response = client.post("/profile/two-factor", data={"code": code(secret=secret), "csrf_token": token})
    assert response.status_code == 200
    codes = re.findall(r"<li><code>([a-z2-9-]{14})</code></li>", response.get_data(as_text=True))
    assert len(codes) == 10
    # Shown once: the profile tells how many are left, never the codes nor the secret.
    profile = client.get("/profile").get_data(as_text=True)
    assert "10 recovery codes left" in profile
    assert not any(c in profile for c in codes) and secret not in profile
    assert client.get("/profile/two-factor").status_code == 303
    # The other session is over.
    assert elsewhere.get("/").status_code == 302
    assert actions(app, "auth.second_factor_enabled") == [
        ("auth.second_factor_enabled", {"other_sessions_ended": 1})
    ]


def test_new_recovery_codes_replace_the_old_ones(app, client, people, login_as):
    login_as(people.member_a)
    old = enrol(app, people.member_a)
    token = csrf_token(client, "/profile")
    response = client.post("/profile/two-factor/recovery-codes", data={"renew-code": code(), "csrf_token": token})
    assert response.status_code == 200
    new = re.findall(r"<li><code>([a-z2-9-]{14})</code></li>", response.get_data(as_text=True))
    assert len(new) == 10 and not set(new) & set(old)
    with app.app_context():
        user = _db.session.get(User, people.member_a.id)
        assert not second_factor.use_recovery_code(user, old[0])
        assert second_factor.use_recovery_code(user, new[0])


def test_turning_the_second_factor_off(app, client, people, login_as):
    login_as(people.member_a)
    enrol(app, people.member_a)
    token = csrf_token(client, "/profile")
    assert client.post("/profile/two-factor/disable", data={"off-code": "000001", "csrf_token": token}).status_code == 422
    response = client.post("/profile/two-factor/disable", data={"off-code": code(), "csrf_token": token})
    assert response.status_code == 303
    with app.app_context():
        user = _db.session.get(User, people.member_a.id)
        assert user.totp_secret is None and not user.has_second_factor
        assert _db.session.scalar(_db.select(_db.func.count()).select_from(RecoveryCode)) == 0


def test_staff_must_set_up_the_second_factor_at_sign_in_when_required(make_app, people):
    app = make_app(REQUIRE_STAFF_2FA=True)
    client = app.test_client()
    response = password_step(client, people.expert)
    assert response.status_code == 303 and "/login/setup" in response.location
    assert not signed_in(client)
    page = client.get(response.location).get_data(as_text=True)
    secret = secret_on(page)
    response = client.post(response.location, data={"code": code(secret=secret), "csrf_token": csrf_token(client, "/login")})
    assert response.status_code == 200 and "recovery-codes" in response.get_data(as_text=True)
    assert signed_in(client)
    # Required: it cannot be turned off.
    token = csrf_token(client, "/profile")
    response = client.post("/profile/two-factor/disable", data={"off-code": code(1, secret), "csrf_token": token})
    assert response.status_code == 422
    with app.app_context():
        assert _db.session.get(User, people.expert.id).has_second_factor
    # Members are not asked.
    member = app.test_client()
    assert password_step(member, people.member_a).location.endswith("/")


def test_a_manager_requires_the_second_factor_of_the_organizations_members(app, client, people, login_as, client_for):
    member = client_for(app, people.member_a)
    assert member.post(
        "/organization/second-factor", data={"required": "1", "csrf_token": csrf_token(member, "/")}
    ).status_code == 404

    login_as(people.manager_a)
    assert client.post("/organization/second-factor", data={"required": "1"}).status_code == 400
    response = client.post(
        "/organization/second-factor", data={"required": "1", "csrf_token": csrf_token(client, "/organization/members")}
    )
    assert response.status_code == 303
    with app.app_context():
        assert _db.session.get(Organization, people.org_a).requires_second_factor
        assert not _db.session.get(Organization, people.org_b).requires_second_factor
    assert actions(app, "organizations.second_factor_required") == [("organizations.second_factor_required", {})]

    assert "/login/setup" in password_step(app.test_client(), people.member_a).location
    assert "/login/setup" not in password_step(app.test_client(), people.member_b).location


def test_an_admin_resets_a_persons_second_factor(app, client, people, login_as, client_for):
    enrol(app, people.expert)
    expert = app.test_client()
    password_step(expert, people.expert)
    code_step(expert, code())
    assert signed_in(expert)

    login_as(people.admin)
    page = client.get(f"/admin/users/{people.expert.id}").get_data(as_text=True)
    assert "Reset the second factor" in page
    response = client.post(
        f"/admin/users/{people.expert.id}/second-factor/reset", data={"csrf_token": csrf_token(client, "/")}
    )
    assert response.status_code == 303
    with app.app_context():
        assert not _db.session.get(User, people.expert.id).has_second_factor
    assert not signed_in(expert)
    assert [e.subject for e in emails_to(app, people.expert.email)][-1] == "Your two-factor sign-in was reset"
    events = actions(app, "auth.second_factor_reset")
    assert len(events) == 1
    # An admin's own second factor is turned off from their profile, not reset here.
    enrol(app, people.admin)
    assert client.post(
        f"/admin/users/{people.admin.id}/second-factor/reset", data={"csrf_token": csrf_token(client, "/")}
    ).status_code == 404
    # A person without a second factor has nothing to reset.
    assert client.post(
        f"/admin/users/{people.member_a.id}/second-factor/reset", data={"csrf_token": csrf_token(client, "/")}
    ).status_code == 404


def test_only_admins_reset_a_second_factor(app, people, client_for):
    enrol(app, people.member_a)
    manager = client_for(app, people.manager_a)
    response = manager.post(
        f"/admin/users/{people.member_a.id}/second-factor/reset", data={"csrf_token": csrf_token(manager, "/")}
    )
    assert response.status_code == 404
    with app.app_context():
        assert _db.session.get(User, people.member_a.id).has_second_factor


def test_demo_totp_secret_enrols_the_demo_staff(app, monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", "demo-password-123")
    monkeypatch.setenv("DEMO_TOTP_SECRET", SECRET.lower())
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        users = _db.session.scalars(_db.select(User)).all()
        staff = [u for u in users if u.is_staff]
        assert staff and all(u.has_second_factor and u.totp_secret == SECRET for u in staff)
        assert not any(u.has_second_factor for u in users if not u.is_staff)
    client = app.test_client()
    data = {"email": "expert@example.org", "password": "demo-password-123", "csrf_token": csrf_token(client)}
    assert "/login/code" in client.post("/login", data=data).location
    assert code_step(client, code()).status_code == 303


@pytest.mark.parametrize("value", ["not base32!", "1234"])
def test_demo_refuses_a_secret_that_is_not_base32(app, monkeypatch, value):
    monkeypatch.setenv("DEMO_TOTP_SECRET", value)
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code != 0 and "base32" in result.output

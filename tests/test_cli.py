"""``flask --app extranet …`` commands: demo, create-admin, plugins, worker, check."""

from __future__ import annotations

from pathlib import Path

import pytest

from extranet.accounts.models import User
from extranet.extensions import db as _db
from extranet.notifications.models import OutboxEmail
from extranet.organizations.models import Membership, Organization
from extranet.testing import csrf_token


def run(app, *args, **kwargs):
    return app.test_cli_runner().invoke(args=list(args), **kwargs)


def count(app, model) -> int:
    with app.app_context():
        return _db.session.scalar(_db.select(_db.func.count()).select_from(model))


def login(app, email: str, password: str):
    client = app.test_client()
    response = client.post(
        "/login", data={"email": email, "password": password, "csrf_token": csrf_token(client)}
    )
    return client, response


# -- demo --------------------------------------------------------------------------------------


def test_demo_is_idempotent_and_prints_the_logins(app):
    first = run(app, "demo", "--password", "demo password 1")
    assert first.exit_code == 0, first.output
    assert "Demo accounts (password: demo password 1):" in first.output
    assert "admin@example.org" in first.output and "membre.a@example.org" in first.output
    users, orgs, memberships = count(app, User), count(app, Organization), count(app, Membership)
    assert users >= 8 and orgs >= 9 and memberships >= 7

    second = run(app, "demo", "--password", "demo password 2")
    assert second.exit_code == 0, second.output
    assert (count(app, User), count(app, Organization), count(app, Membership)) == (
        users,
        orgs,
        memberships,
    )
    # The accounts take the new password, and work at the login form.
    _client, response = login(app, "membre.a@example.org", "demo password 1")
    assert response.status_code == 200
    client, response = login(app, "membre.a@example.org", "demo password 2")
    assert response.status_code == 303
    assert client.get("/").status_code == 200


def test_demo_without_password_generates_one(app):
    result = run(app, "demo")
    assert result.exit_code == 0, result.output
    line = result.output.splitlines()[0]
    password = line.split("password: ", 1)[1].rstrip("):")
    assert len(password) >= 10
    _client, response = login(app, "admin@example.org", password)
    assert response.status_code == 303


# -- create-admin ------------------------------------------------------------------------------


def test_create_admin(app):
    result = run(app, "create-admin", "Boss@Test.org", "--name", "Big Boss", "--password", "a long passphrase")
    assert result.exit_code == 0, result.output
    assert "boss@test.org is an administrator." in result.output
    with app.app_context():
        user = User.by_email("boss@test.org")
        assert user.is_admin and user.active and user.name == "Big Boss"
    client, response = login(app, "boss@test.org", "a long passphrase")
    assert response.status_code == 303
    assert client.get("/admin/").status_code == 200


def test_create_admin_prompts_for_the_password_twice(app):
    result = run(app, "create-admin", "boss@test.org", input="a long passphrase\na long passphrase\n")
    assert result.exit_code == 0, result.output
    mismatch = run(app, "create-admin", "other@test.org", input="one passphrase\nanother one\n")
    assert mismatch.exit_code != 0
    with app.app_context():
        assert User.by_email("other@test.org") is None


def test_create_admin_promotes_an_existing_account(app, people):
    with app.app_context():
        _db.session.get(User, people.member_a.id).active = False
        _db.session.commit()
    result = run(app, "create-admin", people.member_a.email, "--password", "a long passphrase")
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = _db.session.get(User, people.member_a.id)
        assert user.is_admin and user.active and user.name == people.member_a.name
    assert count(app, User) == 6


# -- plugins -----------------------------------------------------------------------------------


def test_plugins_lists_modules(app):
    result = run(app, "plugins")
    assert result.exit_code == 0, result.output
    header = result.output.splitlines()[0]
    assert header.split() == ["slug", "version", "state", "label"]
    with app.app_context():
        from extranet.plugins import host

        slugs = list(host().fields)
    for slug in slugs:
        assert any(line.startswith(slug + " ") for line in result.output.splitlines()), slug


def test_plugins_lists_blocked_ones(make_app):
    app = make_app(BLOCKED_PLUGINS=["legal"])
    result = run(app, "plugins")
    assert result.exit_code == 0, result.output
    assert any(line.split()[:3] == ["legal", "-", "blocked"] for line in result.output.splitlines())


@pytest.mark.parametrize("action", ["disable", "enable"])
def test_plugins_toggle_of_an_unknown_module_fails_clearly(app, action):
    result = run(app, "plugins", action, "nope")
    assert result.exit_code != 0
    assert "No module named 'nope'" in result.output
    assert "Traceback" not in result.output


def test_plugins_toggle_of_a_known_module(register_plugin):
    from tests.sample_plugin import SamplePlugin

    app = register_plugin(SamplePlugin())
    listing = run(app, "plugins").output.splitlines()
    assert [line.split()[:3] for line in listing if line.startswith("sample ")] == [
        ["sample", "-", "enabled"]
    ]
    client = app.test_client()
    assert client.get("/sample/").status_code == 302  # to the login page

    result = run(app, "plugins", "disable", "sample")
    assert result.exit_code == 0, result.output
    assert "sample: disabled" in result.output
    listing = run(app, "plugins").output.splitlines()
    assert [line.split()[2] for line in listing if line.startswith("sample ")] == ["disabled"]
    # Effective on the next request, without a restart.
    assert client.get("/sample/").status_code == 404

    assert run(app, "plugins", "enable", "sample").exit_code == 0
    assert client.get("/sample/").status_code == 302
    with app.app_context():
        from extranet.audit.models import AuditEvent

        actions = _db.session.scalars(_db.select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == ["admin.module_disabled", "admin.module_enabled"]


# -- worker ------------------------------------------------------------------------------------


def test_worker_once_sends_due_mail(make_app, people):
    app = make_app(MAIL_DELIVERY="worker")
    client = app.test_client()
    response = client.post(
        "/password/forgot", data={"email": people.member_a.email, "csrf_token": csrf_token(client)}
    )
    assert response.status_code == 303
    folder = Path(app.config["MAIL_URL"].removeprefix("file://"))
    assert not folder.exists() or not list(folder.glob("*.eml"))

    result = run(app, "worker", "--once")
    assert result.exit_code == 0, result.output
    assert "mail: 1 sent, 0 failed" in result.output
    assert len(list(folder.glob("*.eml"))) == 1
    with app.app_context():
        email = _db.session.scalar(_db.select(OutboxEmail))
        assert email.sent_at is not None

    again = run(app, "worker", "--once")
    assert again.exit_code == 0 and again.output == ""


def test_worker_once_reports_failures(make_app, people):
    app = make_app(MAIL_DELIVERY="worker", MAIL_URL="smtp://127.0.0.1:1")
    client = app.test_client()
    client.post(
        "/password/forgot", data={"email": people.member_a.email, "csrf_token": csrf_token(client)}
    )
    result = run(app, "worker", "--once")
    assert result.exit_code == 0, result.output
    assert "mail: 0 sent, 1 failed" in result.output


# -- check -------------------------------------------------------------------------------------


def test_check_fails_listing_problems_of_the_embedded_defaults(app):
    result = run(app, "check")
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.startswith("- ")]
    assert len(lines) >= 4
    for expected in ("EXTRANET_REDIS_URL", "EXTRANET_SECRET_KEY", "EXTRANET_MAIL_URL", "EXTRANET_BASE_URL", "EXTRANET_MAIL_DELIVERY", "EXTRANET_STORAGE_URL"):
        assert any(expected in line for line in lines), expected
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        assert any("EXTRANET_DATABASE_URL" in line for line in lines)
    assert "ready for production" not in result.output


def test_check_passes_with_production_settings(app):
    # Changed after start-up: the engine is already bound to the test database.
    app.config.update(
        SQLALCHEMY_DATABASE_URI="postgresql+psycopg://db.internal/extranet",
        REDIS_URL="redis://cache.internal:6379/0",
        RATELIMIT_STORAGE_URI="redis://cache.internal:6379/0",
        SECRET_KEY_FROM_ENV=True,
        MAIL_URL="smtp://mail.internal:587?starttls=1",
        BASE_URL="https://extranet.example.org",
        MAIL_DELIVERY="worker",
        STORAGE_URL="s3://extranet-files",
    )
    result = run(app, "check")
    assert result.exit_code == 0, result.output
    assert "Configuration ready for production." in result.output


def test_production_refuses_to_start_with_embedded_defaults(make_app):
    with pytest.raises(RuntimeError, match="Refusing to start in production"):
        make_app(PRODUCTION=True)


def test_the_wsgi_module_serves_the_app_with_the_start_up_objects_frozen(tmp_path):
    """``gunicorn extranet.wsgi:app`` (README): the app is built from the environment and what
    exists at start-up is out of the collector's way. In a child process: freezing this one
    would keep every test's objects alive."""
    import os
    import subprocess
    import sys

    probe = ("import gc, extranet.wsgi as w; "
             "print(type(w.app).__name__, gc.get_freeze_count() > 10_000, "
             "w.app.test_client().get('/login').status_code)")
    env = {**os.environ, "EXTRANET_INSTANCE_PATH": str(tmp_path),
           "EXTRANET_DATABASE_URL": f"sqlite:///{tmp_path / 'wsgi.db'}"}
    subprocess.run([sys.executable, "-m", "flask", "--app", "extranet", "db", "upgrade", "heads"], env=env,
                   check=True, capture_output=True)
    command = [sys.executable, "-c", probe]
    result = subprocess.run(command, env=env, check=True, capture_output=True, text=True)  # noqa: S603 (ours)
    assert result.stdout.split() == ["Flask", "True", "200"]


def test_check_in_production_refuses_what_cannot_work_on_several_nodes(tmp_path):
    """``EXTRANET_PRODUCTION=1 flask --app extranet check`` with the embedded database, local
    storage and in-memory limits: the list of problems and exit status 1, not a traceback
    (the application is built, and refuses, before the command runs)."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("EXTRANET_")}
    env.update(EXTRANET_PRODUCTION="1", EXTRANET_INSTANCE_PATH=str(tmp_path))
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "extranet", "check"],  # noqa: S603 (ours)
                            env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr, result.stderr[-2000:]
    assert "Refusing to start in production" in result.stderr
    for setting in ("EXTRANET_DATABASE_URL", "EXTRANET_STORAGE_URL", "EXTRANET_REDIS_URL"):
        assert setting in result.stderr, setting


def test_check_refuses_in_memory_limits_even_with_redis(app):
    app.config.update(
        SQLALCHEMY_DATABASE_URI="postgresql+psycopg://db.internal/extranet",
        REDIS_URL="redis://cache.internal:6379/0", RATELIMIT_STORAGE_URI="memory://",
        SECRET_KEY_FROM_ENV=True, MAIL_URL="smtp://mail.internal:587?starttls=1",
        BASE_URL="https://extranet.example.org", MAIL_DELIVERY="worker", STORAGE_URL="s3://extranet-files",
    )
    result = run(app, "check")
    assert result.exit_code == 1 and "rate limits" in result.output

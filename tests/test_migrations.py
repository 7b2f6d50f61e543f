"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from datetime import datetime

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from extranet.search.engines import is_index_table


def test_migrations_match_the_models(app):
    from extranet.extensions import db

    with app.app_context(), db.engine.connect() as connection:
        # The search index is no model: its migration builds it, engine by engine.
        opts = {"compare_type": True, "include_name": lambda name, type_, _parents: not (
            type_ == "table" and is_index_table(name))}
        context = MigrationContext.configure(connection, opts=opts)
        differences = compare_metadata(context, db.metadata)
    assert differences == [], "a model changed without a migration (flask db migrate)"


def test_the_second_factor_migration_keeps_people_organizations_and_sessions(migration_app):
    from flask_migrate import downgrade, upgrade

    from extranet.extensions import db

    app = migration_app
    at = datetime(2026, 3, 1, 9, 30)
    with app.app_context():
        upgrade(revision="0007")
        tables = sa.MetaData()
        tables.reflect(db.engine)
        with db.engine.begin() as bind:
            bind.execute(tables.tables["users"].insert(), [
                {"id": 1, "email": "ann@example.org", "name": "Ann", "locale": "fr_CA", "is_admin": False,
                 "is_expert": True, "active": True, "created_at": at, "password_hash": "x"},
            ])
            bind.execute(tables.tables["organizations"].insert(), [
                {"id": 1, "name": "Coop 1", "kind": "cooperative", "active": True,
                 "share_with_federation": False, "locale": "fr_CA", "created_at": at},
            ])
            bind.execute(tables.tables["user_sessions"].insert(), [
                {"id": 1, "token_hash": "a" * 64, "user_id": 1, "remember": True, "created_at": at,
                 "last_seen_at": at, "expires_at": at, "ip": "203.0.113.7", "user_agent": "Firefox"},
            ])

        upgrade(revision="0008")
        with db.engine.connect() as bind:
            user = bind.execute(sa.text("SELECT email, password_hash, totp_secret, totp_enabled_at, totp_last_step FROM users")).one()
            assert tuple(user) == ("ann@example.org", "x", None, None, None)
            org = bind.execute(sa.text("SELECT name, requires_second_factor FROM organizations")).one()
            assert tuple(org) == ("Coop 1", False)
            assert bind.execute(sa.text("SELECT ip FROM user_sessions")).scalar_one() == "203.0.113.7"
            for table in ("recovery_codes", "known_browsers"):
                assert bind.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one() == 0  # noqa: S608
        # The model writes into the new columns and tables.
        with db.engine.begin() as bind:
            bind.execute(sa.text("UPDATE organizations SET requires_second_factor = :yes"), {"yes": True})
            bind.execute(sa.text(
                "INSERT INTO known_browsers (user_id, token_hash, first_seen_at, last_seen_at) VALUES (1, :h, :at, :at)"
            ), {"h": "b" * 64, "at": at})

        downgrade(revision="0007")
        inspector = sa.inspect(db.engine)
        assert not inspector.has_table("recovery_codes") and not inspector.has_table("known_browsers")
        assert "totp_secret" not in {c["name"] for c in inspector.get_columns("users")}
        with db.engine.connect() as bind:
            assert bind.execute(sa.text("SELECT email FROM users")).scalar_one() == "ann@example.org"
            assert bind.execute(sa.text("SELECT count(*) FROM user_sessions")).scalar_one() == 1


def test_the_access_records_migration_keeps_the_audit_log(migration_app):
    """0010 adds access_records and indexes audit_events by target: the events already there are
    kept, a person's events are found by the index, and the downgrade takes both away again."""
    from flask_migrate import downgrade, upgrade

    from extranet.extensions import db

    app = migration_app
    at = datetime(2026, 3, 1, 9, 30)
    with app.app_context():
        upgrade(revision="0009")
        with db.engine.begin() as bind:
            tables = sa.MetaData()
            tables.reflect(bind)
            bind.execute(tables.tables["users"].insert(), [{
                "id": 1, "email": "marie@example.org", "name": "Marie Tremblay", "password_hash": "x",
                "locale": "fr_CA", "is_admin": False, "is_expert": False, "active": True, "created_at": at,
            }])
            bind.execute(tables.tables["audit_events"].insert(), [
                {"id": n, "at": at, "actor_id": 1, "action": "auth.login", "target": "users:1", "details": {}}
                for n in (1, 2, 3)
            ])
        upgrade(revision="0010")
        inspector = sa.inspect(db.engine)
        assert inspector.has_table("access_records")
        assert "ix_audit_events_target" in {i["name"] for i in inspector.get_indexes("audit_events")}
        with db.engine.begin() as bind:
            assert bind.execute(sa.text("SELECT id FROM audit_events WHERE target = 'users:1' ORDER BY id")).scalars().all() == [1, 2, 3]
            bind.execute(sa.text(
                "INSERT INTO access_records (viewer_id, viewer_role, kind, object_id, detail, subject_id, hour, at)"
                " VALUES (1, 'admin', 'profile', 1, '', 1, :at, :at)"), {"at": at})
        db.session.remove()

        downgrade(revision="0009")
        inspector = sa.inspect(db.engine)
        assert not inspector.has_table("access_records")
        assert "ix_audit_events_target" not in {i["name"] for i in inspector.get_indexes("audit_events")}
        with db.engine.connect() as bind:
            assert bind.execute(sa.text("SELECT count(*) FROM audit_events")).scalar() == 3
        upgrade(revision="heads")
        db.engine.dispose()


def test_the_privacy_migration_keeps_people_and_marks_none_erased(fresh_database, tmp_path):
    """0015 adds users.erased_at, users.is_privacy_officer, data_exports and erasure_requests: every account is kept and
    none is erased nor a privacy officer; the downgrade takes them away and keeps the accounts."""
    from flask_migrate import downgrade, upgrade

    from extranet import create_app
    from extranet.extensions import db

    app = create_app({
        "TESTING": True, "SECRET_KEY": "migration", "SQLALCHEMY_DATABASE_URI": fresh_database,
        "STORAGE_URL": f"file://{tmp_path / 'objects'}", "MAIL_URL": f"file://{tmp_path / 'mail'}",
        "RATELIMIT_STORAGE_URI": "memory://",
    })
    at = datetime(2026, 3, 1, 9, 30)
    with app.app_context():
        upgrade(revision="0014")
        with db.engine.begin() as bind:
            tables = sa.MetaData()
            tables.reflect(bind)
            bind.execute(tables.tables["users"].insert(), [{
                "id": 1, "email": "ann@example.org", "name": "Ann", "locale": "fr_CA", "is_admin": False,
                "is_expert": False, "active": True, "created_at": at, "password_hash": "x",
            }])

        upgrade(revision="0015")
        with db.engine.begin() as bind:
            row = bind.execute(sa.text("SELECT email, name, erased_at, is_privacy_officer FROM users")).one()
            assert tuple(row) == ("ann@example.org", "Ann", None, False)
            bind.execute(sa.text(
                "INSERT INTO data_exports (user_id, status, requested_at) VALUES (1, 'waiting', :at)"), {"at": at})
            bind.execute(sa.text(
                "INSERT INTO erasure_requests (user_id, status, requested_at) VALUES (1, 'pending', :at)"), {"at": at})

        downgrade(revision="0014")
        inspector = sa.inspect(db.engine)
        assert not inspector.has_table("data_exports") and not inspector.has_table("erasure_requests")
        assert "erased_at" not in {c["name"] for c in inspector.get_columns("users")}
        with db.engine.connect() as bind:
            assert bind.execute(sa.text("SELECT name FROM users")).scalar_one() == "Ann"


def test_the_0016_migration_encrypts_second_factor_secrets_and_the_downgrade_decrypts_them(fresh_database, tmp_path):
    """0016 moves users.totp_secret (in clear) to users.totp_secret_encrypted, each secret
    encrypted under the application's key; people without a second factor stay without one. The
    downgrade gives the secrets back in clear."""
    from flask_migrate import downgrade, upgrade

    from extranet import create_app
    from extranet.encryption import decrypt
    from extranet.extensions import db

    app = create_app({
        "TESTING": True, "SECRET_KEY": "migration", "SQLALCHEMY_DATABASE_URI": fresh_database,
        "STORAGE_URL": f"file://{tmp_path / 'objects'}", "MAIL_URL": f"file://{tmp_path / 'mail'}",
        "RATELIMIT_STORAGE_URI": "memory://",
    })
    at, secret = datetime(2026, 3, 1, 9, 30), "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
    with app.app_context():
        upgrade(revision="0015")
        with db.engine.begin() as bind:
            tables = sa.MetaData()
            tables.reflect(bind)
            bind.execute(tables.tables["users"].insert(), [
                {"id": 1, "email": "ann@example.org", "name": "Ann", "locale": "fr_CA", "is_admin": False,
                 "is_expert": True, "active": True, "created_at": at, "password_hash": "x",
                 "totp_secret": secret, "totp_enabled_at": at},
                {"id": 2, "email": "bob@example.org", "name": "Bob", "locale": "fr_CA", "is_admin": False,
                 "is_expert": False, "active": True, "created_at": at, "password_hash": "x",
                 "totp_secret": None, "totp_enabled_at": None},
            ])

        upgrade(revision="0016")
        assert "totp_secret" not in {c["name"] for c in sa.inspect(db.engine).get_columns("users")}
        with db.engine.connect() as bind:
            rows = dict(bind.execute(sa.text("SELECT id, totp_secret_encrypted FROM users")).all())
        assert rows[2] is None and secret not in rows[1] and decrypt(rows[1]) == secret
        from extranet.accounts.models import User

        # The model reads it in clear (its column only: later revisions add others to the table).
        assert db.session.scalar(sa.select(User.totp_secret).where(User.id == 1)) == secret
        db.session.rollback()

        downgrade(revision="0015")
        with db.engine.connect() as bind:
            rows = dict(bind.execute(sa.text("SELECT id, totp_secret FROM users")).all())
        assert rows == {1: secret, 2: None}
        assert "totp_secret_encrypted" not in {c["name"] for c in sa.inspect(db.engine).get_columns("users")}
        upgrade(revision="heads")
        db.engine.dispose()

"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

import os
from datetime import datetime

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext


def test_migrations_match_the_models(app):
    from extranet.extensions import db

    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == [], "a model changed without a migration (flask db migrate)"


@pytest.fixture
def empty_database(tmp_path):
    """A database of its own: a SQLite file, or a schema of its own in the PostgreSQL database of
    ``EXTRANET_TEST_POSTGRES_URL``."""
    url = os.environ.get("EXTRANET_TEST_POSTGRES_URL")
    if not url:
        yield f"sqlite:///{tmp_path / 'migration.db'}"
        return
    schema = "access_records_migration"
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    separator = "&" if "?" in url else "?"
    yield f"{url}{separator}options=-csearch_path%3D{schema}"
    with engine.begin() as conn:
        conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
    engine.dispose()


def test_the_access_records_migration_keeps_the_audit_log(empty_database, tmp_path):
    """0008 adds access_records and indexes audit_events by target: the events already there are
    kept, a person's events are found by the index, and the downgrade takes both away again."""
    from flask_migrate import downgrade, upgrade

    from extranet import create_app
    from extranet.extensions import db

    app = create_app({
        "TESTING": True, "SECRET_KEY": "migration", "SQLALCHEMY_DATABASE_URI": empty_database,
        "STORAGE_URL": f"file://{tmp_path / 'objects'}", "MAIL_URL": f"file://{tmp_path / 'mail'}",
        "RATELIMIT_STORAGE_URI": "memory://",
    })
    at = datetime(2026, 3, 1, 9, 30)
    with app.app_context():
        upgrade(revision="0007")
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
        upgrade(revision="0008")
        inspector = sa.inspect(db.engine)
        assert inspector.has_table("access_records")
        assert "ix_audit_events_target" in {i["name"] for i in inspector.get_indexes("audit_events")}
        with db.engine.begin() as bind:
            assert bind.execute(sa.text("SELECT id FROM audit_events WHERE target = 'users:1' ORDER BY id")).scalars().all() == [1, 2, 3]
            bind.execute(sa.text(
                "INSERT INTO access_records (viewer_id, viewer_role, kind, object_id, detail, subject_id, hour, at)"
                " VALUES (1, 'admin', 'profile', 1, '', 1, :at, :at)"), {"at": at})
        db.session.remove()

        downgrade(revision="0007")
        inspector = sa.inspect(db.engine)
        assert not inspector.has_table("access_records")
        assert "ix_audit_events_target" not in {i["name"] for i in inspector.get_indexes("audit_events")}
        with db.engine.connect() as bind:
            assert bind.execute(sa.text("SELECT count(*) FROM audit_events")).scalar() == 3
        upgrade(revision="heads")
        db.engine.dispose()

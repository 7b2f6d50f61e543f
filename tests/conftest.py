# Fixtures come from the extranet.testing pytest plugin (the core's pytest11 entry point), so
# that plugin test suites get the same ones. The few below concern the core's own tests only:
# a real clamd, a live server (for the browser and concurrency tests), the folder of stored
# files, a database whose commits fail, a full disk, an empty database and its application for
# the migration tests, and the sample field's fixtures that the hours, agreement, roll-up,
# satisfaction and plugin tests share. A module that needs another application or world
# defines its own of the same name.

import os
import threading

import pytest
import sqlalchemy as sa
from werkzeug.serving import make_server

from tests.clamd import clamd_binary, start_clamd
from tests.sample_plugin import SamplePlugin
from tests.test_hours import setup_world


@pytest.fixture(scope="session")
def clamd(tmp_path_factory):
    """A real clamd for the whole session (tests/clamd.py); skipped where it is not installed."""
    binary = clamd_binary()
    if binary is None:
        pytest.skip("clamd is not installed (apt-get install clamav-daemon): the real virus-scan tests need it")
    server = start_clamd(binary, tmp_path_factory.mktemp("clamd"))
    yield server
    server.stop()


@pytest.fixture
def live_server(make_app):
    """``live_server(app)`` serves ``app`` on a free port and returns its base URL.

    It depends on ``make_app`` so that it stops, in-flight requests finished, before the
    test's tables are emptied (on PostgreSQL a request still running would deadlock TRUNCATE)."""
    servers = []

    def serve(app) -> str:
        server = make_server("127.0.0.1", 0, app, threaded=True)
        server.daemon_threads = False  # so that server_close() waits for running requests
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_port}"

    yield serve
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture
def storage_root(tmp_path):
    """Where a test's application stores files: ``STORAGE_URL=f"file://{storage_root}"``."""
    return tmp_path / "objects"


@pytest.fixture
def break_commit(monkeypatch):
    """``break_commit(look)``: from now on every commit of the database session fails, as when
    the database goes away, once ``look()`` has noted what was stored at that moment; returns
    the list of what it noted. ``monkeypatch.undo()`` mends the session."""
    from extranet.extensions import db

    def arm(look) -> list:
        seen = []

        def failing_commit():
            seen.append(look())
            raise RuntimeError("the database went away")

        monkeypatch.setattr(db.session, "commit", failing_commit)
        return seen

    return arm


@pytest.fixture
def fill_disk(monkeypatch):
    """``fill_disk(at)``: from now on the local storage's ``at``-th chunk written fails as on a
    full disk; returns the list of the sizes of the chunks it was given."""
    from extranet.storage.local import LocalStorage

    def arm(at: int) -> list:
        writes = []

        def failing_write(self, handle, chunk):
            writes.append(len(chunk))
            if len(writes) == at:
                raise OSError(28, "No space left on device")
            handle.write(chunk)

        monkeypatch.setattr(LocalStorage, "_write", failing_write)
        return writes

    return arm


@pytest.fixture
def fresh_database(tmp_path):
    """An empty database of its own: a SQLite file, or a schema of its own in the PostgreSQL
    database of ``EXTRANET_TEST_POSTGRES_URL``."""
    url = os.environ.get("EXTRANET_TEST_POSTGRES_URL")
    if not url:
        yield f"sqlite:///{tmp_path / 'migration.db'}"
        return
    schema = "migration_test"
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    separator = "&" if "?" in url else "?"
    yield f"{url}{separator}options=-csearch_path%3D{schema}"
    with engine.begin() as conn:
        conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
    engine.dispose()


@pytest.fixture
def migration_app(fresh_database, tmp_path):
    """An application on ``fresh_database``, whose schema a migration test upgrades and
    downgrades itself (flask_migrate's upgrade and downgrade, in its context)."""
    from extranet import create_app

    return create_app({
        "TESTING": True, "SECRET_KEY": "migration", "SQLALCHEMY_DATABASE_URI": fresh_database,
        "STORAGE_URL": f"file://{tmp_path / 'objects'}", "MAIL_URL": f"file://{tmp_path / 'mail'}",
        "RATELIMIT_STORAGE_URI": "memory://",
    })


@pytest.fixture
def sample():
    """The sample plugin object, for a test that reads what its hooks were told."""
    return SamplePlugin()


@pytest.fixture
def hours_app(register_plugin, sample):
    """An application with the sample field, on which time is logged."""
    return register_plugin(sample)


@pytest.fixture
def world(hours_app, people):
    """Both organizations subscribe to the sample field, served by two experts."""
    return setup_world(hours_app, people)

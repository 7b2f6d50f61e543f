"""Pytest fixtures for the core's tests and for plugin test suites: a pytest plugin that the
core's ``pytest11`` entry point loads wherever it is installed.

Database tests run on SQLite, and on PostgreSQL when ``EXTRANET_TEST_POSTGRES_URL`` is set.
The schema is built once per session by running the migrations; each test starts from empty
tables. No application context stays pushed during a test, so that every test-client request
runs in a fresh one, as in production: use ``with app.app_context():`` to touch the database.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field

import alembic.config  # noqa: F401 (see below)
import pytest
from flask.testing import FlaskClient
from jinja2 import BytecodeCache
from sqlalchemy import event, text
from werkzeug.routing.rules import Rule

from extranet import create_app
from extranet.extensions import db as _db
from extranet.search.engines import TABLE, TERMS

# Alembic is imported here, as pytest loads this plugin and before it captures any output,
# rather than by a test's first migration: its commands write to the ``sys.stdout`` of the
# moment it is imported (a default argument), which under a test's capture would send every
# later test's ``flask db`` output to that first test's capture instead of the process's own.

PASSWORD = "correct horse battery"


class _CompiledTemplates(BytecodeCache):
    """Templates compiled once per test session rather than by each test's application (a
    fifth of a test's time went to compiling the same templates again); keyed by name and
    source, as Jinja's own file cache."""

    def __init__(self):
        self.compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket) -> None:
        if bucket.key in self.compiled:
            bucket.bytecode_from_string(self.compiled[bucket.key])

    def dump_bytecode(self, bucket) -> None:
        self.compiled[bucket.key] = bucket.bytecode_to_string()


_TEMPLATES = _CompiledTemplates()


def _build_url_builders_once() -> None:
    """Each test's application compiles a URL builder for each of its routes, the same Python
    code for the same rule (two thirds of ``create_app``, 50 ms a test): compiled once per
    session here. The code reads its converters from the rule it is called on; a rule with
    defaults has them compiled in, and is left alone. Werkzeug's private method: if it goes,
    only the saving does."""
    original = getattr(Rule, "_compile_builder", None)
    if original is None:
        return
    compiled = {}

    def compile_builder(rule, append_unknown: bool = True):
        if rule.defaults:
            return original(rule, append_unknown)
        key = (rule.rule, tuple(rule._trace), append_unknown)
        if key not in compiled:
            compiled[key] = original(rule, append_unknown)
        return compiled[key]

    Rule._compile_builder = compile_builder


_build_url_builders_once()


def _test_config(database_url: str, tmp_path) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",  # fast; production keeps scrypt
        "MAIL_URL": f"file://{tmp_path / 'mail'}",
        "STORAGE_URL": f"file://{tmp_path / 'files'}",
        "BASE_URL": "http://localhost",
        "RATELIMIT_STORAGE_URI": "memory://",
        # The suites' plugins are on from the start, as shipped ones; tests of the rule for
        # plugins installed later set the production default.
        "SHIPPED_PLUGINS": ["*"],
    }


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    url = os.environ.get("EXTRANET_TEST_POSTGRES_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


@pytest.fixture(scope="session")
def migration_branches() -> set[str]:
    """The plugins' migration folders whose branches the test database has."""
    return set()


@pytest.fixture(scope="session")
def migrated_database(database_url, tmp_path_factory, migration_branches) -> str:
    """Build the schema once, from the migrations (so they are tested too): the core's and those
    of every installed plugin."""
    app = create_app(_test_config(database_url, tmp_path_factory.mktemp("instance")))
    with app.app_context():
        if _db.engine.dialect.name == "postgresql":
            with _db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
    _upgrade(app, migration_branches)
    return database_url


def _upgrade(app, branches: set[str]) -> None:
    """Upgrade the database to the heads of the core and of ``app``'s plugins, remembering
    which plugin branches it now has."""
    from flask_migrate import upgrade

    own = app.extensions["extranet.migration_dirs"]
    branches.update(own)
    # Alembic refuses to start when a revision the database has cannot be found: every branch
    # applied so far must stay in sight, not only this application's.
    app.extensions["extranet.migration_dirs"] = sorted(branches)
    try:
        with app.app_context():
            upgrade(revision="heads")
            _db.engine.dispose()
    finally:
        app.extensions["extranet.migration_dirs"] = own


@pytest.fixture
def make_app(migrated_database, migration_branches, tmp_path):
    """``make_app(plugins=(), **config)``: an application on the test database. A plugin that
    the database has not met yet (installed or registered by the test) gets its migration
    branch applied first, so its tables exist as they would after ``flask db upgrade heads``."""
    apps = []

    def factory(plugins: tuple = (), **config):
        application = create_app({**_test_config(migrated_database, tmp_path), **config}, plugins=plugins)
        if not set(application.extensions["extranet.migration_dirs"]) <= migration_branches:
            _upgrade(application, migration_branches)
        application.test_client_class = EnglishClient
        application.jinja_env.bytecode_cache = _TEMPLATES
        apps.append(application)
        return application

    yield factory
    if apps:
        with apps[0].app_context():
            _empty_tables()
            _db.session.remove()
        for application in apps:
            with application.app_context():
                _db.engine.dispose()


def _empty_tables() -> None:
    """Every table emptied, dependents first, and on PostgreSQL every id sequence restarted.
    DELETE rather than TRUNCATE: a test leaves a few rows, and PostgreSQL's TRUNCATE of the
    schema's tables gives each a new file, committed to disk (≈ 220 ms a test; the deletes, 5)."""
    tables = [t.name for t in reversed(_db.metadata.sorted_tables)]
    with _db.engine.begin() as conn:
        for table in tables:
            conn.execute(text(f'DELETE FROM "{table}"'))
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT setval(oid, 1, false) FROM pg_class "
                              "WHERE relkind = 'S' AND relnamespace = current_schema()::regnamespace"))
        for table in (TABLE, TERMS):  # the search index is no model (engines.py): emptied apart
            conn.execute(text(f'DELETE FROM "{table}"'))


class EnglishClient(FlaskClient):
    """Assertions read English: a test client's browser asks for English unless a test
    sends its own Accept-Language (the product's default stays French)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def register_plugin(make_app):
    """``register_plugin(plugin, ...)``: an application with extra plugin objects registered."""

    def register(*plugins, **config):
        return make_app(plugins=plugins, **config)

    return register


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def db(app):
    """The database, inside an application context for the duration of the test."""
    with app.app_context():
        yield _db


@dataclass
class Person:
    id: int
    email: str
    name: str
    password: str = PASSWORD


@dataclass
class People:
    """Users of each role in two organizations, A and B, under different federations."""

    admin: Person
    expert: Person
    manager_a: Person
    member_a: Person
    manager_b: Person
    member_b: Person
    org_a: int
    org_b: int
    federation_a: int
    federation_b: int
    extra: dict = field(default_factory=dict)


def create_person(email: str, name: str, locale: str = "en", **flags) -> Person:
    from extranet.accounts.models import User

    user = User(email=email, name=name, locale=locale, **flags)
    user.set_password(PASSWORD)
    _db.session.add(user)
    _db.session.flush()
    return Person(user.id, user.email, user.name)


@pytest.fixture
def people(app) -> People:
    from extranet.accounts.models import ExpertField
    from extranet.organizations.models import Membership, Organization, Subscription
    from extranet.plugins import host

    with app.app_context():
        fields = list(host().fields)
        fed_a = Organization(name="Fédération A", kind="federation")
        fed_b = Organization(name="Fédération B", kind="federation")
        org_a = Organization(name="Coopérative A", kind="cooperative", parent=fed_a)
        org_b = Organization(name="Coopérative B", kind="cooperative", parent=fed_b)
        for org in (org_a, org_b):
            org.subscriptions = [Subscription(field=slug) for slug in fields]
        _db.session.add_all([fed_a, fed_b, org_a, org_b])
        _db.session.flush()
        admin = create_person("admin@test.org", "Ada Admin", is_admin=True)
        expert = create_person("expert@test.org", "Émile Expert", is_expert=True)
        _db.session.add_all(ExpertField(user_id=expert.id, field=slug) for slug in fields)
        result = {"admin": admin, "expert": expert}
        for org, suffix in ((org_a, "a"), (org_b, "b")):
            for role in ("manager", "member"):
                person = create_person(f"{role}.{suffix}@test.org", f"{role.title()} {suffix.upper()}")
                _db.session.add(Membership(user_id=person.id, organization_id=org.id, role=role))
                result[f"{role}_{suffix}"] = person
        _db.session.commit()
        return People(
            **result, org_a=org_a.id, org_b=org_b.id, federation_a=fed_a.id, federation_b=fed_b.id
        )


CSRF_RE = re.compile(r'"X-CSRFToken": "([^"]+)"')


def csrf_token(client, path: str = "/login") -> str:
    """The CSRF token of the client's session, read from a page as a browser would."""
    page = client.get(path, follow_redirects=True).get_data(as_text=True)
    match = CSRF_RE.search(page)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def statements_sent(app, call, which=None) -> tuple[list[str], object]:
    """The SQL statements ``call()`` sends (those ``which(statement)`` keeps, when given), and
    what ``call()`` returns."""
    with app.app_context():
        engine = _db.engine
    seen = []

    def listener(_conn, _cursor, statement, *_args):
        if which is None or which(statement):
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", listener)
    try:
        result = call()
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    return seen, result


def count_queries(app, call) -> int:
    """How many SQL statements ``call()`` sends: a page's query count, which should not grow with
    the data it shows."""
    return len(statements_sent(app, call)[0])


@pytest.fixture
def post(client):
    """``post(url, data)``: a form post carrying the session's CSRF token, like a browser."""

    def send(url: str, data: dict | None = None, **kwargs):
        return client.post(url, data={"csrf_token": csrf_token(client), **(data or {})}, **kwargs)

    return send


@pytest.fixture
def client_for():
    """``client_for(app, person)``: a new test client of ``app``, logged in as ``person``."""

    def make(application, person: Person):
        client = application.test_client()
        data = {"email": person.email, "password": person.password, "csrf_token": csrf_token(client)}
        response = client.post("/login", data=data)
        assert response.status_code == 303, response.get_data(as_text=True)[:500]
        return client

    return make


@pytest.fixture
def login_as(client):
    """``login_as(person)`` logs the test client in through the login form."""

    def login(person: Person, remember: bool = False):
        data = {"email": person.email, "password": person.password, "csrf_token": csrf_token(client)}
        if remember:
            data["remember"] = "y"
        response = client.post("/login", data=data)
        assert response.status_code == 303, response.get_data(as_text=True)[:500]
        return response

    return login

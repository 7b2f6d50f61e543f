"""Backups that restore: ``flask --app extranet backup`` of a live instance (served by a real
HTTP server in a thread) while a member keeps posting messages with files, restored by
``restore`` into another database and storage, then compared row by row and hash by hash.
On SQLite or PostgreSQL (whichever the suite runs on), with local or S3 (moto server) storage."""

from __future__ import annotations

import io
import json
import os
import secrets
import shutil
import threading

import pytest
import sqlalchemy as sa

from extranet import create_app
from extranet.testing import CSRF_RE
from tests.sample_plugin import SamplePlugin
from tests.test_storage_s3 import s3_bucket, s3_endpoint  # noqa: F401 - fixtures

requests = pytest.importorskip("requests")
pytest.importorskip("moto.server")

# What posting a message changes besides the rows it adds: the request's activity columns.
UPDATED_BY_POSTING = {"requests": {"updated_at", "last_activity_at", "version"}}


@pytest.fixture(params=["local", "s3"])
def storage_url(request, tmp_path):
    if request.param == "local":
        return {"STORAGE_URL": f"file://{tmp_path / 'objects'}"}
    endpoint = request.getfixturevalue("s3_endpoint")
    return {"STORAGE_URL": f"s3://{request.getfixturevalue('s3_bucket')}/objects",
            "S3_ENDPOINT_URL": endpoint}


@pytest.fixture
def app(register_plugin, storage_url):
    application = register_plugin(SamplePlugin(), **storage_url)
    if application.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql") and not shutil.which("pg_dump"):
        pytest.skip("pg_dump is not installed (apt-get install postgresql-client): backups of PostgreSQL need it")
    return application


@pytest.fixture
def other_instance(app, tmp_path, s3_endpoint, storage_url):  # noqa: F811 - the fixture
    """Settings of an empty instance: a new database (SQLite file, or a new PostgreSQL database
    on the same server) and new storage (folder or bucket) of the same kinds."""
    import boto3

    source = sa.make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if source.get_backend_name() == "sqlite":
        url = f"sqlite:///{tmp_path / 'restored.db'}"
        dropper = None
    else:
        name = f"restore_{secrets.token_hex(4)}"
        admin = sa.create_engine(source, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        url = source.set(database=name).render_as_string(hide_password=False)

        def dropper():
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE "{name}" WITH (FORCE)')
            admin.dispose()
    if storage_url["STORAGE_URL"].startswith("s3://"):
        bucket = f"restored-{secrets.token_hex(6)}"
        boto3.client("s3", endpoint_url=s3_endpoint).create_bucket(Bucket=bucket)
        storage = {"STORAGE_URL": f"s3://{bucket}/objects", "S3_ENDPOINT_URL": s3_endpoint}
    else:
        storage = {"STORAGE_URL": f"file://{tmp_path / 'restored-objects'}"}
    config = {**{k: app.config[k] for k in ("TESTING", "SECRET_KEY", "MAIL_URL", "BASE_URL")},
              "SQLALCHEMY_DATABASE_URI": url, **storage}
    yield config
    if dropper:
        dropper()


def log_in(base: str, email: str, password: str) -> tuple[requests.Session, str]:
    session = requests.Session()
    session.headers["Accept-Language"] = "en"
    token = CSRF_RE.search(session.get(f"{base}/login").text).group(1)
    response = session.post(f"{base}/login", data={"email": email, "password": password,
                                                  "csrf_token": token}, allow_redirects=False)
    assert response.status_code == 303, response.text[:500]
    return session, CSRF_RE.search(session.get(f"{base}/requests/").text).group(1)


class Writer(threading.Thread):
    """A member posting messages, each with a file of its own, until told to stop."""

    def __init__(self, session, token, url):
        super().__init__(daemon=True)
        self.session, self.token, self.url = session, token, url
        self.posted = 0
        self.failures: list[str] = []
        self.stop = threading.Event()
        self.progress = threading.Condition()

    def wait_for(self, count: int) -> None:
        with self.progress:
            assert self.progress.wait_for(lambda: self.posted >= count or self.failures, timeout=120)

    def run(self):
        while not self.stop.is_set():
            data = f"Numéro;Montant\n{self.posted};{secrets.token_hex(64)}\n".encode()
            try:
                response = self.session.post(
                    self.url, data={"body": f"Message {self.posted}", "csrf_token": self.token},
                    files={"files": (f"m{self.posted}.csv", io.BytesIO(data), "text/csv")},
                    allow_redirects=False,
                )
                if response.status_code != 303:
                    self.failures.append(f"{response.status_code}: {response.text[:300]}")
            except requests.RequestException as error:
                self.failures.append(repr(error))
            with self.progress:
                self.posted += 1
                self.progress.notify_all()
            if self.failures:
                return


def all_rows(url: str) -> dict[str, dict[tuple, dict]]:
    """Every row of every table (the search index's shadow tables aside), by primary key."""
    engine = sa.create_engine(url)
    try:
        inspector = sa.inspect(engine)
        rows = {}
        with engine.connect() as conn:
            for table in inspector.get_table_names():
                if table.startswith("search_index_"):  # FTS5's own pages: compared through search_index
                    continue
                reflected = sa.Table(table, sa.MetaData(), autoload_with=conn)
                key = [c.name for c in reflected.primary_key.columns] or [c.name for c in reflected.columns]
                rows[table] = {
                    tuple(r[k] for k in key): dict(r) for r in conn.execute(sa.select(reflected)).mappings()
                }
        return rows
    finally:
        engine.dispose()


def stored_hashes(application) -> dict[str, str]:
    from extranet.storage import get_storage

    with application.app_context():
        storage = get_storage()
        return {key: storage.sha256(key) for key in storage.keys()}  # noqa: SIM118 - not a dict


def test_a_backup_of_a_live_instance_restores_every_row_and_file(
    app, people, live_server, other_instance, tmp_path, client_for
):
    from tests.test_attachments import file_request

    base = live_server(app)
    member, token = log_in(base, people.member_a.email, people.member_a.password)
    reference = file_request(client_for(app, people.member_a))
    writer = Writer(member, token, f"{base}/requests/{reference}/messages")
    writer.start()
    try:
        writer.wait_for(3)
        result = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "backup")])
        assert result.exit_code == 0, result.output
        posted_by_then = writer.posted
        writer.wait_for(posted_by_then + 3)  # writes went on during and after the backup
    finally:
        writer.stop.set()
        writer.join()
    assert not writer.failures, writer.failures

    restored = create_app(other_instance, plugins=(SamplePlugin(),))
    result = restored.test_cli_runner().invoke(args=["restore", str(tmp_path / "backup")])
    assert result.exit_code == 0, result.output

    source_rows = all_rows(app.config["SQLALCHEMY_DATABASE_URI"])
    restored_rows = all_rows(other_instance["SQLALCHEMY_DATABASE_URI"])
    assert restored_rows.keys() == source_rows.keys()
    later = {}
    for table, rows in restored_rows.items():
        ignored = UPDATED_BY_POSTING.get(table, set())
        for key, row in rows.items():
            assert key in source_rows[table], (table, key)
            theirs = source_rows[table][key]
            assert {c: v for c, v in row.items() if c not in ignored} == \
                   {c: v for c, v in theirs.items() if c not in ignored}, (table, key)
        later[table] = source_rows[table].keys() - rows.keys()
    # Writes after the snapshot are not in it; writes acknowledged before it began are.
    messages = restored_rows["messages"]
    assert len(messages) >= 3 and later["messages"]
    assert all(later_key > max(messages) for later_key in later["messages"])

    # Every file the restored rows reference is there, with the bytes of the source.
    manifest = json.loads((tmp_path / "backup" / "manifest.json").read_text())
    assert manifest["missing"] == [] and manifest["revisions"]
    referenced = {r["storage_key"]: r["sha256"] for r in restored_rows["file_versions"].values()}
    assert len(referenced) >= 3
    restored_files = stored_hashes(restored)
    assert restored_files == referenced
    source_files = stored_hashes(app)
    assert all(source_files[key] == digest for key, digest in restored_files.items())
    with restored.app_context():
        from extranet.extensions import db

        db.engine.dispose()


def test_a_damaged_or_partial_backup_is_refused_before_anything_changes(
    app, people, other_instance, tmp_path, client_for
):
    from tests.test_attachments import file_request, send

    client = client_for(app, people.member_a)
    send(client, file_request(client), files=[(b"Nom;Montant\nA;1\n", "a.csv")])
    folder = tmp_path / "backup"
    assert app.test_cli_runner().invoke(args=["backup", str(folder)]).exit_code == 0
    restored = create_app(other_instance, plugins=(SamplePlugin(),))
    runner = restored.test_cli_runner()

    def refused(expected: str) -> None:
        result = runner.invoke(args=["restore", str(folder)])
        assert result.exit_code != 0 and expected in result.output, result.output
        with restored.app_context():
            from extranet.backup.database import is_empty
            from extranet.extensions import db
            from extranet.storage import get_storage

            assert is_empty(db.engine) and not list(get_storage().keys())
            db.engine.dispose()

    manifest = json.loads((folder / "manifest.json").read_text())
    a_file = folder / "files" / manifest["files"][0]["name"]
    original = a_file.read_bytes()
    a_file.write_bytes(original[:-1] + bytes([original[-1] ^ 1]))  # one bit flipped
    refused("is damaged")
    a_file.unlink()  # a partial copy
    refused("is missing")
    a_file.write_bytes(original)
    database = folder / manifest["database"]["name"]
    with open(database, "r+b") as fh:
        fh.truncate(os.path.getsize(database) // 2)
    refused("is damaged")
    (folder / "manifest.json").unlink()  # a backup that never finished
    refused("unfinished")

    # A backup never overwrites a folder that holds something, and restore never an instance.
    assert "not an empty folder" in app.test_cli_runner().invoke(args=["backup", str(folder)]).output
    other = tmp_path / "again"
    assert app.test_cli_runner().invoke(args=["backup", str(other)]).exit_code == 0
    result = app.test_cli_runner().invoke(args=["restore", str(other)])
    assert result.exit_code != 0 and "not empty" in result.output
    assert runner.invoke(args=["restore", str(other)]).exit_code == 0
    assert "--force" in runner.invoke(args=["restore", str(other)]).output
    result = runner.invoke(args=["restore", "--force", str(other)])
    assert result.exit_code == 0, result.output
    with restored.app_context():
        from extranet.extensions import db
        from extranet.files.models import FileVersion
        from extranet.storage import get_storage

        keys = set(db.session.scalars(db.select(FileVersion.storage_key)))
        assert keys and set(get_storage().keys()) == keys
        db.session.remove()
        db.engine.dispose()


def test_a_file_deleted_between_the_snapshot_and_its_copy_is_listed_missing(
    app, people, tmp_path, client_for, monkeypatch
):
    """The database's snapshot names a file that the application deletes (its row deleted
    after the snapshot) before the copy reaches it: the backup still finishes and says so."""
    from extranet.backup import service
    from extranet.storage import get_storage
    from tests.test_attachments import file_request, send

    client = client_for(app, people.member_a)
    send(client, file_request(client), files=[(b"Nom;Montant\nA;1\n", "a.csv"), (b"Nom;Montant\nB;2\n", "b.csv")])
    real_snapshot = service.database.snapshot
    gone = []

    def snapshot_then_delete(engine, folder):
        taken = real_snapshot(engine, folder)
        gone.append(sorted(taken.keys)[0])
        with app.app_context():
            get_storage().delete(gone[0])
        return taken

    monkeypatch.setattr(service.database, "snapshot", snapshot_then_delete)
    result = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "backup")])
    assert result.exit_code == 0, result.output
    assert "1 files deleted while the backup ran" in result.output
    manifest = json.loads((tmp_path / "backup" / "manifest.json").read_text())
    assert manifest["missing"] == gone and len(manifest["files"]) == 1

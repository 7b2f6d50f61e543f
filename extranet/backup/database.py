"""The database's half of a backup: a consistent snapshot into a file, the stored objects that
snapshot references, and its restore, for SQLite (online backup API) and PostgreSQL
(``pg_dump``/``pg_restore``, which must be at least as new as the server)."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import sqlite3
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.engine import URL

from extranet.backup.manifest import Entry, hash_file

SQLITE_FILE = "database.sqlite3"
POSTGRES_FILE = "database.pgdump"
KEY_COLUMN = "storage_key"  # every table naming a stored object names it so (core and plugins)


class DatabaseError(Exception):
    """The snapshot or the restore could not be made (a tool missing or failing)."""


@dataclass
class Snapshot:
    database: Entry
    revisions: list[str]
    keys: set[str]  # the stored objects its rows reference


def snapshot(engine: Engine, folder: Path) -> Snapshot:
    if engine.dialect.name == "sqlite":
        return _sqlite_snapshot(engine.url, folder)
    if engine.dialect.name == "postgresql":
        return _postgres_snapshot(engine, folder)
    raise DatabaseError(f"no backup for a {engine.dialect.name} database")


def is_empty(engine: Engine) -> bool:
    """No table at all: a database that nothing, not even a migration, has written to."""
    if engine.dialect.name == "sqlite":
        path = _sqlite_path(engine.url)
        if not path.exists():
            return True
        with _sqlite(path) as conn:
            return not conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            ).fetchone()
    with engine.connect() as conn:
        return not conn.exec_driver_sql(
            "SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema()"
        ).first()


def restore(engine: Engine, dump: Path, force: bool) -> None:
    """Replace the database's content with ``dump``'s (``force``: dropping what is there)."""
    engine.dispose()  # no pooled connection may hold the old database open
    if engine.dialect.name == "sqlite":
        target = _sqlite_path(engine.url)
        target.parent.mkdir(parents=True, exist_ok=True)
        with _sqlite(dump) as source, _sqlite(target) as destination:
            source.backup(destination)
        return
    if force:
        with engine.begin() as conn:
            schema = conn.exec_driver_sql("SELECT current_schema()").scalar_one()
            quoted = engine.dialect.identifier_preparer.quote(schema)
            conn.exec_driver_sql(f"DROP SCHEMA {quoted} CASCADE")
            conn.exec_driver_sql(f"CREATE SCHEMA {quoted}")
    _run_pg_tool(engine, "pg_restore", [
        "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction", str(dump),
    ])
    engine.dispose()


# -- SQLite ---------------------------------------------------------------------------------


def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise DatabaseError("an in-memory SQLite database has nothing to back up or restore")
    return Path(url.database)


def _sqlite(path: Path) -> contextlib.closing[sqlite3.Connection]:
    """A connection closed on exit (sqlite3's own context manager only commits)."""
    return contextlib.closing(sqlite3.connect(path, timeout=30))


def _sqlite_snapshot(url: URL, folder: Path) -> Snapshot:
    target = folder / SQLITE_FILE
    with _sqlite(_sqlite_path(url)) as source, _sqlite(target) as copy:
        # In one step (pages=-1): one read transaction, so one consistent state, while the
        # application keeps writing to its WAL.
        source.backup(copy, pages=-1)
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        keys, revisions = _references(lambda sql: copy.execute(sql).fetchall(), _sqlite_tables)
    size, digest = hash_file(target)
    return Snapshot(Entry(SQLITE_FILE, size, digest), revisions, keys)


def _sqlite_tables(query: Callable) -> tuple[list[str], bool]:
    tables = [row[0] for row in query("SELECT name FROM sqlite_master WHERE type = 'table'")]
    with_keys = [
        t for t in tables
        if any(column[1] == KEY_COLUMN for column in query(f"PRAGMA table_info(\"{t}\")"))
    ]
    return with_keys, "alembic_version" in tables


# -- PostgreSQL -----------------------------------------------------------------------------


def _postgres_snapshot(engine: Engine, folder: Path) -> Snapshot:
    target = folder / POSTGRES_FILE
    with engine.connect() as conn:
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            # pg_dump works from this transaction's snapshot: the dump and the list of objects
            # to copy are of one and the same state of the database.
            snapshot_id = conn.exec_driver_sql("SELECT pg_export_snapshot()").scalar_one()
            keys, revisions = _references(
                lambda sql: conn.exec_driver_sql(sql).fetchall(), _postgres_tables
            )
            _run_pg_tool(engine, "pg_dump", [
                "--format=custom", f"--snapshot={snapshot_id}", f"--file={target}",
            ], server_version=conn.exec_driver_sql("SHOW server_version_num").scalar_one())
    size, digest = hash_file(target)
    return Snapshot(Entry(POSTGRES_FILE, size, digest), revisions, keys)


def _postgres_tables(query: Callable) -> tuple[list[str], bool]:
    with_keys = [row[0] for row in query(
        "SELECT table_name FROM information_schema.columns "  # noqa: S608 - a constant
        f"WHERE table_schema = current_schema() AND column_name = '{KEY_COLUMN}'"
    )]
    has_versions = bool(query(
        "SELECT 1 FROM information_schema.tables "
        "WHERE table_schema = current_schema() AND table_name = 'alembic_version'"
    ))
    return with_keys, has_versions


def tool_version(name: str) -> tuple[str, int]:
    """The path and major version of a PostgreSQL client tool, or ``DatabaseError``."""
    binary = shutil.which(name)
    if binary is None:
        raise DatabaseError(f"{name} is not installed (Debian: apt-get install postgresql-client).")
    output = subprocess.run(  # noqa: S603 - the installed tool, no shell
        [binary, "--version"], capture_output=True, text=True, check=False
    ).stdout
    match = re.search(r"\)\s*(\d+)", output)
    if not match:
        raise DatabaseError(f"cannot tell the version of {binary}: {output.strip()!r}")
    return binary, int(match.group(1))


def _run_pg_tool(engine: Engine, name: str, arguments: list[str], server_version=None) -> None:
    binary, major = tool_version(name)
    if server_version is not None and major < int(server_version) // 10000:
        raise DatabaseError(
            f"{binary} is version {major}, older than the server ({int(server_version) // 10000}): "
            "install the client tools of the server's version."
        )
    url = engine.url
    environment = dict(os.environ)
    if url.password:  # in the environment, not on a command line that `ps` shows
        environment["PGPASSWORD"] = str(url.password)
    conninfo = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    result = subprocess.run(  # noqa: S603 - our arguments, no shell
        [binary, f"--dbname={conninfo}", *arguments],
        capture_output=True, text=True, env=environment, check=False,
    )
    if result.returncode != 0:
        raise DatabaseError(f"{name} failed: {result.stderr.strip()}")


# -- both -----------------------------------------------------------------------------------


def _references(query: Callable, tables: Callable) -> tuple[set[str], list[str]]:
    with_keys, has_versions = tables(query)
    keys: set[str] = set()
    for table in with_keys:
        keys.update(row[0] for row in query(
            # Table names from the database's own catalog, quoted.
            f'SELECT "{KEY_COLUMN}" FROM "{table}" WHERE "{KEY_COLUMN}" IS NOT NULL'  # noqa: S608
        ))
    revisions = sorted(row[0] for row in query("SELECT version_num FROM alembic_version")) \
        if has_versions else []
    return keys, revisions

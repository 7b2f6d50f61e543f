"""A node started as docs/deploy.md says: gunicorn with extranet/gunicorn_conf.py, the
application loaded and warmed up in the master, then forked into two workers. A person signs
in (the login form and its POST with the CSRF token), and each worker serves them a signed-in
page (four at a time, so that both workers take some), and holds database
connections of its own: the master holds none when it forks, and no connection is shared by
two processes. On SQLite, or on PostgreSQL with EXTRANET_TEST_POSTGRES_URL."""

from __future__ import annotations

import contextlib
import os
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from extranet.testing import CSRF_RE
from tests.daemons import gunicorn_node

requests = pytest.importorskip("requests")
pytest.importorskip("gunicorn")

WORKERS = 2


@contextlib.contextmanager
def node(database_url: str, tmp_path: Path):
    log = tmp_path / "access.log"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("EXTRANET_")},
        "EXTRANET_DATABASE_URL": database_url,
        "EXTRANET_SECRET_KEY": "gunicorn-node-test",
        "EXTRANET_INSTANCE_PATH": str(tmp_path / "instance"),
        "EXTRANET_STORAGE_URL": f"file://{tmp_path / 'files'}",
        "EXTRANET_MAIL_URL": f"file://{tmp_path / 'mail'}",
        "EXTRANET_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
    }
    options = ["-c", "python:extranet.gunicorn_conf", "--workers", str(WORKERS), "--graceful-timeout", "5",
               # which worker (%(p)s) served each request
               "--access-logfile", str(log), "--access-logformat", "%(p)s %(s)s %(m)s %(U)s"]
    with gunicorn_node(options, env) as (process, base):
        yield process.pid, base, log


def workers_of(master: int, expected: int = WORKERS) -> list[int]:
    """The master's children, once it has forked ``expected`` of them: the first worker may
    answer while the master is still forking the next (bounded: 30 s)."""
    for _attempt in range(300):
        found = []
        for task in Path(f"/proc/{master}/task").iterdir():
            found += [int(pid) for pid in (task / "children").read_text().split()]
        if len(found) >= expected:
            return found
        time.sleep(0.1)
    return found


def database_handles(pid: int, database_url: str) -> set[str]:
    """The process's open database connections: its sockets to PostgreSQL's port, by inode,
    which two processes sharing one connection would both show; or its descriptors on the
    SQLite file, by process (a file shares no state through the kernel but its descriptor, which
    a worker could only inherit from a master that holds one)."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        path = os.path.realpath(url.database)
        found = set()
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            with contextlib.suppress(OSError):
                if os.readlink(fd) == path:
                    found.add(f"{pid}: fd {fd.name} on {path}")
        return found
    to_database = set()  # inodes of TCP sockets whose remote port is the database's
    for table in ("tcp", "tcp6"):
        for line in Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]:
            fields = line.split()
            if int(fields[2].rsplit(":", 1)[1], 16) == (url.port or 5432):
                to_database.add(fields[9])
    mine = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        with contextlib.suppress(OSError):
            target = os.readlink(fd)
            if target.startswith("socket:[") and target[8:-1] in to_database:
                mine.add(target)
    return mine


def test_a_preloaded_node_serves_from_each_worker_with_connections_of_its_own(app, people, database_url, tmp_path):
    with node(database_url, tmp_path) as (master, base, log):
        workers = workers_of(master)
        assert len(workers) == WORKERS
        assert database_handles(master, database_url) == set()  # warm-up touched no database

        # Signed in once (the login is rate-limited), through whichever worker answers.
        browser = requests.Session()
        browser.headers["Accept-Language"] = "en"
        form = browser.get(f"{base}/login")
        assert form.status_code == 200
        signed_in = browser.post(f"{base}/login", allow_redirects=False, data={
            "email": people.member_a.email, "password": people.member_a.password,
            "csrf_token": CSRF_RE.search(form.text).group(1)})
        assert signed_in.status_code == 303
        def home(_n):
            answer = requests.get(f"{base}/", cookies=browser.cookies, headers={"Accept-Language": "en"})
            return answer.status_code, people.member_a.name in answer.text

        served = set()
        # Four at a time: one after the other, the worker that answered is the free one again
        # and may take every request; with four at once, the other takes some.
        with ThreadPoolExecutor(4) as pool:
            for _attempt in range(50):  # bounded: until each worker has served the signed-in page
                assert set(pool.map(home, range(4))) == {(200, True)}
                served = {int(line.split()[0].strip("<>")) for line in log.read_text().splitlines()
                          if " GET / " in f"{line} "}
                if served >= set(workers):
                    break
        assert served == set(workers)

        assert database_handles(master, database_url) == set()
        handles = {pid: database_handles(pid, database_url) for pid in workers}
        assert all(handles.values())  # each worker reached the database through connections...
        first, second = handles.values()
        assert not first & second  # ...of its own, none inherited from the master or shared


def test_post_fork(app):
    """The hook gives a forked worker pools of its own: a connection left in the master's pool
    is never handed to a worker."""
    from types import SimpleNamespace

    from extranet import gunicorn_conf
    from extranet.extensions import db

    with app.app_context():
        db.session.execute(db.select(1))
        db.session.remove()
        inherited = db.engine.pool
        assert inherited.checkedin() == 1
    gunicorn_conf.post_fork(None, SimpleNamespace(app=SimpleNamespace(wsgi=lambda: app)))
    with app.app_context():
        assert db.engine.pool is not inherited
        assert db.engine.pool.checkedin() == 0
    inherited.dispose()  # here the "master" is this process: close what it left

"""The plans of a page's slow statements, as the page sends them: the page is requested once as a
role of ``pages.py`` (after a warm-up), and each statement that took at least ``--over`` ms is
explained with its own parameters (PostgreSQL: ``EXPLAIN (ANALYZE, BUFFERS)``; SQLite:
``EXPLAIN QUERY PLAN``).

    .venv/bin/python bench/explain.py --url postgresql+psycopg://postgres@127.0.0.1:5432/bench \\
        --role expert /requests/ [--over 5]
    .venv/bin/python bench/explain.py --path instance/bench-x10.db --role admin "/reports/?year=2025"
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import dataset  # noqa: E402
from pages import _people  # noqa: E402
from reports import _login  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("address", help="the page, e.g. /requests/?page=10")
    parser.add_argument("--role", default="expert",
                        help="member, manager, expert or admin (pages.py's people), or an e-mail address")
    parser.add_argument("--url", help="a PostgreSQL dataset")
    parser.add_argument("--path", type=Path, help="a SQLite dataset")
    parser.add_argument("--storage", type=Path, help="the dataset's files' folder")
    parser.add_argument("--over", type=float, default=5.0, help="explain the statements that took this many ms")
    args = parser.parse_args()
    target = args.url or args.path or dataset.default_path(1.0)
    from sqlalchemy import event

    from extranet.extensions import db

    info = _people(target)
    app = dataset.make_app(target, args.storage)
    with app.app_context():
        engine = db.engine
    client = app.test_client()
    _login(client, args.role if "@" in args.role else info[args.role])
    client.get(args.address)  # warm-up
    sent = []

    def before(_conn, _cursor, statement, parameters, *_args):
        sent.append([time.perf_counter(), statement, parameters])

    def after(*_args):
        sent[-1][0] = (time.perf_counter() - sent[-1][0]) * 1000

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    status = client.get(args.address).status_code
    event.remove(engine, "before_cursor_execute", before)
    event.remove(engine, "after_cursor_execute", after)
    print(f"{args.role} {args.address}: status {status}, {len(sent)} statements, "
          f"{sum(s[0] for s in sent):.1f} ms in them")
    postgres = engine.dialect.name == "postgresql"
    with engine.connect() as conn:
        if postgres and args.address.startswith("/search"):  # as PostgresEngine.prepare sets them
            conn.exec_driver_sql("SET jit = off")
            conn.exec_driver_sql("SET max_parallel_workers_per_gather = 0")
        raw = conn.connection.dbapi_connection
        for ms, statement, parameters in sent:
            if ms < args.over:
                continue
            print(f"\n-- {ms:.1f} ms\n{statement}\n-- {parameters}")
            cursor = raw.cursor()
            cursor.execute(("EXPLAIN (ANALYZE, BUFFERS) " if postgres else "EXPLAIN QUERY PLAN ") + statement,
                           parameters)
            for row in cursor.fetchall():
                print("   ", " | ".join(str(c) for c in row))
            cursor.close()
        raw.rollback()
    engine.dispose()


if __name__ == "__main__":
    main()

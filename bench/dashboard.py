"""The admin's dashboard and the expert's timesheet over the ×10 dataset (DESIGN §13): p50/p95
server time and SQL queries of the dashboard page, its figures at a glance, the volume widget,
and an expert's timesheet with its log form.

    .venv/bin/python bench/dashboard.py [--runs 20] [--only x1|x10]

Uses the datasets of ``dataset.py`` (built if missing, migrated to the head) and requests each
page through the test client as ``reports.py`` does. Target: ≤ 50 ms p95 at ×10 on SQLite, the
same query count at ×1 and ×10.
"""

from __future__ import annotations

import gc
import sqlite3
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import dataset  # noqa: E402
from reports import _login, print_results, run_at_scales, time_page  # noqa: E402


def measure(path: Path, scale: float, runs: int) -> list:
    from sqlalchemy import event

    from extranet.extensions import db

    if not path.exists():
        print(f"building {path} …", flush=True)
        dataset.build(path, scale)
    app = dataset.make_app(path)
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        engine = db.engine
    with sqlite3.connect(path) as conn:
        expert = conn.execute("SELECT u.email FROM users u JOIN expert_fields f ON f.user_id = u.id "
                              "ORDER BY u.id LIMIT 1").fetchone()[0]
        requests = conn.execute("SELECT COUNT(*) FROM requests").fetchone()[0]
    queries = []
    event.listen(engine, "before_cursor_execute", lambda *a: queries.append(1))
    admin, expert_client = app.test_client(), app.test_client()
    _login(admin, "user1@bench.example.org")
    _login(expert_client, expert)
    gc.freeze()
    results = [(label, *time_page(admin, url, runs, queries)[:3]) for label, url in (
        ("dashboard (admin)", "/"),
        ("at a glance (admin)", "/widgets/glance"),
        ("volume this month (admin)", "/widgets/volume"),
    )]
    results.append(("timesheet (expert)", *time_page(expert_client, "/hours/timesheet", runs, queries)[:3]))
    with app.app_context():
        db.engine.dispose()
    print_results(f"{path.name}: {requests:,} requests, {runs} runs per page", "page", results)
    return results


def main() -> None:
    run_at_scales("The admin's dashboard and the expert's timesheet", measure)


if __name__ == "__main__":
    main()

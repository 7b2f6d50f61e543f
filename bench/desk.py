"""The expert's desk at ×1 and ×10 (DESIGN §13): the request list as an expert uses it (queue,
saved views, a tag filter), a request's page with the desk's panels, and the expert's dashboard
with its queue widgets, p50/p95 server time and SQL queries per page.

    .venv/bin/python bench/desk.py [--runs 20] [--only x1|x10]

Uses the datasets of ``dataset.py`` (built if missing), adds tags to one request in twenty
(five tags, each on one request in a hundred), assignments and a saved view to the expert, and
requests each page through the test client as ``reports.py`` does. Target: every page ≤ 50 ms p95, the same query count at ×1 and ×10.
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

TAGS = ("paie", "conseil", "urgent-ca", "fiscalité", "relance")


def _prepare(path: Path) -> dict:
    """Tags on one request in twenty, assignments and a saved view for an expert (once each)."""
    with sqlite3.connect(path) as conn:
        if conn.execute("SELECT COUNT(DISTINCT key) FROM request_tags").fetchone()[0] < len(TAGS):
            # Each tag on one request in a hundred (a first version put "paie" on all of them).
            conn.execute("DELETE FROM request_tags")
            rows = [(rid, TAGS[rid // 20 % len(TAGS)], TAGS[rid // 20 % len(TAGS)])
                    for (rid,) in conn.execute("SELECT id FROM requests WHERE id % 20 = 0")]
            conn.executemany("INSERT INTO request_tags (request_id, name, key) VALUES (?, ?, ?)", rows)
        expert_id, email, field = conn.execute(
            "SELECT u.id, u.email, f.field FROM users u JOIN expert_fields f ON f.user_id = u.id "
            "ORDER BY u.id LIMIT 1").fetchone()
        # The dataset assigns nobody: the expert works one request in ten of the field.
        if not conn.execute("SELECT 1 FROM request_participants WHERE user_id = ?", (expert_id,)).fetchone():
            conn.executemany(
                "INSERT INTO request_participants (request_id, user_id, role) VALUES (?, ?, 'assignee')",
                [(rid, expert_id) for (rid,) in conn.execute(
                    "SELECT id FROM requests WHERE field = ? AND id % 10 = 0", (field,))])
        reference = conn.execute(
            "SELECT r.reference FROM requests r JOIN request_participants p ON p.request_id = r.id "
            "WHERE p.user_id = ? AND p.role = 'assignee' ORDER BY r.id DESC LIMIT 1", (expert_id,)).fetchone()[0]
        if not conn.execute("SELECT 1 FROM saved_views WHERE user_id = ?", (expert_id,)).fetchone():
            conn.execute("INSERT INTO saved_views (user_id, name, query, created_at) VALUES (?, 'Paie', "
                         "'tag=paie&open=1', '2026-01-01 00:00:00')", (expert_id,))
        requests = conn.execute("SELECT COUNT(*) FROM requests").fetchone()[0]
    return {"email": email, "field": field, "reference": reference, "requests": requests}


def measure(path: Path, scale: float, runs: int) -> list:
    from sqlalchemy import event

    from extranet.extensions import db

    if not path.exists():
        print(f"building {path} …", flush=True)
        dataset.build(path, scale)
    app = dataset.make_app(path)
    with app.app_context():  # the desk's tables, on a dataset built before them
        from flask_migrate import upgrade

        upgrade()
        engine = db.engine
    info = _prepare(path)
    queries = []
    event.listen(engine, "before_cursor_execute", lambda *a: queries.append(1))
    expert = app.test_client()
    _login(expert, info["email"])
    gc.freeze()
    pages = [
        ("list (expert, first page)", "/requests/"),
        ("my overdue", "/requests/?assignee=me&overdue=1&sort=due"),
        ("unassigned in my fields", "/requests/?assignee=none&fields=mine&open=1&sort=due"),
        ("tag filter", "/requests/?tag=paie&open=1"),
        ("request page (expert)", f"/requests/{info['reference']}"),
        # The expert's dashboard and its widgets: each a fragment the page loads on its own.
        ("dashboard (expert)", "/"),
        ("my queue widget", "/widgets/my-queue"),
        ("unassigned widget", "/widgets/unassigned"),
        ("overdue widget", "/widgets/overdue"),
    ]
    results = [(label, *time_page(expert, url, runs, queries)[:3]) for label, url in pages]
    with app.app_context():
        db.engine.dispose()
    print_results(f"{path.name}: {info['requests']:,} requests, expert {info['email']}, {runs} runs per page",
                  "page", results)
    return results


def main() -> None:
    run_at_scales("The expert's desk at ×1 and ×10", measure)


if __name__ == "__main__":
    main()

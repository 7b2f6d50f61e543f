"""Report and hours pages at ×1 and ×10 (DESIGN §13): p50/p95 server time and SQL queries per page.

    .venv/bin/python bench/reports.py            # builds the datasets if missing, 20 runs each
    .venv/bin/python bench/reports.py --runs 50 --year 2025
    .venv/bin/python bench/reports.py --url postgresql+psycopg://postgres@127.0.0.1:5432/bench --only x10
    .venv/bin/python bench/reports.py --path instance/copy-of-x10.db --only x10

Each page is requested through the Flask test client (the whole server side: routing, policy,
queries, templates; no network), after two warm-up requests, with the objects of start-up
frozen as in production (``extranet/wsgi.py``). Queries are counted with a SQLAlchemy
``before_cursor_execute`` event. Targets: reports ≤ 200 ms p95, member and expert pages ≤ 50 ms
p95, a bounded query count, the same at ×1 and ×10 for the same page.
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import dataset  # noqa: E402


def time_page(client, url: str, runs: int, queries: list):
    """Two gets of ``url`` to warm up, then ``runs`` timed ones: their median and 95th
    percentile in milliseconds, the number of SQL queries of the last, and its response."""
    for _ in range(2):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
    timings = []
    for _ in range(runs):
        queries.clear()
        start = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200
    cuts = statistics.quantiles(timings, n=20, method="inclusive")
    return statistics.median(timings), cuts[18], len(queries), response


def print_results(title: str, column: str, results: list) -> None:
    """A benchmark's table: a row per page (its label, p50 and p95 in ms, SQL queries)."""
    print(f"\n{title}")
    print(f"{column:32} {'p50 ms':>8} {'p95 ms':>8} {'queries':>8}")
    for label, p50, p95, count in results:
        print(f"{label:32} {p50:8.1f} {p95:8.1f} {count:8d}")


def _login(client, email: str) -> None:
    from extranet.testing import csrf_token

    response = client.post("/login", data={"email": email, "password": dataset.PASSWORD,
                                           "csrf_token": csrf_token(client)})
    assert response.status_code == 303, response.status_code


def _info(path: Path | str, scale: float) -> dict:
    """The ids the pages need, read back from an existing dataset (a SQLite file or a URL)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(dataset.database_uri(path))
    with engine.connect() as conn:
        org = conn.execute(text(
            "SELECT r.organization_id FROM time_entries t JOIN requests r ON r.id = t.request_id "
            "GROUP BY r.organization_id ORDER BY COUNT(*) DESC LIMIT 1")).scalar()
        manager = conn.execute(text(
            "SELECT u.email FROM memberships m JOIN users u ON u.id = m.user_id "
            "WHERE m.organization_id = :org AND m.role = 'manager' ORDER BY u.id"), {"org": org}).scalar()
        entries = conn.execute(text("SELECT COUNT(*) FROM time_entries")).scalar()
        # The busiest expert of the last week with time logged, for the timesheet.
        last = conn.execute(text("SELECT MAX(date) FROM time_entries WHERE date <= :today"),
                            {"today": date.today()}).scalar()
        last = last if isinstance(last, date) else date.fromisoformat(last)
        monday = last - timedelta(days=last.weekday())
        expert = conn.execute(text(
            "SELECT u.email FROM time_entries t JOIN users u ON u.id = t.expert_id "
            "WHERE t.date BETWEEN :monday AND :sunday GROUP BY u.email ORDER BY COUNT(*) DESC, u.email LIMIT 1"),
            {"monday": monday, "sunday": monday + timedelta(days=6)}).scalar()
    engine.dispose()
    return {"organization_id": org, "manager_email": manager, "admin_email": "user1@bench.example.org",
            "entries": entries, "expert_email": expert, "week": f"{monday.isocalendar()[0]}-W{monday.isocalendar()[1]:02d}"}


def measure(path: Path | str, scale: float, runs: int, year: int,
            files: Path | None = None) -> list[tuple[str, float, float, int]]:
    from sqlalchemy import event

    from extranet.extensions import db

    if "://" not in str(path) and not Path(path).exists():
        print(f"building {path} …", flush=True)
        dataset.build(path, scale)
    info = _info(path, scale)
    dataset.vacuum(path)  # PostgreSQL only
    app = dataset.make_app(path, files)
    with app.app_context():  # a dataset built before the latest migrations
        from flask_migrate import upgrade

        upgrade()
        engine = db.engine
    queries = []
    event.listen(engine, "before_cursor_execute", lambda *a: queries.append(1))
    admin, manager, expert = app.test_client(), app.test_client(), app.test_client()
    _login(admin, info["admin_email"])
    _login(manager, info["manager_email"])
    _login(expert, info["expert_email"])
    gc.freeze()  # as the production entry point does (extranet/wsgi.py)
    org = info["organization_id"]
    month = f"{year}-03"
    pages = [
        ("admin reports (year)", admin, f"/reports/?year={year}"),
        ("admin reports (field filter)", admin, f"/reports/?year={year}&field=hr"),
        ("annual report (cooperative)", admin, f"/reports/annual?year={year}"),
        # The year under way: whole months from the roll-up, the days of this month from the entries.
        ("admin reports (this year)", admin, f"/reports/?year={date.today().year}"),
        ("annual report (this year)", admin, f"/reports/annual?year={date.today().year}"),
        ("annual report (organization)", manager, f"/reports/annual/{org}?year={year}"),
        ("statement (one month)", manager, f"/reports/statements/{org}/{month}"),
        ("statements list (a month)", admin, f"/reports/statements?year={year}&month=3"),
        ("my statements (manager)", manager, "/reports/my-statements"),
        ("annual report XLSX", admin, f"/reports/annual.xlsx?year={year}"),
        # Hours pages of members and experts (target: 50 ms p95) and the agreements list.
        ("hour bank (manager)", manager, "/hours/"),
        ("hour bank widget (manager)", manager, "/hours/widget"),
        ("timesheet (expert, busiest)", expert, f"/hours/timesheet?week={info['week']}"),
        ("agreements (admin)", admin, f"/hours/agreements?year={year}"),
    ]
    results, cpu = [], []
    for label, client, url in pages:
        start = time.process_time()
        results.append((label, *time_page(client, url, runs, queries)[:3]))
        cpu.append((time.process_time() - start) * 1000 / (runs + 2))
    with app.app_context():
        db.engine.dispose()
    name = path.rsplit("/", 1)[-1] if isinstance(path, str) else path.name
    print_results(f"{name}: {info['entries']:,} time entries, organization {org}, {runs} runs per page, "
                  f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}", "page", results)
    print("CPU ms a request (mean, this process): " + ", ".join(
        f"{label} {ms:.1f}" for (label, *_r), ms in zip(results, cpu, strict=True)))
    return results


def run_at_scales(description: str, measure) -> None:
    """The command line of a benchmark that times pages over the ×1 and ×10 datasets:
    ``measure(path, scale, runs)`` for each scale asked for (``--only``)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--only", choices=("x1", "x10"))
    args = parser.parse_args()
    for name, scale in (("x1", 0.1), ("x10", 1.0)):
        if not args.only or args.only == name:
            measure(dataset.default_path(scale), scale, args.runs)


def main() -> None:
    parser = argparse.ArgumentParser(description="Report pages at ×1 and ×10")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--year", type=int, default=date.today().year - 1)
    parser.add_argument("--only", choices=("x1", "x10"))
    parser.add_argument("--url", help="a PostgreSQL dataset (dataset.py --url) instead of the SQLite files")
    parser.add_argument("--path", type=Path, help="another SQLite file than dataset.py's (a copy)")
    parser.add_argument("--storage", type=Path, help="the dataset's files' folder (default: dataset.py's)")
    args = parser.parse_args()
    if (args.url or args.path) and not args.only:
        parser.error("--url and --path hold one dataset: say which with --only")
    for name, scale in (("x1", 0.1), ("x10", 1.0)):
        if args.only and args.only != name:
            continue
        measure(args.url or args.path or dataset.default_path(scale), scale, args.runs, args.year, args.storage)


if __name__ == "__main__":
    main()

"""Every page a role opens, at ×1 and ×10 (issue 15 §1): p50/p95 server time, SQL statements and
rows fetched per page, as a member, a manager, an expert and an admin.

    .venv/bin/python bench/pages.py [--runs 20] [--only x1|x10] [--fields 4 20] [--markdown]
    .venv/bin/python bench/pages.py --url postgresql+psycopg://postgres@127.0.0.1:5432/bench --only x1
    .venv/bin/python bench/pages.py --only x10 --skip search      # every page but the search pages

With ``--url`` the dataset is a PostgreSQL database built by ``dataset.py --url`` (built when
empty, at the scale of ``--only``); ``--storage`` names its files' folder when it is not the one
``dataset.py`` wrote (a copy of another database: ``createdb -T``).

Uses the datasets of ``dataset.py`` (built if missing; one built before the latest migrations
is upgraded, and given its assignees and notifications once). Each page is requested through
the test client after two warm-ups, with the start-up objects frozen as in production, as
``reports.py`` does. Statements are counted with ``before_cursor_execute``; rows fetched are
the rows SQLAlchemy read from the database cursors (``CursorResult``'s fetch methods), so a
count or a sort over many rows that returns few is in the time, not in the rows.

``--fields 4 20`` measures the same pages over the dataset with the 4 plugins' fields and over
the one with the consortium's 20 (the demo's 16 stored fields too, the same requests spread over
them; ``dataset.py --fields 20``), then prints each page side by side (issue 10, performance).
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import dataset  # noqa: E402
from reports import _login  # noqa: E402

ROWS = [0]
SLOWEST = 3  # statements printed per page with --statements


def _time_statements(engine, queries: list) -> None:
    """Each statement's time in the driver (sent, run, answered), in ``queries`` as
    ``[ms, text]``: their sum against the page's time tells the database's share from Python's."""
    from sqlalchemy import event

    def before(_conn, _cursor, statement, *_args):
        queries.append([time.perf_counter(), statement])

    def after(*_args):
        queries[-1][0] = (time.perf_counter() - queries[-1][0]) * 1000

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)


def _count_rows() -> None:
    """Count the rows every ``CursorResult`` hands over, whichever way it is read."""
    from sqlalchemy.engine.cursor import CursorResult

    def counted(name):
        original = getattr(CursorResult, name)

        def fetch(self, *args, **kwargs):
            got = original(self, *args, **kwargs)
            if name == "_fetchiter_impl":
                return _iter_counted(got)
            ROWS[0] += len(got) if isinstance(got, list) else (got is not None)
            return got

        setattr(CursorResult, name, fetch)

    def _iter_counted(rows):
        for row in rows:
            ROWS[0] += 1
            yield row

    for name in ("_fetchiter_impl", "_fetchone_impl", "_fetchall_impl", "_fetchmany_impl"):
        counted(name)


def _people(target: Path | str) -> dict:
    """Who opens the pages: a member and the manager of the organization with the most
    requests, the human-resources expert with the most fields, the first admin; a reference of
    that organization's in human resources (both the member and the expert may open it), and a field and state with many requests."""
    from sqlalchemy import create_engine, text

    engine = create_engine(dataset.database_uri(target))
    with engine.begin() as conn:
        org = conn.execute(text("SELECT organization_id FROM requests GROUP BY organization_id "
                                "ORDER BY COUNT(*) DESC, organization_id LIMIT 1")).scalar()

        def of_org(role):
            return conn.execute(text("SELECT u.email FROM memberships m JOIN users u ON u.id = m.user_id "
                                     "WHERE m.organization_id = :org AND m.role = :role ORDER BY u.id LIMIT 1"),
                                {"org": org, "role": role}).first()

        expert = conn.execute(text(
            "SELECT u.email FROM expert_fields e JOIN users u ON u.id = e.user_id GROUP BY u.email "
            "HAVING MAX(CASE WHEN e.field = 'hr' THEN 1 ELSE 0 END) = 1 ORDER BY COUNT(*) DESC, u.email LIMIT 1")).scalar()
        reference = conn.execute(text("SELECT reference FROM requests WHERE organization_id = :org AND field = 'hr' "
                                      "AND confidentiality = 'standard' ORDER BY id DESC LIMIT 1"), {"org": org}).scalar()
        counts = {table: conn.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar()  # noqa: S608
                  for table in ("requests", "messages", "request_participants", "notifications", "documents")}
        long_ref = _long_timeline(conn, org, expert)
        manager = of_org("manager")[0]
        member = (of_org("member") or of_org("manager"))[0]
    engine.dispose()
    return {"member": member, "manager": manager, "expert": expert, "admin": "user1@bench.example.org",
            "reference": reference, "long_reference": long_ref, **counts}


LONG = 400  # messages on the request with a long timeline, and a history event for every fourth


def _long_timeline(conn, org: int, expert: str) -> str:
    """The reference of a request with a long history (once per dataset: its organization's
    second newest standard request in human resources gets ``LONG`` messages between the
    requester and the expert, one in ten an internal note, and ``LONG // 4`` events), for the
    request page whatever its timeline's length (issue 15 §2)."""
    from sqlalchemy import func, select

    from extranet.models import Message, RequestEvent, ServiceRequest, User

    requests = ServiceRequest.__table__.c  # through the tables, for the columns' types
    rid, reference, requester, start = conn.execute(
        select(requests.id, requests.reference, requests.requester_id, requests.created_at)
        .where(requests.organization_id == org, requests.field == "hr", requests.confidentiality == "standard")
        .order_by(requests.id.desc()).limit(1).offset(1)).one()
    if conn.execute(select(func.count()).where(Message.__table__.c.request_id == rid)).scalar() >= LONG:
        return reference
    expert_id = conn.execute(select(User.__table__.c.id).where(User.__table__.c.email == expert)).scalar()
    at = [start + timedelta(hours=n) for n in range(1, LONG + 1)]
    conn.execute(Message.__table__.insert(), [
        {"request_id": rid, "author_id": expert_id if n % 2 else requester, "body": f"Message {n} du fil",
         "internal": n % 10 == 9, "created_at": at[n]} for n in range(LONG)])
    conn.execute(RequestEvent.__table__.insert(), [
        {"request_id": rid, "actor_id": requester, "at": at[n], "kind": "contacts", "comment": "", "details": {}}
        for n in range(0, LONG, 4)])
    return reference


def _pages(info: dict, deep: int = 100) -> list[tuple[str, str, str]]:
    """Each page as (role, label, URL); ``deep`` is the number of the deep pages (a smaller
    dataset has fewer)."""
    year = date.today().year - 1
    ref = info["reference"]
    filters = "field=hr&state=closed"
    return [
        ("member", "dashboard", "/"),
        ("member", "request list p1", "/requests/"),
        ("member", "request list p10", "/requests/?page=10"),
        ("member", "request page", f"/requests/{ref}"),
        ("member", "request page, long", f"/requests/{info['long_reference']}"),
        ("member", "document space", "/documents/"),
        ("member", "resource library", "/resources/"),
        ("member", "notifications", "/notifications/"),
        ("member", "search", "/search/?q=contrat+sign%C3%A9"),
        ("manager", "dashboard", "/"),
        ("manager", "request list p1", "/requests/"),
        ("manager", "hour bank", "/hours/"),
        ("manager", "my statements", "/reports/my-statements"),
        ("expert", "dashboard", "/"),
        ("expert", "request list p1", "/requests/"),
        ("expert", "request list p10", "/requests/?page=10"),
        ("expert", f"request list p{deep}", f"/requests/?page={deep}"),
        ("expert", f"request list p{deep}, link", next_link(f"/requests/?page={deep - 1}")),
        ("expert", "my open requests", "/requests/?assignee=me&open=1"),
        ("expert", f"field+state p{deep}", f"/requests/?{filters}&page={deep}"),
        ("expert", "request page", f"/requests/{ref}"),
        ("expert", "request page, long", f"/requests/{info['long_reference']}"),
        ("expert", "notifications", "/notifications/"),
        ("expert", "my queue widget", "/widgets/my-queue"),
        ("expert", "timesheet", "/hours/timesheet"),
        ("expert", "search", "/search/?q=contrat+sign%C3%A9"),
        ("admin", "request list p1", "/requests/"),
        ("admin", "field+state p1", f"/requests/?{filters}"),
        ("admin", "field+state p10", f"/requests/?{filters}&page=10"),
        ("admin", f"field+state p{deep}", f"/requests/?{filters}&page={deep}"),
        ("admin", f"field+state p{deep}, link", next_link(f"/requests/?{filters}&page={deep - 1}")),
        ("admin", f"state p{deep}", f"/requests/?state=closed&page={deep}"),
        ("admin", "reports (a year)", f"/reports/?year={year}"),
        ("admin", "dashboard", "/"),
    ]


def next_link(url: str):
    """The page the "next" link of ``url`` leads to (a keyset page where the list has them)."""
    def follow(client) -> str:
        html = client.get(url).get_data(as_text=True)
        return html.split('rel="next"')[0].rsplit('<a href="', 1)[1].split('"')[0].replace("&amp;", "&")
    return follow


def time_page(client, url, runs: int, queries: list) -> tuple:
    """p50 and p95 in ms after two warm-ups, the statements and rows of the last run, the status,
    the p50 of this process's CPU time in ms (the app's: the database server's is not in it),
    the p50 of the statements' time in ms, and the last run's statements (``[ms, text]``); the
    status alone when the page is not a 200 for that role."""
    url = url if isinstance(url, str) else url(client)
    for _ in range(2):
        response = client.get(url)
    if response.status_code != 200:
        return None, None, None, None, response.status_code, None, None, []
    timings, cpu, sql = [], [], []
    for _ in range(runs):
        queries.clear()
        ROWS[0] = 0
        start, start_cpu = time.perf_counter(), time.process_time()
        client.get(url)
        timings.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
        sql.append(sum(ms for ms, _text in queries))
    cuts = statistics.quantiles(timings, n=20, method="inclusive")
    return (statistics.median(timings), cuts[18], len(queries), ROWS[0], 200, statistics.median(cpu),
            statistics.median(sql), list(queries))


def _missing(target: Path | str) -> bool:
    if "://" not in str(target):
        return not Path(target).exists()
    from sqlalchemy import create_engine, inspect

    engine = create_engine(target)
    try:
        return not inspect(engine).has_table("requests")
    finally:
        engine.dispose()


def measure(path: Path | str, scale: float, runs: int, match: str = "", n_fields: int = 4,
            deep: int = 100, skip: tuple[str, ...] = (), files: Path | None = None) -> tuple[dict, list]:
    from extranet.extensions import db

    if _missing(path):
        print(f"building {path} …", flush=True)
        dataset.build(path, scale, n_fields=n_fields, files=files)
    app = dataset.make_app(path, files)
    with app.app_context():  # a dataset built before the latest migrations
        from flask_migrate import upgrade

        upgrade()
        engine = db.engine
    dataset.add_assignees_and_notifications(path)
    info = _people(path)
    dataset.vacuum(path)  # after the long timeline's rows (PostgreSQL only)
    queries = []
    _time_statements(engine, queries)
    clients = {}
    for role in ("member", "manager", "expert", "admin"):
        clients[role] = app.test_client()
        _login(clients[role], info[role])
    gc.freeze()  # as the production entry point does (extranet/wsgi.py)
    results = []
    for role, label, url in _pages(info, deep):
        if match not in label or any(word in label for word in skip):
            continue
        results.append((role, label, url, *time_page(clients[role], url, runs, queries)))
    with app.app_context():
        db.engine.dispose()
    return info, results


def print_table(name: str, info: dict, results: list, markdown: bool, show_statements: bool = False) -> None:
    print(f"\n{name}: {info['requests']:,} requests, {info['messages']:,} messages, "
          f"{info['request_participants']:,} participants, {info['notifications']:,} notifications")
    if markdown:
        print("\n| role | page | p50 ms | p95 ms | CPU p50 ms | SQL p50 ms | statements | rows |\n"
              "|---|---|---|---|---|---|---|---|")
    else:
        print(f"{'':8} {'':22} {'p50':>8} {'p95':>8} {'CPU':>8} {'SQL':>8} {'stmts':>5} {'rows':>7}")
    for role, label, _url, p50, p95, statements, rows, status, cpu, sql, texts in results:
        if status != 200:
            line = (f"| {role} | {label} | status {status} | | | | | |" if markdown
                    else f"{role:8} {label:22} status {status}")
        elif markdown:
            line = f"| {role} | {label} | {p50:.1f} | {p95:.1f} | {cpu:.1f} | {sql:.1f} | {statements} | {rows} |"
        else:
            line = f"{role:8} {label:22} {p50:8.1f} {p95:8.1f} {cpu:8.1f} {sql:8.1f} {statements:5d} {rows:7d}"
        print(line)
        if show_statements and status == 200:
            for ms, text in sorted(texts, key=lambda q: -q[0])[:SLOWEST]:
                print(f"    {ms:7.1f} ms  {' '.join(text.split())[:300]}")


def print_comparison(name: str, by_fields: dict, markdown: bool) -> None:
    """Each page with 4 fields and with 20: p50, p95 and statements side by side."""
    four, twenty = by_fields[4], by_fields[20]
    print(f"\n{name}: 4 fields against 20 (p50 ms, p95 ms, statements)")
    if markdown:
        print("\n| role | page | p50 4 | p50 20 | p95 4 | p95 20 | statements 4 | statements 20 |\n"
              "|---|---|---|---|---|---|---|---|")
    for (role, label, _u, p50, p95, st, _r, status, *_more), other in zip(four, twenty, strict=True):
        _, _, _, p50b, p95b, stb, _rb, statusb, *_other = other
        if status != 200 or statusb != 200:
            print(f"{role:8} {label:22} status {status} / {statusb}")
        elif markdown:
            print(f"| {role} | {label} | {p50:.1f} | {p50b:.1f} | {p95:.1f} | {p95b:.1f} | {st} | {stb} |")
        else:
            print(f"{role:8} {label:22} {p50:8.1f} {p50b:8.1f} {p95:8.1f} {p95b:8.1f} {st:5d} {stb:5d}")


def main() -> None:
    parser = argparse.ArgumentParser(description="Every page a role opens, at ×1 and ×10")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--only", choices=("x1", "x10"))
    parser.add_argument("--markdown", action="store_true")
    parser.add_argument("--match", default="", help="only the pages whose label contains this")
    parser.add_argument("--skip", action="append", default=[],
                        help="leave out the pages whose label contains this (repeatable)")
    parser.add_argument("--statements", action="store_true",
                        help="print each page's slowest statements of its last run")
    parser.add_argument("--storage", type=Path, help="the dataset's files' folder (default: dataset.py's)")
    parser.add_argument("--fields", type=int, nargs="+", choices=(4, 20), default=[4],
                        help="the dataset's fields: the 4 plugins', the consortium's 20, or both side by side")
    parser.add_argument("--url", help="a PostgreSQL dataset (dataset.py --url) instead of the SQLite files")
    args = parser.parse_args()
    if args.url and not args.only:
        parser.error("--url holds one dataset: say which with --only")
    _count_rows()
    print(f"{platform.node()}: {platform.processor() or platform.machine()}, Python {platform.python_version()}, "
          f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {args.runs} runs per page, "
          f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for name, scale in (("x1", 0.1), ("x10", 1.0)):
        if args.only and args.only != name:
            continue
        by_fields = {}
        for n_fields in args.fields:
            path = args.url or dataset.default_path(scale, n_fields)
            info, by_fields[n_fields] = measure(path, scale, args.runs, args.match, n_fields,
                                                 skip=tuple(args.skip), files=args.storage)
            title = f"PostgreSQL {args.url.rsplit('/', 1)[-1]} ({name})" if args.url else path.name
            print_table(f"{title} ({n_fields} fields)", info, by_fields[n_fields], args.markdown, args.statements)
            print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}, "
                  f"{datetime.now(UTC):%H:%M} UTC")
        if len(by_fields) == 2:
            print_comparison(name, by_fields, args.markdown)


if __name__ == "__main__":
    main()

"""Build the "×10" dataset of DESIGN §13 (or a fraction of it) into a SQLite file, for the
report benchmarks (bench/reports.py).

    .venv/bin/python bench/dataset.py                 # ×10: instance/bench-x10.db
    .venv/bin/python bench/dataset.py --scale 0.1     # ×1:  instance/bench-x1.db
    .venv/bin/python bench/dataset.py --fields 20     # the consortium's 20: instance/bench-x10-f20.db

×10 is 600 organizations (60 federations), 3,000 users (500 experts), the 4 built-in fields
(or ``--fields 20``: those and the demo's 16 stored fields, created as the demo creates them),
200,000 requests and 750,000 time entries over 10 years, with agreements for every
organization, field and year and satisfaction ratings on half of the closed requests.
Three requests in four have an expert of their field assigned, and each requester a
notification per request (``add_assignees_and_notifications``, for bench/pages.py).
Requests take their titles and descriptions from the demo's catalogue (numbered, so that each
is distinct) and get three messages each (600,000 at ×10), for the search benchmark
(bench/search.py); the search index is rebuilt at the end. Documents are left out.

The schema comes from the migrations; rows go in with Core bulk inserts (executemany), in
batches, in one transaction per table.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FULL = {"organizations": 600, "federations": 60, "users": 3000, "experts": 500,
        "requests": 200_000, "entries": 750_000}
MESSAGES_PER_REQUEST = 3
# What members and experts write to each other, for the messages' bodies.
PHRASES = (
    "Voici le contrat signé et l'avis de cotisation reçu hier.",
    "Pouvez-vous revoir la politique avant la réunion du conseil d'administration?",
    "Nous avons joint le bail du local et la facture du fournisseur.",
    "La CNESST nous demande le formulaire d'avis de l'employeur.",
    "Thanks, the payroll report and the budget are attached.",
    "Le rapport annuel sera présenté à l'assemblée générale en juin.",
    "Merci, l'embauche de la coordonnatrice est confirmée pour le printemps.",
    "The lease renewal and the insurance certificate are in the shared folder.",
)
YEARS = 10
BATCH = 50_000
PASSWORD = "bench password"
KINDS = ("cooperative", "mutual", "association", "nonprofit")


def default_path(scale: float, fields: int = 4) -> Path:
    name = "bench-x10" if scale >= 1 else f"bench-x{round(scale * 10):g}"
    return ROOT / "instance" / f"{name}{'' if fields == 4 else f'-f{fields}'}.db"


def database_uri(target: Path | str) -> str:
    """A dataset is a SQLite file (a path) or a PostgreSQL database (its URL, ``--url``)."""
    return target if isinstance(target, str) else f"sqlite:///{target}"


def make_app(path: Path | str):
    from extranet import create_app

    mail = Path(path).parent if not isinstance(path, str) else ROOT / "instance"
    return create_app({
        "SQLALCHEMY_DATABASE_URI": database_uri(path),
        "SECRET_KEY": "bench",
        "TESTING": True,
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "RATELIMIT_ENABLED": False,
        "RATELIMIT_STORAGE_URI": "memory://",
        "MAIL_URL": f"file://{mail / 'bench-mail'}",
    })


def _insert(conn, table, rows) -> None:
    for start in range(0, len(rows), BATCH):
        conn.execute(table.insert(), rows[start:start + BATCH])


def build(path: Path | str, scale: float = 1.0, seed: int = 2026, n_fields: int = 4) -> dict:
    """Create ``path`` (a SQLite file, or an empty PostgreSQL database's URL) from scratch and
    fill it; returns ids the benchmark uses. With ``n_fields`` 20, the demo's 16 stored fields
    join the 4 plugins' and the same requests, time and agreements spread over the 20 (each
    expert still serves two fields)."""
    from flask_migrate import upgrade
    from sqlalchemy import text
    from werkzeug.security import generate_password_hash

    from extranet.demo.fields import load_demo_fields
    from extranet.demo.titles import CATALOG
    from extranet.extensions import db
    from extranet.hours.rollup import rebuild_hours_monthly
    from extranet.models import (
        Agreement,
        ExpertField,
        Membership,
        Message,
        Organization,
        Satisfaction,
        ServiceRequest,
        Subscription,
        TimeEntry,
        User,
    )
    from extranet.plugins import host
    from extranet.search.index import reindex

    counts = {k: max(1, int(v * scale)) for k, v in FULL.items()}
    rng = random.Random(seed)
    postgres = isinstance(path, str)
    if not postgres:
        path.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    app = make_app(path)
    started = time.perf_counter()
    with app.app_context():
        upgrade(revision="heads")
        if n_fields > 4:
            load_demo_fields(set(host().fields))
            db.session.commit()
            host().refresh_stored()
        fields = sorted(host().fields.values(), key=lambda f: f.order)[:n_fields]
        assert len(fields) == n_fields, f"{len(fields)} fields, not {n_fields}"
        n = len(fields)
        types = {f.slug: [t.slug for t in host().types_of(f.slug)] for f in fields}
        slugs = [f.slug for f in fields]
        today = date.today()
        first_year = today.year - YEARS + 1
        first_day = date(first_year, 1, 1)
        span = (today - first_day).days
        now = datetime.now(UTC)
        password = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")

        with db.engine.begin() as conn:
            if not postgres:
                conn.execute(text("PRAGMA synchronous=OFF"))
            n_fed, n_org = counts["federations"], counts["organizations"]
            orgs = []
            for i in range(1, n_org + 1):
                federation = i <= n_fed
                orgs.append({
                    "id": i, "name": f"{'Fédération' if federation else 'Organisation'} {i:04d}",
                    "kind": "federation" if federation else KINDS[i % 4],
                    "parent_id": None if federation else (i % n_fed) + 1,
                    "active": True, "share_with_federation": i % 3 == 0, "locale": "fr_CA",
                    "created_at": now,
                })
            _insert(conn, Organization.__table__, orgs)
            member_orgs = list(range(n_fed + 1, n_org + 1))
            _insert(conn, Subscription.__table__, [
                {"organization_id": o, "field": s, "active": True} for o in range(1, n_org + 1) for s in slugs
            ])
            users, memberships, expert_fields = [], [], []
            n_experts = counts["experts"]
            for i in range(1, counts["users"] + 1):
                is_expert = 2 <= i <= n_experts + 1
                users.append({
                    "id": i, "email": f"user{i}@bench.example.org", "name": f"Personne {i:05d}",
                    "password_hash": password, "locale": "fr_CA", "is_admin": i == 1, "is_expert": is_expert,
                    "active": True, "created_at": now,
                })
                if is_expert:
                    expert_fields += [{"user_id": i, "field": s} for s in {slugs[i % n], slugs[(i * 7) % n]}]
                elif i > 1:
                    org = member_orgs[(i - n_experts - 2) % len(member_orgs)]
                    first = i - n_experts - 2 < len(member_orgs)
                    memberships.append({"user_id": i, "organization_id": org, "role": "manager" if first else "member",
                                        "active": True, "created_at": now})
            _insert(conn, User.__table__, users)
            _insert(conn, Membership.__table__, memberships)
            _insert(conn, ExpertField.__table__, expert_fields)
            experts_of = {s: [e["user_id"] for e in expert_fields if e["field"] == s] for s in slugs}
            print(f"  organizations, users: {time.perf_counter() - started:.1f}s", flush=True)

            agreements = []
            for org in member_orgs:
                for s in slugs:
                    for year in range(first_year - 1, today.year + 1):
                        rate = rng.choice((8500, 9000, 9500, 10000, 11000))
                        agreements.append({
                            "organization_id": org, "field": s, "year": year,
                            "minutes_allotted": rng.randrange(10, 60) * 60, "hourly_rate_cents": rate,
                            "overage_rate_cents": rate * 6 // 5,
                            "carry_over": "unused" if rng.random() < 0.25 else "none", "created_at": now,
                        })
            _insert(conn, Agreement.__table__, agreements)

            requests, created_days = [], []
            sequence = {}
            wording = {slug: [(title, description) for (field, _type), (description, titles) in CATALOG.items()
                              if field == slug for title, _data in titles] or [("Demande", "")] for slug in slugs}
            for i in range(1, counts["requests"] + 1):
                org = rng.choice(member_orgs) if rng.random() < 0.97 else rng.randrange(1, n_fed + 1)
                s = slugs[i % n]
                day = first_day + timedelta(days=rng.randrange(span + 1))
                created = datetime(day.year, day.month, day.day, rng.randrange(8, 18), tzinfo=UTC)
                age = (today - day).days
                state = "closed" if age > 90 or rng.random() < 0.3 else rng.choice(("submitted", "in_progress", "delivered"))
                changed = min(created + timedelta(days=rng.randrange(1, 90)), now)
                prefix = fields[i % n].reference_prefix
                sequence[(prefix, day.year)] = sequence.get((prefix, day.year), 0) + 1
                requests.append({
                    "id": i, "reference": f"{prefix}-{day.year}-{sequence[(prefix, day.year)]:05d}",
                    "organization_id": org, "field": s, "type": types[s][i % len(types[s])],
                    "title": f"{wording[s][i % len(wording[s])][0]} ({i})",
                    "description": wording[s][i % len(wording[s])][1], "data": {}, "state": state,
                    "confidentiality": "standard", "priority": "normal", "requester_id": 1,
                    "created_at": created, "updated_at": changed, "state_changed_at": changed, "version": 1,
                })
                created_days.append(day)
            _insert(conn, ServiceRequest.__table__, requests)
            print(f"  requests: {time.perf_counter() - started:.1f}s", flush=True)
            messages = []
            for request in requests:
                for n in range(MESSAGES_PER_REQUEST):
                    messages.append({"request_id": request["id"], "author_id": 1, "internal": n == 2,
                                     "body": f"{rng.choice(PHRASES)} {rng.choice(PHRASES)}",
                                     "created_at": request["created_at"] + timedelta(days=n)})
                if len(messages) >= BATCH:
                    _insert(conn, Message.__table__, messages)
                    messages = []
            _insert(conn, Message.__table__, messages)
            print(f"  messages: {time.perf_counter() - started:.1f}s", flush=True)

            ratings = [{"request_id": r["id"], "rating": rng.choice((3, 4, 4, 5, 5)), "comment": "", "created_at": now}
                       for r in requests if r["state"] == "closed" and r["id"] % 2 == 0]
            _insert(conn, Satisfaction.__table__, ratings)

            entries = []
            n_requests = len(requests)
            for _ in range(counts["entries"]):
                index = rng.randrange(n_requests)
                request = requests[index]
                day = min(created_days[index] + timedelta(days=rng.randrange(60)), today)
                entries.append({
                    "request_id": request["id"], "expert_id": rng.choice(experts_of[request["field"]]),
                    "date": day, "minutes": rng.randrange(1, 17) * 15, "activity": "analysis",
                    "billable": rng.random() < 0.9, "note": "", "created_at": now, "updated_at": now,
                })
                if len(entries) >= BATCH:
                    _insert(conn, TimeEntry.__table__, entries)
                    entries = []
            _insert(conn, TimeEntry.__table__, entries)
            print(f"  time entries: {time.perf_counter() - started:.1f}s", flush=True)
            rebuild_hours_monthly(conn)  # Core inserts bypass the ORM hooks that keep it
            print(f"  monthly roll-up: {time.perf_counter() - started:.1f}s", flush=True)
            reindex(conn)  # the search index too
            print(f"  search index: {time.perf_counter() - started:.1f}s", flush=True)
        with db.engine.begin() as conn:
            conn.execute(text("ANALYZE"))
        busiest = db.session.execute(text(
            "SELECT r.organization_id FROM time_entries t JOIN requests r ON r.id = t.request_id "
            "GROUP BY r.organization_id ORDER BY COUNT(*) DESC LIMIT 1"
        )).scalar()
        manager = db.session.execute(text(
            "SELECT u.email FROM memberships m JOIN users u ON u.id = m.user_id "
            "WHERE m.organization_id = :org AND m.role = 'manager'"), {"org": busiest}).scalar()
        db.engine.dispose()
    add_assignees_and_notifications(path)
    info = {"path": str(path), "scale": scale, "seconds": round(time.perf_counter() - started, 1),
            "organization_id": busiest, "manager_email": manager, "admin_email": "user1@bench.example.org",
            **counts}
    return info


def add_assignees_and_notifications(path: Path | str) -> None:
    """What the pages of ``bench/pages.py`` read besides the reports' rows (once per dataset):
    an expert of its field assigned to three requests in four (chosen by the request's id), and
    a notification to each request's requester that the assignee wrote (the newest third
    unread). A request's messages are those of the search benchmark, built above."""
    from sqlalchemy import create_engine, text

    engine = create_engine(database_uri(path))
    with engine.begin() as conn:
        if conn.execute(text("SELECT 1 FROM notifications LIMIT 1")).first():
            return
        experts = {}
        for user_id, field in conn.execute(text("SELECT user_id, field FROM expert_fields ORDER BY user_id")):
            experts.setdefault(field, []).append(user_id)
        rows = conn.execute(text("SELECT id, field, requester_id, created_at FROM requests ORDER BY id")).all()
        assigned = [{"r": rid, "u": experts[field][rid % len(experts[field])]}
                    for rid, field, _, _ in rows if rid % 4 and experts.get(field)]
        conn.execute(text("INSERT INTO request_participants (request_id, user_id, role) VALUES (:r, :u, 'assignee')"),
                     assigned)
        actor = {a["r"]: a["u"] for a in assigned}
        unread_from = rows[len(rows) * 2 // 3][0] if rows else 0
        conn.execute(text(
            "INSERT INTO notifications (user_id, kind, request_id, actor_id, params, created_at, read_at) "
            "VALUES (:u, 'message_new', :r, :a, '{}', :c, :read)"),
            [{"u": requester, "r": rid, "a": actor.get(rid), "c": created, "read": None if rid >= unread_from else created}
             for rid, _, requester, created in rows])
        conn.execute(text("ANALYZE request_participants"))
        conn.execute(text("ANALYZE notifications"))
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1 = the ×10 dataset, 0.1 = ×1")
    parser.add_argument("--fields", type=int, choices=(4, 20), default=4,
                        help="the 4 plugins' fields, or those and the demo's 16 stored fields")
    parser.add_argument("--out", type=Path)
    parser.add_argument("--url", help="an empty PostgreSQL database instead of a SQLite file")
    args = parser.parse_args()
    info = build(args.url or args.out or default_path(args.scale, args.fields), args.scale, n_fields=args.fields)
    print(info)


if __name__ == "__main__":
    main()

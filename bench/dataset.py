"""Build the "×10" dataset of DESIGN §13 (or a fraction of it) into a SQLite file or a
PostgreSQL database, for the benchmarks (bench/reports.py, bench/pages.py, bench/load.py).

    .venv/bin/python bench/dataset.py                 # ×10: instance/bench-x10.db
    .venv/bin/python bench/dataset.py --scale 0.1     # ×1:  instance/bench-x1.db
    .venv/bin/python bench/dataset.py --fields 20     # the consortium's 20: instance/bench-x10-f20.db
    .venv/bin/python bench/dataset.py --scale 0.1 --url postgresql+psycopg://postgres@127.0.0.1:5432/bench

×10 is 600 organizations (60 federations), 3,000 users (500 experts), the 4 built-in fields
(or ``--fields 20``: those and the demo's 16 stored fields, created as the demo creates them),
200,000 requests and 750,000 time entries over 10 years, with agreements for every
organization, field and year and satisfaction ratings on half of the closed requests.
Three requests in four have an expert of their field assigned, and each requester a
notification per request (``add_assignees_and_notifications``, for bench/pages.py).
Requests take their titles and descriptions from the demo's catalogue (numbered, so that each
is distinct) and get three messages each (600,000 at ×10), for the search benchmark
(bench/search.py); each request has its history (created, then the transitions that brought
it to its state: about 900,000 events at ×10) and its requester is a member of its
organization. 100,000 documents at ×10 (half in folders of their organization's space, half
on a request) and 400 published resources each have one small real text file, written once
into the dataset's local storage (``<dataset>-files/``, beside the SQLite file or under
instance/ for PostgreSQL), with the text the worker would have read from it, so that search
finds the words of the files. The search index is rebuilt at the end.

The schema comes from the migrations (a PostgreSQL database is emptied first); rows go in with
Core bulk inserts (executemany), in batches, in one transaction; on PostgreSQL the id
sequences are then moved past the inserted ids, so that the app can add rows.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import re
import shutil
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FULL = {"organizations": 600, "federations": 60, "users": 3000, "experts": 500,
        "requests": 200_000, "entries": 750_000, "documents": 100_000, "resources": 400}
FOLDERS = ("Contrats", "Procès-verbaux", "Ressources humaines")
# The standard workflow's way to each state the dataset uses, after "created".
PATHS = {"submitted": (), "in_progress": (("accept", "submitted", "accepted"), ("start", "accepted", "in_progress")),
         "delivered": (("accept", "submitted", "accepted"), ("start", "accepted", "in_progress"),
                       ("deliver", "in_progress", "delivered"))}
PATHS["closed"] = (*PATHS["delivered"], ("close", "delivered", "closed"))
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
# In every file and nowhere else: search finds a document by its file's words.
FILE_LINE = "Quittance et pièces justificatives."
DOCUMENT_TITLES = ("Contrat de travail", "Procès-verbal du conseil", "Politique de télétravail", "Avis de cotisation",
                   "Bail du local", "Facture du fournisseur", "Budget annuel", "Rapport annuel",
                   "Payroll report", "Insurance certificate")


def default_path(scale: float, fields: int = 4) -> Path:
    name = "bench-x10" if scale >= 1 else f"bench-x{round(scale * 10):g}"
    return ROOT / "instance" / f"{name}{'' if fields == 4 else f'-f{fields}'}.db"


def database_uri(target: Path | str) -> str:
    """A dataset is a SQLite file (a path) or a database URL."""
    return target if isinstance(target, str) and "://" in target else f"sqlite:///{target}"


def schema_of(url: str) -> str:
    """The PostgreSQL schema a URL's ``search_path`` option names (``public`` without one)."""
    found = re.search(r"search_path(?:%3D|=)(\w+)", url)
    return found.group(1) if found else "public"


def storage_dir(target: Path | str) -> Path:
    """Where the dataset's files are: beside a SQLite file, under instance/ for a database URL
    (one folder per database and schema)."""
    if isinstance(target, str) and "://" in target:
        name = target.rsplit("/", 1)[-1].split("?")[0]
        schema = schema_of(target)
        return ROOT / "instance" / f"bench-{name}{'' if schema == 'public' else '-' + schema}-files"
    return Path(target).with_name(Path(target).stem + "-files")


def make_app(path: Path | str, files: Path | None = None):
    from extranet import create_app

    return create_app({
        "SQLALCHEMY_DATABASE_URI": database_uri(path),
        "STORAGE_URL": f"file://{files or storage_dir(path)}",
        "SECRET_KEY": "bench",
        "TESTING": True,
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "RATELIMIT_ENABLED": False,
        "RATELIMIT_STORAGE_URI": "memory://",
        "MAIL_URL": f"file://{ROOT / 'instance' / 'bench-mail'}",
    })


def _insert(conn, table, rows) -> None:
    for start in range(0, len(rows), BATCH):
        conn.execute(table.insert(), rows[start:start + BATCH])


def _text_file(root: Path, rng: random.Random, title: str, made: set) -> tuple[str, bytes]:
    """A small real text file under a fresh key in the local storage's layout (``ab/cd/key``)."""
    lines = [title, "", FILE_LINE, *(rng.choice(PHRASES) for _ in range(rng.randrange(3, 12)))]
    content = ("\n".join(lines) + "\n").encode()
    key = f"{rng.getrandbits(128):032x}"
    directory = root / key[:2] / key[2:4]
    if directory not in made:
        directory.mkdir(parents=True, exist_ok=True)
        made.add(directory)
    (directory / key).write_bytes(content)
    return key, content


def _move_sequences(conn) -> None:
    """PostgreSQL: the rows went in with their ids, so each id sequence must start after them."""
    from sqlalchemy import Integer, text

    from extranet.extensions import db

    for table in db.metadata.sorted_tables:
        key = list(table.primary_key.columns)
        if len(key) == 1 and key[0].name == "id" and isinstance(key[0].type, Integer):
            conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "  # noqa: S608
                              f"COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"))


def build(target: Path | str, scale: float = 1.0, seed: int = 2026, files: Path | None = None,
          n_fields: int = 4) -> dict:
    """Create ``target`` (a SQLite file, or a database URL) from scratch and fill it, its files
    in ``files`` (default: ``storage_dir(target)``); returns ids the benchmark uses. With
    ``n_fields`` 20, the demo's 16 stored fields join the 4 plugins' and the same requests, time
    and agreements spread over the 20 (each expert still serves two fields)."""
    from flask_migrate import upgrade
    from sqlalchemy import text
    from werkzeug.security import generate_password_hash

    from extranet.demo.fields import load_demo_fields
    from extranet.demo.titles import CATALOG
    from extranet.extensions import db
    from extranet.files.models import FileText
    from extranet.hours.rollup import rebuild_hours_monthly
    from extranet.models import (
        Agreement,
        Document,
        ExpertField,
        FileVersion,
        Folder,
        Membership,
        Message,
        Organization,
        ReferenceCounter,
        RequestEvent,
        Resource,
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
    sqlite = database_uri(target).startswith("sqlite")
    if sqlite:
        path = Path(target)
        path.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    files = files or storage_dir(target)
    shutil.rmtree(files, ignore_errors=True)
    files.mkdir(parents=True)
    app = make_app(target, files)
    started = time.perf_counter()
    with app.app_context():
        if not sqlite:
            with db.engine.begin() as conn:  # the URL's schema (public, or its search_path's)
                schema = schema_of(str(target))
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
                conn.execute(text(f'CREATE SCHEMA "{schema}"'))
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
            if sqlite:
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
            members_of = {}
            for m in memberships:
                members_of.setdefault(m["organization_id"], []).append(m["user_id"])
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
                    "id": i, "reference": f"{prefix}-{day.year}-{sequence[(prefix, day.year)]:04d}",
                    "organization_id": org, "field": s, "type": types[s][i % len(types[s])],
                    "title": f"{wording[s][i % len(wording[s])][0]} ({i})",
                    "description": wording[s][i % len(wording[s])][1], "data": {}, "state": state,
                    "confidentiality": "standard", "priority": "normal",
                    "requester_id": rng.choice(members_of.get(org) or [1]),
                    "created_at": created, "updated_at": changed, "state_changed_at": changed, "version": 1,
                })
                created_days.append(day)
            _insert(conn, ServiceRequest.__table__, requests)
            _insert(conn, ReferenceCounter.__table__, [{"prefix": prefix, "year": year, "value": value}
                                                       for (prefix, year), value in sequence.items()])
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
            events = []
            for request in requests:
                at = request["created_at"]
                events.append({"request_id": request["id"], "actor_id": request["requester_id"], "at": at,
                               "kind": "created", "to_state": "submitted", "comment": "", "details": {}})
                for n, (transition, before, after) in enumerate(PATHS[request["state"]], 1):
                    events.append({"request_id": request["id"], "actor_id": 1, "kind": "transition",
                                   "at": min(at + timedelta(days=n), request["state_changed_at"]),
                                   "transition": transition, "from_state": before, "to_state": after,
                                   "comment": "", "details": {}})
                if len(events) >= BATCH:
                    _insert(conn, RequestEvent.__table__, events)
                    events = []
            _insert(conn, RequestEvent.__table__, events)
            print(f"  history events: {time.perf_counter() - started:.1f}s", flush=True)

            ratings = [{"request_id": r["id"], "rating": rng.choice((3, 4, 4, 5, 5)), "comment": "", "created_at": now}
                       for r in requests if r["state"] == "closed" and r["id"] % 2 == 0]
            _insert(conn, Satisfaction.__table__, ratings)

            # Documents: the even ones on a request (of its organization and field), the odd
            # ones in their organization's space, two in three of those in a folder.
            folders, docs, versions, texts, made = {}, [], [], [], set()
            n_docs = counts["documents"]
            for i in range(1, n_docs + counts["resources"] + 1):
                title = f"{DOCUMENT_TITLES[i % len(DOCUMENT_TITLES)]} {i}"
                folder_id = request_id = None
                if i > n_docs:  # a resource's document: no organization
                    org, s, author = None, slugs[i % n], rng.choice(experts_of[slugs[i % n]])
                elif i % 2 == 0:
                    request = requests[rng.randrange(len(requests))]
                    org, s, request_id, author = (request["organization_id"], request["field"], request["id"],
                                                  request["requester_id"])
                else:
                    org, s = rng.choice(member_orgs), slugs[i % n]
                    author = rng.choice(members_of.get(org) or [1])
                    if i % 3:
                        name = FOLDERS[i % len(FOLDERS)]
                        folder_id = folders.setdefault((org, s, name), len(folders) + 1)
                key, content = _text_file(files, rng, title, made)
                day = first_day + timedelta(days=rng.randrange(span + 1))
                created = datetime(day.year, day.month, day.day, rng.randrange(8, 18), tzinfo=UTC)
                docs.append({"id": i, "organization_id": org, "field": s, "folder_id": folder_id,
                             "request_id": request_id, "title": title, "visibility": "internal" if i % 10 == 1 else "org",
                             "category": None, "created_at": created, "created_by_id": author, "updated_at": created})
                versions.append({"id": i, "kind": "document", "document_id": i, "number": 1, "storage_key": key,
                                 "filename": f"document-{i:06d}.txt", "size": len(content),
                                 "sha256": hashlib.sha256(content).hexdigest(), "mime": "text/plain",
                                 "scan_status": "not_scanned", "scan_attempts": 0, "scan_detail": "",
                                 "uploader_id": author, "created_at": created})
                texts.append({"file_version_id": i, "status": "read", "text": content.decode(), "claimed_at": now})
            _insert(conn, Folder.__table__, [
                {"id": fid, "organization_id": org, "field": s, "parent_id": None, "name": name, "created_at": now}
                for (org, s, name), fid in folders.items()])
            _insert(conn, Document.__table__, docs)
            _insert(conn, FileVersion.__table__, versions)
            _insert(conn, FileText.__table__, texts)
            _insert(conn, Resource.__table__, [
                {"id": doc["id"] - n_docs, "field": doc["field"], "title": doc["title"],
                 "summary": rng.choice(PHRASES), "language": "fr", "category": "guide", "audience": "members",
                 "published": doc["id"] % 10 != 0, "published_at": doc["created_at"] if doc["id"] % 10 else None,
                 "document_id": doc["id"], "created_by_id": doc["created_by_id"]}
                for doc in docs[n_docs:]])
            del docs, versions, texts
            print(f"  documents, resources and their files: {time.perf_counter() - started:.1f}s", flush=True)

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
            if not sqlite:
                _move_sequences(conn)
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
    add_assignees_and_notifications(target)
    vacuum(target)
    info = {"path": str(target), "scale": scale, "seconds": round(time.perf_counter() - started, 1),
            "organization_id": busiest, "manager_email": manager, "admin_email": "user1@bench.example.org",
            **counts}
    return info


def add_assignees_and_notifications(target: Path | str) -> None:
    """What the pages of ``bench/pages.py`` read besides the reports' rows (once per dataset):
    an expert of its field assigned to three requests in four (chosen by the request's id), and
    a notification to each request's requester that the assignee wrote (the newest third
    unread). A request's messages are those of the search benchmark, built above."""
    from sqlalchemy import create_engine, select, text

    from extranet.models import Notification, RequestParticipant, ServiceRequest

    engine = create_engine(database_uri(target))
    with engine.begin() as conn:
        if conn.execute(text("SELECT 1 FROM notifications LIMIT 1")).first():
            engine.dispose()
            return
        experts = {}
        for user_id, field in conn.execute(text("SELECT user_id, field FROM expert_fields ORDER BY user_id")):
            experts.setdefault(field, []).append(user_id)
        requests = ServiceRequest.__table__.c  # through the table, for created_at's column type
        rows = conn.execute(select(requests.id, requests.field, requests.requester_id, requests.created_at)
                            .order_by(requests.id)).all()
        assigned = [(rid, experts[field][rid % len(experts[field])])
                    for rid, field, _, _ in rows if rid % 4 and experts.get(field)]
        _insert(conn, RequestParticipant.__table__,
                [{"request_id": rid, "user_id": uid, "role": "assignee"} for rid, uid in assigned])
        actor = dict(assigned)
        unread_from = rows[len(rows) * 2 // 3][0] if rows else 0
        _insert(conn, Notification.__table__, [
            {"user_id": requester, "kind": "message_new", "request_id": rid, "actor_id": actor.get(rid),
             "params": {}, "created_at": created, "read_at": None if rid >= unread_from else created}
            for rid, _, requester, created in rows])
        conn.execute(text("ANALYZE request_participants"))
        conn.execute(text("ANALYZE notifications"))
    engine.dispose()


def vacuum(target: Path | str) -> None:
    """On PostgreSQL, what autovacuum does to a loaded database in production: ``VACUUM
    (ANALYZE)``, which sets the visibility map, so that a covering index is read without its
    table (index-only scans), and refreshes the statistics. This machine's server runs with
    autovacuum off, so a dataset bulk-loaded here was never vacuumed: every "covering" index
    was read with its table (the reports' roll-up, the time entries). Quick once done."""
    from sqlalchemy import create_engine, text

    if not str(target).startswith("postgresql"):
        return
    engine = create_engine(target, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("VACUUM (ANALYZE)"))
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1 = the ×10 dataset, 0.1 = ×1")
    parser.add_argument("--fields", type=int, choices=(4, 20), default=4,
                        help="the 4 plugins' fields, or those and the demo's 16 stored fields")
    parser.add_argument("--out", type=Path)
    parser.add_argument("--url", help="a PostgreSQL database to fill instead of a SQLite file (emptied first)")
    args = parser.parse_args()
    info = build(args.url or args.out or default_path(args.scale, args.fields), args.scale, n_fields=args.fields)
    print(info)


if __name__ == "__main__":
    main()

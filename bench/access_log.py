"""The cost of the access log on the request page (issue 14 §3): SQL statements and server time
of an expert's first view of a request (its read is written) and of a reload (nothing written).

    .venv/bin/python bench/access_log.py [--runs 40] [--database-url postgresql+psycopg://…]

A temporary instance (SQLite by default, or an empty PostgreSQL database given by URL, whose
tables are dropped first), the sample field plugin, two organizations, an expert and a member who
files ``--runs`` requests of three messages each. The expert opens each request once, then
again: through the Flask test client (routing, policy, queries, templates, the access log's
write at the end), after two warm-up requests. Statements are counted with a SQLAlchemy
``before_cursor_execute`` event. The script uses nothing of the access log itself, so that it
measures the code before it too (run it from a checkout of the previous commit).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def _p95(values: list[float]) -> float:
    return values[max(0, round(0.95 * len(values)) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--database-url")
    args = parser.parse_args()

    from sqlalchemy import event, text

    from extranet import create_app
    from extranet.extensions import db
    from extranet.testing import PASSWORD, create_person, csrf_token
    from tests.sample_plugin import SamplePlugin

    folder = Path(tempfile.mkdtemp(prefix="bench-access-"))
    url = args.database_url or f"sqlite:///{folder / 'bench.db'}"
    app = create_app({
        "TESTING": False, "SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url,
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000", "MAIL_URL": f"file://{folder / 'mail'}",
        "STORAGE_URL": f"file://{folder / 'files'}", "RATELIMIT_STORAGE_URI": "memory://",
        "WTF_CSRF_ENABLED": True,
    }, plugins=(SamplePlugin(),))
    from flask_migrate import upgrade

    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        upgrade(revision="heads")
        from extranet.accounts.models import ExpertField
        from extranet.organizations.models import Membership, Organization, Subscription

        org = Organization(name="Coopérative A", kind="cooperative", subscriptions=[Subscription(field="sample")])
        db.session.add(org)
        db.session.flush()
        expert = create_person("expert@bench.org", "Émile Expert", is_expert=True)
        db.session.add(ExpertField(user_id=expert.id, field="sample"))
        member = create_person("member@bench.org", "Marie Tremblay")
        db.session.add(Membership(user_id=member.id, organization_id=org.id, role="member"))
        db.session.commit()

    def login(email):
        client = app.test_client()
        client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
        response = client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": csrf_token(client)})
        assert response.status_code == 303
        return client

    member_client = login("member@bench.org")
    references = []
    for n in range(args.runs + 2):
        token = csrf_token(member_client, "/requests/")
        response = member_client.post("/requests/new/sample/question", data={
            "title": f"Question {n}", "description": "Détails", "topic": "general", "priority": "normal",
            "csrf_token": token})
        reference = response.location.rstrip("/").split("/")[-1]
        for m in range(3):
            member_client.post(f"/requests/{reference}/messages", data={"body": f"Message {m}", "csrf_token": token})
        references.append(reference)

    expert_client = login("expert@bench.org")
    with app.app_context():
        engine = db.engine
    seen: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda _c, _cur, statement, *_a: seen.append(statement))

    def measure(reference):
        """Time to the answer (what the person waits for), then the answer is closed as a WSGI
        server closes it once sent (when the access log writes): statements and time of both."""
        seen.clear()
        start = time.perf_counter()
        response = expert_client.get(f"/requests/{reference}")
        answered = (time.perf_counter() - start) * 1000
        assert response.status_code == 200
        response.close()
        closed = (time.perf_counter() - start) * 1000
        writes = sum(1 for s in seen if s.lstrip().upper().startswith("INSERT"))
        return answered, len(seen), writes, closed

    for reference in references[:2]:  # warm-up
        measure(reference)
        measure(reference)
    first, again = [], []
    for reference in references[2:]:
        first.append(measure(reference))
        again.append(measure(reference))

    def line(label, rows):
        times = sorted(r[0] for r in rows)
        busy = sorted(r[3] for r in rows)
        statements = sorted({r[1] for r in rows})
        writes = sorted({r[2] for r in rows})
        print(f"{label:<26} answer p50 {statistics.median(times):5.1f} ms p95 {_p95(times):5.1f} ms | "
              f"until closed p50 {statistics.median(busy):5.1f} ms p95 {_p95(busy):5.1f} ms | "
              f"statements {statements} inserts {writes}")

    print(f"request page, expert, {engine.dialect.name}, {args.runs} requests")
    line("first view of a request", first)
    line("reload within the hour", again)


if __name__ == "__main__":
    main()

"""The load test of issue 15 §3: simulated members, experts and admins against gunicorn on a
benchmark dataset (``dataset.py``), on 127.0.0.1 only, for a bounded time.

    .venv/bin/pip install -e '.[bench]'
    .venv/bin/python bench/dataset.py --scale 0.1 --url postgresql+psycopg://postgres@127.0.0.1:5432/bench
    .venv/bin/python bench/load.py --url postgresql+psycopg://postgres@127.0.0.1:5432/bench \\
        [--users 300] [--time 4m] [--workers 4] [--port 8765]

Run as a script, it reads who the simulated people are from the dataset, starts ``gunicorn -w 4``
on the dataset (its files in the dataset's local storage), runs Locust headless against it,
then prints the sustained requests/s, p50/p95 per page, the failures, and each gunicorn process's
memory (PSS, from ``/proc/<pid>/smaps_rollup``) after the run. Locust loads this same file for
its simulated users (``MemberUser``, ``ExpertUser``, ``AdminUser``: 14 : 5 : 1), who read the
people from the JSON file named by ``BENCH_LOAD_PEOPLE``.

Members read their dashboard, their organization's requests (deep pages too), a request's page,
the document space, the resource library, notifications and search, and post messages on their
open requests. Experts work their queue (the assigned-to-me list and widget, requests of their
field filtered by state, deep pages), read requests, log time on their assigned requests and
write internal notes. Admins open the cooperative-wide report, export it (CSV and XLSX), the
statements and deep pages of the global list. Each simulated person waits 1–5 s between pages,
as someone reading would.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import date
from pathlib import Path

from locust import HttpUser, between, task

ROOT = Path(__file__).resolve().parent.parent
CSRF_RE = re.compile(r'"X-CSRFToken": "([^"]+)"')
PASSWORD = "bench password"  # dataset.PASSWORD (not imported: Locust loads this file alone)
WORDS = ("contrat", "cotisation", "bail", "budget", "facture", "payroll", "politique", "assemblée")
LAST_YEAR = date.today().year - 1
# gunicorn's access log: status and the time the worker spent on the request (seconds), without
# the time it waited in the listen queue, which Locust's figures include.
ACCESS_FORMAT = 'ACCESS %(s)s %(L)s %(m)s %(U)s ?%(q)s'


def _people() -> dict:
    with open(os.environ["BENCH_LOAD_PEOPLE"]) as fh:
        return json.load(fh)


PEOPLE = _people() if os.environ.get("BENCH_LOAD_PEOPLE") else {"members": [], "experts": [], "admins": []}


class Person(HttpUser):
    """Signs in once with a person of its kind (taken in turn), then keeps the CSRF token of
    its session for the forms it posts."""

    abstract = True
    wait_time = between(1, 5)
    kind = ""
    taken = 0

    def on_start(self) -> None:
        people = PEOPLE[self.kind]
        cls = type(self)
        self.me = people[cls.taken % len(people)]
        cls.taken += 1
        page = self.client.get("/login", name="login form").text
        token = CSRF_RE.search(page).group(1)
        with self.client.post("/login", data={"email": self.me["email"], "password": PASSWORD, "csrf_token": token},
                              allow_redirects=False, name="login", catch_response=True) as response:
            if response.status_code != 303:
                response.failure(f"login refused: {response.status_code}")
        self.token = CSRF_RE.search(self.client.get("/", name=f"{self.kind} dashboard").text).group(1)

    def ref(self, key: str = "refs") -> str | None:
        refs = self.me.get(key)
        return random.choice(refs) if refs else None

    def post(self, url: str, data: dict, name: str) -> None:
        self.client.post(url, data={**data, "csrf_token": self.token}, headers={"HX-Request": "true"}, name=name)


class MemberUser(Person):
    weight = 14
    kind = "members"

    @task(3)
    def dashboard(self):
        self.client.get("/", name="members dashboard")

    @task(4)
    def request_list(self):
        self.client.get("/requests/", name="member request list p1")

    @task(1)
    def request_list_deep(self):
        self.client.get(f"/requests/?page={random.randint(2, 10)}", name="member request list p2-10")

    @task(5)
    def request_page(self):
        if ref := self.ref():
            self.client.get(f"/requests/{ref}", name="member request page")

    @task(2)
    def documents(self):
        self.client.get("/documents/", name="member document space", allow_redirects=True)

    @task(1)
    def resources(self):
        self.client.get("/resources/", name="member resource library", allow_redirects=True)

    @task(2)
    def notifications(self):
        self.client.get("/notifications/", name="member notifications")

    @task(1)
    def search(self):
        self.client.get(f"/search/?q={random.choice(WORDS)}", name="member search")

    @task(1)
    def post_message(self):
        if ref := self.ref("open"):
            self.post(f"/requests/{ref}/messages", {"body": "Merci, voici les précisions demandées."},
                      name="member post message")


class ExpertUser(Person):
    weight = 5
    kind = "experts"

    @task(2)
    def dashboard(self):
        self.client.get("/", name="experts dashboard")

    @task(3)
    def my_queue(self):
        self.client.get("/requests/?assignee=me&open=1", name="expert my open requests")

    @task(2)
    def queue_widget(self):
        self.client.get("/widgets/my-queue", name="expert my queue widget")

    @task(2)
    def field_list(self):
        field = self.me["field"]
        state = random.choice(("submitted", "in_progress", "closed"))
        self.client.get(f"/requests/?field={field}&state={state}&page={random.choice((1, 1, 2, 10, 50))}",
                        name="expert field+state list")

    @task(4)
    def request_page(self):
        if ref := self.ref():
            self.client.get(f"/requests/{ref}", name="expert request page")

    @task(2)
    def log_time(self):
        if ref := self.ref():
            self.post(f"/hours/requests/{ref}/time",
                      {"date": date.today().isoformat(), "duration": random.choice(("0:15", "0:30", "1h", "1.5")),
                       "activity": "analysis", "billable": "y", "note": ""}, name="expert log time")

    @task(1)
    def timesheet(self):
        self.client.get("/hours/timesheet", name="expert timesheet")

    @task(1)
    def internal_note(self):
        if ref := self.ref():
            self.post(f"/requests/{ref}/messages", {"body": "Note : vérifier la convention.", "internal": "y"},
                      name="expert internal note")

    @task(1)
    def notifications(self):
        self.client.get("/notifications/", name="expert notifications")

    @task(1)
    def search(self):
        self.client.get(f"/search/?q={random.choice(WORDS)}", name="expert search")


class AdminUser(Person):
    weight = 1
    kind = "admins"
    wait_time = between(3, 10)  # reports take reading

    @task(3)
    def report(self):
        self.client.get(f"/reports/?year={LAST_YEAR}", name="admin report (a year)")

    @task(1)
    def export_csv(self):
        self.client.get(f"/reports/export.csv?year={LAST_YEAR}", name="admin report export csv")

    @task(1)
    def export_xlsx(self):
        self.client.get(f"/reports/export.xlsx?year={LAST_YEAR}", name="admin report export xlsx")

    @task(1)
    def statements(self):
        self.client.get("/reports/statements", name="admin statements")

    @task(2)
    def global_list(self):
        self.client.get(f"/requests/?state=closed&page={random.choice((1, 10, 100))}", name="admin global list")

    @task(1)
    def dashboard(self):
        self.client.get("/", name="admins dashboard")


# -- the runner ---------------------------------------------------------------------------------


def read_people(url: str, per_kind: int = 400) -> dict:
    """Members of organizations (with their organization's requests, and the open ones to post
    on), experts (with the open requests assigned to them and a field of theirs), the admin."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as conn:
        members = conn.execute(text(
            "SELECT u.email, m.organization_id FROM memberships m JOIN users u ON u.id = m.user_id "
            "WHERE m.active AND u.active AND NOT u.is_admin ORDER BY u.id LIMIT :n"), {"n": per_kind}).all()
        refs, open_refs = {}, {}
        for org, ref, state in conn.execute(text(
                "SELECT organization_id, reference, state FROM requests WHERE organization_id IN "
                "(SELECT organization_id FROM memberships) ORDER BY id DESC")):
            if len(refs.setdefault(org, [])) < 30:
                refs[org].append(ref)
            if state not in ("closed", "cancelled", "declined") and len(open_refs.setdefault(org, [])) < 10:
                open_refs[org].append(ref)
        experts = conn.execute(text(
            "SELECT u.id, u.email, MIN(e.field) FROM users u JOIN expert_fields e ON e.user_id = u.id "
            "WHERE u.is_expert GROUP BY u.id, u.email ORDER BY u.id LIMIT :n"), {"n": per_kind}).all()
        assigned = {}
        for user_id, ref in conn.execute(text(
                "SELECT p.user_id, r.reference FROM request_participants p JOIN requests r ON r.id = p.request_id "
                "WHERE p.role = 'assignee' AND r.state IN ('submitted', 'accepted', 'in_progress', 'delivered') "
                "ORDER BY r.id DESC")):
            if len(assigned.setdefault(user_id, [])) < 30:
                assigned[user_id].append(ref)
        admins = conn.execute(text("SELECT email FROM users WHERE is_admin AND active ORDER BY id")).scalars().all()
    engine.dispose()
    return {
        "members": [{"email": email, "refs": refs.get(org, []), "open": open_refs.get(org, [])}
                    for email, org in members],
        "experts": [{"email": email, "field": field, "refs": assigned[uid]}
                    for uid, email, field in experts if assigned.get(uid)],
        "admins": [{"email": email} for email in admins],
    }


def memory_kib(pid: int) -> dict:
    """``/proc/<pid>/smaps_rollup`` in KiB: Pss (proportional set size: each page shared with
    other processes counted by its share), Rss, and the private (USS) and shared parts."""
    fields = {}
    with open(f"/proc/{pid}/smaps_rollup") as fh:
        for line in fh:
            name, value, *_unit = line.split()
            if value.isdigit():
                fields[name.rstrip(":")] = int(value)
    return {"pss": fields["Pss"], "rss": fields["Rss"],
            "private": fields["Private_Clean"] + fields["Private_Dirty"],
            "shared": fields["Shared_Clean"] + fields["Shared_Dirty"]}


def print_memory(master: int) -> None:
    """Each gunicorn process's memory after the run, and the node's (PSS summed: what the node
    costs the machine)."""
    print("\nmemory after the run (MiB)\n\n| process | PSS | private (USS) | shared | RSS |\n|---|---|---|---|---|")
    total = 0
    for name, pid in [("master", master), *(("worker", pid) for pid in children(master))]:
        mem = memory_kib(pid)
        total += mem["pss"]
        print(f"| {name} {pid} | {mem['pss'] / 1024:.0f} | {mem['private'] / 1024:.0f} | {mem['shared'] / 1024:.0f} | "
              f"{mem['rss'] / 1024:.0f} |")
    print(f"\nnode: {total / 1024:.0f} MiB PSS (master + workers)")


def children(pid: int) -> list[int]:
    found = []
    for task_dir in Path(f"/proc/{pid}/task").iterdir():
        found += [int(p) for p in (task_dir / "children").read_text().split()]
    return found


def start_server(url: str, storage: Path, port: int, workers: int, log: Path, mode: str = "config") -> subprocess.Popen:
    """``mode``: "config", the documented command (extranet/gunicorn_conf.py: preloaded and
    warmed up); "plain", ``gunicorn -w N`` alone; "preload", that with ``--preload``."""
    env = {
        **os.environ,
        "EXTRANET_DATABASE_URL": url,
        "EXTRANET_STORAGE_URL": f"file://{storage}",
        "EXTRANET_SECRET_KEY": "bench-load",
        "EXTRANET_MAIL_URL": f"file://{ROOT / 'instance' / 'bench-mail'}",
        # One address signs in hundreds of people here: the login limits would refuse them.
        "EXTRANET_LOGIN_LIMIT_PER_IP": "100000 per minute",
        "EXTRANET_LOGIN_LIMIT_PER_ACCOUNT": "1000 per minute",
    }
    server = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "gunicorn"), "-w", str(workers), "-b", f"127.0.0.1:{port}", "--timeout", "120",
         "--access-logfile", "-", "--access-logformat", ACCESS_FORMAT,
         *{"config": ["-c", "python:extranet.gunicorn_conf"], "preload": ["--preload"], "plain": []}[mode],
         "extranet.wsgi:app"],
        cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
    for _ in range(120):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=5)
            return server
        except OSError:
            if server.poll() is not None:
                raise SystemExit(f"gunicorn stopped: see {log}") from None
            time.sleep(1)
    raise SystemExit("gunicorn did not answer within 2 minutes")


def _route(path: str, query: str = "") -> str:
    """A path with its ids and references generalized, and its query's names: one line per page."""
    path = re.sub(r"\b[A-Z]+-\d{4}-\d+\b", "<ref>", re.sub(r"/\d+(?=/|$)", "/<id>", path))
    names = sorted({part.split("=")[0] for part in query.split("&") if part})
    return path + ("?" + "&".join(names) if names else "")


def server_times(server_log: Path) -> None:
    """p50/p95 of the time gunicorn's workers spent per page (queueing left out)."""
    import statistics

    times, errors = {}, 0
    for line in server_log.read_text().splitlines():
        if line.startswith("ACCESS "):
            _, status, seconds, method, path, query = line.split(" ", 5)
            errors += status.startswith("5")
            times.setdefault(f"{method} {_route(path, query[1:])}", []).append(float(seconds) * 1000)
    print("\nserver time (gunicorn worker, queueing left out)\n\n| route | requests | p50 ms | p95 ms |\n|---|---|---|---|")
    for route, values in sorted(times.items()):
        cuts = statistics.quantiles(values, n=20, method="inclusive") if len(values) > 1 else values * 19
        print(f"| {route} | {len(values)} | {statistics.median(values):.0f} | {cuts[18]:.0f} |")
    print(f"\n5xx in gunicorn's access log: {errors}")


def report(prefix: str, server_log: Path) -> None:
    with open(f"{prefix}_stats.csv") as fh:
        rows = list(csv.DictReader(fh))
    print("\n| page | requests | failures | p50 ms | p95 ms | max ms |\n|---|---|---|---|---|---|")
    for row in rows:
        name = row["Name"] if row["Name"] != "Aggregated" else "**all**"
        print(f"| {name} | {row['Request Count']} | {row['Failure Count']} | {row['50%']} | {row['95%']} | "
              f"{float(row['Max Response Time']):.0f} |")
    total = rows[-1]
    print(f"\nsustained: {float(total['Requests/s']):.1f} requests/s over the run, "
          f"{total['Failure Count']} failures of {total['Request Count']} requests")
    with open(f"{prefix}_failures.csv") as fh:
        for row in csv.DictReader(fh):
            print(f"FAILURE {row['Method']} {row['Name']}: {row['Error']} ×{row['Occurrences']}")
    server_times(server_log)


def main() -> None:
    parser = argparse.ArgumentParser(description="Load test on 127.0.0.1 (issue 15 §3)")
    parser.add_argument("--url", required=True, help="the dataset's database (dataset.py --url)")
    parser.add_argument("--storage", type=Path, help="its files (default: dataset.py's place for that URL)")
    parser.add_argument("--users", type=int, default=300)
    parser.add_argument("--spawn-rate", type=float, default=5)
    parser.add_argument("--time", default="4m")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--server", choices=("config", "plain", "preload"), default="config",
                        help="config: gunicorn -c python:extranet.gunicorn_conf as docs/deploy.md says (default); "
                             "plain: gunicorn -w N alone; preload: with --preload")
    args = parser.parse_args()
    if not args.storage:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        import dataset

        args.storage = dataset.storage_dir(args.url)
    out = Path(tempfile.mkdtemp(prefix="bench-load-"))
    people = out / "people.json"
    people.write_text(json.dumps(read_people(args.url)))
    server_log = out / "gunicorn.log"
    server = start_server(args.url, args.storage, args.port, args.workers, server_log, args.server)
    try:
        print(f"gunicorn -w {args.workers} ({args.server}, pid {server.pid}) on 127.0.0.1:{args.port}; {args.users} users "
              f"for {args.time}; output in {out}", flush=True)
        subprocess.run(
            [str(ROOT / ".venv" / "bin" / "locust"), "-f", __file__, "--headless", "--host", f"http://127.0.0.1:{args.port}",
             "-u", str(args.users), "-r", str(args.spawn_rate), "-t", args.time, "--csv", str(out / "load"),
             "--only-summary", "--stop-timeout", "10", "--loglevel", "WARNING"],
            env={**os.environ, "BENCH_LOAD_PEOPLE": str(people)}, check=False)
        report(str(out / "load"), server_log)
        print_memory(server.pid)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


if __name__ == "__main__":
    main()

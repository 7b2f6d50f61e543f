"""Search at ×1 and ×10 (DESIGN §13, issue 12): p50/p95 server time and SQL queries of a
two-word query and of a reference, as an expert and as a member, on SQLite.

    .venv/bin/python bench/search.py             # builds the datasets if missing, 20 runs each
    .venv/bin/python bench/search.py --only x1 --runs 50
    .venv/bin/python bench/search.py --only x10 --file copy.db --files x10-files   # an existing file

The datasets are bench/dataset.py's (requests worded from the demo's catalogue, three messages
each, the search index rebuilt); a dataset built before messages were added has none: delete it
to build it again. Each search is the whole page through the Flask test client, after two
warm-up requests, as bench/reports.py measures. Targets: ≤ 100 ms p95 for two words, ≤ 50 ms for
a reference.
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import dataset  # noqa: E402
from reports import _login, print_results, time_page  # noqa: E402


def _people(path: Path | str) -> dict:
    """An expert of human resources with the most fields, a manager of the busiest organization (a member), and a
    reference of that organization."""
    from sqlalchemy import create_engine, text

    engine = create_engine(dataset.database_uri(path))
    with engine.connect() as conn:
        expert = conn.exec_driver_sql(
            "SELECT u.email FROM expert_fields e JOIN users u ON u.id = e.user_id GROUP BY u.email "
            "HAVING MAX(CASE WHEN e.field = 'hr' THEN 1 ELSE 0 END) = 1 ORDER BY COUNT(*) DESC, u.email LIMIT 1").fetchone()[0]
        org = conn.exec_driver_sql(
            "SELECT organization_id FROM requests GROUP BY organization_id ORDER BY COUNT(*) DESC LIMIT 1").fetchone()[0]
        member = conn.execute(text(
            "SELECT u.email FROM memberships m JOIN users u ON u.id = m.user_id "
            "WHERE m.organization_id = :org AND m.role = 'manager'"), {"org": org}).scalar()
        reference = conn.execute(text("SELECT reference FROM requests WHERE organization_id = :org AND field = 'hr' "
                                      "ORDER BY id DESC LIMIT 1"), {"org": org}).scalar()
        counts = {table: conn.exec_driver_sql(f"SELECT COUNT(*) FROM {table}").scalar()  # noqa: S608
                  for table in ("requests", "messages")}
    engine.dispose()
    return {"expert": expert, "member": member, "reference": reference, **counts}


def measure(path: Path | str, scale: float, runs: int, files: Path | None = None) -> list[tuple[str, float, float, int]]:
    from sqlalchemy import event

    from extranet.extensions import db

    if not isinstance(path, str) and not path.exists():
        print(f"building {path} …", flush=True)
        dataset.build(path, scale)
    info = _people(path)
    app = dataset.make_app(path, files)
    with app.app_context():
        engine = db.engine
    queries = []
    event.listen(engine, "before_cursor_execute", lambda *a: queries.append(1))
    expert, member = app.test_client(), app.test_client()
    _login(expert, info["expert"])
    _login(member, info["member"])
    gc.freeze()  # as the production entry point does (extranet/wsgi.py)
    reference = info["reference"]
    searches = [
        ("two words, common (expert)", expert, "/search/?q=contrat+signe"),
        ("two words, common (member)", member, "/search/?q=contrat+signe"),
        ("two words, rarer (expert)", expert, "/search/?q=serres+responsable"),
        ("two words, rarer (member)", member, "/search/?q=serres+responsable"),
        ("typing a prefix (expert)", expert, "/search/?q=bail+loc"),
        ("one kind, page 2 (expert)", expert, "/search/?q=contrat+signe&kind=message&page=2"),
        ("reference (expert)", expert, f"/search/?q={reference}"),
        ("reference (member)", member, f"/search/?q={reference}"),
    ]
    results, cpu = [], []
    for label, client, url in searches:
        started = time.process_time()
        median, p95, count, response = time_page(client, url, runs, queries)
        # On a shared machine the clock counts other jobs' time too: this process's CPU time
        # per page (warm-ups included) is the steadier figure.
        cpu.append((time.process_time() - started) * 1000 / (runs + 2))
        assert 'class="search-hit"' in response.get_data(as_text=True), (label, "found nothing")
        results.append((label, median, p95, count))
    with app.app_context():
        db.engine.dispose()
    name = path.name if not isinstance(path, str) else f"PostgreSQL ×{round(scale * 10):g}"
    print_results(f"{name}: {info['requests']:,} requests, {info['messages']:,} messages, {runs} runs per search",
                  "search", results)
    print(f"{'CPU (this process)':32} {'mean ms':>8}")
    for (label, *_rest), ms in zip(results, cpu, strict=True):
        print(f"{label:32} {ms:8.1f}")
    return results


def excerpts(runs: int) -> None:
    """An excerpt of a long file's text (30,000 words, ≈ 240,000 characters), as a result shows
    it: with its match deep in the text, and without one (a file found by its name)."""
    import random
    import statistics

    from extranet.search.excerpts import excerpt
    from extranet.search.query import parse

    words = ["conseil", "d’administration", "école", "rapport", "annuel", "membres", "coopérative", "budget"]
    chooser = random.Random(2026)
    text = " ".join(chooser.choice(words) for _ in range(30000))
    deep = text + " contrats signés"
    print(f"{'excerpt of a long text':32} {'p50 ms':>8} {'max ms':>8}")
    for label, body in (("match at the end", deep), ("no match", text)):
        timings = []
        for _ in range(runs):
            started = time.perf_counter()
            excerpt(body, parse("contrat signe"))
            timings.append((time.perf_counter() - started) * 1000)
        print(f"{label:32} {statistics.median(timings):8.1f} {max(timings):8.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description="Search at ×1 and ×10")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--only", choices=("x1", "x10"))
    parser.add_argument("--url", help="a PostgreSQL database built by dataset.py --url (with --only)")
    parser.add_argument("--file", type=Path, help="a SQLite file of that scale (with --only), e.g. a copy of a shared one")
    parser.add_argument("--files", type=Path, help="its documents' files (default: beside it, <name>-files)")
    args = parser.parse_args()
    if (args.url or args.file) and not args.only:
        parser.error("--url and --file are one dataset: say which with --only")
    for name, scale in (("x1", 0.1), ("x10", 1.0)):
        if args.only and args.only != name:
            continue
        measure(args.url or args.file or dataset.default_path(scale), scale, args.runs, args.files)
    excerpts(args.runs)


if __name__ == "__main__":
    main()

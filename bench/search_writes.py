"""What keeping the search index costs a write (issue 12: "indexing keeps uploads and message
posts within their current time"): a member posts a message with an attachment and uploads a
document to their organization's space, at ×10, with the index written in the same transaction
(``search.index``'s listeners) and without it, one after the other, so that both see the machine
alike. p50 / p95 ms through the Flask test client, after two warm-ups of each.

    .venv/bin/python bench/search_writes.py --url postgresql+psycopg://postgres@127.0.0.1:5432/bench_x10 \\
        --files instance/bench-bench_x10-files
    .venv/bin/python bench/search_writes.py          # the SQLite ×10 file of bench/dataset.py

It adds its messages and documents to the dataset (a few dozen rows, words of their own).
"""

from __future__ import annotations

import argparse
import gc
import io
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import dataset  # noqa: E402
from reports import _login  # noqa: E402
from search import _people  # noqa: E402


def _open_request(path, reference: str) -> tuple[str, int]:
    """The newest open request of ``reference``'s organization and field that its members may
    write to, and the organization."""
    from sqlalchemy import create_engine, text

    engine = create_engine(dataset.database_uri(path))
    with engine.connect() as conn:
        found = conn.execute(text(
            "SELECT r.reference, r.organization_id FROM requests r JOIN requests known ON known.reference = :ref "
            "WHERE r.organization_id = known.organization_id AND r.field = known.field "
            "AND r.confidentiality = 'standard' AND r.state IN ('submitted', 'in_progress') "
            "ORDER BY r.id DESC LIMIT 1"), {"ref": reference}).one()
    engine.dispose()
    return found[0], found[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="a PostgreSQL dataset built by dataset.py --url")
    parser.add_argument("--file", type=Path, help="a SQLite dataset (default: dataset.py's ×10 file)")
    parser.add_argument("--files", type=Path, help="its documents' files")
    parser.add_argument("--runs", type=int, default=30, help="writes of each kind, with the index and without")
    args = parser.parse_args()
    path = args.url or args.file or dataset.default_path(1.0)
    from sqlalchemy import event

    from extranet.extensions import db
    from extranet.search.index import LISTENERS
    from extranet.testing import csrf_token

    info = _people(path)
    reference, org = _open_request(path, info["reference"])
    app = dataset.make_app(path, args.files)
    client = app.test_client()
    _login(client, info["member"])
    token = csrf_token(client, "/requests/")
    gc.freeze()

    def post(n):
        return client.post(f"/requests/{reference}/messages", data={
            "csrf_token": token, "body": f"Le bail signé numéro {n}, voici la copie.",
            "files": (io.BytesIO(f"Bail commercial signé, copie {n}.\n".encode()), f"bail-{n}.txt"),
        }, content_type="multipart/form-data")

    def upload(n):
        return client.post(f"/documents/hr/upload?org={org}", data={
            "csrf_token": token, "visibility": "org",
            "files": (io.BytesIO(f"Procès-verbal du conseil, séance {n}.\n".encode()), f"pv-seance-{n}.txt"),
        }, content_type="multipart/form-data")

    writes = {"posting a message and its file": post, "uploading a document": upload}
    timings: dict[tuple[str, bool], list[float]] = {}
    n = 0
    for label, write in writes.items():
        for indexed in (True, False, True, False):  # warm-ups of each
            n += 1
            _switch(event, db, LISTENERS, indexed)
            assert write(n).status_code in (200, 302, 303), label
        for _ in range(args.runs):
            for indexed in (True, False):
                n += 1
                _switch(event, db, LISTENERS, indexed)
                started = time.perf_counter()
                response = write(n)
                timings.setdefault((label, indexed), []).append((time.perf_counter() - started) * 1000)
                assert response.status_code in (200, 302, 303), (label, response.status_code)
    _switch(event, db, LISTENERS, True)
    with app.app_context():
        db.engine.dispose()
    print(f"\n{path if isinstance(path, str) else path.name}: {args.runs} writes of each, with the index and without")
    print(f"{'write':32} {'indexed p50':>12} {'p95':>7} {'not p50':>9} {'p95':>7}")
    for label in writes:
        row = []
        for indexed in (True, False):
            values = timings[(label, indexed)]
            row += [statistics.median(values), statistics.quantiles(values, n=20, method="inclusive")[18]]
        print(f"{label:32} {row[0]:12.1f} {row[1]:7.1f} {row[2]:9.1f} {row[3]:7.1f}")


def _switch(event, db, listeners, on: bool) -> None:
    for name, listener in listeners:
        if on and not event.contains(db.session, name, listener):
            event.listen(db.session, name, listener)
        elif not on and event.contains(db.session, name, listener):
            event.remove(db.session, name, listener)


if __name__ == "__main__":
    main()

"""Every page a role opens sends as many SQL statements whatever the size of the data (issue 15
§1): the pages of bench/pages.py, as their roles open them, over the benchmark dataset at two
scales, on SQLite and on PostgreSQL. A statement per row shown, or one that only some sizes
need, shows here as a difference."""

import gc
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

import dataset  # noqa: E402
import pages  # noqa: E402

SCALES = (0.01, 0.03)  # 2,000 and 6,000 requests
DEEP = 5  # the deep pages' number: one that the smaller dataset has too


def test_every_page_sends_as_many_statements_at_three_times_the_data(fresh_database, tmp_path):
    statements = []
    for scale in SCALES:
        target = tmp_path / f"{scale}.db" if fresh_database.startswith("sqlite") else fresh_database
        files = tmp_path / f"files-{scale}"
        dataset.build(target, scale, files=files)  # on PostgreSQL, the schema emptied first
        try:
            _info, results = pages.measure(target, scale, runs=2, deep=DEEP, files=files)
        finally:
            gc.unfreeze()  # measure freezes the start-up objects, as production does
        statements.append({(role, label): (status, count)
                           for role, label, _url, _p50, _p95, count, _rows, status, *_times in results})
    smaller, larger = statements
    assert len(smaller) == len(pages._pages({"reference": "", "long_reference": ""}, DEEP))
    assert all(status == 200 for status, _count in smaller.values()), smaller
    assert smaller == larger

"""A GET changes nothing: every GET route of the application (plugins' included), with the ids of
the scenario of tests/proof_world.py, as a page and as an HTMX fragment, as each of its people
and a visitor, leaves every table as it was, but for what a read is meant to write:

- ``access_records``: who read whose request, document, attachment, statement or profile, the
  record Québec's Law 25 gives each person the right to read (access/service.py);
- ``resource_visits``: when a person last opened a field's library, so that it marks what was
  published since (resources/service.py);
- the audit event of a download, of a document (``documents.downloaded``: documents/service.py)
  or of a person's copy of her data (``privacy.export_downloaded``: privacy/service.py), since
  who took a copy of a file is part of its history;
- the sliding expiry of a session (``user_sessions.last_seen_at`` and ``expires_at``, touched at
  most once a minute: auth/sessions.py), left out by proof_world.TOUCHED.
"""

from __future__ import annotations

import pytest

from tests.proof_world import build_world, changed, snapshot, tear_down
from tests.test_authorization_matrix import STATIC, routes

READS_WRITE = frozenset({"access_records", "resource_visits"})
DOWNLOADS = {"audit_events": ("action", {"documents.downloaded", "privacy.export_downloaded"})}


@pytest.fixture(scope="module")
def world(migrated_database, migration_branches, tmp_path_factory):
    built = build_world(migrated_database, migration_branches, tmp_path_factory.mktemp("reads"))
    yield built
    tear_down(built)


def _get(client, url, htmx: bool):
    response = client.get(url, headers={"HX-Request": "true"} if htmx else {})
    response.close()  # the access records are written when the answer is closed
    assert response.status_code < 500, (url, response.status_code)
    return response


def test_no_get_writes(world):
    urls = [url for endpoint, method, url in routes(world.app, world.ids) if method == "GET" and endpoint != STATIC]
    assert len(urls) > 80
    answered = 0
    for role, client in world.clients.items():
        before = snapshot(world.app, READS_WRITE, DOWNLOADS)
        for url in urls:
            for htmx in (False, True):
                answered += _get(client, url, htmx).status_code == 200
        if changed(before, snapshot(world.app, READS_WRITE, DOWNLOADS)):
            # Walk again, one GET at a time, to name the pages that wrote.
            culprits = []
            for url in urls:
                for htmx in (False, True):
                    one = snapshot(world.app, READS_WRITE, DOWNLOADS)
                    _get(client, url, htmx)
                    if tables := changed(one, snapshot(world.app, READS_WRITE, DOWNLOADS)):
                        culprits.append((url, htmx, tables))
            pytest.fail(f"GETs as {role} wrote rows (url, as HTMX, tables): {culprits}")
    print(f"no GET writes: {len(urls)} GET routes × {len(world.clients)} clients (nine people and a visitor) × page and fragment; "
          f"{answered} answered 200")


def test_reads_are_recorded_as_they_are_meant_to(world):
    """The tables left out above are written by reads indeed: they are left out for a reason,
    not by mistake (were they not written, this test would say they need not be left out)."""
    from extranet.access.models import AccessRecord
    from extranet.extensions import db
    from extranet.resources.models import ResourceVisit

    owner, expert = world.clients["owner"], world.clients["expert"]
    _get(expert, f"/requests/{world.ids['reference']}", htmx=False)
    _get(expert, "/resources/sample/", htmx=False)
    expert_id = world.people["expert"].id
    with world.app.app_context():  # once per reader and hour: the walk above may have written it
        assert db.session.scalar(db.select(AccessRecord.id).filter_by(
            viewer_id=expert_id, kind="request", object_id=world.ids["request_id"]))
        assert db.session.get(ResourceVisit, (expert_id, "sample"))
    before, but_downloads = snapshot(world.app, READS_WRITE), snapshot(world.app, READS_WRITE, DOWNLOADS)
    _get(owner, f"/documents/sample/files/{world.ids['doc_id']}/versions/1", htmx=False)
    assert changed(before, snapshot(world.app, READS_WRITE)) == ["audit_events"]
    assert changed(but_downloads, snapshot(world.app, READS_WRITE, DOWNLOADS)) == []

"""The year's and month's end for every organization at once (Administration): the hour
agreements of a year copied to the next, a month's statements closed. A preview first, then the
confirmed action; running it twice does nothing twice; two admins at once never copy or close
anything twice (real threads, SQLite and PostgreSQL); a failure midway leaves nothing done."""

from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request
from datetime import date

import pytest

from extranet.testing import csrf_token
from tests.test_request_concurrency import Person, run_at_once
from tests.test_requests import add_person
from tests.test_statements import MARCH, build_dataset, reports_app  # noqa: F401 - the fixture

COPY, CLOSE = "/admin/agreements/copy", "/admin/statements/close"


def _agreements(app, year):
    from extranet.extensions import db
    from extranet.hours.models import Agreement

    with app.app_context():
        return sorted((a.organization_id, a.field, a.minutes_allotted, a.hourly_rate_cents, a.carry_over)
                      for a in db.session.scalars(db.select(Agreement).where(Agreement.year == year)))


def _count(app, action):
    from extranet.audit.models import AuditEvent
    from extranet.extensions import db

    with app.app_context():
        return db.session.scalar(db.select(db.func.count(AuditEvent.id)).where(AuditEvent.action == action))


def _closed(app, month=date(2025, 3, 1)):
    from extranet.extensions import db
    from extranet.hours.models import Statement

    with app.app_context():
        return sorted(db.session.scalars(db.select(Statement.organization_id).where(
            Statement.month == month, Statement.closed_at.is_not(None))))


def test_copying_agreements_previews_then_copies_once(reports_app, people, client_for):  # noqa: F811
    from extranet.extensions import db
    from extranet.hours.models import Agreement

    build_dataset(reports_app, people)
    with reports_app.app_context():  # B already has its 2026 agreement, with other hours: kept
        db.session.add(Agreement(organization_id=people.org_b, field="sample", year=2026, minutes_allotted=60,
                                 hourly_rate_cents=1, overage_rate_cents=1, carry_over="none"))
        db.session.commit()
    admin = client_for(reports_app, people.admin)
    preview = admin.get(f"{COPY}?year=2025").get_data(as_text=True)
    assert preview.count("Will be copied") == 2 and preview.count("Exists already: skipped") == 1
    assert "Copy 2 agreements to 2026?" in preview
    assert _agreements(reports_app, 2026) == [(people.org_b, "sample", 60, 1, "none")]  # a GET changes nothing

    done = admin.post(COPY, data={"year": "2025", "csrf_token": csrf_token(admin, COPY)})
    assert done.status_code == 303 and done.location.startswith(f"{COPY}?year=2025&run=")  # Post/Redirect/Get
    html = admin.get(done.location).get_data(as_text=True)
    assert html.count("Copied</span>") == 2
    assert "Agreements copied to 2026: 2; skipped because they existed already: 1." in html
    assert _agreements(reports_app, 2026) == sorted([
        (people.org_a, "sample", 600, 9000, "none"), (people.org_a, "other", 60, 6000, "unused"),
        (people.org_b, "sample", 60, 1, "none")])
    assert _count(reports_app, "hours.agreement_copied") == 2

    again = _follow(admin, admin.post(COPY, data={"year": "2025", "csrf_token": csrf_token(admin, COPY)}))
    assert "Agreements copied to 2026: 0; skipped because they existed already: 3." in again
    assert again.count("Exists already: skipped") == 3 and "Copied</span>" not in again
    assert len(_agreements(reports_app, 2026)) == 3 and _count(reports_app, "hours.agreement_copied") == 2
    assert "there is nothing to copy" in admin.get(f"{COPY}?year=2025").get_data(as_text=True)


def test_closing_a_month_for_everyone_skips_what_is_closed(reports_app, people, client_for):  # noqa: F811
    build_dataset(reports_app, people)
    admin = client_for(reports_app, people.admin)
    single = f"/reports/statements/{people.org_a}/{MARCH}"
    assert admin.post(f"{single}/close", data={"csrf_token": csrf_token(admin, single)}).status_code == 303
    preview = admin.get(f"{CLOSE}?month={MARCH}").get_data(as_text=True)
    assert "Closed already: skipped" in preview and preview.count("Will be closed") == 1
    assert "Close 1 statement of March 2025?" in preview
    assert _closed(reports_app) == [people.org_a]

    html = _follow(admin, admin.post(CLOSE, data={"month": MARCH, "csrf_token": csrf_token(admin, CLOSE)}))
    assert "Statements of March 2025 closed: 1; skipped because they were closed already: 1." in html
    assert html.count("Closed now</span>") == 1 and html.count("Closed already: skipped") == 1
    assert _closed(reports_app) == sorted([people.org_a, people.org_b])
    assert _count(reports_app, "statement.close") == 2
    again = _follow(admin, admin.post(CLOSE, data={"month": MARCH, "csrf_token": csrf_token(admin, CLOSE)}))
    assert "Statements of March 2025 closed: 0; skipped because they were closed already: 2." in again
    assert again.count("Closed already: skipped") == 2 and "Closed now</span>" not in again
    assert _count(reports_app, "statement.close") == 2
    # The outcome's page is a plain GET: reloading it shows the outcome again and does nothing.
    first = admin.post(CLOSE, data={"month": MARCH, "csrf_token": csrf_token(admin, CLOSE)}).location
    assert "Closed already: skipped" in admin.get(first).get_data(as_text=True)
    assert _count(reports_app, "statement.close") == 2
    # A run id of another action, or of another month, is not an outcome: the preview is shown.
    other = admin.get(first.replace(MARCH, "2025-02")).get_data(as_text=True)
    assert "Closed already: skipped" not in other and "Show</button>" in other


def _follow(client, response) -> str:
    """The page a POST sends its browser to (Post/Redirect/Get), with the outcome it flashed."""
    assert response.status_code == 303, response.status_code
    return client.get(response.location).get_data(as_text=True)


def test_a_month_not_over_is_refused_and_the_pages_are_for_admins(reports_app, people, client_for):  # noqa: F811
    admin = client_for(reports_app, people.admin)
    month = date.today().strftime("%Y-%m")
    refused = admin.post(CLOSE, data={"month": month, "csrf_token": csrf_token(admin, CLOSE)})
    assert refused.status_code == 422 and "only once it is over" in refused.get_data(as_text=True)
    assert _closed(reports_app, date.today().replace(day=1)) == []
    assert admin.post(CLOSE, data={"month": MARCH}).status_code == 400  # no CSRF token
    manager = client_for(reports_app, people.manager_a)
    for url in (COPY, CLOSE):
        assert manager.get(url).status_code in (403, 404)
    assert manager.post(COPY, data={"year": "2025", "csrf_token": csrf_token(manager, "/")}).status_code in (403, 404)


def test_a_failure_midway_closes_nothing(reports_app, people, client_for, monkeypatch):  # noqa: F811
    from extranet.hours import statements

    build_dataset(reports_app, people)
    real = statements.compute_lines

    def failing(organization, month):
        if organization.id == people.org_b:
            raise RuntimeError("the disk is full")
        return real(organization, month)

    monkeypatch.setattr(statements, "compute_lines", failing)
    admin = client_for(reports_app, people.admin)
    with pytest.raises(RuntimeError):
        admin.post(CLOSE, data={"month": MARCH, "csrf_token": csrf_token(admin, CLOSE)})
    assert _closed(reports_app) == [] and _count(reports_app, "statement.close") == 0


def test_two_admins_at_once_never_copy_or_close_twice(reports_app, people, live_server):  # noqa: F811
    build_dataset(reports_app, people)
    admins = [people.admin] + [add_person(reports_app, f"admin_{i}", is_admin=True) for i in range(3)]
    base = live_server(reports_app)
    browsers = [Person(base, who) for who in admins]
    answers = [None] * 4

    def work(i):
        if i % 2:
            answers[i] = _post_and_follow(browsers[i], CLOSE, {"month": MARCH})
        else:
            answers[i] = _post_and_follow(browsers[i], COPY, {"year": "2025"})

    run_at_once(work, 4)
    assert [status for status, _html in answers] == [200] * 4, answers
    assert _closed(reports_app) == sorted([people.org_a, people.org_b])
    assert _count(reports_app, "statement.close") == 2
    assert len(_agreements(reports_app, 2026)) == 3 and _count(reports_app, "hours.agreement_copied") == 3
    # Between them, each statement was closed once and each agreement copied once.
    assert sum(html.count("Closed now</span>") for _s, html in answers[1::2]) == 2
    assert sum(html.count("Copied</span>") for _s, html in answers[0::2]) == 3


def _post_and_follow(browser: Person, path: str, data: dict) -> tuple[int, str]:
    """A POST that must answer 303, then the GET of where it sends the browser."""
    body = urllib.parse.urlencode({**data, "csrf_token": browser.token}).encode()
    request = urllib.request.Request(browser.base_url + path, data=body, method="POST",  # noqa: S310 - 127.0.0.1
                                     headers={"Accept-Language": "en"})
    try:
        with browser.opener.open(request, timeout=60) as response:
            return response.status, "not redirected"
    except urllib.error.HTTPError as answer:  # 3xx, not followed
        if answer.code != 303:
            return answer.code, answer.read().decode()
        location = urllib.parse.urlsplit(answer.headers["Location"])
    return browser.send("GET", f"{location.path}?{location.query}")

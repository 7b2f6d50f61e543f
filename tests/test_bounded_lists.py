"""Lists that only grow (the audit log, the access log, notifications, webhook deliveries, a
folder's documents, agreements) count at most ``COUNT_CAP`` rows past the page shown, and their
links go by position: the pages the links reach are the offset pages (issue 15 §2)."""

from __future__ import annotations

import re

import pytest

from tests.sample_plugin import SamplePlugin

IP_RE = re.compile(r"<td>(10\.0\.\d+\.\d+)</td>")
NEXT_RE = re.compile(r'<a href="([^"]+)" rel="next"')
PREV_RE = re.compile(r'<a href="([^"]+)" rel="prev"')


@pytest.fixture
def app(register_plugin):
    return register_plugin(SamplePlugin())


def _events(app, count):
    from extranet.audit.models import AuditEvent
    from extranet.db_types import utcnow
    from extranet.extensions import db

    with app.app_context():
        db.session.add_all(AuditEvent(action="test.listed", ip=f"10.0.{n // 250}.{n % 250}", at=utcnow())
                           for n in range(count))
        db.session.commit()


def _walk(client, url, link):
    pages = []
    while url:
        html = client.get(url).get_data(as_text=True)
        pages.append((url, IP_RE.findall(html), html))
        found = link.search(html)
        url = found.group(1).replace("&amp;", "&") if found else None
    return pages


def test_the_audit_log_counts_to_a_bound_and_pages_by_position(app, client_for, people, monkeypatch):
    from extranet.web import pager

    monkeypatch.setattr(pager, "COUNT_CAP", 5)
    app.config["PAGE_SIZE"] = 4
    _events(app, 30)
    admin = client_for(app, people.admin)
    forward = _walk(admin, "/admin/audit/?kind=test", NEXT_RE)
    assert "of at least 3" in forward[0][2]  # 4 shown + 5 counted past them
    assert len(forward) == 8 and sum(len(ips) for _u, ips, _h in forward) == 30
    for number, (url, ips, _html) in enumerate(forward, start=1):
        assert ips == IP_RE.findall(admin.get(f"/admin/audit/?kind=test&page={number}").get_data(as_text=True))
        assert number == 1 or "after=" in url
    assert "Page 8 of 8" in forward[-1][2]
    backward = _walk(admin, forward[-1][0], PREV_RE)
    assert [ips for _u, ips, _h in backward] == [ips for _u, ips, _h in reversed(forward)]


@pytest.mark.parametrize("url", ["/notifications/", "/access/", "/profile/history", "/hours/agreements"])
def test_bounded_lists_open(app, client_for, people, url):
    """The other lists made bounded still answer (their own tests cover their rows)."""
    client = client_for(app, people.admin)
    assert client.get(url).status_code in (200, 404)
    assert client.get(f"{url}?page=2&after=nonsense").status_code in (200, 404)

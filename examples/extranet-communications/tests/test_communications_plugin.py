"""The communications plugin: its field and types, its home page's publication calendar, the
table behind it in its own migration branch, and its French catalog.

Run from this folder with the plugin installed (``pip install -e .`` then ``pytest``): the
fixtures (``app``, ``people``, ``client_for``…) come from the core's pytest plugin, which
pytest loads by itself.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import sqlalchemy
from communications_helpers import file_request
from flask_babel import force_locale

from extranet.api import db
from extranet.plugin_testing import (
    check_catalog,
    host,
    make_member,
    reference_of,
    token,
)

IN_5_DAYS = date.today() + timedelta(days=5)
IN_10_DAYS = date.today() + timedelta(days=10)


def _press_release(title: str, publication: date | None = None, **data) -> dict:
    return {"title": title, "announcement": "Une nouvelle",
            "due_date": publication.isoformat() if publication else "", **data}


def _newsletter(title: str, issue: date, **data) -> dict:
    return {"title": title, "audience": "members", "topics": "AGA", "issue_date": issue.isoformat(), **data}


def _calendar(page: str) -> list[tuple[str, str]]:
    """(date, reference) of each row of the calendar on the page, in order."""
    table = re.search(r'<table class="table" id="communications-calendar">.*?</table>', page, re.S)
    if table is None:
        return []
    return re.findall(r'<time datetime="([\d-]+)">.*?href="/requests/([\w-]+)"', table.group(0), re.S)


def test_communications_field_is_registered(app):
    with app.app_context():
        field = host().fields["communications"]
        types = host().types_of("communications")
    assert (field.slug, field.prefix, field.order) == ("communications", "COM", 60)
    with app.test_request_context(), force_locale("fr_CA"):
        assert str(field.label) == "Communications"
    assert [t.slug for t in types] == ["press_release", "newsletter"]
    assert {t.workflow for t in types} == {"standard"}


def test_communications_calendar_lists_the_coming_publications_soonest_first(app, people, client_for):
    member = client_for(app, people.member_a)
    empty = member.get("/communications/").get_data(as_text=True)
    assert "Calendrier des publications" in empty and "Rien de prévu" in empty

    release = reference_of(file_request(member, "press_release", _press_release("Nouvelle épicerie", IN_10_DAYS)))
    issue = reference_of(file_request(member, "newsletter", _newsletter("Infolettre de juin", IN_5_DAYS)))
    reference_of(file_request(member, "press_release", _press_release("Sans date")))  # no date: not planned

    page = member.get("/communications/").get_data(as_text=True)
    assert _calendar(page) == [(IN_5_DAYS.isoformat(), issue), (IN_10_DAYS.isoformat(), release)]
    assert "Infolettre" in page and "Communiqué de presse" in page  # each row says its type
    # The organization's manager sees them; the other organization sees none of them.
    assert len(_calendar(client_for(app, people.manager_a).get("/communications/").get_data(as_text=True))) == 2
    assert _calendar(client_for(app, people.member_b).get("/communications/").get_data(as_text=True)) == []

    # A cancelled request will not be published: it leaves the calendar.
    cancelled = member.post(f"/requests/{issue}/transition/cancel", data={"csrf_token": token(member)})
    assert cancelled.status_code == 303
    assert _calendar(member.get("/communications/").get_data(as_text=True)) == [(IN_10_DAYS.isoformat(), release)]


def test_communications_calendar_keeps_restricted_requests_to_those_who_may_open_them(app, people, client_for):
    member = client_for(app, people.member_a)
    secret = reference_of(file_request(member, "press_release",
                                       _press_release("Fusion", IN_5_DAYS, restricted="y")))
    colleague = make_member(app, people.org_a, "colleague.a@test.org", "Colleague A")
    assert _calendar(member.get("/communications/").get_data(as_text=True)) == [(IN_5_DAYS.isoformat(), secret)]
    page = client_for(app, colleague).get("/communications/").get_data(as_text=True)
    assert _calendar(page) == [] and "Fusion" not in page and secret not in page


def test_communications_migrations_are_their_own_branch(app, capfd):
    runner = app.test_cli_runner()
    heads = runner.invoke(args=["db", "heads"])
    assert heads.exit_code == 0, heads.output
    listed = capfd.readouterr().out  # Alembic writes to the process's own output, not click's
    assert re.search(r"^communications_0001 \(communications\) \(head\)$", listed, re.M), listed

    def has_table():
        with app.app_context():
            return sqlalchemy.inspect(db.engine).has_table("communications_publications")

    assert has_table()
    try:
        down = runner.invoke(args=["db", "downgrade", "communications@base"])
        assert down.exit_code == 0, down.output
        assert not has_table()
        with app.app_context():
            assert sqlalchemy.inspect(db.engine).has_table("requests")  # the core's tables stay
    finally:
        up = runner.invoke(args=["db", "upgrade", "heads"])
    assert up.exit_code == 0, up.output
    assert has_table()


def test_communications_catalog_is_complete_and_compiled():
    import extranet_communications

    check_catalog(extranet_communications)


def test_communications_settings_and_scheduled_notification(app, people, client_for):
    admin = client_for(app, people.admin)
    assert "Publications shown in the calendar" in admin.get("/admin/modules/communications").get_data(as_text=True) \
        or "Publications affichées" in admin.get("/admin/modules/communications").get_data(as_text=True)
    saved = admin.post("/admin/modules/communications/settings",
                       data={"calendar_length": "1", "csrf_token": token(admin)})
    assert saved.status_code == 303
    member = client_for(app, people.member_a)
    first = reference_of(file_request(member, "newsletter", _newsletter("Infolettre de mai", IN_5_DAYS)))
    reference_of(file_request(member, "press_release", _press_release("Communiqué", IN_10_DAYS)))
    # The admin's setting: one publication shown.
    assert _calendar(member.get("/communications/").get_data(as_text=True)) == [(IN_5_DAYS.isoformat(), first)]
    # The requester is told the date by the plugin's own kind of notification.
    notes = member.get("/notifications/").get_data(as_text=True)
    assert first in notes and "calendrier des publications" in notes


def test_communications_request_page_has_a_publication_panel_for_those_who_may_open_it(app, people, client_for):
    member = client_for(app, people.member_a)
    release = reference_of(file_request(member, "press_release", _press_release("Lancement", IN_5_DAYS)))
    secret = reference_of(file_request(member, "press_release", _press_release("Fusion", IN_5_DAYS, restricted="y")))
    page = member.get(f"/requests/{release}").get_data(as_text=True)
    panel = f"/communications/requests/{release}/publication"
    assert 'id="panel-communications-publication"' in page and f'hx-get="{panel}"' in page
    fragment = member.get(panel).get_data(as_text=True)
    assert f'<time datetime="{IN_5_DAYS.isoformat()}">' in fragment and "calendrier des publications" in fragment
    # A colleague who may not open the restricted request gets neither its page nor its panel.
    colleague = client_for(app, make_member(app, people.org_a, "colleague.a@test.org", "Colleague A"))
    assert colleague.get(f"/requests/{secret}").status_code == 404
    assert colleague.get(f"/communications/requests/{secret}/publication").status_code == 404
    assert client_for(app, people.member_b).get(panel).status_code == 404

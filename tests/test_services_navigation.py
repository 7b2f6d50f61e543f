"""Twenty fields in the interface: the header's « Services » menu (own fields first, none at the
top level), the request list filtered by any number of fields, the search page's nav, and the
page a member gets for a request whose module the admin turned off."""

from __future__ import annotations

import re

import pytest

from tests.sample_plugin import SamplePlugin
from tests.test_request_desk import save_view
from tests.test_request_list import refs, seed
from tests.test_requests import _token, add_person, file_request

TOP_LEVEL_RE = re.compile(r'<ul class="main-nav__list">(.*?)<li class="services-menu-item">', re.S)


@pytest.fixture
def app(register_plugin):
    return register_plugin(SamplePlugin(), SamplePlugin("extra", order=60), SamplePlugin("third", order=70))


def subscribe_only(app, org_id, *slugs):
    from extranet.extensions import db
    from extranet.organizations.models import Subscription

    with app.app_context():
        for sub in db.session.scalars(db.select(Subscription).filter_by(organization_id=org_id)):
            sub.active = sub.field in slugs
        db.session.commit()


def services(html):
    """(own, others): the fields' slugs of the Services menu's two groups."""
    def group(label_id):
        found = re.search(rf'<ul aria-labelledby="{label_id}">(.*?)</ul>', html, re.S)
        return re.findall(r'data-field="([a-z]+)"', found.group(1)) if found else []
    return group("services-own"), group("services-others")


def test_the_services_menu_puts_each_persons_own_fields_first(app, client_for, people):
    subscribe_only(app, people.org_a, "third", "sample")
    html = client_for(app, people.member_a).get("/").get_data(as_text=True)
    assert services(html) == (["sample", "third"], [])  # a member uses only what A subscribes to
    assert '<details class="services-menu">' in html and "<summary>Services" in html
    top = TOP_LEVEL_RE.search(html).group(1)
    assert "data-field" not in top  # no field repeated at the top level
    admin_html = client_for(app, people.admin).get("/").get_data(as_text=True)
    own, others = services(admin_html)
    assert own == [] and others[-3:] == ["sample", "extra", "third"]
    assert "All services" in admin_html and "My services" not in admin_html


def test_an_experts_own_fields_come_first_and_the_current_one_is_marked(app, client_for, people):
    expert = add_person(app, "third.expert", fields=("third",))
    assert services(client_for(app, expert).get("/").get_data(as_text=True)) == (["third"], [])
    # An admin who also serves a field: that one first, then every other.
    client = client_for(app, add_person(app, "admin.expert", fields=("third",), is_admin=True))
    html = client.get("/").get_data(as_text=True)
    own, others = services(html)
    assert own == ["third"] and "third" not in others and others[-2:] == ["sample", "extra"]
    assert "My services" in html and "Other services" in html
    field_page = client.get("/third/").get_data(as_text=True)
    assert '<summary class="is-current">Services' in field_page
    assert re.search(r'href="/third/" aria-current="page"', field_page)


def test_the_search_page_sent_into_main_brings_the_nav_with_the_current_section(app, client_for, people):
    client = client_for(app, people.member_a)
    on_requests = client.get("/requests/").get_data(as_text=True)
    assert 'href="/requests/" aria-current="page"' in on_requests
    # The header's box replaces #main: the nav comes along out of band, with no section current.
    found = client.get("/search/?q=printer", headers={"HX-Request": "true", "HX-Target": "main"})
    html = found.get_data(as_text=True)
    assert '<nav id="main-nav" class="main-nav" aria-label="Main" hx-swap-oob="true">' in html
    assert 'aria-current="page"' not in html
    # The search page's own form replaces only its results: no nav there.
    results = client.get("/search/?q=printer", headers={"HX-Request": "true", "HX-Target": "search-results"})
    assert "main-nav" not in results.get_data(as_text=True)
    assert 'hx-swap-oob' not in client.get("/search/?q=printer").get_data(as_text=True)


def test_the_list_filters_by_any_number_of_fields_and_saved_views_keep_them(app, client_for, people):
    seed(app, people,
         {"reference": "SAMPLE-2026-0001", "assignee": people.expert}, {"reference": "EXTRA-2026-0001", "field": "extra"},
         {"reference": "THIRD-2026-0001", "field": "third", "assignee": people.expert})
    expert = client_for(app, people.expert)
    assert set(refs(expert, "?field=sample&field=third")) == {"SAMPLE-2026-0001", "THIRD-2026-0001"}
    assert set(refs(expert, "?field=extra")) == {"EXTRA-2026-0001"}
    assert set(refs(expert, "?field=&field=extra", htmx=True)) == {"EXTRA-2026-0001"}
    assert len(refs(expert, "?field=")) == 3
    # The expert's queue (the dashboard's "my queue" links to it) narrowed to two fields.
    assert refs(expert, "?assignee=me&open=1&field=sample&field=extra") == ["SAMPLE-2026-0001"]
    html = expert.get("/requests/?field=sample&field=third").get_data(as_text=True)
    checked = re.findall(r'name="field" value="([a-z]+)" checked', html)
    assert checked == ["sample", "third"] and "(2 chosen)" in html
    # A member's list: only its organization's requests, whatever fields are asked for.
    member_b = client_for(app, people.member_b)
    assert refs(member_b, "?field=sample&field=extra&field=third") == []

    # htmx sends the filter form's fields: both fields are kept in the saved view.
    assert save_view(expert, "Deux champs", field=["sample", "third"]).status_code == 303
    listing = expert.get("/requests/").get_data(as_text=True)
    assert 'href="/requests/?field=sample&amp;field=third">Deux champs</a>' in listing
    assert set(refs(expert, "?field=sample&field=third")) == {"SAMPLE-2026-0001", "THIRD-2026-0001"}


def test_a_member_following_an_old_link_is_told_the_service_is_paused(app, client_for, people):
    member = client_for(app, people.member_a)
    reference = file_request(member, title="Question de paie")
    admin = client_for(app, people.admin)
    assert admin.post("/admin/modules/sample", data={"enabled": "0", "csrf_token": _token(admin)}).status_code == 303

    paused = member.get(f"/requests/{reference}")
    html = paused.get_data(as_text=True)
    assert paused.status_code == 403
    assert "This service is paused: Sample field" in html and f"Your request {reference} is kept" in html
    assert "Question de paie" not in html  # the page names the field, nothing of the request
    # Whoever would not see the request with the module on learns nothing: 404 as before.
    for outsider in (people.member_b, people.manager_b):
        assert client_for(app, outsider).get(f"/requests/{reference}").status_code == 404
    assert member.get("/requests/SAMPLE-2026-9999").status_code == 404
    # Working on it still answers 404, and the admin keeps the read-only view.
    assert member.post(f"/requests/{reference}/messages",
                       data={"body": "Allô", "csrf_token": _token(member)}).status_code == 404
    assert "This module is disabled" in admin.get(f"/requests/{reference}").get_data(as_text=True)

    admin.post("/admin/modules/sample", data={"enabled": "1", "csrf_token": _token(admin)})
    assert "Question de paie" in member.get(f"/requests/{reference}").get_data(as_text=True)


def test_a_restricted_request_of_a_paused_module_stays_unknown_to_the_organizations_others(app, client_for, people):
    member = client_for(app, people.member_a)
    reference = file_request(member, title="Confidentiel", restricted=True)
    admin = client_for(app, people.admin)
    admin.post("/admin/modules/sample", data={"enabled": "0", "csrf_token": _token(admin)})
    assert member.get(f"/requests/{reference}").status_code == 403
    assert client_for(app, people.manager_a).get(f"/requests/{reference}").status_code == 404

"""Twenty fields in the header: a member opens « Services » and picks a field, at 1280 px and on
a 375 px phone where the whole navigation is first one « Menu » button; the expert and the admin
see their own menu (screenshots of each in test-results/screenshots/services_menu…)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import SCREENSHOTS, speaking


@pytest.fixture
def twenty(app, people):
    """The demo's sixteen created fields besides the four plugins, A subscribed to all of them,
    the expert serving only payroll and tax among them."""
    from extranet.accounts.models import ExpertField
    from extranet.demo.fields import FIELDS, load_demo_fields
    from extranet.extensions import db
    from extranet.organizations.models import Subscription
    from extranet.plugins import host

    with app.app_context():
        load_demo_fields(set(host().fields))
        for row in FIELDS:
            db.session.add(Subscription(organization_id=people.org_a, field=row[0]))
        db.session.add_all(ExpertField(user_id=people.expert.id, field=slug) for slug in ("payroll", "tax"))
        db.session.commit()
    speaking(app, "fr_CA", people.member_a, people.expert, people.admin)


def open_services(page):
    summary = page.locator(".services-menu > summary")
    summary.focus()
    page.keyboard.press("Enter")  # a native disclosure: the keyboard opens it
    expect(page.locator(".services-menu__panel")).to_be_visible()


def test_services_menu(app, twenty, people, live_server, journey):
    trip = journey(live_server(app))
    member = trip.open_as(people.member_a)
    top_level = member.locator(".main-nav__list > li > a[data-field]")
    expect(top_level).to_have_count(0)  # no field at the top level
    open_services(member)
    expect(member.locator(".services-menu__panel a[data-field]")).to_have_count(20)
    trip.check(member, "services ouvert 1280")
    member.locator('.services-menu__panel a[data-field="payroll"]').click()
    expect(member.locator("h1")).to_contain_text("Paie")
    expect(member.locator(".services-menu > summary")).to_have_class(re.compile("is-current"))
    expect(member.locator('.services-menu__panel a[aria-current="page"]')).to_have_attribute("data-field", "payroll")
    trip.check(member, "paie")

    # A phone: one « Menu » button; opened, the nav; then Services; then a field.
    member.set_viewport_size({"width": 375, "height": 740})
    member.goto(trip.base_url + "/")
    nav_list = member.locator(".main-nav__list")
    expect(nav_list).to_be_hidden()
    header = member.locator(".site-header").bounding_box()["height"]
    assert header < 200, header  # was 807 px of 740 with twenty fields at the top level
    member.locator(".nav-menu__toggle").click()
    expect(nav_list).to_be_visible()
    open_services(member)
    member.screenshot(path=SCREENSHOTS / "services_menu" / "phone-menu-open-375.png", full_page=True)
    member.locator('.services-menu__panel a[data-field="tax"]').click()
    expect(member.locator("h1")).to_contain_text("Fiscalité")
    expect(member.locator(".main-nav__list")).to_be_hidden()  # the next page starts collapsed
    trip.check(member, "fiscalite telephone")

    expert = trip.open_as(people.expert)
    open_services(expert)
    own = expert.locator('ul[aria-labelledby="services-own"] a')
    expect(own).to_have_count(6)  # the four plugins the fixture serves, then payroll and tax
    expect(expert.locator('ul[aria-labelledby="services-others"]')).to_have_count(0)
    trip.check(expert, "expert services")

    admin = trip.open_as(people.admin)
    open_services(admin)
    expect(admin.locator('ul[aria-labelledby="services-others"] a')).to_have_count(20)
    trip.check(admin, "admin services")

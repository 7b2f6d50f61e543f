"""Issue "Core platform": a member switches language and logs out; an admin disables a module."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.helpers import log_in
from tests.sample_plugin import SamplePlugin
from tests.test_plugins import _subscribe_org_a


def test_member_switches_to_english_and_logs_out(page, live_server, register_plugin, people):
    app = register_plugin(SamplePlugin())
    with app.app_context():
        from extranet.accounts.models import User
        from extranet.extensions import db

        db.session.get(User, people.member_a.id).locale = "fr_CA"
        db.session.commit()
    base_url = live_server(app)
    log_in(page, base_url, people.member_a)
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    page.click(".lang-switch button[value=en]")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.click(".user-menu summary")
    page.click(".user-menu button[type=submit]")
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.locator("h1")).to_have_text("Log in")
    expect(page.locator("html")).to_have_attribute("lang", "en")


def test_admin_disables_a_module_and_its_menu_entry_vanishes(page, live_server, register_plugin, people):
    app = register_plugin(SamplePlugin())
    _subscribe_org_a(app, people)
    base_url = live_server(app)
    log_in(page, base_url, people.admin)
    menu_entry = page.locator('.main-nav a[data-field="sample"]')
    page.click(".services-menu > summary")  # the fields are in the « Services » menu
    expect(menu_entry).to_be_visible()
    page.goto(base_url + "/admin/modules")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#module-sample button[type=submit]")
    expect(page.locator("#module-sample .badge")).to_have_class(re.compile("badge--off"))
    expect(menu_entry).to_have_count(0)
    assert page.goto(base_url + "/sample/").status == 404

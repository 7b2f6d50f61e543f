"""Issue 10's "done when": an admin creates "Communications et marketing" in the browser with two
request types (one reviewed by a second expert), a member files one with a file, an expert
handles it through delivery with time logged and a colleague's review, the manager finds it on
her monthly statement, and the admin moves the field to a fresh instance (another application on
another database) by exporting and importing it; every page checked."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

from playwright.sync_api import expect

from extranet.plugin_testing import make_expert
from extranet.testing import _test_config, _upgrade, create_person
from tests.browser.helpers import file, transition
from tests.test_stored_fields import give_field


def _fill(page, **values):
    for name, value in values.items():
        page.fill(f"main form [name={name}]", value)


def _question(admin, name, kind, label_fr, label_en, required=False, **more):
    admin.click("text=Add a question")
    _fill(admin, name=name, label_fr=label_fr, label_en=label_en, **more)
    admin.select_option("main form select[name=kind]", kind)
    if required:
        admin.check("main form input[name=required]")
    admin.click("main form button[type=submit]")
    expect(admin.locator("#questions")).to_contain_text(label_en)  # the admin reads English


def _fresh_instance(database_url: str, folder: Path):
    """Another application on an empty database of its own, its schema built by the migrations
    as ``flask db upgrade heads`` builds it, with one admin and nothing else."""
    from extranet import create_app
    from extranet.extensions import db

    other = create_app(_test_config(database_url, folder))
    _upgrade(other, set())
    with other.app_context():
        admin = create_person("admin@other.example", "Odile Admin", is_admin=True)
        db.session.commit()
    return other, admin


def _agreement(app, organization_id: int, field: str) -> None:
    from extranet.extensions import db
    from extranet.hours.models import Agreement

    with app.app_context():
        db.session.add(Agreement(organization_id=organization_id, field=field, year=date.today().year,
                                 minutes_allotted=20 * 60, hourly_rate_cents=9500, overage_rate_cents=11500))
        db.session.commit()


def test_an_admin_builds_a_field_a_member_files_in_it_and_an_expert_delivers(app, live_server, people, journey,
                                                                              fresh_database, tmp_path):
    trip = journey(live_server(app))
    admin = trip.open_as(people.admin, locale="en-CA")
    admin.goto(f"{trip.base_url}/admin/modules")
    trip.check(admin, "modules")
    admin.click("text=Create a field")
    trip.check(admin, "new field")
    _fill(admin, slug="communications", name_fr="Communications et marketing", name_en="Communications and marketing",
          description_fr="Plans de communication et campagnes.", description_en="Communication plans and campaigns.",
          prefix="COM", colour="#8a4b08", icon="megaphone", order="50")
    admin.click("main form button[type=submit]")
    expect(admin.locator(".flash--success")).to_be_visible()
    trip.check(admin, "field created")

    admin.click("text=Add a request type")
    trip.check(admin, "new type")
    _fill(admin, slug="campaign", name_fr="Campagne", name_en="Campaign", description_en="A campaign to plan.")
    admin.select_option("main form select[name=priority]", "high")
    admin.select_option("main form select[name=workflow]", "second_review")  # a colleague reviews the work
    admin.click("main form button[type=submit]")
    _question(admin, "audience", "short_text", "Public visé", "Audience", required=True, max="200")
    _question(admin, "budget", "amount", "Budget", "Budget", min="0", max="100000")
    _question(admin, "channels", "choices", "Canaux", "Channels",
              choices="web | Site Web | Website\nsocial | Médias sociaux | Social media")
    admin.click("text=Add a question")
    trip.check(admin, "new question")
    admin.go_back()
    _question(admin, "brief", "file", "Devis", "Brief", required=True, file_types="pdf")
    admin.locator("#q-brief form", has_text="Move up").locator("button").click()  # no script needed: a form
    expect(admin.locator("#questions > li").nth(2)).to_have_id("q-brief")
    admin.set_viewport_size({"width": 1280, "height": 2400})  # both in view: a drag that scrolls loses its start
    admin.locator("#q-channels").drag_to(admin.locator("#q-audience"), source_position={"x": 8, "y": 8},
                                         target_position={"x": 8, "y": 8})  # drag and drop: the same moves
    expect(admin.locator("#questions > li").first).to_have_id("q-channels")
    expect(admin.locator("#questions > li").nth(3)).to_have_id("q-brief")
    admin.set_viewport_size({"width": 1280, "height": 800})
    trip.check(admin, "campaign form")

    admin.goto(f"{trip.base_url}/admin/fields/communications")
    admin.click("text=Add a request type")
    _fill(admin, slug="press_release", name_fr="Communiqué de presse", name_en="Press release")
    admin.click("main form button[type=submit]")
    trip.check(admin, "press release type")
    admin.click("text=Add a question")
    trip.check(admin, "press release question")
    admin.go_back()
    _question(admin, "embargo", "date", "Embargo", "Embargo")
    admin.goto(f"{trip.base_url}/admin/fields/communications")
    expect(admin.locator("#types li")).to_have_count(2)
    trip.check(admin, "field with two types")
    give_field(app, people)  # organizations subscribe and the expert works in it (admin pages of their own)
    _agreement(app, people.org_a, "communications")  # Coopérative A buys hours of it this year

    member = trip.open_as(people.member_a, locale="en-CA")
    trip.check(member, "member's dashboard")
    member.click(".services-menu > summary")
    member.click(".main-nav >> text=Communications and marketing")
    trip.check(member, "field home")
    member.click("a.tile >> text=Campaign")
    trip.check(member, "campaign form")
    member.fill("input[name=title]", "Campagne du printemps")
    member.fill("input[name=audience]", "Nos membres")
    member.fill("input[name=budget]", "2500,00")
    member.check("input[name=channels][value=web]")
    member.set_input_files("input[name=brief]", [file("devis.pdf")])
    member.click("main form button[type=submit]")
    expect(member.locator("#request-state")).to_have_text("Submitted")
    reference = re.search(r"/requests/(COM-\d{4}-\d{4})$", member.url).group(1)
    expect(member.locator("#request-about .facts")).to_contain_text("Nos membres")
    expect(member.locator("main")).to_contain_text("devis.pdf")
    trip.check(member, "submitted")

    expert = trip.open_as(people.expert, locale="en-CA")
    expert.goto(f"{trip.base_url}/requests/?field=communications")
    trip.check(expert, "field's requests")
    expert.click(f"text={reference}")
    expert.click("#take-request")
    transition(expert, "accept")
    transition(expert, "start")
    expert.click('summary[data-open="log-time"]')  # folded on the request page
    expert.fill("#log-time [name=duration]", "1h30")
    expert.fill("#log-time [name=note]", "Plan de campagne")
    expert.click("#log-time button[type=submit]")
    expect(expert.locator("#time-totals")).to_contain_text("1:30")
    trip.check(expert, "time logged")
    transition(expert, "request_review")
    expect(expert.locator("#request-state")).to_have_text("In review")
    expect(expert.locator("#refused-approve_review")).to_contain_text("A second expert must review the work")
    trip.check(expert, "in review")

    # A colleague who speaks French reviews it: the core workflow's steps read in her language.
    reviewer = trip.open_as(make_expert(app, "communications", "reviewer@test.org", "Rita Reviewer"))
    reviewer.goto(f"{trip.base_url}/requests/{reference}")
    expect(reviewer.locator("#request-state")).to_have_text("En révision")
    expect(reviewer.locator('summary[data-transition="approve_review"]')).to_contain_text("Approuver le travail")
    trip.check(reviewer, "to review")
    transition(reviewer, "approve_review")
    expect(reviewer.locator("#request-state")).to_have_text("Révisée")
    trip.check(reviewer, "reviewed")

    expert.reload()
    transition(expert, "deliver")
    expect(expert.locator("#request-state")).to_have_text("Delivered")
    trip.check(expert, "delivered")
    member.reload()
    expect(member.locator("#request-state")).to_have_text("Delivered")
    trip.check(member, "delivered for the member")

    # The manager finds the time on her organization's statement of the month.
    manager = trip.open_as(people.manager_a, locale="en-CA")
    manager.click('.main-nav a[href="/hours/"]')
    trip.check(manager, "hour bank")
    manager.get_by_role("link", name="Monthly statements").click()
    trip.check(manager, "statements")
    manager.get_by_role("link", name="See the draft statement").click()
    statement = manager.locator("main")
    expect(statement).to_contain_text(reference)
    expect(statement).to_contain_text("Campagne du printemps")
    expect(statement).to_contain_text("Communications and marketing")
    expect(statement).to_contain_text("1.50")  # decimal hours
    expect(statement).not_to_contain_text("no agreement")
    trip.check(manager, "draft statement")

    # The admin moves the field to a fresh instance: exported here, imported there; a file that
    # does not validate is refused with its reasons and changes nothing.
    admin.goto(f"{trip.base_url}/admin/fields/communications")
    with admin.expect_download() as download:
        admin.click("text=Export the field (JSON)")
    exported_path = Path(tmp_path / "field-communications.json")
    download.value.save_as(exported_path)
    exported = json.loads(exported_path.read_text(encoding="utf-8"))
    trip.checked.add("/admin/fields/communications/export")  # a download, not a page to check
    assert [(t["slug"], t["workflow"]) for t in exported["types"]] == [("campaign", "second_review"),
                                                                        ("press_release", "standard")]

    other, other_admin = _fresh_instance(fresh_database, tmp_path / "other")
    try:
        there = journey(live_server(other), part="fresh-instance")
        admin2 = there.open_as(other_admin, locale="en-CA")
        there.check(admin2, "dashboard")
        admin2.goto(f"{there.base_url}/admin/modules")
        expect(admin2.locator("main")).not_to_contain_text("Communications and marketing")
        there.check(admin2, "modules, before")
        admin2.click("text=Import a field")
        there.check(admin2, "import")
        broken = {**exported, "types": [{**exported["types"][0], "workflow": "nowhere"}]}
        admin2.fill("main form textarea[name=text]", json.dumps(broken))
        admin2.click("main form button[type=submit]")
        expect(admin2.locator("#import-refused")).to_contain_text("unknown workflow 'nowhere'")
        there.check(admin2, "import refused")
        admin2.fill("main form textarea[name=text]", "")
        admin2.set_input_files("main form input[name=file]", str(exported_path))
        admin2.click("main form button[type=submit]")
        expect(admin2.locator(".flash--success")).to_contain_text("imported")
        expect(admin2.locator("#types li")).to_have_count(2)
        there.check(admin2, "imported")
        admin2.locator("#types").get_by_role("link", name="Campaign").click()
        expect(admin2.locator("main form select[name=workflow]")).to_have_value("second_review")
        expect(admin2.locator("#questions > li")).to_have_count(4)
        there.check(admin2, "imported type")
        admin2.goto(f"{there.base_url}/admin/modules")
        expect(admin2.locator("main")).to_contain_text("Communications and marketing")
        there.check(admin2, "modules, after")
    finally:
        from extranet.extensions import db

        with other.app_context():
            db.session.remove()
            db.engine.dispose()
    with app.app_context():  # the first instance did not get a second copy
        from extranet.stored_fields.models import StoredField

        assert StoredField.query.count() == 1

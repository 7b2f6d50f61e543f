"""Issue 10 §1: an admin creates "Communications et marketing" in the browser with two request
types, a member files one with a file, an expert handles it through delivery; every page checked."""

from __future__ import annotations

import json
import re
from pathlib import Path

from playwright.sync_api import expect

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


def test_an_admin_builds_a_field_a_member_files_in_it_and_an_expert_delivers(app, live_server, people, journey):
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
    transition(expert, "deliver")
    expect(expert.locator("#request-state")).to_have_text("Delivered")
    trip.check(expert, "delivered")
    member.reload()
    expect(member.locator("#request-state")).to_have_text("Delivered")
    trip.check(member, "delivered for the member")

    # The admin moves the field to another instance: exported, then imported (here under
    # another identifier); a file that does not validate is refused with its reasons.
    admin.goto(f"{trip.base_url}/admin/fields/communications")
    with admin.expect_download() as download:
        admin.click("text=Export the field (JSON)")
    exported = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
    trip.checked.add("/admin/fields/communications/export")  # a download, not a page to check
    assert [t["slug"] for t in exported["types"]] == ["campaign", "press_release"]
    admin.goto(f"{trip.base_url}/admin/modules")
    admin.click("text=Import a field")
    trip.check(admin, "import")
    broken = {**exported, "types": [{**exported["types"][0], "workflow": "nowhere"}]}
    admin.fill("main form textarea[name=text]", json.dumps(broken))
    admin.click("main form button[type=submit]")
    expect(admin.locator("#import-refused")).to_contain_text("unknown workflow 'nowhere'")
    trip.check(admin, "import refused")
    moved = {**exported, "field": {**exported["field"], "slug": "marketing", "prefix": "MKT"}}
    admin.fill("main form textarea[name=text]", json.dumps(moved))
    admin.click("main form button[type=submit]")
    expect(admin.locator(".flash--success")).to_contain_text("imported")
    expect(admin.locator("#types li")).to_have_count(2)
    trip.check(admin, "imported")

"""Two-factor sign-in in a browser: an expert sets it up from her profile (the key read off the
page, the code computed as her phone's app would), signs out, signs in again with a code, signs
in from a second browser with a recovery code, and ends that other session from her profile:
the other browser is signed out."""

from __future__ import annotations

import re
import time

import pyotp
from playwright.sync_api import expect

from tests.browser.helpers import DESKTOP, HEIGHT


def sign_out(page) -> None:
    page.click(".user-menu summary")
    page.click(".user-menu button[type=submit]")
    expect(page).to_have_url(re.compile(r"/login$"))


def password_step(page, base_url: str, person) -> None:
    page.goto(base_url + "/login")
    page.fill("input[name=email]", person.email)
    page.fill("input[name=password]", person.password)
    page.click("main form button[type=submit]")


def test_expert_enrols_signs_in_with_codes_and_ends_another_session(app, live_server, people, journey):
    base_url = live_server(app)
    trip = journey(base_url)
    expert = trip.open_as(people.expert, locale="en-CA")

    expert.click(".user-menu summary")
    expert.click('.user-menu a[href="/profile"]')
    expect(expert.locator("#second-factor")).to_contain_text("Off")
    trip.check(expert, "profile before")

    # Setting up: the QR code, and the key an app can be given by hand.
    expert.click('#second-factor a[href="/profile/two-factor"]')
    expect(expert.locator(".qr-code-box svg")).to_be_visible()
    trip.check(expert, "setup")
    secret = expert.locator("#totp-secret").inner_text().replace(" ", "")
    app_on_phone = pyotp.TOTP(secret)
    expert.fill("input[name=code]", app_on_phone.now())
    expert.click("main form button[type=submit]")
    # all_inner_texts() does not wait: the page must have come before its codes are read.
    expect(expert.locator("#recovery-codes code").first).to_be_visible()
    codes = expert.locator("#recovery-codes code").all_inner_texts()
    assert len(codes) == 10
    trip.check(expert, "recovery codes")
    expert.click("main .actions a.button")
    expect(expert.locator("#recovery-codes-left")).to_have_text("10 recovery codes left.")

    # Signing in again asks for a code; the one used to set up would be refused, the next
    # one is good (the app shows it as the half-minute turns).
    sign_out(expert)
    password_step(expert, base_url, people.expert)
    expect(expert).to_have_url(re.compile(r"/login/code"))
    expect(expert.locator("h1")).to_have_text("Two-factor sign-in")
    trip.check(expert, "code asked")
    expert.fill("input[name=code]", app_on_phone.at(time.time() + 30))
    expert.click("main form button[type=submit]")
    expect(expert.locator("h1")).to_contain_text(people.expert.name)

    # A second browser, without the phone: a recovery code.
    other_context = trip.browser.new_context(locale="en-CA", viewport={"width": DESKTOP, "height": HEIGHT})
    trip.contexts.append(other_context)
    other = other_context.new_page()
    other.set_default_timeout(10_000)
    password_step(other, base_url, people.expert)
    expect(other).to_have_url(re.compile(r"/login/code"))
    other.fill("input[name=code]", codes[0])
    other.click("main form button[type=submit]")
    expect(other.locator("h1")).to_contain_text(people.expert.name)
    expect(other.locator(".flash--warning")).to_contain_text("9 are left")
    trip.check(other, "signed in with a recovery code")

    # The first browser sees both sessions and ends the other one.
    expert.click(".user-menu summary")
    expert.click('.user-menu a[href="/profile"]')
    rows = expert.locator("#sessions tbody tr")
    expect(rows).to_have_count(2)
    expect(expert.locator("#sessions tr.current")).to_contain_text("This browser")
    expect(expert.locator("#recovery-codes-left")).to_have_text("9 recovery codes left.")
    trip.check(expert, "profile with two sessions")
    expert.locator("#sessions tbody tr:not(.current) button[type=submit]").click()
    expect(expert.locator(".flash--success")).to_contain_text("The session is ended")
    expect(rows).to_have_count(1)
    trip.check(expert, "other session ended")

    # The other browser is signed out at its next step.
    other.reload()
    expect(other).to_have_url(re.compile(r"/login"))
    expect(other.locator("h1")).to_have_text("Log in")

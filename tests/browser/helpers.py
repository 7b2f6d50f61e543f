"""What every browser journey does: log in, and check each page it visits (axe-core, no
horizontal scrolling on a phone, screenshots at desktop and phone widths)."""

from __future__ import annotations

import os
import re
import shutil
import struct
import unicodedata
import zlib
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

# Each page's screenshots, under test-results/ unless EXTRANET_SCREENSHOTS names another folder
# (.ci/run runs the SQLite and PostgreSQL passes at once, each into its own).
SCREENSHOTS = Path(os.environ.get("EXTRANET_SCREENSHOTS")
                   or Path(__file__).resolve().parents[2] / "test-results" / "screenshots")
DESKTOP, PHONE = 1280, 375
HEIGHT = 800

_axe = Axe()

# htmx marks what it is loading or swapping (panels that load themselves have started by the
# page's load event): a page is checked once that has settled.
SETTLED = "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')"

# The element that makes a phone-wide page scroll sideways, named for the failure message.
WIDEST = """(width) => {
    const culprits = [];
    for (const el of document.querySelectorAll('body *')) {
        const box = el.getBoundingClientRect();
        if (box.right > width + 1 && box.width > 0 && !el.closest('.table-wrap, pre')) {
            culprits.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
                + (el.className && typeof el.className === 'string' ? '.' + el.className.trim().replace(/ +/g, '.') : '')
                + ' (' + Math.round(box.right) + 'px)');
        }
    }
    return culprits.slice(-5);
}"""


@contextmanager
def without_javascript(browser, locale: str = "fr-CA"):
    """A page of a browser context of its own with JavaScript off (closed after)."""
    context = browser.new_context(locale=locale, java_script_enabled=False)
    try:
        yield context.new_page()
    finally:
        context.close()


def log_in(page, base_url, person):
    page.goto(base_url + "/login")
    page.fill("input[name=email]", person.email)
    page.fill("input[name=password]", person.password)
    page.click("main form button[type=submit]")
    expect(page.locator("h1")).to_contain_text(person.name)


def slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def fresh_folder(folder: str) -> None:
    """Empty a test's screenshot folder, so that what it holds is this run's pages only."""
    shutil.rmtree(SCREENSHOTS / folder, ignore_errors=True)


def check_page(page, folder: str, step: str) -> None:
    """Axe-core finds no violation on the page as it is now, it does not scroll sideways at
    375 px, and screenshots at 1280 and 375 px go to test-results/screenshots/<folder>/."""
    page.wait_for_load_state("load")
    page.wait_for_function(SETTLED)
    results = _axe.run(page)
    assert results.violations_count == 0, f"{step} ({page.url}):\n{results.generate_report()}"

    out = SCREENSHOTS / folder
    out.mkdir(parents=True, exist_ok=True)
    viewport = page.viewport_size or {"width": DESKTOP, "height": HEIGHT}
    try:
        page.set_viewport_size({"width": DESKTOP, "height": HEIGHT})
        page.screenshot(path=out / f"{step}-{DESKTOP}.png", full_page=True)
        page.set_viewport_size({"width": PHONE, "height": HEIGHT})
        overflow = page.evaluate("document.documentElement.scrollWidth")
        if overflow > PHONE:
            culprits = page.evaluate(WIDEST, PHONE)
            raise AssertionError(f"{step} ({page.url}) is {overflow}px wide at {PHONE}px: {culprits}")
        page.screenshot(path=out / f"{step}-{PHONE}.png", full_page=True)
    finally:
        page.set_viewport_size(viewport)


class Journey:
    """People of one journey, each in their own browser context, logged in once; every page
    they reach must be checked (``check``) before they leave it, or the journey fails."""

    def __init__(self, browser, base_url: str, name: str):
        self.browser, self.base_url, self.name = browser, base_url, name
        self.contexts = []
        self.visited: dict[str, str] = {}  # path → the first URL it was reached at
        self.checked: set[str] = set()
        self.steps = 0
        fresh_folder(name)

    def open_as(self, person, locale: str = "fr-CA"):
        context = self.browser.new_context(locale=locale, viewport={"width": DESKTOP, "height": HEIGHT})
        self.contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.on("request", lambda request: self._requested(page, request))
        page.on("dialog", lambda dialog: dialog.accept())  # "Disable the module?", "Close the month?": yes
        log_in(page, self.base_url, person)
        return page

    def _requested(self, page, request) -> None:
        # Pages reached by following a link or typing an address; a form post's answer shows
        # the address of the page it is (app.js), which is where it gets checked.
        if request.is_navigation_request() and request.frame == page.main_frame and request.method == "GET":
            path = urlsplit(request.url).path
            if path != "/login":  # the login page is the way in, checked by the core journeys
                self.visited.setdefault(path, request.url)

    def check(self, page, step: str) -> None:
        self.steps += 1
        check_page(page, self.name, f"{self.steps:02d}-{slug(step)}")
        self.checked.add(urlsplit(page.url).path)

    def close(self, failed: bool) -> None:
        for n, context in enumerate(self.contexts, start=1):
            if failed:  # what each person saw when it failed
                for page in context.pages:
                    SCREENSHOTS.joinpath(self.name).mkdir(parents=True, exist_ok=True)
                    page.screenshot(path=SCREENSHOTS / self.name / f"failed-{n}.png", full_page=True)
            context.close()
        if not failed:
            missed = [url for path, url in self.visited.items() if path not in self.checked]
            assert not missed, f"pages visited but not checked: {missed}"


def transition(page, slug: str, **fields) -> None:
    """Open the action's box, fill what it asks (``comment="…"``), confirm; the page reloads
    with the outcome announced. A box left open (a refused attempt) is filled again as it is."""
    summary = page.locator(f'summary[data-transition="{slug}"]')
    if not summary.evaluate("summary => summary.parentElement.open"):
        summary.click()
    form = page.locator(f'summary[data-transition="{slug}"] + form')
    for name, value in fields.items():
        # Each action's form has its fields prefixed with its name (several on one page).
        control = form.locator(f'[name="{slug}-{name}"], [name="{name}"]')
        if value is True:
            control.check()
        else:
            control.fill(value)
    form.locator("button[type=submit]").click()
    expect(page.locator(".flash--success")).to_be_visible()


def send_message(page, text: str, files=(), internal: bool = False) -> None:
    """Write in the conversation (an internal note if asked), attach files, send: it appears
    in place."""
    page.fill("#conversation textarea[name=body]", text)
    if files:
        page.set_input_files("#conversation input[type=file]", list(files))
    if internal:
        page.check("#conversation input[name=internal]")
    page.click("#conversation button[type=submit]")
    expect(page.locator("#conversation .timeline")).to_contain_text(text)


def log_time_in_timesheet(trip, page, reference: str, title: str, duration: str) -> None:
    """Open the week's timesheet (checked), log ``duration`` on the request, see it listed."""
    page.goto(f"{trip.base_url}/hours/timesheet")
    trip.check(page, "timesheet")
    page.select_option("#request_id", label=f"{reference} · {title}")
    page.fill("#duration", duration)
    page.locator("#timesheet-log button[type=submit]").click()
    expect(page.locator(".timesheet-entries")).to_contain_text(reference)


def never_reloaded(page) -> list:
    """The pages ``page`` loads from now on: a live page's list stays empty."""
    loads = []
    page.on("load", lambda loaded: loads.append(loaded.url))
    return loads


def sees_without_reloading(page, loads: list, text: str, typed: str) -> None:
    """``text`` arrives in the history of the page ``page`` is reading (a live update), with the
    badge beside the message box, and what was ``typed`` there is kept: no reload."""
    expect(page.locator("#timeline")).to_contain_text(text)
    expect(page.locator("#conversation .live-badge")).to_be_visible()
    expect(page.locator("#conversation textarea[name=body]")).to_have_value(typed)
    assert loads == []


PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n%%EOF\n"


def _png() -> bytes:
    """A 1×1 white PNG, made here rather than pasted."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0\xff\xff\xff")) + chunk(b"IEND", b"")


PNG = _png()


def file(name: str, content: bytes = PDF, mime: str = "application/pdf") -> dict:
    return {"name": name, "mimeType": mime, "buffer": content}


def filed(app, person, organization_id: int, field: str, type_slug: str, title: str, at=None, **data) -> str:
    """A request ``person`` filed earlier (``at``, or now: the journey starts after it): its
    reference."""
    from extranet.db_types import utcnow
    from extranet.extensions import db
    from extranet.plugins import host
    from extranet.requests.models import RequestEvent, ServiceRequest
    from extranet.requests.service import next_reference

    with app.app_context():
        registry = host()
        rtype = registry.request_types[(field, type_slug)]
        now = at or utcnow()
        req = ServiceRequest(
            reference=next_reference(registry.fields[field].reference_prefix, now.year),
            organization_id=organization_id, field=field, type=type_slug, title=title, data=data,
            state=registry.workflows[rtype.workflow].initial, confidentiality=rtype.confidentiality,
            requester_id=person.id, created_at=now, state_changed_at=now,
        )
        db.session.add(req)
        db.session.add(RequestEvent(request=req, actor_id=person.id, kind="created", to_state=req.state))
        db.session.commit()
        return req.reference


def speaking(app, locale: str, *persons) -> None:
    """Their profiles say ``locale`` (which wins over the browser's languages)."""
    from extranet.accounts.models import User
    from extranet.extensions import db

    with app.app_context():
        for person in persons:
            db.session.get(User, person.id).locale = locale
        db.session.commit()


def last_month() -> date:
    return (date.today().replace(day=1) - timedelta(days=1)).replace(day=1)


def hours_last_month(app, people) -> None:
    """Coopérative A and B each have an HR agreement (last month's year and this one) and time
    logged last month."""
    from extranet.extensions import db
    from extranet.hours.models import Agreement, TimeEntry
    from extranet.requests.models import ServiceRequest

    month = last_month()
    filed_at = datetime(month.year, month.month, 2, 14, tzinfo=UTC)
    for org, member, minutes in ((people.org_a, people.member_a, 150), (people.org_b, people.member_b, 90)):
        reference = filed(app, member, org, "hr", "policy_review", f"Politique de vacances {org}",
                          at=filed_at, policy_name="Vacances", goals="Harmoniser les règles.")
        with app.app_context():
            req = db.session.scalar(db.select(ServiceRequest).filter_by(reference=reference))
            req.state = "in_progress"
            db.session.add_all(
                Agreement(organization_id=org, field="hr", year=year, minutes_allotted=6000,
                          hourly_rate_cents=9500, overage_rate_cents=11500)
                for year in {month.year, date.today().year}
            )
            db.session.add(TimeEntry(request_id=req.id, expert_id=people.expert.id, date=month.replace(day=10),
                                     minutes=minutes, activity="analysis"))
            db.session.commit()

"""A live server on 127.0.0.1 and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import os
import shutil

import pytest

from tests.browser import helpers
from tests.browser.helpers import Journey

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    # Kept on the test so that a journey's teardown knows whether the test itself failed.
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM) and not os.environ.get("CI"):
        pytest.skip("Debian's chromium is not installed (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def journey(browser, request):
    """``journey(base_url)``: a :class:`Journey` named after the test, whose people each get
    their own browser context (``open_as``) and whose pages are all checked (``check``). A
    second instance's journey in the same test is told apart by ``part`` (its screenshots'
    folder)."""
    journeys = []

    def start(base_url: str, part: str = "") -> Journey:
        name = request.node.name.removeprefix("test_") + (f"-{part}" if part else "")
        journeys.append(Journey(browser, base_url, name))
        return journeys[-1]

    yield start
    report = getattr(request.node, "report_call", None)
    for one in journeys:
        one.close(failed=report is None or report.failed)


@pytest.fixture
def app_journey(journey, live_server, app):
    """A :class:`Journey` on a live server of the test's own ``app``."""
    return journey(live_server(app))


@pytest.fixture
def check_page(request):
    """``check_page(page, step)``: axe-core and screenshots of one page of a test that drives
    the plain ``page`` fixture (see :func:`tests.browser.helpers.check_page`)."""
    steps = []
    helpers.fresh_folder(request.node.name.removeprefix("test_"))

    def check(page, step: str) -> None:
        steps.append(step)
        helpers.check_page(page, request.node.name.removeprefix("test_"), f"{len(steps):02d}-{helpers.slug(step)}")

    return check


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="fr-CA")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()

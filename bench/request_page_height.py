"""The height of request pages at 1280 and 375 px, as an expert and as a member of the demo
(issue 11 §1: pages reached 4,900 px), with a full-page screenshot of each.

    make run   # or: flask db upgrade heads && DEMO_PASSWORD=… flask demo && flask run
    .venv/bin/python bench/request_page_height.py http://127.0.0.1:5000 PASSWORD [REFERENCE …]

Screenshots go to test-results/screenshots/request-page-<tag>/ (``--tag``, default "now")."""

from __future__ import annotations

import argparse
from pathlib import Path

from playwright.sync_api import sync_playwright

PEOPLE = {"expert": "expert@example.org", "member": "membre.a@example.org"}
WIDTHS = (1280, 375)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("base_url")
    parser.add_argument("password")
    parser.add_argument("references", nargs="*", default=["TI-2026-0013", "CPT-2026-0002", "CPT-2026-0013"])
    parser.add_argument("--tag", default="now")
    args = parser.parse_args()
    out = Path("test-results/screenshots") / f"request-page-{args.tag}"
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"])
        for who, email in PEOPLE.items():
            context = browser.new_context(locale="fr-CA", viewport={"width": WIDTHS[0], "height": 800})
            page = context.new_page()
            page.goto(args.base_url + "/login")
            page.fill("input[name=email]", email)
            page.fill("input[name=password]", args.password)
            page.click("main form button[type=submit]")
            page.wait_for_load_state("load")
            for reference in args.references:
                page.goto(f"{args.base_url}/requests/{reference}")
                page.wait_for_load_state("networkidle")  # the lazy panels (documents, time)
                for width in WIDTHS:
                    page.set_viewport_size({"width": width, "height": 800})
                    height = page.evaluate("document.documentElement.scrollHeight")
                    page.screenshot(path=out / f"{reference}-{who}-{width}.png", full_page=True)
                    print(f"{reference:14} {who:7} {width:5} px wide: {height:6} px high")
                page.set_viewport_size({"width": WIDTHS[0], "height": 800})
            context.close()
        browser.close()


if __name__ == "__main__":
    main()

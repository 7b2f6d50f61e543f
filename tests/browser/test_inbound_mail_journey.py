"""Issue 13: an admin finds an e-mail whose processing failed, with the reason, has it processed
again once the cause is fixed and sees what it became; then gives the field the address rh@…"""

from __future__ import annotations

import io
from email.message import EmailMessage

import pytest
from playwright.sync_api import expect

from extranet.extensions import db
from extranet.inbound.models import InboundEmail
from extranet.inbound.service import process_pending, store_raw
from extranet.modules import Module
from extranet.storage import get_storage
from tests.sample_plugin import SamplePlugin

DOMAIN = "in.test.org"


@pytest.fixture
def app(register_plugin):
    return register_plugin(SamplePlugin(), INBOUND_DOMAIN=DOMAIN)


def test_an_admin_retries_a_failed_e_mail_and_sets_a_field_address(app_journey, app, people):
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = people.member_a.email, f"sample@{DOMAIN}", "Payroll question"
    message.set_content("Who signs the T4 slips?")
    with app.app_context():
        db.session.add(Module(slug="sample", enabled=True, settings={"inbound_type": "review"}))
        db.session.commit()
        row = store_raw(message.as_bytes(), people.member_a.email, [f"sample@{DOMAIN}"])
        mail_id = row.id
        get_storage().delete(row.storage_key)  # the storage lost it for a while: processing fails
        assert process_pending() == {"failed": 1}

    journey = app_journey
    admin = journey.open_as(people.admin)
    journey.check(admin, "admin's dashboard")
    admin.goto(f"{journey.base_url}/admin/")
    journey.check(admin, "administration")
    admin.get_by_role("link", name="Inbound mail").click()
    expect(admin.locator("h1")).to_have_text("Inbound mail")
    failed = admin.locator("#inbound-mail tbody tr", has_text="Payroll question")
    expect(failed).to_contain_text("Failed")
    # The reason, as a person reads it; the exception's text (a server path) stays in the log.
    expect(failed).to_contain_text("could not be read from the file storage")
    expect(failed).to_contain_text("Error id for the operator")
    expect(failed).not_to_contain_text("FileNotFoundError")
    journey.check(admin, "a failed e-mail and its reason")

    with app.app_context():  # the storage is back
        stored = get_storage().save(io.BytesIO(message.as_bytes()))
        db.session.get(InboundEmail, mail_id).storage_key = stored.key
        db.session.commit()
    failed.get_by_role("button", name="Process again").click()
    expect(admin.locator(".flash--success")).to_contain_text("processed again at the worker's next pass")
    expect(failed).to_contain_text("Waiting")
    journey.check(admin, "waiting for the worker")
    with app.app_context():
        assert process_pending() == {"done": 1}
    admin.reload()
    expect(failed).to_contain_text("Filed as a request")
    expect(failed).to_contain_text("SAMPLE-")
    expect(admin.get_by_role("button", name="Process again")).to_have_count(0)
    journey.check(admin, "filed as a request")

    admin.get_by_role("link", name="Change the address of Sample").click()
    expect(admin.locator("h1")).to_contain_text("E-mail address of")
    journey.check(admin, "the field's address")
    admin.get_by_label("Address").fill("reply")
    admin.get_by_role("button", name="Save").click()
    expect(admin.locator(".error, [role=alert]").first).to_contain_text("not starting with")
    journey.check(admin, "an address refused")
    admin.get_by_label("Address").fill("rh")
    admin.get_by_role("button", name="Save").click()
    expect(admin.locator("#address-sample")).to_contain_text(f"rh@{DOMAIN}")
    journey.check(admin, "the field answers at rh@")

"""Page panels (``extranet_page_panels``): the slots of the request page, an organization's
pages and a document space. A field plugin is asked only about its own field's requests and
spaces and about organizations subscribed to it, only for a viewer who may see the page, only
while its module is on; a panel with an action is shown only to whoever passes it."""

from __future__ import annotations

import pytest

from tests.sample_plugin import SamplePlugin
from tests.test_requests import file_request


@pytest.fixture
def plugins():
    return SamplePlugin(), SamplePlugin("other", order=60)


@pytest.fixture
def app(register_plugin, plugins):
    return register_plugin(*plugins)


def _html(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, url
    return response.get_data(as_text=True)


def _set_module(app, slug, enabled):
    from extranet.extensions import db
    from extranet.plugins import host

    with app.test_request_context():
        host().set_enabled(slug, enabled)
        db.session.commit()


def test_extranet_page_panels__the_request_page_shows_its_own_fields_panels_by_the_policy(app, plugins, people, client_for):
    member = client_for(app, people.member_a)
    reference = file_request(member)
    page = _html(member, f"/requests/{reference}")
    assert 'id="panel-sample-request"' in page and 'hx-get="/sample/panel/request"' in page
    assert "panel-sample-request-staff" not in page  # its action is the field's staff's
    assert "panel-other-request" not in page  # another field's plugin is not asked
    assert [asked for asked in plugins[1].panels_asked if asked[0] == "request"] == []
    expert = _html(client_for(app, people.expert), f"/requests/{reference}")
    assert "panel-sample-request-staff" in expert
    # The panel's own route checks the policy again.
    assert _html(member, "/sample/panel/request") == "<p>Sample request panel</p>"
    assert client_for(app, people.member_a).get("/sample/panel/request?staff=1").status_code in (403, 404)


def test_a_request_one_may_not_see_asks_no_plugin(app, plugins, people, client_for):
    reference = file_request(client_for(app, people.member_a))
    plugins[0].panels_asked.clear()
    _html(client_for(app, people.member_b), f"/requests/{reference}", status=404)
    assert plugins[0].panels_asked == []


def test_organization_pages_show_the_panels_of_its_subscribed_enabled_modules(app, plugins, people, client_for):
    from extranet.extensions import db
    from extranet.organizations.models import Subscription

    admin = client_for(app, people.admin)
    page = _html(admin, f"/admin/organizations/{people.org_a}")
    assert "panel-sample-organization-staff" in page and "panel-other-organization" in page
    with app.app_context():
        db.session.execute(db.update(Subscription).where(
            Subscription.organization_id == people.org_a, Subscription.field == "other").values(active=False))
        db.session.commit()
    assert "panel-other-organization" not in _html(admin, f"/admin/organizations/{people.org_a}")
    team = _html(client_for(app, people.manager_a), "/organization/members")
    assert 'id="panel-sample-organization"' in team and "panel-sample-organization-staff" not in team
    _set_module(app, "sample", False)
    assert "panel-sample-organization" not in _html(admin, f"/admin/organizations/{people.org_a}")


def test_a_document_space_shows_its_fields_panels_only(app, people, client_for):
    page = _html(client_for(app, people.member_a), f"/documents/sample/?org={people.org_a}")
    assert 'id="panel-sample-documents"' in page and "panel-other-documents" not in page


def test_the_cores_time_panel_is_the_first_of_the_request_slot(app, people, client_for):
    reference = file_request(client_for(app, people.member_a))
    page = _html(client_for(app, people.expert), f"/requests/{reference}")
    hours = page.index(f'<div id="panel-hours" hx-get="/hours/requests/{reference}"')
    assert hours < page.index('id="panel-sample-request"') < page.index('id="panel-sample-request-staff"')
    assert page.count('id="panel-hours"') == 1


def test_the_dashboard_shows_the_panels_of_the_fields_one_uses_there(app, plugins, people, client_for):
    from extranet.extensions import db
    from extranet.organizations.models import Subscription

    member = client_for(app, people.member_a)
    page = _html(member, "/")
    widgets = page.index('class="widgets"')
    assert widgets < page.index('id="panel-sample-dashboard"') and "panel-other-dashboard" in page
    assert 'class="card page-panel widget" id="panel-sample-dashboard"' in page
    assert "panel-sample-dashboard-staff" not in page  # its action is the field's staff's
    assert ("dashboard", people.org_a) in plugins[0].panels_asked
    with app.app_context():
        db.session.execute(db.update(Subscription).where(
            Subscription.organization_id == people.org_a, Subscription.field == "other").values(active=False))
        db.session.commit()
    plugins[1].panels_asked.clear()
    assert "panel-other-dashboard" not in _html(member, "/")
    assert plugins[1].panels_asked == []  # a field the organization left is not asked about it
    # Staff without an organization: the target is None, and their own fields' panels show.
    expert = _html(client_for(app, people.expert), "/")
    assert "panel-sample-dashboard-staff" in expert and "panel-other-dashboard" in expert
    assert ("dashboard", None) in plugins[0].panels_asked
    _set_module(app, "sample", False)
    assert "panel-sample-dashboard" not in _html(client_for(app, people.expert), "/")


def test_the_cores_documents_panel_opens_the_request_slot(app, people, client_for):
    member = client_for(app, people.member_a)
    reference = file_request(member)
    page = _html(client_for(app, people.expert), f"/requests/{reference}")
    # Rendered with the page (read without JavaScript), the card the lazy route answers.
    documents = page.index('<div id="panel-documents">')
    assert page.index('id="request-documents"') > documents
    assert documents < page.index('id="panel-hours"') and page.count('id="panel-documents"') == 1
    page = _html(member, f"/requests/{reference}")
    assert 'id="panel-documents"' in page
    assert "upload.js" in page  # the panel's upload form gets its progress bars from the page
    # With HTMX its route answers the card that replaces the placeholder; without, a page.
    card = member.get(f"/documents/sample/requests/{reference}", headers={"HX-Request": "true"})
    html = card.get_data(as_text=True)
    assert html.lstrip().startswith("<section") and 'id="request-documents"' in html
    assert 'id="request-upload-status"' in html and 'id="request-documents-body"' in html
    assert "<html" in _html(member, f"/documents/sample/requests/{reference}")

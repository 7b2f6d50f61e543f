"""Administration of organizations: list, form, detail, memberships, subscriptions."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from extranet.api import Field, hookimpl
from extranet.testing import create_person

ORG_ROUTES = [
    ("get", "/admin/organizations"),
    ("get", "/admin/organizations/new"),
    ("post", "/admin/organizations/new"),
    ("get", "/admin/organizations/{org}"),
    ("get", "/admin/organizations/{org}/edit"),
    ("post", "/admin/organizations/{org}/edit"),
    ("post", "/admin/organizations/{org}/members"),
    ("post", "/admin/organizations/{org}/subscriptions"),
    ("post", "/admin/organizations/{org}/active"),
]


class TinyPlugin:
    SLUG = "sample"

    @hookimpl
    def extranet_register_fields(self, app):
        return [Field(slug="sample", label="Sample")]


def _models():
    from extranet.accounts.models import User
    from extranet.audit.models import AuditEvent
    from extranet.extensions import db
    from extranet.organizations.models import Membership, Organization, Subscription

    return db, User, AuditEvent, Membership, Organization, Subscription


def _admin_and_lonely_coop(app):
    """An administrator and a cooperative with no member, on an application without ``people``."""
    db, _u, _a, _m, Organization, _s = _models()
    with app.app_context():
        admin = create_person("admin@test.org", "Ada Admin", is_admin=True)
        org = Organization(name="Lonely coop", kind="cooperative")
        db.session.add(org)
        db.session.commit()
        return admin, org.id


def _actions(app) -> list[str]:
    db, _u, AuditEvent, *_ = _models()
    with app.app_context():
        return list(db.session.scalars(db.select(AuditEvent.action).order_by(AuditEvent.id)))


def _org(app, org_id):
    db, *_rest, Organization, _s = _models()
    with app.app_context():
        org = db.session.get(Organization, org_id)
        return {
            "name": org.name,
            "kind": org.kind,
            "parent_id": org.parent_id,
            "active": org.active,
            "share": org.share_with_federation,
            "locale": org.locale,
        }


@pytest.mark.parametrize("who", ["member_a", "manager_a", "expert"])
@pytest.mark.parametrize(("method", "path"), ORG_ROUTES)
def test_non_admins_get_404(client, people, login_as, post, who, method, path):
    login_as(getattr(people, who))
    url = path.format(org=people.org_a)
    if method == "get":
        response = client.get(url)
    else:
        response = post(url, {"name": "Hack", "kind": "cooperative", "active": "0", "email": "x@y.org"})
    assert response.status_code == 404
    assert _org(client.application, people.org_a)["active"] is True


def test_anonymous_is_sent_to_login(client, people):
    response = client.get(f"/admin/organizations/{people.org_a}")
    assert response.status_code == 302 and "/login" in response.location


def test_admin_creates_an_organization(app, client, people, login_as, post):
    login_as(people.admin)
    page = client.get("/admin/organizations/new")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Fédération A" in html and "Coopérative A" not in html  # only federations as parents
    response = post(
        "/admin/organizations/new",
        {"name": "  Mutuelle C ", "kind": "mutual", "parent_id": str(people.federation_a),
         "share_with_federation": "y", "locale": "en"},
    )
    assert response.status_code == 303
    db, _u, _a, _m, Organization, _s = _models()
    with app.app_context():
        org = db.session.scalar(db.select(Organization).filter_by(name="Mutuelle C"))
        assert org is not None
        assert (org.kind, org.parent_id, org.share_with_federation, org.locale, org.active) == (
            "mutual", people.federation_a, True, "en", True,
        )
        org_id = org.id
    assert response.location.endswith(f"/admin/organizations/{org_id}")
    assert "organizations.created" in _actions(app)
    detail = client.get(f"/admin/organizations/{org_id}").get_data(as_text=True)
    assert "Mutuelle C" in detail and "Fédération A" in detail
    assert "Nobody has access to this organization yet." in detail
    # A new organization subscribes to nothing: every installed field is offered, unchecked.
    from extranet.plugins import host

    with app.app_context():
        installed = set(host().fields)
    assert installed
    boxes = SUBSCRIPTION_BOX_RE.findall(detail)
    assert {value for _checked, value in boxes} == installed
    assert not any(checked for checked, _value in boxes)


SUBSCRIPTION_BOX_RE = re.compile(r'<input (checked )?id="[^"]+" name="subscriptions-fields" type="checkbox" value="([^"]+)">')


def test_subscriptions_empty_state_when_no_field_is_installed(make_app, client_for):
    app = make_app(BLOCKED_PLUGINS=["hr", "legal", "accounting", "it"])
    admin, org_id = _admin_and_lonely_coop(app)
    detail = client_for(app, admin).get(f"/admin/organizations/{org_id}").get_data(as_text=True)
    assert "No field of expertise is installed, so there is nothing to subscribe to." in detail
    assert 'name="subscriptions-fields"' not in detail


def test_duplicate_name_is_refused(app, client, people, login_as, post):
    login_as(people.admin)
    response = post("/admin/organizations/new", {"name": "Coopérative B", "kind": "cooperative", "parent_id": "0", "locale": "fr_CA"})
    assert response.status_code == 422
    assert "Another organization already has this name." in response.get_data(as_text=True)
    response = post(
        f"/admin/organizations/{people.org_a}/edit",
        {"name": "Coopérative B", "kind": "cooperative", "parent_id": "0", "locale": "fr_CA"},
    )
    assert response.status_code == 422
    assert "Another organization already has this name." in response.get_data(as_text=True)
    assert _org(app, people.org_a)["name"] == "Coopérative A"
    # Keeping one's own name is not a duplicate.
    response = post(
        f"/admin/organizations/{people.org_a}/edit",
        {"name": "Coopérative A", "kind": "association", "parent_id": str(people.federation_b), "locale": "fr_CA"},
    )
    assert response.status_code == 303
    assert _org(app, people.org_a) == {
        "name": "Coopérative A", "kind": "association", "parent_id": people.federation_b,
        "active": True, "share": False, "locale": "fr_CA",
    }
    assert "organizations.updated" in _actions(app)


def test_parent_rules(app, client, people, login_as, post):
    login_as(people.admin)
    fed = people.federation_a
    edit = client.get(f"/admin/organizations/{fed}/edit").get_data(as_text=True)
    assert f'value="{people.federation_b}"' in edit and f'<option value="{fed}"' not in edit
    response = post(f"/admin/organizations/{fed}/edit", {"name": "Fédération A", "kind": "federation", "parent_id": str(fed), "locale": "fr_CA"})
    assert response.status_code == 422
    assert "An organization cannot be its own parent." in response.get_data(as_text=True)
    response = post(f"/admin/organizations/{fed}/edit", {"name": "Fédération A", "kind": "federation", "parent_id": str(people.federation_b), "locale": "fr_CA"})
    assert response.status_code == 422
    assert "A federation cannot belong to another federation." in response.get_data(as_text=True)
    # A cooperative is not a federation: it cannot be a parent.
    response = post("/admin/organizations/new", {"name": "X", "kind": "cooperative", "parent_id": str(people.org_b), "locale": "fr_CA"})
    assert response.status_code == 422
    assert "Choose an active federation." in response.get_data(as_text=True)
    # A federation with members cannot stop being a federation.
    response = post(f"/admin/organizations/{fed}/edit", {"name": "Fédération A", "kind": "cooperative", "parent_id": "0", "locale": "fr_CA"})
    assert response.status_code == 422
    assert _org(app, fed)["parent_id"] is None and _org(app, fed)["kind"] == "federation"


def test_deactivate_and_reactivate(app, client, people, login_as, post):
    login_as(people.admin)
    page = client.get(f"/admin/organizations/{people.org_a}").get_data(as_text=True)
    assert "data-confirm=" in page and 'name="active" value="0"' in page
    response = post(f"/admin/organizations/{people.org_a}/active", {"active": "0"})
    assert response.status_code == 303
    assert _org(app, people.org_a)["active"] is False
    listing = client.get("/admin/organizations?state=inactive").get_data(as_text=True)
    assert "Coopérative A" in listing and "Coopérative B" not in listing
    # Its members no longer see it: the manager has no team page any more.
    other = app.test_client()
    _login(other, people.manager_a)
    assert other.get("/organization/members").status_code == 404
    assert "Coopérative A" not in other.get("/").get_data(as_text=True)
    response = post(f"/admin/organizations/{people.org_a}/active", {"active": "1"})
    assert response.status_code == 303 and _org(app, people.org_a)["active"] is True
    assert other.get("/organization/members").status_code == 200
    assert post(f"/admin/organizations/{people.org_a}/active", {"active": "maybe"}).status_code == 400
    assert {"organizations.deactivated", "organizations.reactivated"} <= set(_actions(app))
    assert client.get("/admin/organizations/999999").status_code == 404


def _login(client, person):
    from extranet.testing import csrf_token

    response = client.post("/login", data={"email": person.email, "password": person.password, "csrf_token": csrf_token(client)})
    assert response.status_code == 303


def test_list_search_filter_pagination_and_fragment(app, client, people, login_as):
    db, _u, _a, Membership, Organization, _s = _models()
    with app.app_context():
        db.session.add_all(Organization(name=f"Association {i:02d}", kind="association") for i in range(30))
        db.session.add(Organization(name="Dormant coop", kind="cooperative", active=False))
        db.session.commit()
    login_as(people.admin)
    page = client.get("/admin/organizations")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "<html" in html and 'hx-get="/admin/organizations"' in html
    assert "Page 1 of 2" in html and "Association 00" in html
    # The list shows kind, federation and active members.
    listing = client.get("/admin/organizations?q=coopérative a").get_data(as_text=True)
    assert "Coopérative A" in listing and "Fédération A" in listing and "Coopérative B" not in listing
    row = listing.split(f'id="organization-{people.org_a}"')[1].split("</tr>")[0]
    assert '<td class="numeric">2</td>' in row
    html = client.get("/admin/organizations?page=2").get_data(as_text=True)
    assert "Page 2 of 2" in html and "Association 00" not in html
    html = client.get("/admin/organizations?q=ASSOCIATION 1").get_data(as_text=True)
    assert "Association 10" in html and "Association 19" in html and "Association 20" not in html
    html = client.get("/admin/organizations?kind=federation").get_data(as_text=True)
    assert "Fédération B" in html and "Association 01" not in html
    html = client.get("/admin/organizations?state=active&q=coop").get_data(as_text=True)
    assert "Dormant coop" not in html and "Coopérative B" in html
    html = client.get("/admin/organizations?q=nothing-like-this").get_data(as_text=True)
    assert "No organization matches these filters." in html
    html = client.get("/admin/organizations?q=100%25").get_data(as_text=True)
    assert "No organization matches these filters." in html  # % is not a wildcard
    fragment = client.get("/admin/organizations?kind=federation", headers={"HX-Request": "true"})
    text = fragment.get_data(as_text=True)
    assert fragment.status_code == 200
    assert "<html" not in text and text.lstrip().startswith('<div id="organizations"')
    assert "Fédération A" in text
    assert "HX-Request" in fragment.headers["Vary"]
    assert "HX-Request" in page.headers["Vary"]


def test_empty_list(app, client, people, login_as):
    login_as(people.admin)
    html = client.get("/admin/organizations?kind=mutual").get_data(as_text=True)
    assert "No organization matches these filters." in html


def test_add_a_new_person_invites_them(app, client, people, login_as, post):
    db, User, _a, Membership, _o, _s = _models()
    from extranet.notifications.models import OutboxEmail

    login_as(people.admin)
    response = post(
        f"/admin/organizations/{people.org_b}/members",
        {"member-email": "New.Person@Example.org", "member-name": "New Person",
         "member-locale": "en", "member-role": "manager"},
    )
    assert response.status_code == 303
    with app.app_context():
        user = User.by_email("new.person@example.org")
        assert user is not None and user.invitation_pending and user.locale == "en"
        membership = db.session.scalar(db.select(Membership).filter_by(user_id=user.id))
        assert (membership.organization_id, membership.role, membership.active) == (people.org_b, "manager", True)
        email = db.session.scalar(db.select(OutboxEmail).filter_by(to="new.person@example.org"))
        assert email is not None and email.sent_at is not None
        assert "http://localhost/invitation/" in email.body_text
    folder = Path(urlsplit(app.config["MAIL_URL"]).path)
    files = list(folder.glob("*.eml"))
    assert any("To: new.person@example.org" in f.read_text() for f in files)
    detail = client.get(f"/admin/organizations/{people.org_b}").get_data(as_text=True)
    assert "New Person" in detail and "Invitation pending" in detail
    assert f'name="next" value="/admin/organizations/{people.org_b}#memberships"' in detail
    assert "organizations.member_added" in _actions(app)


def test_add_a_person_form_errors(app, client, people, login_as, post):
    login_as(people.admin)
    response = post(f"/admin/organizations/{people.org_b}/members", {"member-email": "not-an-email", "member-name": "", "member-locale": "en", "member-role": "member"})
    assert response.status_code == 422
    assert 'aria-invalid="true"' in response.get_data(as_text=True)


def test_membership_actions_from_the_detail_page(app, client, people, login_as, post):
    db, _u, _a, Membership, _o, _s = _models()
    with app.app_context():
        membership_id = db.session.scalar(
            db.select(Membership.id).filter_by(user_id=people.member_b.id, organization_id=people.org_b)
        )
    login_as(people.admin)
    back = f"/admin/organizations/{people.org_b}#memberships"
    response = post(f"/organization/members/{membership_id}", {"action": "manager", "next": back})
    assert response.status_code == 303 and response.location.endswith(back)
    response = post(f"/organization/members/{membership_id}", {"action": "deactivate", "next": back})
    with app.app_context():
        membership = db.session.get(Membership, membership_id)
        assert (membership.role, membership.active) == ("manager", False)
    html = client.get(f"/admin/organizations/{people.org_b}").get_data(as_text=True)
    row = html.split(f'id="membership-{membership_id}"')[1].split("</tr>")[0]
    assert 'value="reactivate"' in row and "Inactive" in row


def test_subscriptions_upsert(register_plugin, people_with_plugin):
    app, people = people_with_plugin
    db, _u, _a, _m, Organization, Subscription = _models()
    client = app.test_client()
    _login(client, people["admin"])
    from extranet.testing import csrf_token

    org_id = people["org"]
    html = client.get(f"/admin/organizations/{org_id}").get_data(as_text=True)
    assert 'name="subscriptions-fields" type="checkbox" value="sample"' in html or 'value="sample"' in html
    assert "Sample" in html
    token = csrf_token(client, "/")

    def subscribe(checked: bool):
        data = {"subscriptions-csrf_token": token}
        if checked:
            data["subscriptions-fields"] = "sample"
        return client.post(f"/admin/organizations/{org_id}/subscriptions", data=data)

    def rows():
        with app.app_context():
            return [(s.field, s.active) for s in db.session.scalars(db.select(Subscription).filter_by(organization_id=org_id))]

    assert rows() == []
    assert subscribe(True).status_code == 303
    assert rows() == [("sample", True)]
    assert subscribe(False).status_code == 303
    assert rows() == [("sample", False)]  # the row is kept, switched off
    assert subscribe(True).status_code == 303
    assert rows() == [("sample", True)]
    assert _actions(app).count("organizations.subscriptions_changed") == 3
    response = client.post(f"/admin/organizations/{org_id}/subscriptions", data={"subscriptions-csrf_token": token, "subscriptions-fields": "unknown"})
    assert response.status_code == 422 and rows() == [("sample", True)]


@pytest.fixture
def people_with_plugin(register_plugin):
    app = register_plugin(TinyPlugin())
    admin, org_id = _admin_and_lonely_coop(app)
    return app, {"admin": admin, "org": org_id}


def test_a_name_taken_meanwhile_is_refused_and_the_transaction_goes_on(app, people):
    """Two admins name an organization alike at once: the later one is told the name is taken
    when its row is written, and what its transaction holds besides is kept."""
    from extranet.admin import service
    from extranet.extensions import db
    from extranet.organizations.models import Organization

    with app.app_context():
        with db.session.no_autoflush:  # the other admin's row, not there yet when the form looked
            db.session.add(Organization(name="Coopérative C", kind="cooperative"))
            with pytest.raises(service.NameTaken):
                service.save_organization(None, name="Coopérative C", kind="association", parent_id=None,
                                          share_with_federation=False, locale="fr_CA")
            org_a = db.session.get(Organization, people.org_a)
            with pytest.raises(service.NameTaken):
                service.save_organization(org_a, name="Coopérative C", kind="cooperative", parent_id=None,
                                          share_with_federation=False, locale="fr_CA")
        db.session.commit()
        names = db.session.scalars(db.select(Organization.kind).where(Organization.name == "Coopérative C")).all()
        assert names == ["cooperative"]
        assert db.session.get(Organization, people.org_a).name == "Coopérative A"

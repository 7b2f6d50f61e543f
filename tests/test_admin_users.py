"""Administration of people: list, staff invitations, roles and fields, deactivation."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from extranet.api import Field, hookimpl
from extranet.testing import csrf_token


class TinyPlugin:
    SLUG = "sample"

    @hookimpl
    def extranet_register_fields(self, app):
        return [Field(slug="sample", label="Sample")]


@pytest.fixture
def app(register_plugin):
    """Every test here runs with one registered field, so that expert fields can be chosen."""
    return register_plugin(TinyPlugin())


def _user(app, email):
    from extranet.accounts.models import User

    with app.app_context():
        user = User.by_email(email)
        if user is None:
            return None
        return {
            "id": user.id,
            "name": user.name,
            "locale": user.locale,
            "is_admin": user.is_admin,
            "is_expert": user.is_expert,
            "active": user.active,
            "pending": user.invitation_pending,
            "fields": sorted(user.field_slugs),
        }


def _actions(app) -> list[str]:
    from extranet.audit.models import AuditEvent
    from extranet.extensions import db

    with app.app_context():
        return list(db.session.scalars(db.select(AuditEvent.action).order_by(AuditEvent.id)))


def _emails_to(app, address) -> list:
    from extranet.extensions import db
    from extranet.notifications.models import OutboxEmail

    with app.app_context():
        return [(e.subject, e.body_text, e.sent_at) for e in db.session.scalars(db.select(OutboxEmail).filter_by(to=address))]


def _eml_files_to(app, address) -> list[Path]:
    folder = Path(urlsplit(app.config["MAIL_URL"]).path)
    return [f for f in folder.glob("*.eml") if f"To: {address}" in f.read_text()]


ROW_RE = re.compile(r'<th scope="row"><a href="/admin/users/\d+">([^<]+)</a>')


def _names(html: str) -> set[str]:
    """The people listed in the table (not elsewhere on the page, like the header)."""
    return set(ROW_RE.findall(html))


def _login(client, person):
    response = client.post("/login", data={"email": person.email, "password": person.password, "csrf_token": csrf_token(client)})
    return response


USER_ROUTES = [
    ("get", "/admin/users"),
    ("get", "/admin/users/invite"),
    ("post", "/admin/users/invite"),
    ("get", "/admin/users/{user}"),
    ("post", "/admin/users/{user}"),
    ("post", "/admin/users/{user}/active"),
    ("post", "/admin/users/{user}/invitation"),
]


@pytest.mark.parametrize("who", ["member_a", "manager_a", "expert"])
@pytest.mark.parametrize(("method", "path"), USER_ROUTES)
def test_non_admins_get_404(app, client, people, login_as, post, who, method, path):
    login_as(getattr(people, who))
    url = path.format(user=people.member_b.id)
    if method == "get":
        response = client.get(url)
    else:
        response = post(url, {"active": "0", "name": "Hacked", "locale": "en", "is_admin": "y",
                              "email": "spy@example.org", "is_expert": "y"})
    assert response.status_code == 404
    after = _user(app, people.member_b.email)
    assert after["active"] and not after["is_admin"] and after["name"] == "Member B"
    assert _user(app, "spy@example.org") is None


def test_list_search_filter_pagination_and_fragment(app, client, people, login_as):
    from extranet.accounts.models import User
    from extranet.extensions import db

    with app.app_context():
        db.session.add_all(User(email=f"person{i:02d}@example.org", name=f"Person {i:02d}", password_hash="x") for i in range(30))
        db.session.add(User(email="gone@example.org", name="Gone Person", password_hash="x", active=False))
        db.session.add(User(email="invited@example.org", name="Invited Person", password_hash=None))
        db.session.commit()
    login_as(people.admin)
    page = client.get("/admin/users")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "<html" in html and 'hx-get="/admin/users"' in html
    assert "Page 1 of 2" in html and 'hx-push-url="true"' in html
    assert "Page 2 of 2" in client.get("/admin/users?page=2").get_data(as_text=True)
    names = _names(client.get("/admin/users?q=PERSON 1").get_data(as_text=True))
    assert names == {f"Person {i}" for i in range(10, 20)}
    html = client.get("/admin/users?q=manager.b@").get_data(as_text=True)
    assert _names(html) == {"Manager B"} and "Coopérative B" in html
    names = _names(client.get("/admin/users?show=staff").get_data(as_text=True))
    assert names == {"Ada Admin", "Émile Expert"}
    names = _names(client.get("/admin/users?show=members&q=@test.org").get_data(as_text=True))
    assert names == {"Member A", "Member B", "Manager A", "Manager B"}
    names = _names(client.get("/admin/users?show=inactive").get_data(as_text=True))
    assert names == {"Gone Person"}
    html = client.get("/admin/users?show=pending").get_data(as_text=True)
    assert _names(html) == {"Invited Person"} and "Invitation pending" in html
    html = client.get("/admin/users?q=zzz").get_data(as_text=True)
    assert "Nobody matches these filters." in html
    fragment = client.get("/admin/users?show=pending", headers={"HX-Request": "true"})
    text = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and "<html" not in text
    assert text.lstrip().startswith('<div id="users"') and _names(text) == {"Invited Person"}
    assert "HX-Request" in fragment.headers["Vary"]


def test_invite_an_expert(app, client, people, login_as, post):
    login_as(people.admin)
    form = client.get("/admin/users/invite").get_data(as_text=True)
    assert 'value="sample"' in form and "Sample" in form
    response = post("/admin/users/invite", {"email": "New.Expert@Example.org", "name": "Nora Expert", "locale": "en",
                                             "is_expert": "y", "fields": "sample"})
    assert response.status_code == 303
    created = _user(app, "new.expert@example.org")
    assert created == {"id": created["id"], "name": "Nora Expert", "locale": "en", "is_admin": False,
                       "is_expert": True, "active": True, "pending": True, "fields": ["sample"]}
    assert response.location.endswith(f"/admin/users/{created['id']}")
    [(subject, body, sent_at)] = _emails_to(app, "new.expert@example.org")
    assert subject == "You are invited to the Coop Extranet"  # in the invitee's language
    assert "http://localhost/invitation/" in body and sent_at is not None
    assert len(_eml_files_to(app, "new.expert@example.org")) == 1
    assert {"users.staff_invited", "accounts.invitation_sent"} <= set(_actions(app))
    page = client.get(f"/admin/users/{created['id']}").get_data(as_text=True)
    assert "Invitation pending" in page and "Resend the invitation" in page


def test_invite_needs_a_role_and_valid_data(app, client, people, login_as, post):
    login_as(people.admin)
    response = post("/admin/users/invite", {"email": "x@example.org", "name": "X", "locale": "en"})
    assert response.status_code == 422
    assert "Choose at least one role: administrator or expert." in response.get_data(as_text=True)
    response = post("/admin/users/invite", {"email": "x@example.org", "name": "X", "locale": "en", "is_expert": "y", "fields": "nope"})
    assert response.status_code == 422
    assert _user(app, "x@example.org") is None


def test_inviting_an_existing_account_only_updates_its_roles(app, client, people, login_as, post):
    login_as(people.admin)
    response = post("/admin/users/invite", {"email": people.member_a.email, "name": "Whatever", "locale": "en",
                                             "is_expert": "y", "fields": "sample"}, follow_redirects=True)
    assert response.status_code == 200
    assert "already has an account" in response.get_data(as_text=True)
    after = _user(app, people.member_a.email)
    assert after["is_expert"] and after["fields"] == ["sample"] and after["name"] == "Member A"
    assert _emails_to(app, people.member_a.email) == []


def test_admin_edits_roles_and_fields(app, client, people, login_as, post):
    login_as(people.admin)
    page = client.get(f"/admin/users/{people.expert.id}").get_data(as_text=True)
    assert '<input id="is_admin" name="is_admin" type="checkbox" value="y">' in page.replace(' aria-describedby="is_admin-hint"', "")
    assert re.search(r'<input checked id="fields-\d+" name="fields" type="checkbox" value="sample">', page)
    response = post(f"/admin/users/{people.expert.id}", {"name": " Émile E. ", "locale": "en", "is_expert": "y", "is_admin": "y"})
    assert response.status_code == 303
    after = _user(app, people.expert.email)
    assert (after["name"], after["locale"], after["is_admin"], after["is_expert"], after["fields"]) == (
        "Émile E.", "en", True, True, [],
    )
    response = post(f"/admin/users/{people.expert.id}", {"name": "Émile E.", "locale": "en", "is_expert": "y", "is_admin": "y", "fields": "sample"})
    assert _user(app, people.expert.email)["fields"] == ["sample"]
    assert "users.updated" in _actions(app)
    # Memberships are listed with links to the organizations.
    page = client.get(f"/admin/users/{people.manager_a.id}").get_data(as_text=True)
    assert f'href="/admin/organizations/{people.org_a}#membership-' in page and "Coopérative A" in page
    page = client.get(f"/admin/users/{people.expert.id}").get_data(as_text=True)
    assert "This person belongs to no organization." in page
    assert client.get("/admin/users/999999").status_code == 404


def test_an_admin_cannot_demote_or_deactivate_themselves(app, client, people, login_as, post):
    login_as(people.admin)
    page = client.get(f"/admin/users/{people.admin.id}").get_data(as_text=True)
    assert "You cannot change your own roles" in page
    assert 'type="checkbox" name="is_admin"' not in page and 'id="is_admin"' not in page
    assert 'name="active" value="0"' not in page
    response = post(f"/admin/users/{people.admin.id}", {"name": "Ada Admin", "locale": "fr_CA"})
    assert response.status_code == 422
    assert "another administrator must do it" in response.get_data(as_text=True)
    assert _user(app, people.admin.email)["is_admin"] is True
    # Inviting oneself as a plain expert is refused the same way.
    response = post("/admin/users/invite", {"email": people.admin.email, "name": "Ada", "locale": "en", "is_expert": "y"})
    assert response.status_code == 422 and _user(app, people.admin.email)["is_admin"] is True
    # Saving one's own name, roles unchanged, is fine.
    response = post(f"/admin/users/{people.admin.id}", {"name": "Ada A.", "locale": "fr_CA", "is_admin": "y"})
    assert response.status_code == 303 and _user(app, people.admin.email)["name"] == "Ada A."
    assert post(f"/admin/users/{people.admin.id}/active", {"active": "0"}).status_code == 404
    assert _user(app, people.admin.email)["active"] is True
    assert client.get("/admin/").status_code == 200


def test_deactivated_user_is_signed_out_on_their_next_request(app, client, people, login_as, post):
    member = app.test_client()
    assert _login(member, people.member_a).status_code == 303
    assert member.get("/").status_code == 200
    login_as(people.admin)
    page = client.get(f"/admin/users/{people.member_a.id}").get_data(as_text=True)
    assert "data-confirm=" in page and 'name="active" value="0"' in page
    response = post(f"/admin/users/{people.member_a.id}/active", {"active": "0"})
    assert response.status_code == 303
    assert _user(app, people.member_a.email)["active"] is False
    response = member.get("/")
    assert response.status_code == 302 and "/login" in response.location
    assert _login(member, people.member_a).status_code != 303  # cannot sign in again
    response = post(f"/admin/users/{people.member_a.id}/active", {"active": "1"})
    assert response.status_code == 303
    assert _login(member, people.member_a).status_code == 303
    assert {"users.deactivated", "users.reactivated"} <= set(_actions(app))


def test_resend_invitation(app, client, people, login_as, post):
    login_as(people.admin)
    post("/admin/users/invite", {"email": "later@example.org", "name": "Later", "locale": "fr_CA", "is_admin": "y"})
    invited = _user(app, "later@example.org")
    assert invited["is_admin"] and invited["pending"]
    response = post(f"/admin/users/{invited['id']}/invitation")
    assert response.status_code == 303
    assert len(_emails_to(app, "later@example.org")) == 2
    assert len(_eml_files_to(app, "later@example.org")) == 2
    # Someone with a password has no invitation to resend.
    assert post(f"/admin/users/{people.member_a.id}/invitation").status_code == 404
    assert _actions(app).count("accounts.invitation_sent") == 2

"""The manager's "My team" page: colleagues, invitations, roles and access."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

from extranet.testing import csrf_token


def _membership(app, person, org_id):
    from extranet.extensions import db
    from extranet.organizations.models import Membership

    with app.app_context():
        m = db.session.scalar(db.select(Membership).filter_by(user_id=person.id, organization_id=org_id))
        return {"id": m.id, "role": m.role, "active": m.active} if m else None


def _login(client, person):
    return client.post("/login", data={"email": person.email, "password": person.password, "csrf_token": csrf_token(client)})


def test_member_gets_404(client, people, login_as, post):
    login_as(people.member_a)
    assert client.get("/organization/members").status_code == 404
    assert post("/organization/members", {"email": "x@example.org", "name": "X", "locale": "en", "role": "member"}).status_code == 404
    other = _membership(client.application, people.manager_a, people.org_a)
    assert post(f"/organization/members/{other['id']}", {"action": "deactivate"}).status_code == 404
    assert _membership(client.application, people.manager_a, people.org_a)["active"] is True


def test_manager_lists_the_team(app, client, people, login_as):
    login_as(people.manager_a)
    response = client.get("/organization/members")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Member A" in html and "member.a@test.org" in html and "Member B" not in html
    member = _membership(app, people.member_a, people.org_a)
    own = _membership(app, people.manager_a, people.org_a)
    row = html.split(f'id="membership-{member["id"]}"')[1].split("</tr>")[0]
    assert "Member" in row and "Active" in row
    assert 'value="manager"' in row and 'value="deactivate"' in row and "data-confirm=" in row
    assert f'action="/organization/members/{member["id"]}"' in row
    own_row = html.split(f'id="membership-{own["id"]}"')[1].split("</tr>")[0]
    assert "This is you." in own_row and "<button" not in own_row
    for name in ("email", "name", "locale", "role"):
        assert f'name="{name}"' in html
    fragment = client.get("/organization/members", headers={"HX-Request": "true"})
    text = fragment.get_data(as_text=True)
    assert "<html" not in text and text.lstrip().startswith('<div id="team"') and "Member A" in text
    assert "HX-Request" in fragment.headers["Vary"]


def test_manager_invites_a_colleague(app, client, people, login_as, post):
    from extranet.accounts.models import User
    from extranet.extensions import db
    from extranet.notifications.models import OutboxEmail

    login_as(people.manager_a)
    response = post("/organization/members", {"email": "colleague@example.org", "name": "Carla Colleague", "locale": "en", "role": "member"})
    assert response.status_code == 303
    with app.app_context():
        user = User.by_email("colleague@example.org")
        assert user is not None and user.invitation_pending
        person_id = user.id
        [email] = db.session.scalars(db.select(OutboxEmail).filter_by(to="colleague@example.org")).all()
        assert "Coopérative A" in email.body_text and email.sent_at is not None
    folder = Path(urlsplit(app.config["MAIL_URL"]).path)
    assert any("To: colleague@example.org" in f.read_text() for f in folder.glob("*.eml"))

    class P:  # the membership helper only needs an id
        id = person_id

    membership = _membership(app, P, people.org_a)
    # No access until the colleague accepts (once their password is chosen).
    assert membership["active"] is False and membership["role"] == "member"
    html = client.get("/organization/members").get_data(as_text=True)
    row = html.split(f'id="membership-{membership["id"]}"')[1].split("</tr>")[0]
    assert "Invitation pending" in row and 'value="resend"' in row
    response = post(f"/organization/members/{membership['id']}", {"action": "resend"})
    assert response.status_code == 303
    with app.app_context():
        assert len(db.session.scalars(db.select(OutboxEmail).filter_by(to="colleague@example.org")).all()) == 2


def test_invite_form_errors(app, client, people, login_as, post):
    login_as(people.manager_a)
    response = post("/organization/members", {"email": "nope", "name": "", "locale": "en", "role": "member"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'aria-invalid="true"' in html and "This form has 2 errors:" in html


def test_manager_changes_and_deactivates_a_colleague(app, client, people, login_as, post):
    member = app.test_client()
    assert _login(member, people.member_a).status_code == 303
    login_as(people.manager_a)
    membership_id = _membership(app, people.member_a, people.org_a)["id"]
    assert post(f"/organization/members/{membership_id}", {"action": "manager"}).status_code == 303
    assert _membership(app, people.member_a, people.org_a)["role"] == "manager"
    assert post(f"/organization/members/{membership_id}", {"action": "member"}).status_code == 303
    response = post(f"/organization/members/{membership_id}", {"action": "deactivate"})
    assert response.status_code == 303 and response.location.endswith("/organization/members")
    assert _membership(app, people.member_a, people.org_a) == {"id": membership_id, "role": "member", "active": False}
    html = client.get("/organization/members").get_data(as_text=True)
    row = html.split(f'id="membership-{membership_id}"')[1].split("</tr>")[0]
    assert "Inactive" in row and 'value="reactivate"' in row
    # The colleague no longer works for the organization.
    assert "Coopérative A" not in member.get("/").get_data(as_text=True)
    assert post(f"/organization/members/{membership_id}", {"action": "reactivate"}).status_code == 303
    assert _membership(app, people.member_a, people.org_a)["active"] is True
    assert "Coopérative A" in member.get("/").get_data(as_text=True)


def test_manager_cannot_touch_another_organization_or_themselves(app, client, people, login_as, post):
    login_as(people.manager_a)
    for person in (people.member_b, people.manager_b):
        membership_id = _membership(app, person, people.org_b)["id"]
        for action in ("deactivate", "manager", "member", "resend"):
            assert post(f"/organization/members/{membership_id}", {"action": action}).status_code == 404
        assert _membership(app, person, people.org_b)["active"] is True
    assert _membership(app, people.member_b, people.org_b)["role"] == "member"
    own = _membership(app, people.manager_a, people.org_a)["id"]
    assert post(f"/organization/members/{own}", {"action": "deactivate"}).status_code == 404
    assert post(f"/organization/members/{own}", {"action": "member"}).status_code == 404
    assert _membership(app, people.manager_a, people.org_a) == {"id": own, "role": "manager", "active": True}
    html = client.get("/organization/members").get_data(as_text=True)
    assert not re.search(r"Manager B|Member B", html)

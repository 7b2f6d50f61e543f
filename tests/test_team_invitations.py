"""A manager's invitation tells nothing about the address and adds nobody without consent.

Whatever the address (new, someone's of another organization, a deactivated account, a former
colleague, a colleague who already has access), the manager gets the same answer: the same
redirect, the same flash, and in the list a row with the name they typed. A person with an
account joins only when they accept, signed in as themselves; a new address first chooses its
password. Invitations and re-sent invitations are limited per sender and per address."""

from __future__ import annotations

import re

from extranet.testing import PASSWORD, csrf_token

TYPED = "Typed Name"


def _outbox(app, to: str) -> list:
    from extranet.extensions import db
    from extranet.notifications.models import OutboxEmail

    with app.app_context():
        rows = db.session.scalars(db.select(OutboxEmail).filter_by(to=to).order_by(OutboxEmail.id)).all()
        return [(e.subject, e.body_text) for e in rows]


def _membership(app, email: str, org_id: int) -> dict | None:
    from extranet.accounts.models import User
    from extranet.extensions import db
    from extranet.organizations.models import Membership

    with app.app_context():
        user = User.by_email(email)
        m = user and db.session.scalar(db.select(Membership).filter_by(user_id=user.id, organization_id=org_id))
        return {"id": m.id, "role": m.role, "active": m.active, "pending": m.pending} if m else None


def _person(app, email: str, name: str, *, active: bool = True, org_id: int | None = None,
            member_active: bool = True) -> None:
    from extranet.accounts.models import User
    from extranet.extensions import db
    from extranet.organizations.models import Membership

    with app.app_context():
        user = User(email=email, name=name, locale="en", active=active)
        user.set_password(PASSWORD)
        db.session.add(user)
        if org_id:
            db.session.add(Membership(user=user, organization_id=org_id, role="member", active=member_active))
        db.session.commit()


def _invite(post, email: str, role: str = "member"):
    return post("/organization/members", {"email": email, "name": TYPED, "locale": "en", "role": role})


def _flash(html: str) -> str:
    return re.search(r'<div id="flashes".*?</div>', html, re.S).group(0)


def _row(html: str, membership_id: int) -> str:
    return html.split(f'id="membership-{membership_id}"')[1].split("</tr>")[0]


def _same_for_any_address(row: str, email: str) -> str:
    """The row without what differs by construction: the address typed, the membership's own
    id, and the CSRF token (signed with the second it was made)."""
    row = re.sub(r"/members/\d+", "/members/N", row).replace(email, "ADDRESS")
    return re.sub(r'name="csrf_token" value="[^"]+"', 'name="csrf_token" value="T"', row)


def test_the_manager_gets_the_same_answer_whatever_the_address(app, client, people, login_as, post):
    _person(app, "gone@example.org", "Gone Person", active=False)
    _person(app, "former@example.org", "Former Colleague", org_id=people.org_a, member_active=False)
    login_as(people.manager_a)
    addresses = {
        "new": "someone.new@example.org",
        "another organization": people.member_b.email,
        "deactivated account": "gone@example.org",
        "former colleague": "former@example.org",
        "colleague with access": people.member_a.email,
    }
    answers, rows = {}, {}
    for case, email in addresses.items():
        response = _invite(post, email)
        page = client.get(response.location).get_data(as_text=True)
        answers[case] = (response.status_code, response.location, _flash(page).replace(email, "ADDRESS"))
        membership = _membership(app, email, people.org_a)
        if case != "colleague with access":
            rows[case] = _same_for_any_address(_row(page, membership["id"]), email)
    assert len(set(answers.values())) == 1, answers
    status, location, flash = answers["new"]
    assert status == 303 and location.endswith("/organization/members")
    assert "An invitation to join Coopérative A was sent to ADDRESS." in flash
    assert len(set(rows.values())) == 1, rows
    assert TYPED in rows["new"] and "Invitation pending" in rows["new"] and 'value="resend"' in rows["new"]
    html = client.get("/organization/members").get_data(as_text=True)
    for real_name in ("Member B", "Gone Person", "Former Colleague"):
        assert real_name not in html
    # Nobody got access; the colleague who had it keeps it, unchanged.
    for case in ("new", "another organization", "deactivated account", "former colleague"):
        assert _membership(app, addresses[case], people.org_a)["active"] is False, case
    assert _membership(app, people.member_a.email, people.org_a) == {
        "id": _membership(app, people.member_a.email, people.org_a)["id"], "role": "member", "active": True,
        "pending": False}
    assert _outbox(app, people.member_a.email) == [] and _outbox(app, "gone@example.org") == []
    assert len(_outbox(app, people.member_b.email)) == len(_outbox(app, "someone.new@example.org")) == 1


def test_an_existing_account_joins_only_once_it_accepts(app, client, people, login_as, post, client_for):
    login_as(people.manager_a)
    assert _invite(post, people.member_b.email, role="manager").status_code == 303
    [(subject, body)] = _outbox(app, people.member_b.email)
    assert "invites you to join Coopérative A" in subject and "http://localhost/organization/invitations" in body
    invited = _membership(app, people.member_b.email, people.org_a)
    assert invited["pending"] and not invited["active"]

    member_b = client_for(app, people.member_b)
    switch = {"organization_id": people.org_a, "csrf_token": csrf_token(member_b)}
    assert member_b.post("/organization/switch", data=switch).status_code == 404
    page = member_b.get("/organization/invitations").get_data(as_text=True)
    assert "Coopérative A" in page and f'action="/organization/invitations/{invited["id"]}"' in page

    # Nobody else answers for them: not a colleague, not the manager, not another organization.
    for someone in (people.member_a, people.manager_a, people.manager_b):
        other = client_for(app, someone)
        answer = other.post(f"/organization/invitations/{invited['id']}",
                            data={"action": "accept", "csrf_token": csrf_token(other)})
        assert answer.status_code == 404
    assert member_b.post(f"/organization/invitations/{invited['id']}", data={"action": "accept"}).status_code == 400
    assert _membership(app, people.member_b.email, people.org_a)["pending"] is True

    accepted = member_b.post(f"/organization/invitations/{invited['id']}",
                             data={"action": "accept", "csrf_token": csrf_token(member_b)})
    assert accepted.status_code == 303
    assert _membership(app, people.member_b.email, people.org_a) == {
        "id": invited["id"], "role": "manager", "active": True, "pending": False}
    assert member_b.post("/organization/switch", data=switch).status_code == 303
    # Now a colleague, shown by their own name; answering again is refused.
    assert "Member B" in _row(client.get("/organization/members").get_data(as_text=True), invited["id"])
    again = member_b.post(f"/organization/invitations/{invited['id']}",
                          data={"action": "accept", "csrf_token": csrf_token(member_b)})
    assert again.status_code == 404


def test_an_invitation_can_be_declined_or_withdrawn(app, client, people, login_as, post, client_for):
    login_as(people.manager_a)
    _invite(post, people.manager_b.email)
    _invite(post, people.member_b.email)
    declined = _membership(app, people.manager_b.email, people.org_a)
    withdrawn = _membership(app, people.member_b.email, people.org_a)
    manager_b = client_for(app, people.manager_b)
    answer = manager_b.post(f"/organization/invitations/{declined['id']}",
                            data={"action": "decline", "csrf_token": csrf_token(manager_b)})
    assert answer.status_code == 303 and _membership(app, people.manager_b.email, people.org_a) is None
    # A waiting invitation cannot be turned into access by the manager.
    for action in ("reactivate", "manager", "member", "deactivate"):
        assert post(f"/organization/members/{withdrawn['id']}", {"action": action}).status_code == 400
    assert post(f"/organization/members/{withdrawn['id']}", {"action": "withdraw"}).status_code == 303
    assert _membership(app, people.member_b.email, people.org_a) is None
    member_b = client_for(app, people.member_b)
    assert "No invitation is waiting for you." in member_b.get("/organization/invitations").get_data(as_text=True)


def test_a_new_address_chooses_its_password_then_accepts(app, client, people, login_as, post):
    login_as(people.manager_a)
    _invite(post, "carla@example.org")
    [(_subject, body)] = _outbox(app, "carla@example.org")
    path = re.search(r"http://localhost(/invitation/[A-Za-z0-9._-]+)", body).group(1)
    carla = app.test_client()
    token = csrf_token(carla, path)
    chosen = carla.post(path, data={"password": "a brand new passphrase", "confirm": "a brand new passphrase",
                                    "csrf_token": token})
    assert chosen.status_code == 303 and chosen.location.endswith("/organization/invitations")
    invited = _membership(app, "carla@example.org", people.org_a)
    assert invited["pending"] and not invited["active"]
    accepted = carla.post(f"/organization/invitations/{invited['id']}",
                          data={"action": "accept", "csrf_token": csrf_token(carla, "/organization/invitations")})
    assert accepted.status_code == 303 and accepted.location.endswith("/")
    assert _membership(app, "carla@example.org", people.org_a)["active"] is True


def test_invitations_are_limited_per_address_and_per_sender(make_app, people, client_for):
    app = make_app(INVITATION_LIMIT_PER_ADDRESS="2 per hour", INVITATION_LIMIT_PER_SENDER="4 per hour")
    manager = client_for(app, people.manager_a)

    def invite(email):
        return manager.post("/organization/members", data={
            "email": email, "name": TYPED, "locale": "en", "role": "member", "csrf_token": csrf_token(manager)})

    message = "Too many invitations were sent in a short time: this one was not sent. Please try again later."
    assert invite("x@example.org").status_code == 303
    membership_id = _membership(app, "x@example.org", people.org_a)["id"]

    def resend():
        return manager.post(f"/organization/members/{membership_id}",
                            data={"action": "resend", "csrf_token": csrf_token(manager)}, follow_redirects=True)

    assert "The invitation was sent again" in resend().get_data(as_text=True)
    refused = resend()
    assert refused.status_code == 200 and message in refused.get_data(as_text=True)
    again = invite("X@example.org ")
    assert again.status_code == 422 and message in again.get_data(as_text=True)
    assert len(_outbox(app, "x@example.org")) == 2
    # Per sender: two more addresses, and the fifth invitation of the hour is refused.
    assert invite("y@example.org").status_code == invite("z@example.org").status_code == 303
    refused = invite("w@example.org")
    assert refused.status_code == 422 and message in refused.get_data(as_text=True)
    assert _outbox(app, "w@example.org") == [] and _membership(app, "w@example.org", people.org_a) is None


def test_an_admins_resent_invitations_are_limited_too(make_app, people, client_for):
    from extranet.accounts.models import User
    from extranet.extensions import db

    app = make_app(INVITATION_LIMIT_PER_ADDRESS="1 per hour")
    with app.app_context():
        pending = User(email="pending@example.org", name="Pending", locale="en", password_hash=None)
        db.session.add(pending)
        db.session.commit()
        user_id = pending.id
    admin = client_for(app, people.admin)

    def resend():
        return admin.post(f"/admin/users/{user_id}/invitation", data={"csrf_token": csrf_token(admin)},
                          follow_redirects=True)

    assert "The invitation was sent again" in resend().get_data(as_text=True)
    refused = resend()
    assert refused.status_code == 200 and "Too many invitations" in refused.get_data(as_text=True)
    assert len(_outbox(app, "pending@example.org")) == 1

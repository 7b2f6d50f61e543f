"""Managers inviting the same address at the same moment, with real threads: nobody gets a 5xx,
the address gets one account and each organization one invitation (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading

import pytest

from extranet.testing import csrf_token

ADDRESS = "same.moment@example.org"


@pytest.fixture
def app(make_app):
    return make_app(INVITATION_LIMIT_PER_ADDRESS="1000 per hour", INVITATION_LIMIT_PER_SENDER="1000 per hour")


def test_managers_inviting_one_new_address_at_once_make_one_account_and_one_invitation_each(app, people, client_for):
    from extranet.accounts.models import User
    from extranet.extensions import db
    from extranet.organizations.models import Membership

    clients = [client_for(app, people.manager_a if n % 2 else people.manager_b) for n in range(8)]
    tokens = [csrf_token(c, "/organization/members") for c in clients]
    start, statuses = threading.Barrier(len(clients)), []

    def invite(client, token):
        start.wait()
        for _ in range(3):
            response = client.post("/organization/members", data={
                "email": ADDRESS, "name": "Same Moment", "locale": "en", "role": "member", "csrf_token": token})
            statuses.append(response.status_code)

    threads = [threading.Thread(target=invite, args=pair) for pair in zip(clients, tokens, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(set(statuses)) == [303], statuses
    with app.app_context():
        (user,) = db.session.scalars(db.select(User).filter_by(email=ADDRESS)).all()
        memberships = db.session.scalars(db.select(Membership).filter_by(user_id=user.id)).all()
        assert sorted((m.organization_id, m.pending, m.active) for m in memberships) == [
            (people.org_a, True, False), (people.org_b, True, False)]

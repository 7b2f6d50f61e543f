"""Notifications: who hears about what (in-app and by e-mail, in their language), e-mail
preferences, the notification centre and the header's unread count."""

from __future__ import annotations

import re

import pytest

from extranet.extensions import db
from extranet.notifications.models import KINDS, MutedEmail, Notification, OutboxEmail
from extranet.requests.models import ServiceRequest
from extranet.testing import create_person, csrf_token
from tests.sample_plugin import SamplePlugin
from tests.test_plugins import _reference, _subscribe_org_a


@pytest.fixture
def sample_app(register_plugin):
    return register_plugin(SamplePlugin(), SamplePlugin("other", order=60))


@pytest.fixture
def staff(sample_app, people):
    """Organization A subscribes to "sample"; ``expert`` and ``expert2`` serve it, ``outsider``
    is an expert of another field only."""
    from extranet.accounts.models import ExpertField, User

    _subscribe_org_a(sample_app, people)
    with sample_app.app_context():
        expert2 = create_person("expert2@test.org", "Eva Expert", is_expert=True)
        outsider = create_person("outsider@test.org", "Otto Outsider", is_expert=True)
        db.session.add(ExpertField(user_id=expert2.id, field="sample"))
        db.session.add(ExpertField(user_id=outsider.id, field="other"))
        # Pages and e-mails in English, whatever the French catalog holds (one test changes it).
        db.session.execute(db.update(User).values(locale="en"))
        db.session.commit()
    people.extra.update(expert2=expert2, outsider=outsider)
    return people


def _token(client):
    return csrf_token(client, "/")


def file_request(client, title="Une question", restricted=False):
    data = {"title": title, "description": "Détails", "topic": "general", "priority": "normal",
            "csrf_token": _token(client)}
    if restricted:
        data["restricted"] = "y"
    response = client.post("/requests/new/sample/question", data=data)
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    return _reference(response)


def act(client, reference, transition, **fields):
    data = {"csrf_token": _token(client), **{f"{transition}-{k}": v for k, v in fields.items()}}
    response = client.post(f"/requests/{reference}/transition/{transition}", data=data)
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    return response


def notified(app, kind, reference=None) -> set[str]:
    """E-mail addresses of the people notified in-app of ``kind``."""
    from extranet.accounts.models import User

    with app.app_context():
        query = db.select(User.email).join(Notification, Notification.user_id == User.id).where(Notification.kind == kind)
        if reference:
            query = query.join(ServiceRequest, ServiceRequest.id == Notification.request_id).where(
                ServiceRequest.reference == reference
            )
        return set(db.session.scalars(query))


def emailed(app, subject_part="") -> dict[str, OutboxEmail]:
    with app.app_context():
        rows = db.session.scalars(db.select(OutboxEmail).order_by(OutboxEmail.id)).all()
        db.session.expunge_all()
    return {row.to: row for row in rows if subject_part in row.subject}


def set_locale(app, person, locale):
    from extranet.accounts.models import User

    with app.app_context():
        db.session.get(User, person.id).locale = locale
        db.session.commit()


# -- who is notified ------------------------------------------------------------------------


def test_a_new_request_notifies_the_experts_of_its_field(sample_app, staff, client_for):
    reference = file_request(client_for(sample_app, staff.member_a))
    assert notified(sample_app, "request_new", reference) == {"expert@test.org", "expert2@test.org"}
    mails = emailed(sample_app, reference)
    assert set(mails) == {"expert@test.org", "expert2@test.org"}
    assert "Member A submitted" in mails["expert2@test.org"].subject
    assert f"/requests/{reference}" in mails["expert2@test.org"].body_text
    assert "/notifications/preferences" in mails["expert2@test.org"].body_text


def test_assigning_an_expert_notifies_the_assignee_only(sample_app, staff, client_for):
    reference = file_request(client_for(sample_app, staff.member_a))
    expert = client_for(sample_app, staff.expert)
    assert expert.post(f"/requests/{reference}/take", data={"csrf_token": _token(expert)}).status_code == 303
    assert notified(sample_app, "request_assigned") == set()  # taking it oneself: nobody to tell
    response = expert.post(f"/requests/{reference}/assign",
                           data={"expert": staff.extra["expert2"].id, "csrf_token": _token(expert)})
    assert response.status_code == 303
    assert notified(sample_app, "request_assigned", reference) == {"expert2@test.org"}
    assert "assigned" in emailed(sample_app, reference)["expert2@test.org"].subject


def _followed_request(app, people, client_for):
    """Filed by member A with manager A as contact, taken by the expert, assigned to expert2."""
    member = client_for(app, people.member_a)
    reference = file_request(member)
    response = member.post(f"/requests/{reference}/contacts",
                           data={"contact": people.manager_a.id, "csrf_token": _token(member)})
    assert response.status_code == 303
    expert = client_for(app, people.expert)
    act(expert, reference, "accept")
    expert.post(f"/requests/{reference}/take", data={"csrf_token": _token(expert)})
    expert.post(f"/requests/{reference}/assign", data={"expert": people.extra["expert2"].id, "csrf_token": _token(expert)})
    return reference, member, expert


def test_a_transition_notifies_requester_contacts_and_assignees_but_not_the_actor(sample_app, staff, client_for):
    reference, _member, expert = _followed_request(sample_app, staff, client_for)
    # "accept" happened before anyone was assigned: requester and contact heard of it.
    assert notified(sample_app, "request_transitioned", reference) == {"member.a@test.org", "manager.a@test.org"}
    with sample_app.app_context():
        db.session.execute(db.delete(Notification))
        db.session.commit()
    act(expert, reference, "start")
    people = notified(sample_app, "request_transitioned", reference)
    assert people == {"member.a@test.org", "manager.a@test.org", "expert2@test.org"}
    assert "expert@test.org" not in people and "member.b@test.org" not in people


def test_a_message_notifies_the_others_and_an_internal_note_only_staff(sample_app, staff, client_for):
    reference, member, expert = _followed_request(sample_app, staff, client_for)
    response = member.post(f"/requests/{reference}/messages", data={"body": "Bonjour", "csrf_token": _token(member)})
    assert response.status_code == 303
    assert notified(sample_app, "message_new", reference) == {"manager.a@test.org", "expert@test.org", "expert2@test.org"}
    with sample_app.app_context():
        db.session.execute(db.delete(Notification))
        db.session.execute(db.delete(OutboxEmail))
        db.session.commit()
    response = expert.post(f"/requests/{reference}/messages",
                           data={"body": "Entre nous", "internal": "y", "csrf_token": _token(expert)})
    assert response.status_code == 303
    assert notified(sample_app, "message_new", reference) == {"expert2@test.org"}
    assert set(emailed(sample_app)) == {"expert2@test.org"}
    # The member is not told, and the note does not show on their page either.
    assert "Entre nous" not in member.get(f"/requests/{reference}").get_data(as_text=True)


def test_emails_go_out_in_each_recipients_language(sample_app, staff, client_for):
    set_locale(sample_app, staff.member_a, "en")
    set_locale(sample_app, staff.manager_a, "fr_CA")
    reference, _member, expert = _followed_request(sample_app, staff, client_for)
    act(expert, reference, "start")
    with sample_app.app_context():
        rows = db.session.scalars(
            db.select(OutboxEmail).where(OutboxEmail.subject.contains(reference), OutboxEmail.subject.contains("(Émile"))
        ).all()
        by_person = {(r.to, r.locale) for r in rows}
        subjects = {r.to: r.subject for r in rows}
    assert ("member.a@test.org", "en") in by_person
    assert ("manager.a@test.org", "fr_CA") in by_person
    assert "is now: In progress" in subjects["member.a@test.org"]
    # The French catalog translates this sentence: the two subjects differ.
    assert subjects["manager.a@test.org"] != subjects["member.a@test.org"]
    assert "is now" not in subjects["manager.a@test.org"]
    from extranet.notifications.mail import build_message

    with sample_app.app_context():
        row = db.session.scalars(db.select(OutboxEmail).where(OutboxEmail.to == "member.a@test.org")).first()
        assert build_message(row)["Content-Language"] == "en"


def test_muting_a_kind_stops_its_emails_but_keeps_the_notifications(sample_app, staff, client_for):
    member = client_for(sample_app, staff.member_a)
    every = [*KINDS, "sample_answered", "other_answered"]  # the core's kinds, then each plugin's
    page = member.get("/notifications/preferences").get_data(as_text=True)
    assert page.count("checked") == len(every)  # everything is sent by default
    wanted = [k for k in every if k != "request_transitioned"]
    response = member.post("/notifications/preferences", data={"email": wanted, "csrf_token": _token(member)})
    assert response.status_code == 303 and response.location.endswith("/notifications/preferences")
    page = member.get("/notifications/preferences").get_data(as_text=True)
    assert page.count("checked") == len(every) - 1
    assert re.search(r'value="request_transitioned"\s*>', page)  # the muted one is unchecked
    with sample_app.app_context():
        assert db.session.get(MutedEmail, (staff.member_a.id, "request_transitioned")) is not None

    reference, _member, expert = _followed_request(sample_app, staff, client_for)
    act(expert, reference, "start")
    assert "member.a@test.org" in notified(sample_app, "request_transitioned", reference)
    with sample_app.app_context():
        to_member = db.session.scalars(db.select(OutboxEmail.subject).where(OutboxEmail.to == "member.a@test.org")).all()
        to_manager = db.session.scalars(db.select(OutboxEmail.subject).where(OutboxEmail.to == "manager.a@test.org")).all()
    assert not any("is now" in s for s in to_member)
    assert any("is now" in s for s in to_manager)
    # Messages are still e-mailed to the member.
    expert.post(f"/requests/{reference}/messages", data={"body": "Une réponse", "csrf_token": _token(expert)})
    with sample_app.app_context():
        assert db.session.scalars(db.select(OutboxEmail).where(
            OutboxEmail.to == "member.a@test.org", OutboxEmail.subject.contains("wrote on"))).first()

    # Ticking it again turns the e-mails back on.
    member.post("/notifications/preferences", data={"email": every, "csrf_token": _token(member)})
    with sample_app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(MutedEmail)) == 0


# -- the notification centre and the badge --------------------------------------------------


def _badge(client) -> str:
    response = client.get("/notifications/badge", headers={"HX-Request": "true"})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_centre_lists_notifications_and_marks_them_read(sample_app, staff, client_for):
    member = client_for(sample_app, staff.member_a)
    empty = member.get("/notifications/").get_data(as_text=True)
    assert "No notifications." in empty and "/notifications/preferences" in empty
    assert "unread" not in _badge(member)

    reference, _member, expert = _followed_request(sample_app, staff, client_for)
    act(expert, reference, "start")
    assert "2 unread notifications" in _badge(member)
    # The header's link loads the count lazily and works without JavaScript.
    home = member.get("/").get_data(as_text=True)
    assert 'class="notif-link"' in home and 'hx-get="/notifications/badge"' in home
    assert 'href="/notifications/"' in home

    page = member.get("/notifications/").get_data(as_text=True)
    assert page.count("notification--unread") == 2
    assert f"{reference} “Une question” is now: In progress (Émile Expert)." in page
    assert "Mark all as read" in page
    with sample_app.app_context():
        ids = db.session.scalars(db.select(Notification.id).where(
            Notification.user_id == staff.member_a.id).order_by(Notification.id)).all()

    opened = member.post(f"/notifications/{ids[0]}", data={"csrf_token": _token(member)})
    assert opened.status_code == 303 and opened.location.endswith(f"/requests/{reference}")
    assert "1 unread notification" in _badge(member)
    assert member.get("/notifications/").get_data(as_text=True).count("notification--unread") == 1

    done = member.post("/notifications/read", data={"csrf_token": _token(member)})
    assert done.status_code == 303 and done.location.endswith("/notifications/")
    page = member.get("/notifications/").get_data(as_text=True)
    assert "All notifications are marked as read." in page and "notification--unread" not in page
    assert "unread" not in _badge(member)


def test_mark_all_read_with_htmx_swaps_the_list_and_tells_the_badge(sample_app, staff, client_for):
    reference, _member, expert = _followed_request(sample_app, staff, client_for)
    member = client_for(sample_app, staff.member_a)
    token = _token(member)
    response = member.post("/notifications/read", headers={"HX-Request": "true", "X-CSRFToken": token})
    assert response.status_code == 200
    assert response.headers["HX-Trigger"] == "notifications-changed"
    body = response.get_data(as_text=True)
    assert '<div id="notification-list">' in body and "<html" not in body
    assert "All notifications are marked as read." in body and "notification--unread" not in body
    with sample_app.app_context():
        assert db.session.scalar(db.select(db.func.count(Notification.id)).where(
            Notification.user_id == staff.member_a.id, Notification.read_at.is_(None))) == 0
        # Only one's own notifications are marked.
        assert db.session.scalar(db.select(db.func.count(Notification.id)).where(
            Notification.user_id == staff.manager_a.id, Notification.read_at.is_(None))) == 1


def test_another_users_notification_is_404(sample_app, staff, client_for):
    reference, _member, _expert = _followed_request(sample_app, staff, client_for)
    with sample_app.app_context():
        theirs = db.session.scalars(db.select(Notification.id).where(Notification.user_id == staff.manager_a.id)).first()
    member = client_for(sample_app, staff.member_a)
    assert member.post(f"/notifications/{theirs}", data={"csrf_token": _token(member)}).status_code == 404
    assert member.post("/notifications/999999", data={"csrf_token": _token(member)}).status_code == 404
    with sample_app.app_context():
        assert db.session.get(Notification, theirs).read_at is None


def test_a_notification_about_a_request_no_longer_visible_is_not_shown(sample_app, staff, client_for):
    # A restricted request shows to the field's experts only until one is assigned.
    reference = file_request(client_for(sample_app, staff.member_a), title="Confidentiel", restricted=True)
    expert2 = client_for(sample_app, staff.extra["expert2"])
    assert "1 unread notification" in _badge(expert2)
    assert "Confidentiel" in expert2.get("/notifications/").get_data(as_text=True)

    expert = client_for(sample_app, staff.expert)
    assert expert.post(f"/requests/{reference}/take", data={"csrf_token": _token(expert)}).status_code == 303
    assert expert2.get(f"/requests/{reference}").status_code == 404
    page = expert2.get("/notifications/").get_data(as_text=True)
    assert "Confidentiel" not in page and reference not in page and "No notifications." in page
    assert "unread" not in _badge(expert2)
    with sample_app.app_context():
        hidden = db.session.scalars(db.select(Notification.id).where(Notification.user_id == staff.extra["expert2"].id)).one()
    opened = expert2.post(f"/notifications/{hidden}", data={"csrf_token": _token(expert2)})
    assert opened.status_code == 303 and opened.location.endswith("/notifications/")


def test_the_centre_is_paginated(sample_app, staff, client_for):
    from extranet.accounts.models import User

    reference = file_request(client_for(sample_app, staff.member_a))
    with sample_app.app_context():
        req = db.session.scalar(db.select(ServiceRequest).filter_by(reference=reference))
        user = db.session.get(User, staff.manager_a.id)
        for _ in range(sample_app.config["PAGE_SIZE"] + 2):
            db.session.add(Notification(user=user, kind="message_new", request=req, actor=req.requester, params={}))
        db.session.commit()
    manager = client_for(sample_app, staff.manager_a)
    first = manager.get("/notifications/").get_data(as_text=True)
    assert "Page 1 of 2" in first and 'href="/notifications/?page=2"' in first
    second = manager.get("/notifications/?page=2", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert second.count("<li class=\"notification") == 2 and "<html" not in second


def test_a_kind_about_an_organization_takes_the_same_path(sample_app, staff, client_for):
    """The hour bank's alerts are told by ``notify`` like the requests' news: to the
    organization's managers who see its hours in that field, in-app and by e-mail unless muted,
    never to the person who acted, never to someone who does not see those hours."""
    from extranet.accounts.models import User
    from extranet.notifications.service import notify
    from extranet.organizations.models import Membership, Organization

    with sample_app.app_context():
        muted = create_person("manager2.a@test.org", "Maude Manager")
        db.session.add(Membership(user_id=muted.id, organization_id=staff.org_a, role="manager"))
        db.session.add(MutedEmail(user_id=muted.id, kind="hours_80"))
        org = db.session.get(Organization, staff.org_a)
        users = {p.id: db.session.get(User, p.id) for p in (staff.expert, staff.member_a, staff.manager_a)}
        notify("hours_80", org, users[staff.expert.id], field="sample", year=2030, percent="80.0")
        notify("hours_100", org, users[staff.manager_a.id], recipients=[users[staff.member_a.id], users[staff.manager_a.id]],
               field="sample", year=2030, percent="100.0")
        db.session.commit()
        rows = sorted((n.user_id, n.kind, n.request_id, n.params["organization_id"])
                      for n in db.session.scalars(db.select(Notification)))
        mails = db.session.execute(db.select(OutboxEmail.to, OutboxEmail.subject, OutboxEmail.body_text)).all()
    assert rows == sorted([(staff.manager_a.id, "hours_80", None, staff.org_a), (muted.id, "hours_80", None, staff.org_a)])
    assert [(to, subject) for to, subject, _body in mails] == [
        ("manager.a@test.org", "Coopérative A has used 80% of its Sample field hours for 2030.")]
    assert "/hours/?year=2030" in mails[0].body_text
    # Opened from the centre, it leads to the same page.
    manager = client_for(sample_app, staff.manager_a)
    with sample_app.app_context():
        opened = db.session.scalar(db.select(Notification.id).where(Notification.user_id == staff.manager_a.id))
    response = manager.post(f"/notifications/{opened}", data={"csrf_token": _token(manager)})
    assert response.status_code == 303 and response.location.endswith("/hours/?year=2030")

"""The expert's desk: correcting a request's priority and due date with a reason, tags and the
list's filter by tag, and bulk actions with an outcome per request."""

from __future__ import annotations

import re

import pytest

from tests.sample_plugin import SamplePlugin
from tests.test_requests import _token, act, add_person, file_request, load, page, update


@pytest.fixture
def app(register_plugin):
    return register_plugin(SamplePlugin())


def schedule(client, reference, version, priority="urgent", due="2027-01-15", reason="Board meeting moved", **extra):
    data = {"csrf_token": _token(client), "version": version, "priority": priority, "due_date": due,
            "reason": reason, **extra}
    return client.post(f"/requests/{reference}/schedule", data=data)


def tag(client, reference, text, htmx=False):
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(f"/requests/{reference}/tags", data={"csrf_token": _token(client), "tags": text}, headers=headers)


def untag(client, reference, name):
    return client.post(f"/requests/{reference}/tags/remove", data={"csrf_token": _token(client), "tag": name})


def bulk(client, picks, **data):
    form = {"csrf_token": _token(client), "request": picks, **data}
    return client.post("/requests/bulk", data=form)


def pick(app, reference):
    row = load(app, reference)
    return f"{row['id']}:{row['version']}"


def tag_names(app, reference):
    from extranet.extensions import db
    from extranet.requests.models import ServiceRequest

    with app.app_context():
        req = db.session.scalar(db.select(ServiceRequest).filter_by(reference=reference))
        return [t.name for t in req.tags]


# -- priority and due date --------------------------------------------------------------------


def test_an_expert_corrects_priority_and_due_date_with_a_reason_in_the_history(app, client_for, people):
    reference = file_request(client_for(app, people.member_a))
    expert = client_for(app, people.expert)
    before = load(app, reference)
    assert 'id="change-schedule"' in page(expert, reference)

    response = schedule(expert, reference, before["version"])
    assert response.status_code == 303

    after = load(app, reference)
    assert after["priority"] == "urgent" and after["version"] == before["version"] + 1
    assert after["due_at"].isoformat().startswith("2027-01-16T04:59")  # 23:59 in Montréal
    assert after["events"][-1] == ("rescheduled", None, None, "Board meeting moved")
    member_view = page(client_for(app, people.member_a), reference)
    assert "changed the priority from Normal to Urgent." in member_view
    assert "set the due date to January 15, 2027." in member_view
    assert "Board meeting moved" in member_view
    assert 'id="change-schedule"' not in member_view

    html = client_for(app, people.admin).get("/admin/audit/").get_data(as_text=True)
    assert f"Émile Expert changed the priority of request {reference} to Urgent (due 2027-01-15)." in html


def test_the_due_date_can_be_removed_and_an_unchanged_correction_records_nothing(app, client_for, people):
    reference = file_request(client_for(app, people.member_a))
    expert = client_for(app, people.expert)
    schedule(expert, reference, load(app, reference)["version"])
    version = load(app, reference)["version"]
    assert schedule(expert, reference, version).status_code == 303  # the same again
    assert load(app, reference)["version"] == version

    assert schedule(expert, reference, version, due="").status_code == 303
    after = load(app, reference)
    assert after["due_at"] is None and after["priority"] == "urgent"
    assert "removed the due date." in page(expert, reference)


def test_a_correction_needs_a_reason_and_a_known_priority(app, client_for, people):
    reference = file_request(client_for(app, people.member_a))
    expert = client_for(app, people.expert)
    version = load(app, reference)["version"]
    assert schedule(expert, reference, version, reason="").status_code == 422
    assert schedule(expert, reference, version, priority="apocalyptic").status_code == 422
    refused = schedule(expert, reference, version, due="15/01/2027")
    assert refused.status_code == 422
    assert load(app, reference)["priority"] == "normal"
    # The box comes back open in the header's actions, with what was typed; closed otherwise.
    assert re.search(r'<details class="transition" id="schedule" open>', refused.get_data(as_text=True))
    assert re.search(r'<details class="transition" id="schedule">', page(expert, reference))


def test_the_desk_s_controls_are_boxes_of_the_header_s_actions(app, client_for, people):
    reference = file_request(client_for(app, people.member_a))
    html = page(client_for(app, people.expert), reference)
    start = html.index('class="card request-head"')
    header = html[start:html.index("</header>", start)]
    for box in ("assign", "schedule", "request-tags", "merge"):
        assert f'<details class="transition" id="{box}">' in header, box
    assert 'id="request-assignees"' in header and "<aside" not in header
    # Its facts are said once: the filing in the request's card, nowhere else.
    assert html.count("Filed by") == 1 and 'id="details-title"' not in html


def test_a_stale_correction_is_a_conflict_that_gives_back_what_was_typed(app, client_for, people):
    reference = file_request(client_for(app, people.member_a))
    expert = client_for(app, people.expert)
    stale = load(app, reference)["version"]
    assert act(expert, reference, "accept", version=stale).status_code == 303

    response = schedule(expert, reference, stale, reason="Typed while someone accepted")
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "Someone else changed this request" in html
    assert "Typed while someone accepted" in html
    assert re.search(rf'name="version"[^>]*value="{stale + 1}"|value="{stale + 1}"[^>]*name="version"', html)
    assert load(app, reference)["priority"] == "normal"


def test_members_other_organizations_and_finished_requests_cannot_correct(app, client_for, people):
    reference = file_request(client_for(app, people.member_a))
    version = load(app, reference)["version"]
    for person in (people.member_a, people.manager_a, people.member_b, people.manager_b):
        assert schedule(client_for(app, person), reference, version).status_code == 404
    update(app, reference, state="closed")
    assert schedule(client_for(app, people.expert), reference, version).status_code == 404
    assert load(app, reference)["priority"] == "normal"


# -- tags ---------------------------------------------------------------------------------------


def test_experts_tag_requests_members_never_see_the_tags(app, client_for, people):
    member = client_for(app, people.member_a)
    reference = file_request(member)
    expert = client_for(app, people.expert)
    version = load(app, reference)["version"]

    assert tag(expert, reference, "Paie, conseil d'administration, paie").status_code == 303
    assert tag_names(app, reference) == ["conseil d'administration", "Paie"]
    assert load(app, reference)["version"] == version  # an append: pages stay current
    fragment = tag(expert, reference, "PAIE, urgent", htmx=True)
    assert fragment.status_code == 200 and 'id="request-tags" open' in fragment.get_data(as_text=True)
    assert tag_names(app, reference) == ["conseil d'administration", "Paie", "urgent"]
    assert untag(expert, reference, "paie").status_code == 303
    assert tag_names(app, reference) == ["conseil d'administration", "urgent"]

    html = page(expert, reference)
    assert "added the tags: Paie, conseil d&#39;administration." in html
    assert "removed the tags: Paie." in html
    member_view = page(member, reference)
    assert "urgent" not in member_view and "added the tags" not in member_view
    assert 'id="request-tags"' not in member_view


def test_tags_are_suggested_per_field_and_filter_the_list_for_staff_only(app, client_for, people):
    first = file_request(client_for(app, people.member_a), title="First")
    second = file_request(client_for(app, people.member_b), title="Second")
    expert = client_for(app, people.expert)
    tag(expert, first, "fiscalité")
    assert '<option value="fiscalité">' in page(expert, second)  # the field's words, offered

    listed = expert.get("/requests/?tag=FISCALITÉ").get_data(as_text=True)
    assert first in listed and second not in listed
    # A member's list ignores the filter: it would tell which requests carry a tag.
    member_list = client_for(app, people.member_a).get("/requests/?tag=fiscalité").get_data(as_text=True)
    assert first in member_list and 'class="tag"' not in member_list


def test_members_and_other_organizations_cannot_tag(app, client_for, people):
    reference = file_request(client_for(app, people.member_a))
    for person in (people.member_a, people.manager_a, people.member_b):
        client = client_for(app, person)
        assert tag(client, reference, "x").status_code == 404
        assert untag(client, reference, "x").status_code == 404
    assert tag(client_for(app, people.expert), reference, " , ").status_code == 422
    assert tag_names(app, reference) == []


# -- bulk actions -------------------------------------------------------------------------------


def test_bulk_assign_with_an_outcome_per_request(app, client_for, people):
    member = client_for(app, people.member_a)
    fresh = file_request(member, title="Fresh")
    moved = file_request(member, title="Moved meanwhile")
    finished = file_request(member, title="Finished")
    other = file_request(client_for(app, people.member_b), title="Other organization")
    picks = [pick(app, r) for r in (fresh, moved, finished, other)]
    update(app, finished, state="closed")
    second = add_person(app, "second_expert", fields=("sample",))
    expert = client_for(app, people.expert)
    act(expert, moved, "accept", version=load(app, moved)["version"])

    response = bulk(expert, picks, action="assign", expert=str(second.id))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    rows = dict(re.findall(r'<a href="/requests/([A-Z0-9-]+)">.*?</td>\s*<td>(.*?)</td>', html, re.S))
    assert "Done" in rows[fresh] and "Done" in rows[other]
    assert "someone changed it since the list was loaded" in rows[moved]
    assert "not possible in its state" in rows[finished]
    assert "2 of 4 requests done." in html
    assert load(app, fresh)["assignees"] == [second.id] and load(app, moved)["assignees"] == []


def test_bulk_transition_and_tag(app, client_for, people):
    member = client_for(app, people.member_a)
    one, two = file_request(member, title="One"), file_request(member, title="Two")
    expert = client_for(app, people.expert)
    response = bulk(expert, [pick(app, one), pick(app, two)], action="transition", transition="accept",
                    comment="Seen together")
    assert "2 of 2 requests done." in response.get_data(as_text=True)
    assert load(app, one)["state"] == load(app, two)["state"] == "accepted"
    assert load(app, one)["events"][-1][3] == "Seen together"

    # A step that needs more than a comment (a reason) is done from the request's page.
    response = bulk(expert, [pick(app, one)], action="transition", transition="decline")
    assert "not possible in its state" in response.get_data(as_text=True)

    response = bulk(expert, [pick(app, one), "1:0:junk", "999999999:1"], action="tag", tag="lot 7")
    html = response.get_data(as_text=True)
    assert tag_names(app, one) == ["lot 7"]
    assert "A request you cannot see" in html  # never named


def test_bulk_refuses_what_one_may_not_do_and_is_for_staff_only(app, client_for, people):
    member = client_for(app, people.member_a)
    reference = file_request(member, restricted=True)
    expert = client_for(app, people.expert)
    bulk(expert, [pick(app, reference)], action="assign", expert=str(people.expert.id))
    outsider = add_person(app, "outsider_expert", fields=("sample",))
    html = bulk(client_for(app, outsider), [pick(app, reference)], action="tag", tag="x").get_data(as_text=True)
    assert reference not in html and "A request you cannot see" in html  # restricted and assigned
    for person in (people.member_a, people.manager_a, people.member_b):
        assert bulk(client_for(app, person), [pick(app, reference)], action="tag", tag="x").status_code == 404
    assert tag_names(app, reference) == []
    assert bulk(expert, [], action="tag", tag="x").status_code == 422


def test_the_list_offers_checkboxes_and_the_bulk_form_to_staff_only(app, client_for, people):
    reference = file_request(client_for(app, people.member_a))
    row = load(app, reference)
    staff = client_for(app, people.expert).get("/requests/").get_data(as_text=True)
    assert f'value="{row["id"]}:{row["version"]}" form="bulk-form"' in staff and 'id="bulk-form"' in staff
    members = client_for(app, people.member_a).get("/requests/").get_data(as_text=True)
    assert 'form="bulk-form"' not in members and 'id="bulk-form"' not in members


# -- reply templates ----------------------------------------------------------------------------


def write_template(client, field="sample", name="Documents reçus", body_fr="Nous avons bien reçu vos documents.",
                   body_en="We received your documents."):
    data = {"csrf_token": _token(client), "field": field, "name": name, "body_fr": body_fr, "body_en": body_en}
    return client.post("/replies/new", data=data)


def template_id(app, name):
    from extranet.extensions import db
    from extranet.requests.models import ReplyTemplate

    with app.app_context():
        return db.session.scalar(db.select(ReplyTemplate.id).filter_by(name=name))


def test_admins_write_reply_templates_that_experts_insert_in_the_requesters_language(app, client_for, people):
    admin = client_for(app, people.admin)
    assert write_template(admin).status_code == 303
    assert write_template(admin, name="English only", body_fr="", body_en="Only in English.").status_code == 303
    ident = template_id(app, "Documents reçus")
    assert "Documents reçus" in admin.get("/replies/").get_data(as_text=True)

    english = file_request(client_for(app, people.member_a))  # member A reads English
    expert = client_for(app, people.expert)
    html = page(expert, english)
    assert 'id="reply-template"' in html and f'<option value="{ident}">Documents reçus</option>' in html

    fragment = expert.get(f"/requests/{english}/reply?template={ident}&body=Bonjour,", headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert fragment.get_data(as_text=True).strip().startswith("<textarea")
    assert "Bonjour,\n\nWe received your documents.</textarea>" in fragment.get_data(as_text=True)
    full = expert.get(f"/requests/{english}/reply?template={ident}")  # without JavaScript
    assert full.status_code == 200 and "We received your documents.</textarea>" in full.get_data(as_text=True)

    from tests.test_audit_sentences import set_locale

    set_locale(app, people.member_b, "fr_CA")
    french = file_request(client_for(app, people.member_b))
    assert "Nous avons bien reçu vos documents.</textarea>" in expert.get(
        f"/requests/{french}/reply?template={ident}").get_data(as_text=True)
    english_only = template_id(app, "English only")
    assert "Only in English.</textarea>" in expert.get(
        f"/requests/{french}/reply?template={english_only}").get_data(as_text=True)

    audit = admin.get("/admin/audit/").get_data(as_text=True)
    assert "Ada Admin wrote the reply template “Documents reçus” of Sample field." in audit


def test_reply_templates_are_refused_to_members_and_outside_their_field(app, client_for, people):
    admin = client_for(app, people.admin)
    write_template(admin)
    ident = template_id(app, "Documents reçus")
    reference = file_request(client_for(app, people.member_a))
    for person in (people.member_a, people.manager_a, people.member_b):
        client = client_for(app, person)
        assert client.get(f"/requests/{reference}/reply?template={ident}").status_code == 404
        assert 'id="reply-template"' not in client.get("/requests/").get_data(as_text=True)
    expert = client_for(app, people.expert)
    for path in ("/replies/", "/replies/new", f"/replies/{ident}/edit"):
        assert expert.get(path).status_code == 404
    assert write_template(expert).status_code == 404
    assert expert.get(f"/requests/{reference}/reply?template=999999").status_code == 404
    assert expert.get(f"/requests/{reference}/reply?template=nope").status_code == 404
    assert write_template(admin, body_fr="", body_en="").status_code == 422
    assert write_template(admin, field="nowhere").status_code == 422


def test_admins_edit_and_delete_reply_templates(app, client_for, people):
    admin = client_for(app, people.admin)
    write_template(admin)
    ident = template_id(app, "Documents reçus")
    response = admin.post(f"/replies/{ident}/edit", data={
        "csrf_token": _token(admin), "field": "sample", "name": "Reçu", "body_fr": "Reçu.", "body_en": ""})
    assert response.status_code == 303 and template_id(app, "Reçu") == ident
    assert 'data-confirm="Delete the reply template “Reçu”?"' in admin.get("/replies/").get_data(as_text=True)
    expert = client_for(app, people.expert)
    assert expert.post(f"/replies/{ident}/delete", data={"csrf_token": _token(expert)}).status_code == 404
    assert admin.post(f"/replies/{ident}/delete", data={"csrf_token": _token(admin)}).status_code == 303
    assert template_id(app, "Reçu") is None


# -- merging a duplicate ------------------------------------------------------------------------


def merge(client, reference, into, version=None, comment="Same question"):
    data = {"csrf_token": _token(client), "into": into, "comment": comment}
    if version is not None:
        data["version"] = version
    return client.post(f"/requests/{reference}/merge", data=data)


def what_hangs_on(app, reference):
    from extranet.documents.models import Document
    from extranet.extensions import db
    from extranet.hours.models import HoursMonthly, TimeEntry
    from extranet.requests.models import Attachment, Message, ServiceRequest

    with app.app_context():
        req = db.session.scalar(db.select(ServiceRequest).filter_by(reference=reference))
        return {
            "messages": db.session.scalars(db.select(Message.body).filter_by(request_id=req.id).order_by(Message.id)).all(),
            "files": db.session.scalars(db.select(Attachment.filename).join(Message).where(Message.request_id == req.id)).all(),
            "documents": db.session.scalar(db.select(db.func.count(Document.id)).filter_by(request_id=req.id)),
            "minutes": db.session.scalar(db.select(db.func.coalesce(db.func.sum(TimeEntry.minutes), 0)).filter_by(request_id=req.id)),
            "rollup": db.session.scalar(db.select(db.func.sum(HoursMonthly.minutes))),
        }


def test_an_expert_merges_a_duplicate_messages_files_and_time_move(app, client_for, people):
    import io
    from datetime import date

    member, manager = client_for(app, people.member_a), client_for(app, people.manager_a)
    survivor = file_request(member, title="Paie de décembre")
    duplicate = file_request(manager, title="Paie de décembre (encore)")
    expert = client_for(app, people.expert)
    assert member.post(f"/requests/{duplicate}/messages", content_type="multipart/form-data", data={
        "body": "Voici le fichier", "csrf_token": _token(member), "files": (io.BytesIO(b"Un fichier.\n"), "paie.txt"),
    }).status_code == 303
    assert member.post(f"/documents/sample/requests/{duplicate}/upload", content_type="multipart/form-data", data={
        "csrf_token": _token(member), "visibility": "org", "files": (io.BytesIO(b"Une piece.\n"), "piece.txt"),
    }).status_code in (200, 303)
    assert expert.post(f"/hours/requests/{duplicate}/time", data={
        "csrf_token": _token(expert), "date": date.today().isoformat(), "duration": "45", "activity": "analysis",
        "billable": "y", "note": "Lecture"}).status_code in (200, 303)
    before = what_hangs_on(app, duplicate)
    assert before["minutes"] == 45 and before["documents"] == 1
    assert 'id="merge-request"' in page(expert, duplicate)

    response = merge(expert, duplicate, survivor, version=load(app, duplicate)["version"])
    assert response.status_code == 303 and response.location.endswith(f"/requests/{survivor}")

    gone, kept = what_hangs_on(app, duplicate), what_hangs_on(app, survivor)
    assert gone["messages"] == [] and gone["minutes"] == 0 and gone["documents"] == 0
    assert kept["messages"] == ["Voici le fichier"] and kept["files"] == ["paie.txt"]
    assert kept["documents"] == 1 and kept["minutes"] == 45 and kept["rollup"] == 45  # same organization and field
    assert load(app, duplicate)["state"] == "closed"
    assert people.manager_a.id in load(app, survivor)["contacts"]  # the duplicate's requester follows

    dup_page = page(member, duplicate)
    assert f"merged this request into {survivor} and closed it." in dup_page and 'id="merged-into"' in dup_page
    survivor_page = page(member, survivor)
    assert f"merged {duplicate} into this request" in survivor_page and "Voici le fichier" in survivor_page
    audit = client_for(app, people.admin).get("/admin/audit/").get_data(as_text=True)
    assert f"Émile Expert merged request {duplicate} into {survivor}." in audit


def test_merging_is_refused_across_organizations_and_to_members(app, client_for, people):
    survivor_b = file_request(client_for(app, people.member_b), title="B")
    duplicate = file_request(client_for(app, people.member_a), title="A")
    restricted = file_request(client_for(app, people.member_a), title="Secret", restricted=True)
    standard = file_request(client_for(app, people.member_a), title="Standard")
    expert = client_for(app, people.expert)

    response = merge(expert, duplicate, survivor_b)  # the expert may see both: not across organizations
    assert response.status_code == 422 and "same organization and field" in response.get_data(as_text=True)
    response = merge(expert, duplicate, "SAMPLE-2099-9999")
    assert response.status_code == 422 and "No open request with this reference" in response.get_data(as_text=True)
    assert merge(expert, duplicate, duplicate).status_code == 422
    response = merge(expert, restricted, standard)
    assert response.status_code == 422 and "only be merged into a restricted" in response.get_data(as_text=True)
    for person in (people.member_a, people.manager_a, people.member_b):
        assert merge(client_for(app, person), duplicate, standard).status_code == 404
    update(app, standard, state="closed")
    assert merge(expert, duplicate, standard).status_code == 422  # a finished request takes nothing
    assert load(app, duplicate)["state"] == "submitted"


def test_a_stale_merge_is_a_conflict(app, client_for, people):
    member = client_for(app, people.member_a)
    survivor, duplicate = file_request(member), file_request(member)
    expert = client_for(app, people.expert)
    stale = load(app, duplicate)["version"]
    act(expert, duplicate, "accept", version=stale)
    response = merge(expert, duplicate, survivor, version=stale, comment="Typed before")
    assert response.status_code == 409 and "Typed before" in response.get_data(as_text=True)
    assert load(app, duplicate)["state"] == "accepted"


# -- saved list views ---------------------------------------------------------------------------


def save_view(client, name, query="", **filters):
    return client.post("/requests/views", data={"csrf_token": _token(client), "name": name, "query": query, **filters})


def view_ids(app, person):
    from extranet.extensions import db
    from extranet.requests.models import SavedView

    with app.app_context():
        return dict(db.session.execute(db.select(SavedView.name, SavedView.id).filter_by(user_id=person.id)).all())


def test_experts_are_offered_my_overdue_and_unassigned_in_my_fields(app, client_for, people):
    from datetime import timedelta

    from extranet.db_types import utcnow

    member = client_for(app, people.member_a)
    late, waiting, taken = file_request(member, title="Late"), file_request(member, title="Waiting"), file_request(member)
    expert = client_for(app, people.expert)
    expert.post(f"/requests/{late}/take", data={"csrf_token": _token(expert)})
    expert.post(f"/requests/{taken}/take", data={"csrf_token": _token(expert)})
    update(app, late, due_at=utcnow() - timedelta(days=1))
    html = expert.get("/requests/").get_data(as_text=True)
    assert "My overdue" in html and "Unassigned in my fields" in html

    overdue = expert.get("/requests/?assignee=me&overdue=1&sort=due").get_data(as_text=True)
    assert late in overdue and taken not in overdue and waiting not in overdue
    unassigned = expert.get("/requests/?assignee=none&fields=mine&open=1&sort=due").get_data(as_text=True)
    assert waiting in unassigned and late not in unassigned and taken not in unassigned
    assert "My overdue" not in member.get("/requests/").get_data(as_text=True)


def test_a_person_saves_filters_under_a_name_and_deletes_them_after_confirming(app, client_for, people):
    first, second = file_request(client_for(app, people.member_a), title="Alpha"), None
    second = file_request(client_for(app, people.member_a), title="Beta")
    expert = client_for(app, people.expert)
    # Without JavaScript the page's own query is sent; htmx sends the filter form's fields.
    assert save_view(expert, "Alpha seulement", query="q=alpha&page=3&csrf_token=x").status_code == 303
    assert save_view(expert, "Beta", q="beta", field="").status_code == 303
    views = view_ids(app, people.expert)
    html = expert.get("/requests/").get_data(as_text=True)
    assert 'href="/requests/?q=alpha">Alpha seulement</a>' in html and 'href="/requests/?q=beta">Beta</a>' in html
    listed = expert.get("/requests/?q=alpha").get_data(as_text=True)
    assert first in listed and second not in listed

    # Another person's view does not exist for them.
    other = client_for(app, people.member_a)
    assert other.get(f"/requests/views/{views['Beta']}/delete").status_code == 404
    assert other.post(f"/requests/views/{views['Beta']}/delete", data={"csrf_token": _token(other)}).status_code == 404
    assert 'Alpha seulement' not in other.get("/requests/").get_data(as_text=True)

    confirm = expert.get(f"/requests/views/{views['Beta']}/delete")
    assert confirm.status_code == 200 and 'id="confirm-delete-view"' in confirm.get_data(as_text=True)
    assert view_ids(app, people.expert).keys() == {"Alpha seulement", "Beta"}  # asking deletes nothing
    assert expert.post(f"/requests/views/{views['Beta']}/delete", data={"csrf_token": _token(expert)}).status_code == 303
    assert view_ids(app, people.expert).keys() == {"Alpha seulement"}
    assert save_view(expert, "", q="x").status_code == 303 and len(view_ids(app, people.expert)) == 1


# -- filing on behalf of a member ---------------------------------------------------------------


def file_for(client, requester, org, title="Au téléphone", **extra):
    data = {"csrf_token": _token(client), "requester": f"{org}:{requester.id}", "title": title,
            "description": "Appel de 10 h", "topic": "general", "priority": "normal", **extra}
    return client.post("/requests/on-behalf/sample/question", data=data)


def test_an_expert_files_for_a_member_who_phoned_who_is_the_requester_and_told(app, client_for, people):
    from extranet.extensions import db
    from extranet.notifications.models import OutboxEmail

    expert = client_for(app, people.expert)
    assert expert.get("/requests/on-behalf/").status_code == 200
    form = expert.get("/requests/on-behalf/sample/question").get_data(as_text=True)
    assert f'value="{people.org_a}:{people.member_a.id}"' in form and f'value="{people.org_b}:{people.member_b.id}"' in form

    response = file_for(expert, people.member_a, people.org_a)
    assert response.status_code == 303
    reference = response.location.rstrip("/").split("/")[-1]
    row = load(app, reference)
    assert row["requester_id"] == people.member_a.id and row["organization_id"] == people.org_a
    member_view = page(client_for(app, people.member_a), reference)
    assert "Émile Expert filed the request on behalf of Member A." in member_view
    with app.app_context():
        mail = db.session.scalars(db.select(OutboxEmail).where(OutboxEmail.to == people.member_a.email)).all()
    assert any(reference in m.subject or reference in m.body_text for m in mail)
    audit = client_for(app, people.admin).get("/admin/audit/").get_data(as_text=True)
    assert f"Émile Expert filed request {reference} on behalf of Member A." in audit


def test_filing_on_behalf_is_refused_to_members_and_for_a_person_outside_the_organization(app, client_for, people):
    member = client_for(app, people.member_a)
    assert member.get("/requests/on-behalf/").status_code == 404
    assert file_for(member, people.member_a, people.org_a).status_code == 404
    expert = client_for(app, people.expert)
    response = file_for(expert, people.member_b, people.org_a)  # B is no member of A
    assert response.status_code == 422 and "Choose the member who asked" in response.get_data(as_text=True)
    assert file_for(expert, people.member_a, 999999999).status_code == 422
    assert expert.post("/requests/on-behalf/sample/question", data={
        "csrf_token": _token(expert), "requester": "x:y", "title": "t", "topic": "general"}).status_code == 422
    assert expert.get("/requests/on-behalf/sample/nothing").status_code == 404
    listed = client_for(app, people.admin).get("/requests/").get_data(as_text=True)
    assert "Au téléphone" not in listed


def test_the_experts_list_costs_the_same_queries_with_more_tagged_requests(app, client_for, people):
    from extranet.testing import count_queries

    member, expert = client_for(app, people.member_a), client_for(app, people.expert)
    save_view(expert, "Mine", q="x")

    def more(n):
        for i in range(n):
            reference = file_request(member, title=f"Tagged {i}")
            tag(expert, reference, f"t{i}, commun")

    def listing():
        assert expert.get("/requests/").status_code == 200

    more(2)
    listing()  # warm: the first page of a session loads what later ones reuse
    few = count_queries(app, listing)
    more(4)
    assert count_queries(app, listing) == few
    print(f"expert's request list: {few} queries with 2 and with 6 tagged requests")


def test_a_persons_saved_views_are_in_their_export_and_go_with_their_erasure(app, client_for, people):
    import io
    import json
    import zipfile

    from extranet.extensions import db
    from extranet.privacy.bundle import write_zip
    from extranet.testing import csrf_token

    member = client_for(app, people.member_a)
    save_view(member, "Mes demandes ouvertes", q="paie", open="1")
    expert = client_for(app, people.expert)
    reference = file_for(expert, people.member_a, people.org_a).location.rstrip("/").split("/")[-1]
    with app.app_context():
        from extranet.accounts.models import User

        out = io.BytesIO()
        write_zip(db.session.get(User, people.member_a.id), out)
        views = json.loads(zipfile.ZipFile(out).read("saved_views.json"))
    assert [(v["name"], v["filters"]) for v in views] == [("Mes demandes ouvertes", "q=paie&open=1")]

    member.post("/profile/erasure", data={"csrf_token": csrf_token(member, "/profile")})
    admin = client_for(app, people.admin)
    asked_id = re.search(r'id="erasure-(\d+)"', admin.get("/admin/erasures/").get_data(as_text=True)).group(1)
    assert admin.post(f"/admin/erasures/{asked_id}/carry-out", data={"csrf_token": _token(admin)}).status_code == 303
    assert view_ids(app, people.member_a) == {}
    html = page(expert, reference)
    assert "filed the request on behalf of Member A." not in html and "filed the request on behalf of" in html

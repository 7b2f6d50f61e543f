"""Moving a misfiled request to another field and type: reference kept, answers mapped or kept as
previous answers, both fields' experts told, refused to members and other organizations."""

from __future__ import annotations

import pytest

from tests.sample_plugin import SamplePlugin
from tests.test_requests import _token, act, add_person, file_request, load, page


@pytest.fixture
def app(register_plugin):
    return register_plugin(SamplePlugin(), SamplePlugin("other", order=60))


def move(client, reference, destination="other/question", reason="Ce n'est pas une question de paie", version=None):
    data = {"csrf_token": _token(client), "destination": destination, "reason": reason}
    if version is not None:
        data["version"] = version
    return client.post(f"/requests/{reference}/move", data=data)


def notified(app, person):
    from extranet.extensions import db
    from extranet.notifications.models import Notification

    with app.app_context():
        return db.session.scalars(db.select(Notification.kind).filter_by(user_id=person.id)).all()


def test_an_expert_moves_a_misfiled_request_and_both_fields_experts_are_told(app, client_for, people):
    member = client_for(app, people.member_a)
    reference = file_request(member, title="Mal classée")
    sample_only = add_person(app, "sample_expert", fields=("sample",))
    other_only = add_person(app, "other_expert", fields=("other",))
    expert = client_for(app, people.expert)
    act(expert, reference, "accept", version=load(app, reference)["version"])
    assert 'id="move-request"' in page(expert, reference)

    response = move(expert, reference, version=load(app, reference)["version"])
    assert response.status_code == 303
    row = load(app, reference)
    assert row["reference"] == reference and row["field"] == "other" and row["type"] == "question"
    assert row["data"] == {"topic": "general"} and row["state"] == "accepted"  # same questions: kept
    assert "request_moved" in notified(app, sample_only) and "request_moved" in notified(app, other_only)
    html = page(member, reference)
    assert "moved the request from Sample field (Question) to" in html
    assert "Ce n&#39;est pas une question de paie" in html
    audit = client_for(app, people.admin).get("/admin/audit/").get_data(as_text=True)
    assert f"Émile Expert moved request {reference} from Sample field to" in audit


def test_answers_the_new_type_does_not_ask_are_kept_as_previous_answers(app, client_for, people):
    reference = file_request(client_for(app, people.member_a))
    expert = client_for(app, people.expert)
    assert move(expert, reference, destination="other/review").status_code == 303
    row = load(app, reference)
    assert row["type"] == "review" and row["data"] == {}
    assert row["state"] == "submitted"
    html = page(expert, reference)
    assert "Previous answers:" in html and "Topic = general" in html


def test_moving_is_refused_to_members_other_organizations_and_unknown_destinations(app, client_for, people):
    reference = file_request(client_for(app, people.member_a))
    for person in (people.member_a, people.manager_a, people.member_b):
        assert move(client_for(app, person), reference).status_code == 404
    # An expert who does not work in the destination field cannot move a request there.
    sample_only = add_person(app, "sample_expert", fields=("sample",))
    assert move(client_for(app, sample_only), reference).status_code == 422
    expert = client_for(app, people.expert)
    assert move(expert, reference, destination="sample/question").status_code == 422  # where it is
    assert move(expert, reference, destination="nowhere/x").status_code == 422
    assert move(expert, reference, reason="").status_code == 422
    stale = load(app, reference)["version"]
    act(expert, reference, "accept", version=stale)
    response = move(expert, reference, version=stale, reason="Typed before")
    assert response.status_code == 409 and "Typed before" in response.get_data(as_text=True)
    assert load(app, reference)["field"] == "sample"

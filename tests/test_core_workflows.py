"""The core's workflows beyond the standard one (issue 10 §1): a second expert's review before
delivery and a check before acceptance, chosen for a stored field's type in the field builder,
kept on the type, exported and imported."""

from __future__ import annotations

import json
from types import SimpleNamespace

from flask_babel import force_locale

from extranet.plugin_testing import load, make_expert, take, token
from tests.test_stored_fields import TYPE, _post, build_field, give_field


def _move(client, reference, slug, **data):
    form = {f"{slug}-{name}": value for name, value in data.items()}
    return client.post(f"/requests/{reference}/transition/{slug}", data={"csrf_token": token(client), **form})


def _file(member, type_slug):
    response = member.post(f"/requests/new/communications/{type_slug}",
                           data={"csrf_token": token(member), "title": "Plan annuel", "description": "Un plan"})
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    return response.location.rstrip("/").split("/")[-1]


def _type(admin, slug, workflow):
    data = {**TYPE, "slug": slug, "name_fr": slug, "name_en": slug, "workflow": workflow}
    response = _post(admin, "/admin/fields/communications/types/new", data)
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]


def _field_with(app, people, client_for, *workflows):
    admin = client_for(app, people.admin)
    build_field(admin)
    for workflow in workflows:
        _type(admin, workflow, workflow)
    give_field(app, people)
    return admin


# -- unit ----------------------------------------------------------------------------------------


def test_the_core_registers_three_workflows_derived_from_the_standard_one(app):
    from extranet.plugins import host

    with app.app_context():
        plugins = host()
        assert plugins.core_workflows == ("standard", "second_review", "acceptance_check")
        review, check = plugins.workflows["second_review"], plugins.workflows["acceptance_check"]
    assert review.transition("deliver").sources == ("reviewed",)
    assert {t.slug for t in review.transitions_from("in_review")} == {"approve_review", "request_changes"}
    assert check.transition("accept").sources == ("checked",)
    assert {t.slug for t in check.transitions_from("submitted")} == {"check", "decline", "cancel"}
    # The standard workflow itself is unchanged.
    assert plugins.workflows["standard"].transition("accept").sources == ("submitted",)


def test_the_second_reviewer_is_not_an_expert_who_did_the_work(app):
    from extranet.requests.core_workflows import not_the_first_expert

    me, other = SimpleNamespace(id=1), SimpleNamespace(id=2)
    req = SimpleNamespace(assignees=[me])
    assert not_the_first_expert(req, other) is None
    with app.test_request_context(), force_locale("fr_CA"):
        assert str(not_the_first_expert(req, me)).startswith("Une deuxième experte ou un deuxième expert")


def test_labels_are_translated(app):
    from extranet.plugins import host

    with app.test_request_context(), force_locale("fr_CA"):
        plugins = host()
        review, check = plugins.workflows["second_review"], plugins.workflows["acceptance_check"]
        assert str(review.label) != "With a second expert's review"
        assert str(review.transition("request_review").label) == "Demander une révision"
        assert str(check.transition("check").label) != "Check before accepting"
        assert str(check.state("checked").label) != "Checked"


def test_a_request_whose_type_is_gone_keeps_the_label_of_its_core_state(app):
    from extranet.requests.standard import read_only_workflow

    with app.test_request_context(), force_locale("en"):
        workflow = read_only_workflow("in_review")
        assert str(workflow.state("in_review").label) == "In review" and not workflow.transitions


# -- through the test client ------------------------------------------------------------------


def test_the_builder_offers_the_core_workflows_and_keeps_the_choice(app, people, client_for):
    admin = _field_with(app, people, client_for, "second_review")
    page = admin.get("/admin/fields/communications/types/new").get_data(as_text=True)
    for slug, label in (("standard", "Standard"), ("second_review", "With a second expert&#39;s review"),
                        ("acceptance_check", "With a check before acceptance")):
        assert f'value="{slug}"' in page and label in page, slug
    assert 'value="accounting"' not in page and 'value="legal"' not in page  # plugins keep theirs
    edit = admin.get("/admin/fields/communications/types/second_review").get_data(as_text=True)
    assert 'selected value="second_review"' in edit
    refused = _post(admin, "/admin/fields/communications/types/new", {**TYPE, "slug": "other", "workflow": "accounting"})
    assert refused.status_code == 422


def test_a_second_expert_reviews_before_delivery(app, people, client_for):
    _field_with(app, people, client_for, "second_review")
    member, worker = client_for(app, people.member_a), client_for(app, people.expert)
    reference = _file(member, "second_review")
    take(worker, reference)
    for slug in ("accept", "start"):
        assert _move(worker, reference, slug).status_code == 303, slug
    assert _move(worker, reference, "deliver").status_code == 404  # not before the review
    assert _move(worker, reference, "request_review").status_code == 303
    assert load(app, reference).state == "in_review"

    # The expert who did the work cannot approve it, and is told why next to the greyed action.
    detail = worker.get(f"/requests/{reference}").get_data(as_text=True)
    assert 'data-transition="approve_review"' not in detail and 'id="refused-approve_review"' in detail
    assert _move(worker, reference, "approve_review").status_code == 404
    assert _move(client_for(app, people.admin), reference, "approve_review").status_code == 404  # an expert's

    reviewer = client_for(app, make_expert(app, "communications", "reviewer@test.org", "Rita Reviewer"))
    assert _move(reviewer, reference, "request_changes").status_code == 422  # says which changes
    assert _move(reviewer, reference, "request_changes", comment="Revoir le budget").status_code == 303
    assert load(app, reference).state == "in_progress"
    assert _move(worker, reference, "request_review").status_code == 303
    assert _move(reviewer, reference, "approve_review").status_code == 303
    assert load(app, reference).state == "reviewed"
    assert _move(reviewer, reference, "deliver").status_code == 404  # delivering stays with its expert
    assert _move(worker, reference, "deliver").status_code == 303
    assert load(app, reference).state == "delivered"


def test_a_request_is_checked_before_it_is_accepted(app, people, client_for):
    _field_with(app, people, client_for, "acceptance_check")
    member, expert = client_for(app, people.member_a), client_for(app, people.expert)
    reference = _file(member, "acceptance_check")
    assert _move(expert, reference, "accept").status_code == 404  # not before the check
    assert _move(member, reference, "check", comment="Vu").status_code == 404  # staff check
    assert _move(expert, reference, "check").status_code == 422  # says what was checked
    assert _move(expert, reference, "check", comment="Portée et faisabilité vues").status_code == 303
    assert load(app, reference).state == "checked"
    assert f"Request {reference} is checked" in expert.get(f"/requests/{reference}").get_data(as_text=True)
    assert _move(member, reference, "cancel").status_code == 303  # the member may still cancel
    assert load(app, reference).state == "cancelled"

    reference = _file(member, "acceptance_check")
    assert _move(expert, reference, "check", comment="Vu").status_code == 303
    assert _move(expert, reference, "accept").status_code == 303
    assert load(app, reference).state == "accepted"


def test_a_types_workflow_is_exported_and_imported(app, people, client_for):
    admin = _field_with(app, people, client_for, "second_review", "acceptance_check")
    exported = json.loads(admin.get("/admin/fields/communications/export").get_data(as_text=True))
    assert {t["slug"]: t["workflow"] for t in exported["types"]} == {
        "campaign": "standard", "second_review": "second_review", "acceptance_check": "acceptance_check"}
    moved = {**exported, "field": {**exported["field"], "slug": "marketing", "prefix": "MKT"}}
    response = _post(admin, "/admin/fields/import", {"text": json.dumps(moved)})
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    from extranet.plugins import host

    with app.test_request_context():
        admin.get("/")  # the host serves the imported field at the next request
        assert host().request_types[("marketing", "second_review")].workflow == "second_review"
    plugin_workflow = {**moved, "field": {**moved["field"], "slug": "other", "prefix": "OTH"},
                       "types": [{**moved["types"][1], "workflow": "accounting"}]}
    refused = _post(admin, "/admin/fields/import", {"text": json.dumps(plugin_workflow)})
    assert refused.status_code == 422 and "unknown workflow &#39;accounting&#39;" in refused.get_data(as_text=True)

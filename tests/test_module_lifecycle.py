"""Issue 10 §2: a plugin installed with pip starts disabled; one uninstalled leaves its requests
readable, never a 500."""

from __future__ import annotations

from extranet.plugins import host
from tests.sample_plugin import SamplePlugin
from tests.test_plugins import _file_question, _reference, _subscribe_org_a, _token

SHIPPED = ["hr", "legal", "accounting", "it"]  # the production default


def test_a_plugin_installed_later_starts_disabled_until_an_admin_enables_it(register_plugin, client_for, people):
    app = register_plugin(SamplePlugin(), SHIPPED_PLUGINS=SHIPPED)
    _subscribe_org_a(app, people)
    member = client_for(app, people.member_a)
    assert member.get("/sample/").status_code == 404
    admin = client_for(app, people.admin)
    page = admin.get("/admin/modules").get_data(as_text=True)
    assert 'id="module-sample"' in page and "Disabled" in page
    response = admin.post("/admin/modules/sample", data={"enabled": "1", "csrf_token": _token(admin)})
    assert response.status_code in (200, 303)
    assert member.get("/sample/").status_code == 200


def test_shipped_plugins_are_enabled_without_an_admin(register_plugin, people):
    app = register_plugin(SamplePlugin(), SHIPPED_PLUGINS=["sample"])
    with app.test_request_context():
        assert host().module_states()["sample"] is True


def test_the_demo_enables_the_installed_plugins_but_not_one_an_admin_turned_off(register_plugin):
    from extranet.demo import _enable_installed_modules
    from extranet.extensions import db
    from extranet.modules import Module

    app = register_plugin(SamplePlugin(), SamplePlugin("other"), SHIPPED_PLUGINS=SHIPPED)
    with app.test_request_context():
        db.session.add(Module(slug="other", enabled=False, settings={}))
        _enable_installed_modules()
        db.session.commit()
        states = host().module_states()
        assert states["sample"] is True and states["other"] is False


def test_requests_of_an_uninstalled_plugin_stay_readable(register_plugin, make_app, client_for, people):
    with_plugin = register_plugin(SamplePlugin())
    _subscribe_org_a(with_plugin, people)
    reference = _reference(_file_question(client_for(with_plugin, people.member_a)))
    expert = client_for(with_plugin, people.expert)
    expert.post(f"/requests/{reference}/messages", data={"body": "Une réponse", "csrf_token": _token(expert)})

    without = make_app()  # the plugin uninstalled: the same database, no code for the field
    for person in (people.member_a, people.expert, people.admin, people.manager_a):
        client = client_for(without, person)
        page = client.get(f"/requests/{reference}")
        assert page.status_code == 200, person
        text = page.get_data(as_text=True)
        assert "Une question" in text and "sample" in text
        assert "/transition/" not in text  # read-only: no move is offered
        assert client.get("/requests/").status_code == 200
        assert client.get("/").status_code == 200
    # Read-only: nothing can be moved, and no 500 for trying.
    expert = client_for(without, people.expert)
    response = expert.post(f"/requests/{reference}/transition/accept", data={"csrf_token": _token(expert)})
    assert response.status_code in (403, 404, 409)
    # Others still never see it.
    assert client_for(without, people.member_b).get(f"/requests/{reference}").status_code == 404


def test_an_admin_sets_a_module_settings_form_on_its_page(register_plugin, client_for, people):
    from extranet.api import plugin_settings

    app = register_plugin(SamplePlugin())
    admin = client_for(app, people.admin)
    page = admin.get("/admin/modules/sample")
    assert page.status_code == 200 and "Greeting" in page.get_data(as_text=True)
    refused = admin.post("/admin/modules/sample/settings", data={"greeting": "", "csrf_token": _token(admin)})
    assert refused.status_code == 422
    saved = admin.post("/admin/modules/sample/settings",
                       data={"greeting": "Bonjour", "weekly_digest": "y", "csrf_token": _token(admin)})
    assert saved.status_code == 303
    with app.test_request_context():
        assert plugin_settings("sample") == {"greeting": "Bonjour", "weekly_digest": True}
    assert 'value="Bonjour"' in admin.get("/admin/modules/sample").get_data(as_text=True)
    # Only admins; a module with no form has a page, and nothing to post.
    assert client_for(app, people.expert).get("/admin/modules/sample").status_code == 404
    assert client_for(app, people.member_a).post(
        "/admin/modules/sample/settings", data={"greeting": "x"}).status_code in (400, 404)
    assert admin.get("/admin/modules/nope").status_code == 404


def test_an_admin_subscribes_many_organizations_to_a_field_after_confirming(register_plugin, client_for, people):
    from extranet.extensions import db
    from extranet.organizations.models import Subscription

    app = register_plugin(SamplePlugin())
    _subscribe_org_a(app, people)  # A already is
    admin = client_for(app, people.admin)
    page = admin.get("/admin/modules/sample/subscribe").get_data(as_text=True)
    assert f'name="item" value="{people.org_b}"' in page
    assert f'name="item" value="{people.org_a}"' not in page  # already subscribed

    def subscribed():
        with app.app_context():
            return set(db.session.scalars(db.select(Subscription.organization_id).filter_by(field="sample", active=True)))

    chosen = [str(people.org_b), str(people.federation_a), "99999999"]
    confirm = admin.post("/admin/modules/sample/subscribe", data={"item": chosen, "csrf_token": _token(admin)})
    assert confirm.status_code == 200 and 'name="confirmed"' in confirm.get_data(as_text=True)
    assert subscribed() == {people.org_a}  # nothing changes before the confirmation
    done = admin.post("/admin/modules/sample/subscribe",
                      data={"item": chosen, "confirmed": "1", "csrf_token": _token(admin)})
    text = done.get_data(as_text=True)
    assert done.status_code == 200 and text.count(">Subscribed<") == 2
    assert subscribed() == {people.org_a, people.org_b, people.federation_a}
    assert admin.post("/admin/modules/sample/subscribe", data={"csrf_token": _token(admin)}).status_code == 422
    assert client_for(app, people.manager_a).get("/admin/modules/sample/subscribe").status_code == 404


def test_an_admin_gives_a_field_to_many_experts_after_confirming(register_plugin, client_for, people):
    from extranet.accounts.models import ExpertField
    from extranet.extensions import db

    app = register_plugin(SamplePlugin("other"))
    admin = client_for(app, people.admin)
    page = admin.get("/admin/modules/other/experts").get_data(as_text=True)
    assert f'name="item" value="{people.expert.id}"' in page
    assert f'value="{people.member_a.id}"' not in page  # not an expert
    confirm = admin.post("/admin/modules/other/experts", data={"item": [str(people.expert.id)], "csrf_token": _token(admin)})
    assert confirm.status_code == 200 and 'name="confirmed"' in confirm.get_data(as_text=True)
    done = admin.post("/admin/modules/other/experts",
                      data={"item": [str(people.expert.id)], "confirmed": "1", "csrf_token": _token(admin)})
    assert done.status_code == 200 and "Serves it now" in done.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(db.select(ExpertField).filter_by(user_id=people.expert.id, field="other"))

"""The audit log in sentences, in the reader's language: filtered and exported (CSV) by admins;
what was done to a person's own account, read by that person."""

from __future__ import annotations

import ast
import csv
import io
from datetime import date, timedelta
from pathlib import Path

import pytest

from tests.sample_plugin import SamplePlugin
from tests.test_requests import _token, act, file_request


@pytest.fixture
def app(register_plugin):
    return register_plugin(SamplePlugin())


def set_locale(app, person, locale):
    from extranet.accounts.models import User
    from extranet.extensions import db

    with app.app_context():
        db.session.get(User, person.id).locale = locale
        db.session.commit()


def membership_id(app, person, org_id):
    from extranet.extensions import db
    from extranet.organizations.models import Membership

    with app.app_context():
        return db.session.scalar(db.select(Membership.id).filter_by(user_id=person.id, organization_id=org_id))


def test_admins_read_each_action_as_a_sentence_in_their_language(app, client_for, people):
    member = client_for(app, people.member_a)
    reference = file_request(member, title="Une question")
    expert = client_for(app, people.expert)
    assert act(expert, reference, "accept").status_code in (200, 303)
    admin = client_for(app, people.admin)
    html = admin.get("/admin/audit/").get_data(as_text=True)
    assert f"Member A filed request {reference}." in html
    assert f"Émile Expert moved request {reference} to “Accepted”." in html
    assert "Member A signed in." in html

    set_locale(app, people.admin, "fr_CA")
    french = admin.get("/admin/audit/").get_data(as_text=True)
    assert f"Member A a déposé la demande {reference}." in french
    assert f"Émile Expert a fait passer la demande {reference} à «\u00a0Acceptée\u00a0»." in french


def test_the_log_is_for_admins_only(app, client_for, people):
    for person in (people.member_a, people.manager_a, people.expert):
        client = client_for(app, person)
        assert client.get("/admin/audit/").status_code == 404
        assert client.get("/admin/audit/export.csv").status_code == 404


def test_filters_by_actor_kind_dates_and_organization(app, client_for, people):
    reference_a = file_request(client_for(app, people.member_a), title="A")
    reference_b = file_request(client_for(app, people.member_b), title="B")
    admin = client_for(app, people.admin)

    def shown(query):
        response = admin.get(f"/admin/audit/?{query}")
        assert response.status_code == 200
        return response.get_data(as_text=True)

    by_actor = shown("actor=member.a")
    assert reference_a in by_actor and reference_b not in by_actor
    by_kind = shown("kind=requests")
    assert reference_a in by_kind and reference_b in by_kind and "signed in." not in by_kind
    by_org = shown(f"kind=requests&organization={people.org_b}")
    assert reference_b in by_org and reference_a not in by_org
    today = date.today()
    assert reference_a in shown(f"since={(today - timedelta(days=1)).isoformat()}&until={(today + timedelta(days=1)).isoformat()}")
    assert "No event matches." in shown(f"until={(today - timedelta(days=2)).isoformat()}")
    # Nonsense is ignored, never a 500.
    assert reference_a in shown("since=yesterday&organization=99999999999999999999&kind=nope&page=99999999999999999999")


def test_the_export_is_csv_in_sentences_and_formula_safe(app, client_for, people):
    from extranet.accounts.models import User
    from extranet.extensions import db

    with app.app_context():
        db.session.get(User, people.member_a.id).name = '=HYPERLINK("http://evil.example","x")'
        db.session.commit()
    reference = file_request(client_for(app, people.member_a), title="A")
    admin = client_for(app, people.admin)
    response = admin.get("/admin/audit/export.csv?kind=requests")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert rows[0] == ["When", "Who", "What happened", "Action code", "Organization", "IP address"]
    [row] = rows[1:]
    assert row[1] == "'" + '=HYPERLINK("http://evil.example","x")'
    assert row[2].startswith("'=HYPERLINK") and row[2].endswith(f"filed request {reference}.")
    assert row[3:5] == ["requests.created", "Coopérative A"]


def test_a_person_reads_what_was_done_to_their_account(app, client_for, people):
    manager = client_for(app, people.manager_a)
    member_id = membership_id(app, people.member_a, people.org_a)
    token = _token(manager)
    assert manager.post(f"/organization/members/{member_id}", data={"csrf_token": token, "action": "manager"}).status_code == 303
    admin = client_for(app, people.admin)
    token = _token(admin)
    for active in ("0", "1"):
        assert admin.post(f"/admin/users/{people.member_a.id}/active", data={"csrf_token": token, "active": active}).status_code in (204, 303)

    member = client_for(app, people.member_a)
    html = member.get("/profile/history").get_data(as_text=True)
    assert "Manager A made Member A manager in Coopérative A." in html
    assert "An administrator of the cooperative deactivated the account of Member A." in html
    assert "An administrator of the cooperative reactivated the account of Member A." in html
    assert "Member A signed in." in html
    assert people.admin.name not in html

    # Another person never reads them.
    other = client_for(app, people.member_b).get("/profile/history").get_data(as_text=True)
    assert "Member A" not in other and "Member B signed in." in other


def test_the_person_level_part_in_french(app, client_for, people):
    set_locale(app, people.member_a, "fr_CA")
    member = client_for(app, people.member_a)
    html = member.get("/profile/history").get_data(as_text=True)
    assert "Ce qui a été fait à mon compte" in html
    assert "Member A a ouvert une session." in html


def _recorded_actions() -> set[str]:
    """Every action code the core and the built-in plugins pass to ``record``, read from the code."""
    root = Path(__file__).parent.parent
    actions = set()
    for path in [*root.glob("extranet/**/*.py"), *root.glob("plugins/*/extranet_*/**/*.py")]:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "record" and node.args:
                first = node.args[0]
                for value in (first.body, first.orelse) if isinstance(first, ast.IfExp) else (first,):
                    if isinstance(value, ast.Constant) and isinstance(value.value, str):
                        actions.add(value.value)
    return actions


def test_every_action_the_code_records_has_a_sentence_and_a_kind():
    from extranet.audit.sentences import KINDS, SENTENCES

    actions = _recorded_actions()
    assert len(actions) > 50
    assert sorted(actions - set(SENTENCES)) == []
    assert sorted({a.split(".")[0] for a in actions} - set(KINDS)) == []

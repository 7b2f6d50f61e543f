"""Find anything (extranet/search): the same cases on the engine of the test database, SQLite
FTS5 by default and PostgreSQL full-text under EXTRANET_TEST_POSTGRES_URL.

The permission test plants a unique word in every kind of private text (a restricted request's
title, description and answers, its messages and attachment names, an internal note, a
document of an organization's space, a trashed document, a request of a disabled module, a
draft resource) and searches for each as every person: a search must find it exactly for
those who may open it, and nothing else, not even a count.
"""

from __future__ import annotations

import io
import itertools
import re

import pytest
from sqlalchemy import text

from extranet.testing import csrf_token, statements_sent
from tests.test_confidential_surfaces import (
    _attach,
    _cast,
    _file,
    _ok,
    _token,
    _trash,
    _upload,
)


def _search(client, **args):
    response = client.get("/search/", query_string=args)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def _found(client, words: str, **args) -> bool:
    page = _search(client, q=words, **args)
    hit = 'class="search-hit"' in page
    assert hit != ("Nothing found for" in page), page[-3000:]
    return hit


def _space_upload(client, field, org, filename, visibility="org", body=b"Un document.\n"):
    _ok(client.post(f"/documents/{field}/upload?org={org}", data={
        "csrf_token": _token(client), "visibility": visibility, "files": (io.BytesIO(body), filename),
    }, content_type="multipart/form-data"))


def _resource(client, field, title, summary, publish):
    response = _ok(client.post(f"/resources/{field}/new", data={
        "csrf_token": _token(client), "title": title, "summary": summary, "language": "fr", "category": "guide",
        "file": (io.BytesIO(b"Un guide.\n"), "guide.txt"),
    }, content_type="multipart/form-data"))
    if publish:
        from extranet.resources.models import Resource

        with client.application.app_context():
            from extranet.extensions import db

            resource = db.session.scalar(db.select(Resource).where(Resource.title == title))
        _ok(client.post(f"/resources/{field}/{resource.id}/publish", data={"csrf_token": _token(client)}))
    return response


@pytest.fixture
def world(app, people, client_for):
    from extranet.extensions import db
    from extranet.organizations.models import Organization

    with app.app_context():
        db.session.get(Organization, people.org_a).share_with_federation = True
        db.session.commit()
    persons = {"member_a": people.member_a, **_cast(app, people)}
    clients = {key: client_for(app, person) for key, person in persons.items()}
    member, expert, admin = clients["member_a"], clients["expert"], clients["admin"]
    restricted = _file(member, "policy_review", "hr", "Plainte zqrestricted harcèlement", True,
                       policy_name="Politique zqanswer", goals="Objectifs")
    standard = _file(member, "policy_review", "hr", "Politique zqstandard télétravail", False,
                     policy_name="Télétravail", goals="Mettre à jour")
    for reference in (restricted, standard):
        _ok(expert.post(f"/requests/{reference}/take", data={"csrf_token": _token(expert)}))
    _attach(member, restricted, "Message zqmessage du membre", "zqattachname.txt")
    _attach(member, standard, "Message zqpublicmsg du membre", "public.txt")
    _attach(expert, standard, "Note interne zqnote", "note.txt", internal=True)
    _upload(member, "hr", restricted, "zqrequestdoc.txt")
    _space_upload(member, "hr", people.org_a, "zqspacedoc.txt")
    _space_upload(member, "hr", people.org_a, "zqtrash.txt")
    _trash(app, member, "zqtrash.txt")
    legal = _file(member, "contract_review", "legal", "Contrat zqlegal fournisseur", False,
                  counterparty="Fournisseur", contract_type="services")
    _resource(expert, "hr", "Guide zqdraft", "Brouillon", publish=False)
    _resource(expert, "hr", "Guide zqpublished", "Publié", publish=True)
    assert admin.post("/admin/modules/legal", data={"enabled": "0", "csrf_token": _token(admin)}).status_code == 303
    return {"clients": clients, "refs": {"restricted": restricted, "standard": standard, "legal": legal}}


EVERYONE = {"member_a", "manager_a", "colleague_a", "expert", "admin", "manager_b", "member_b",
            "federation_manager", "hr_expert", "it_expert"}
ORG_A_STAFF_AND_MEMBERS = {"member_a", "manager_a", "colleague_a", "expert", "hr_expert", "admin"}
WHO_FINDS = {
    "zqstandard": ORG_A_STAFF_AND_MEMBERS | {"federation_manager"},
    "zqpublicmsg": ORG_A_STAFF_AND_MEMBERS | {"federation_manager"},
    # Restricted: the requester, the assigned expert, admins (not the manager, nor the other
    # expert of the field once one is assigned).
    "zqrestricted": {"member_a", "expert", "admin"},
    "zqanswer": {"member_a", "expert", "admin"},
    "zqmessage": {"member_a", "expert", "admin"},
    "zqattachname": {"member_a", "expert", "admin"},
    "zqrequestdoc": {"member_a", "expert", "admin"},
    "zqnote": {"expert", "hr_expert", "admin"},
    "zqspacedoc": ORG_A_STAFF_AND_MEMBERS,
    "zqtrash": set(),
    "zqlegal": {"admin"},  # its module is off: admins keep a read-only view
    "zqdraft": {"expert", "hr_expert", "admin"},
    "zqpublished": {"member_a", "manager_a", "colleague_a", "expert", "hr_expert", "admin", "manager_b", "member_b"},
}


def test_a_search_finds_private_text_only_for_those_who_may_open_it(world):
    wrong = []
    for word, finders in WHO_FINDS.items():
        for who in sorted(EVERYONE):
            found = _found(world["clients"][who], word)
            if found != (who in finders):
                wrong.append((word, who, found))
    assert not wrong


def test_a_reference_is_found_directly_only_by_those_who_may_open_it(world):
    reference = world["refs"]["restricted"]
    for who in sorted(EVERYONE):
        page = _search(world["clients"][who], q=reference.lower())
        assert ('class="search-hit"' in page) == (who in {"member_a", "expert", "admin"}), who


def test_restricted_words_are_in_no_excerpt_of_a_broader_search(world):
    # A word shared with visible text: the colleague's results show the standard request only.
    page = _search(world["clients"]["colleague_a"], q="politique")
    assert "zqstandard" in page and "zqrestricted" not in page and "zqanswer" not in page


def test_an_experts_search_reads_the_rules_of_every_kind_in_one_statement(app, people, client_for):
    """The best-scored candidates of each kind are checked against the rules by id (``among``,
    the only statement of a search that lists ids): one statement for every kind, not one each."""
    member, expert = client_for(app, people.member_a), client_for(app, people.expert)
    reference = _file(member, "policy_review", "hr", "Bail zqtrio", False, policy_name="X", goals="Y")
    _attach(member, reference, "Le bail zqtrio signé", "signe.txt")
    _upload(member, "hr", reference, "zqtrio.txt")
    listed, page = statements_sent(app, lambda: _search(expert, q="zqtrio"),
                                   lambda statement: "unnest(" in statement or "json_each(" in statement)
    assert page.count('class="search-hit"') == 3
    assert len(listed) == 1, listed


# -- the query language, on the test database's engine --------------------------------------------


@pytest.fixture
def filed(app, people, client_for):
    member = client_for(app, people.member_a)
    refs = {
        "lease": _file(member, "policy_review", "hr", "Bail commercial de l'école", False,
                       policy_name="Contrat signé au printemps", goals="Renouveler le bail"),
        "other": _file(member, "policy_review", "hr", "Commercial et autre bail", False,
                       policy_name="Autre", goals="Rien"),
    }
    return member, refs


@pytest.mark.parametrize("words, finds", [
    ("ecole", {"lease"}),  # accents optional
    ("ÉCOLE", {"lease"}),
    ("contrats", {"lease"}),  # plural
    ("signes", {"lease"}),  # ending
    ("contr", {"lease"}),  # the word being typed
    ("bail commercial", {"lease", "other"}),  # all words, in any order
    ("bail zqnothing", set()),
    ('"bail commercial"', {"lease"}),  # the phrase as it is
    ('"commercial bail"', set()),
    ("printemps renouveler", {"lease"}),  # the type's answers
])
def test_query_language(filed, words, finds):
    member, refs = filed
    page = _search(member, q=words)
    assert {key for key, reference in refs.items() if f'href="/requests/{reference}"' in page} == finds


def test_a_word_only_in_a_message_is_found(app, people, client_for):
    member = client_for(app, people.member_a)
    reference = _file(member, "policy_review", "hr", "Question", False, policy_name="X", goals="Y")
    _attach(member, reference, "Voici le bail que nous avons signé le printemps dernier", "bail.txt")
    page = _search(member, q="signe printemps")
    assert f"/requests/{reference}#message-" in page and "<mark>signé</mark>" in page


def test_the_header_box_gets_the_pages_content_and_the_form_its_results(app, people, client_for):
    member = client_for(app, people.member_a)
    _file(member, "policy_review", "hr", "Bail commercial", False, policy_name="X", goals="Y")
    page = member.get("/requests/").get_data(as_text=True)
    assert 'id="header-search-q"' in page and 'hx-push-url="true"' in page
    whole = member.get("/search/?q=bail", headers={"HX-Request": "true", "HX-Target": "main"})
    body = whole.get_data(as_text=True)
    assert "<html" not in body and "<h1>" in body and 'class="search-hit"' in body
    results = member.get("/search/?q=bail", headers={"HX-Request": "true", "HX-Target": "search-results"})
    assert results.get_data(as_text=True).lstrip().startswith('<div id="search-results"')
    assert {"HX-Request", "HX-Target"} <= {v.strip() for v in whole.headers["Vary"].split(",")}


def test_filters_sort_and_pages(app, people, client_for):
    member_b = client_for(app, people.member_b)
    expert = client_for(app, people.expert)
    member = client_for(app, people.member_a)
    for i in range(23):
        _file(member, "policy_review", "hr", f"Dossier numéro {i}", False, policy_name="X", goals="Y")
    other = _file(member_b, "policy_review", "hr", "Dossier de B", False, policy_name="X", goals="Y")
    first = _search(expert, q="dossier", kind="request", sort="newest")
    assert first.count('class="search-hit"') == 20 and "Page 1 of 2" in first
    assert first.index(other) < first.index("numéro 22<")
    second = _search(expert, q="dossier", kind="request", sort="newest", page="2")
    assert second.count('class="search-hit"') == 4
    only_b = _search(expert, q="dossier", org=str(people.org_b))
    assert only_b.count('class="search-hit"') == 1 and other in only_b
    assert f'href="/requests/{other}"' not in _search(member, q="dossier", org=str(people.org_b))  # members stay in theirs
    assert not _found(expert, "dossier", state="closed")
    assert _found(expert, "dossier", state="submitted")
    assert not _found(expert, "dossier", until="2000-01-01")
    assert not _found(expert, "dossier", field="it")
    assert not _found(expert, "dossier", kind="document")
    # Anything else in the address is ignored, never an error.
    assert _found(expert, "dossier", kind="nope", sort="x", page="-3", since="hier")
    assert expert.get("/search/?q=dossier&org=99999999999").status_code == 200
    assert client_for(app, people.member_a).get(f"/search/?q=dossier&org={people.org_b}").status_code == 200


def test_the_first_results_are_grouped_by_kind(app, people, client_for):
    member = client_for(app, people.member_a)
    reference = _file(member, "policy_review", "hr", "Budget annuel", False, policy_name="X", goals="Y")
    _attach(member, reference, "Le budget révisé", "budget.txt")
    _space_upload(member, "hr", people.org_a, "budget-2026.txt")
    page = _search(member, q="budget")
    for heading in ("Requests", "Messages and notes", "Documents"):
        assert f">{heading} <span" in page
    assert "All results of this kind" not in page


def test_search_inside_one_document_space(app, people, client_for):
    member = client_for(app, people.member_a)
    _space_upload(member, "hr", people.org_a, "rapport-rh.txt")
    _space_upload(member, "it", people.org_a, "rapport-ti.txt")
    space = member.get(f"/documents/hr/?org={people.org_a}").get_data(as_text=True)
    assert 'action="/search/"' in space and 'name="kind" value="document"' in space
    page = _search(member, q="rapport", kind="document", field="hr")
    assert "-rh.txt" in page and "-ti.txt" not in page


def test_search_inside_one_resource_library(app, people, client_for):
    expert = client_for(app, people.expert)
    _resource(expert, "hr", "Guide des congés", "Vacances", publish=True)
    _resource(expert, "it", "Guide des mots de passe", "Sécurité", publish=True)
    library = expert.get("/resources/hr/").get_data(as_text=True)
    assert 'action="/search/"' in library and 'name="kind" value="resource"' in library
    page = _search(expert, q="guide", kind="resource", field="hr")
    assert "congés" in page and "mots de passe" not in page


def test_what_is_shown_is_escaped_then_marked(app, people, client_for):
    member = client_for(app, people.member_a)
    _file(member, "policy_review", "hr", "<img src=x onerror=alert(1)> bail", False, policy_name="X", goals="Y")
    page = _search(member, q="bail")
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt; <mark>bail</mark>" in page


# -- the index ------------------------------------------------------------------------------------


def _entries(app) -> int:
    from extranet.extensions import db

    with app.app_context():
        return db.session.scalar(text("SELECT count(*) FROM search_index"))


def test_the_index_is_written_in_the_rows_transaction(app, people):
    """Noted at each flush, written just before the commit on the transaction's connection: a
    rolled-back change leaves no entry, nor does a savepoint rolled back inside a committed
    transaction; a committed row has its entry."""
    from extranet.extensions import db
    from extranet.requests.models import ServiceRequest

    def request(number, title):
        return ServiceRequest(reference=f"RH-2026-{number}", organization_id=people.org_a, field="hr",
                              type="policy_review", title=title, state="submitted", requester_id=people.member_a.id)

    with app.app_context():
        db.session.add(request(9999, "Annulé"))
        db.session.flush()
        db.session.rollback()
    assert _entries(app) == 0
    with app.app_context():
        db.session.add(request(9998, "Gardé"))
        with db.session.begin_nested() as savepoint:
            db.session.add(request(9997, "Défait"))
            db.session.flush()
            savepoint.rollback()
        db.session.commit()
    assert _entries(app) == 1
    with app.app_context():
        assert db.session.scalar(text("SELECT count(*) FROM requests")) == 1


def test_a_message_posted_with_its_file_is_indexed_once(app, people, client_for):
    """The message and its file are two flushes: the entry is written once, at the commit."""
    member = client_for(app, people.member_a)
    reference = _file(member, "policy_review", "hr", "Bail", False, policy_name="X", goals="Y")
    written, _result = statements_sent(app, lambda: _attach(member, reference, "Le bail zqonce", "bail.txt"),
                                       lambda statement: "INTO search_index" in statement)
    assert len(written) == 1, written
    assert _found(member, "zqonce")


def test_an_entry_follows_its_rows_text_and_nothing_else(app, people, client_for):
    """A changed title is found by its new words; a message appended or a state changed leaves
    the request's entry alone (rewriting it would lock it before the request row, the other way
    round from a transition, and deadlock on PostgreSQL)."""
    from sqlalchemy import event

    from extranet.extensions import db
    from extranet.requests.models import Message, ServiceRequest

    member = client_for(app, people.member_a)
    reference = _file(member, "policy_review", "hr", "Bail zqancien", False, policy_name="X", goals="Y")
    with app.app_context():
        req = db.session.scalar(db.select(ServiceRequest).filter_by(reference=reference))
        req.title = "Bail zqnouveau"
        db.session.commit()
        written = []

        def watch(_conn, _cursor, statement, *_args):
            if "search_index" in statement and "INTO search_terms" not in statement:
                written.append(statement)

        event.listen(db.engine, "before_cursor_execute", watch)
        try:
            db.session.add(Message(request=req, author_id=people.member_a.id, body="Une réponse", internal=False))
            req.state = "accepted"
            db.session.commit()
        finally:
            event.remove(db.engine, "before_cursor_execute", watch)
        one_entry = {"sqlite": 2, "postgresql": 1}[db.engine.dialect.name]  # FTS5 deletes, then inserts
    assert len(written) == one_entry  # the message's own entry
    assert _found(member, "zqnouveau") and not _found(member, "zqancien")


def test_reindex_rebuilds_the_index(app, people, client_for):
    from extranet.extensions import db

    member = client_for(app, people.member_a)
    _file(member, "policy_review", "hr", "Bail commercial", False, policy_name="X", goals="Y")
    before = _entries(app)
    with app.app_context():
        db.session.execute(text("DELETE FROM search_index"))
        db.session.commit()
    assert not _found(member, "bail")
    result = app.test_cli_runner().invoke(args=["search", "reindex"])
    assert result.exit_code == 0, result.output
    assert f"{before} rows indexed." in result.output and "Indexing" in result.output
    assert _entries(app) == before and _found(member, "bail")


def test_the_migration_indexes_existing_rows(app, people, client_for, migration_branches):
    from flask_migrate import downgrade, upgrade

    member = client_for(app, people.member_a)
    reference = _file(member, "policy_review", "hr", "Bail de l'école", False, policy_name="Contrats", goals="Y")
    _attach(member, reference, "Un message zqmigrated", "piece.txt")
    _space_upload(member, "hr", people.org_a, "zqmigrateddoc.txt")
    before = _entries(app)
    # The shared test database may hold the branch of a plugin another test installed: Alembic
    # must see every branch the database has, not only this application's.
    own = app.extensions["extranet.migration_dirs"]
    app.extensions["extranet.migration_dirs"] = sorted(migration_branches | set(own))
    try:
        with app.app_context():
            downgrade(revision="0012")
            upgrade(revision="heads")
    finally:
        app.extensions["extranet.migration_dirs"] = own
    assert _entries(app) == before
    assert _found(member, "ecole contrat") and _found(member, "zqmigrated") and _found(member, "zqmigrateddoc")
    assert _found(member, "zqmigratedd")  # a prefix of no stem: completed from the index's words (0040 on SQLite)
    from extranet.search.engines import field_token

    with app.app_context():  # each entry's scope filled (0034 on SQLite, 0035 on PostgreSQL)
        assert _in_scope("zqmigrated", field_token("hr")) == {"request": 0, "message": 1}
    assert _found(client_for(app, people.expert), "zqmigrated")  # an expert's search reads the scope


def test_csrf_token_helper_still_reads_pages(app, people, client_for):
    # The header's search form is a GET: it carries no token, and the page still gives one.
    assert csrf_token(client_for(app, people.member_a), "/search/")


def _hrefs(page: str) -> list[str]:
    return re.findall(r'class="search-hit__title" href="([^"]+)"', page)


def _counts(page: str) -> list[str]:
    return re.findall(r'<span class="muted">\(([^)]+)\)</span></h2>', page)


def test_staff_searches_rank_a_bounded_first_set_and_widen_it_to_what_the_rules_leave(app, people, client_for, monkeypatch):
    """Across organizations, a common word's newest matches are ranked first, more while the
    reader's rules leave too few: with one candidate at first, the same results and counts as
    with all of them, and nothing the reader may not open."""
    from extranet.search import service

    member, member_b = client_for(app, people.member_a), client_for(app, people.member_b)
    hr = [_file(member, "policy_review", "hr", f"Dossier commun {i}", False, policy_name="X", goals="Y") for i in range(4)]
    hr += [_file(member_b, "policy_review", "hr", f"Dossier commun B{i}", False, policy_name="X", goals="Y") for i in range(3)]
    legal = [_file(member, "contract_review", "legal", f"Dossier commun L{i}", False, counterparty="F",
                   contract_type="services") for i in range(4)]
    _attach(member, hr[0], "Le dossier commun complété", "dossier.txt")
    hr_expert = client_for(app, _cast(app, people)["hr_expert"])
    searches = [{"q": "dossier commun", "sort": "newest"}, {"q": "dossier commun", "kind": "request", "sort": "newest"},
                {"q": "dossier commun", "kind": "request"}, {"q": "dossier commun"}, {"q": "dossier comm"}]
    whole = [_search(hr_expert, **args) for args in searches]
    monkeypatch.setattr(service, "CANDIDATES", 1)
    bounded = [_search(hr_expert, **args) for args in searches]
    for page, same in zip(bounded[:2], whole[:2], strict=True):  # newest first: the same results
        assert _hrefs(page) == _hrefs(same) and _counts(page) == _counts(same)
    assert sorted(_hrefs(bounded[2])) == sorted(_hrefs(whole[2])) == sorted(f"/requests/{r}" for r in hr)
    for page, same in zip(bounded[2:], whole[2:], strict=True):
        assert _counts(page) == _counts(same) and "7" in _counts(page)
        assert not any(f"/requests/{r}" in page for r in legal)


def test_a_members_search_ranks_counts_and_pages_every_kind_as_a_staff_search_does(app, people, client_for):
    """A member's search (on SQLite, every kind scored in one reading of the index and ranked in
    the service) keeps to the member's organization and orders as the staff's: the title's
    words first, the newest first when asked, the same counts and pages; an internal note is
    found by the staff only."""
    member, member_b = client_for(app, people.member_a), client_for(app, people.member_b)
    in_title = _file(member, "policy_review", "hr", "Budget zqrank du comité", False, policy_name="X", goals="Y")
    in_answers = _file(member, "policy_review", "hr", "Autre sujet", False, policy_name="X", goals="Le budget zqrank révisé")
    for i in range(21):
        _file(member, "policy_review", "hr", f"Budget zqpage {i}", False, policy_name="X", goals="Y")
    _attach(member, in_title, "Le budget zqrank joint", "budget.txt")
    expert = client_for(app, people.expert)
    _attach(expert, in_answers, "Note zqrank interne", "note.txt", internal=True)
    elsewhere = _file(member_b, "policy_review", "hr", "Budget zqrank de B", False, policy_name="X", goals="Y")
    best = _search(member, q="budget zqrank", kind="request")
    assert _hrefs(best) == [f"/requests/{in_title}", f"/requests/{in_answers}"]
    assert _hrefs(_search(member, q="budget zqrank", kind="request", sort="newest")) == [
        f"/requests/{in_answers}", f"/requests/{in_title}"]
    grouped = _search(member, q="zqrank")
    assert _counts(grouped) == ["2", "1"] and f"/requests/{elsewhere}" not in grouped
    assert _counts(_search(expert, q="zqrank", org=str(people.org_a))) == ["2", "2"]  # the note too
    first = _search(member, q="budget zqpage", kind="request", sort="newest")
    second = _search(member, q="budget zqpage", kind="request", sort="newest", page="2")
    assert first.count('class="search-hit"') == 20 and second.count('class="search-hit"') == 1
    assert _hrefs(first) == _hrefs(_search(expert, q="budget zqpage", kind="request", sort="newest",
                                           org=str(people.org_a)))
    assert not _found(member, "zqrank", until="2000-01-01") and not _found(member, "zqrank", field="it")


def test_an_experts_search_narrows_to_their_fields_in_the_index_and_keeps_what_lies_outside(app, people, client_for):
    """An expert's search finds their fields' matches through the index's field tokens and,
    outside their fields, the requests they are assigned to and those of their own
    organization, as the rules say; a request moved to another field moves its messages' entries."""
    from extranet.extensions import db
    from extranet.requests.models import RequestParticipant, ServiceRequest
    from tests.test_confidential_surfaces import _person

    member, member_b = client_for(app, people.member_a), client_for(app, people.member_b)
    it_member = _person(app, "it_member", org=people.org_b, fields=("it",))
    expert = client_for(app, it_member)
    assigned = _file(member, "policy_review", "hr", "Dossier zqassigned", False, policy_name="X", goals="Y")
    _attach(member, assigned, "Message zqassignedmsg", "a.txt")
    _file(member, "policy_review", "hr", "Dossier zqelsewhere", False, policy_name="X", goals="Y")
    _file(member_b, "policy_review", "hr", "Dossier zqownorg", False, policy_name="X", goals="Y")
    _file(member_b, "policy_review", "hr", "Dossier zqownrestricted", True, policy_name="X", goals="Y")
    moved = _file(member, "policy_review", "hr", "Dossier zqmoved", False, policy_name="X", goals="Y")
    _attach(member, moved, "Message zqmovedmsg", "m.txt")

    def request(reference):
        return db.session.scalar(db.select(ServiceRequest).where(ServiceRequest.reference == reference))

    with app.app_context():
        db.session.add(RequestParticipant(request_id=request(assigned).id, user_id=it_member.id, role="assignee"))
        db.session.commit()
    finds = {"zqassigned": True, "zqassignedmsg": True, "zqelsewhere": False, "zqownorg": True,
             "zqownrestricted": False, "zqmoved": False, "zqmovedmsg": False}
    assert {word: _found(expert, word) for word in finds} == finds
    with app.app_context():
        request(moved).field = "it"
        db.session.commit()
    assert _found(expert, "zqmoved") and _found(expert, "zqmovedmsg")
    assert _found(expert, "zqmovedmsg", kind="message") and not _found(expert, "zqelsewhere", kind="request")


def test_an_experts_search_scored_at_once_ranks_pages_and_counts_as_the_sql_ranking(app, people, client_for, monkeypatch):
    """An expert's search by best match, on either engine, scores every kind in one statement and reads
    the rules for the best-scored candidates only (``_ranked_scored``): the same results,
    pages and counts as ranking and counting in SQL, with every candidate, with one at first
    (widened), and with counts past their cap (read until one past it, or counted in SQL)."""
    from extranet.search import service

    member, member_b = client_for(app, people.member_a), client_for(app, people.member_b)
    hr = [_file(member, "policy_review", "hr", "Dossier zqscore " + "zqscore " * (i % 3) + str(i), i == 2,
                policy_name="X", goals="Y") for i in range(9)]
    _file(member_b, "policy_review", "hr", "Dossier zqscore de B", False, policy_name="X", goals="Y")
    legal = _file(member, "contract_review", "legal", "Dossier zqscore L", False, counterparty="F",
                  contract_type="services")
    _attach(member, hr[0], "Message zqscore", "m.txt")
    _attach(member, hr[1], "Autre zqscore zqscore", "n.txt")
    hr_expert = client_for(app, _cast(app, people)["hr_expert"])
    searches = [{"q": "zqscore"}, {"q": "dossier zqscore", "kind": "request"},
                {"q": "dossier zqscore", "kind": "request", "page": "2"}, {"q": "dossier zqsco"}]
    scored = []
    ranked_scored = service._ranked_scored
    monkeypatch.setattr(service, "_ranked_scored", lambda *args: scored.append(1) or ranked_scored(*args))
    monkeypatch.setattr(service, "PAGE_SIZE", 1)  # a kind's page needs one: a window of one suffices
    for settings in ({}, {"CANDIDATES": 1}, {"COUNT_CAP": 2}, {"CANDIDATES": 1, "COUNT_CAP": 4}):
        with monkeypatch.context() as patch:
            for name, value in settings.items():
                patch.setattr(service, name, value)
            pages = [_search(hr_expert, **args) for args in searches]
            patch.setattr(service, "_scored", lambda *args: False)
            in_sql = [_search(hr_expert, **args) for args in searches]
        for page, same in zip(pages, in_sql, strict=True):
            assert _hrefs(page) == _hrefs(same) and _counts(page) == _counts(same), settings
            assert f"/requests/{legal}" not in page
    assert scored  # both engines score at once (``scores``, or PostgreSQL's ``newest_scores``)


def test_newest_scores_are_the_newest_keys_windows_scored(app, people, client_for, monkeypatch):
    """PostgreSQL's ``newest_scores`` (each kind's window and its scores in one statement) gives
    what ``newest_keys`` and then ``scores`` give: the same lowest key of each window (None when
    fewer match), the same entries and the same scores, windowed or not, whether a window is
    read from the GIN index or backwards by the primary key (``DENSE``)."""
    from extranet.extensions import db
    from extranet.search.engines import MESSAGE, REQUEST, PostgresEngine, engine_for, field_token
    from extranet.search.query import parse

    member = client_for(app, people.member_a)
    for i in range(5):
        reference = _file(member, "policy_review", "hr", f"Dossier zqwindow {i}", False, policy_name="X", goals="Y")
        if i % 2:
            _attach(member, reference, f"Message zqwindow {'zqwindow ' * i}", "m.txt")
    with app.app_context():
        connection = db.session.connection()
        engine = engine_for(connection)
        if not hasattr(engine, "newest_scores"):
            pytest.skip("an engine without newest_scores (SQLite) windows and scores apart")
        scope = [field_token("hr"), field_token("legal")]
        readings = [{}, {"PROBE": 3, "DENSE": {REQUEST: 0.0, MESSAGE: 0.0}}, {"PROBE": 1, "DENSE": {REQUEST: 1.0}}]
        for settings, text_, counts in itertools.product(
                readings, ("zqwindow ", "dossier zqwin", "zqnothing "),
                ({REQUEST: 3, MESSAGE: 1}, {REQUEST: 10, MESSAGE: None}, {REQUEST: None, MESSAGE: 2})):
            query = engine.prepare(connection, parse(text_))
            with monkeypatch.context() as patch:
                for name, value in settings.items():
                    patch.setattr(PostgresEngine, name, value)
                keys, scores = engine.newest_scores(connection, query, counts, scope)
            expected = {kind: None if count is None else engine.newest_keys(connection, query, kind, count, scope)
                        for kind, count in counts.items()}
            assert keys == expected, (settings, text_, counts)
            assert scores == engine.scores(connection, query, expected, scope), (settings, text_, counts)
            assert scores[REQUEST] or text_ == "zqnothing "


def _in_scope(word: str, *tokens: str) -> dict[str, int]:
    """How many entries of requests and messages match ``word`` within ``tokens`` (the engine's
    own narrowing, before any rule), on the test database's engine."""
    from sqlalchemy import select

    from extranet.extensions import db
    from extranet.search.engines import MESSAGE, REQUEST, engine_for
    from extranet.search.query import parse

    engine = engine_for(db.session.connection())
    found = {}
    for name, kind in (("request", REQUEST), ("message", MESSAGE)):
        matches = engine.matches(parse(f"{word} "), kind, scope=list(tokens))
        found[name] = len(db.session.scalars(select(matches.c.ref_id)).all())
    return found


def test_an_entrys_scope_follows_its_requests_field_organization_and_assignees(app, people, client_for):
    """Either engine's index holds a request's field, organization and assigned experts with its
    entry and its messages', and rewrites them in the transaction that changes them: an
    expert's search narrows its matches to them (on PostgreSQL too, since migration 0035)."""
    from extranet.extensions import db
    from extranet.requests.models import RequestParticipant, ServiceRequest
    from extranet.search.engines import assignee_token, field_token, organization_token

    member = client_for(app, people.member_a)
    reference = _file(member, "policy_review", "hr", "Dossier zqscoped", False, policy_name="X", goals="Y")
    _attach(member, reference, "Message zqscoped", "s.txt")
    both, none = {"request": 1, "message": 1}, {"request": 0, "message": 0}
    hr, it = field_token("hr"), field_token("it")
    org_a, org_b = organization_token(people.org_a), organization_token(people.org_b)
    assigned = assignee_token(people.expert.id)
    with app.app_context():
        assert _in_scope("zqscoped", hr) == _in_scope("zqscoped", org_a) == both
        assert _in_scope("zqscoped", it, org_b, assigned) == none
        req = db.session.scalar(db.select(ServiceRequest).filter_by(reference=reference))
        db.session.add(RequestParticipant(request_id=req.id, user_id=people.expert.id, role="assignee"))
        db.session.commit()
        assert _in_scope("zqscoped", assigned) == both
        req.field, req.organization_id = "it", people.org_b
        db.session.commit()
        assert _in_scope("zqscoped", it) == _in_scope("zqscoped", org_b) == both
        assert _in_scope("zqscoped", hr, org_a) == none
        db.session.delete(db.session.scalar(db.select(RequestParticipant).filter_by(request_id=req.id)))
        db.session.commit()
        assert _in_scope("zqscoped", assigned) == none and _in_scope("zqscoped", it) == both
    result = app.test_cli_runner().invoke(args=["search", "reindex"])
    assert result.exit_code == 0, result.output
    with app.app_context():  # the rebuild writes the scope too
        assert _in_scope("zqscoped", it) == _in_scope("zqscoped", org_b) == both
        assert _in_scope("zqscoped", hr, org_a, assigned) == none


def test_a_prefix_is_completed_from_the_indexs_words_as_the_index_would_read_it(app, people, client_for, monkeypatch):
    """A prefix being typed stands for the words the index holds that begin with it (on SQLite,
    listed from ``search_terms``, kept with each entry written): the same results as FTS5's own
    prefix reading, which serves when a prefix stands for too many words."""
    from extranet.search import engines

    member, expert = client_for(app, people.member_a), client_for(app, people.expert)
    alpha = _file(member, "policy_review", "hr", "Dossier zqprefixalpha", False, policy_name="X", goals="Y")
    beta = _file(member, "policy_review", "hr", "Dossier zqprefixbeta", False, policy_name="X", goals="Y")
    _attach(member, alpha, "Note zqprefixbeta", "n.txt")
    searches = [{"q": "zqprefix"}, {"q": "zqprefixa"}, {"q": "dossier zqprefixb"}, {"q": "zqprefixbet"}]
    message = f"/requests/{alpha}#message-1"
    finds = [{f"/requests/{alpha}", f"/requests/{beta}", message}, {f"/requests/{alpha}"},
             {f"/requests/{beta}"}, {f"/requests/{beta}", message}]
    for client in (member, expert):
        assert [set(_hrefs(_search(client, **args))) for args in searches] == finds
    monkeypatch.setattr(engines, "MAX_COMPLETIONS", 0)  # each prefix stands for more: FTS5 reads it
    for client in (member, expert):
        assert [set(_hrefs(_search(client, **args))) for args in searches] == finds


def test_two_writers_adding_the_same_new_word_do_not_wait_for_each_other(app):
    """On PostgreSQL, two transactions indexing the same new word at once both go on (a writer
    that waited for the other's commit, holding its own index entries, could deadlock with it);
    the word completes a prefix once both have committed."""
    from sqlalchemy import text

    from extranet.extensions import db
    from extranet.search.engines import MESSAGE, completed, engine_for
    from extranet.search.query import parse

    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("SQLite has one writer at a time")
        engine = engine_for(db.engine)
        with db.engine.connect() as first, db.engine.connect() as second:
            for number, connection in enumerate((first, second)):
                connection.execute(text("SET lock_timeout = '2s'"))
                engine.write(connection, MESSAGE, [(900_000 + number, "", "Le mot zqconcurrent", "")])
            first.commit()
            second.commit()
        with db.engine.connect() as connection:
            assert completed(connection, parse("zqconcurr")).completions == ("zqconcurr", "zqconcurrent")  # fr, en
            engine.delete(connection, MESSAGE, [900_000, 900_001])
            connection.commit()


def test_postgresql_writes_the_query_once_naming_a_word_once_when_both_languages_stem_it_alike(app):
    """``prepare`` writes the whole query once, as the index reads it: each term under the french
    and the english configurations, once when both give the same, both otherwise; phrases and a
    prefix's completions as written before; nothing for a reference, found by its column."""
    from extranet.extensions import db
    from extranet.search.engines import engine_for
    from extranet.search.query import parse

    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("the SQLite engine's query is its own language's (SqliteEngine.expression)")
        engine = engine_for(db.engine)
        with db.engine.connect() as connection:
            assert engine.prepare(connection, parse("contrat ")).compiled == "'contrat'"
            assert engine.prepare(connection, parse("payroll ")).compiled == "'payroll' | 'payrol'"
            assert (engine.prepare(connection, parse('"contrat payroll" ')).compiled
                    == "'contrat' <-> 'payroll' | 'contrat' <-> 'payrol'")
            assert engine.prepare(connection, parse("RH-2026-0042")).compiled is None  # by its column


def test_a_scope_token_typed_as_a_word_finds_nothing(app, people, client_for):
    """What a person types never reaches the index's scope: a field's, an organization's or an
    assigned expert's token, as a word or as the beginning of one, finds nothing though every
    entry of that request holds it."""
    from extranet.search.engines import (
        REQUEST,
        PostgresEngine,
        assignee_token,
        field_token,
        organization_token,
    )

    member, expert, admin = (client_for(app, p) for p in (people.member_a, people.expert, people.admin))
    reference = _file(member, "policy_review", "hr", "Dossier zqtokens", False, policy_name="X", goals="Y")
    _ok(expert.post(f"/requests/{reference}/take", data={"csrf_token": _token(expert)}))
    _attach(member, reference, "Message zqtokens", "t.txt")
    assert _found(expert, "zqtokens") and _found(member, "zqtokens")
    tokens = [field_token("hr"), organization_token(people.org_a), assignee_token(people.expert.id)]
    tokens += PostgresEngine.scope(REQUEST, tokens)  # "1:f6872" is read as the words "1" and "f6872"
    for token in tokens:
        for client in (member, expert, admin):
            for typed in (token, f"{token} ", token[:4], f"zqtokens {token}"):
                assert not _found(client, typed), (token, typed)

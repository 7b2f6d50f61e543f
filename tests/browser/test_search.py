"""Find anything in the browser: a member and an expert type in the header's search box and
the results come as they type, the query in the address bar; Back returns to the page they
were on. Accents, endings, a word still being typed and phrases as people type them; an
internal note only for the expert; words found only inside an attached PDF and DOCX once the
worker has read them."""

from __future__ import annotations

import re
from urllib.parse import quote

from playwright.sync_api import expect

from tests import file_samples
from tests.browser.helpers import file, filed, send_message, speaking


def _type(page, words: str) -> None:
    box = page.locator("#header-search-q")
    box.fill("")
    box.press_sequentially(words, delay=40)
    # The results are those of the whole query once the address shows it.
    expect(page).to_have_url(re.compile(r"/search/\?" + re.escape("q=" + quote(words, safe="")) + "$"))
    # And htmx is done with the new page: a form it has not processed yet ignores a change.
    page.wait_for_function("() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')")


def test_results_come_as_one_types(app, live_server, people, journey):
    speaking(app, "fr_CA", people.member_a)
    speaking(app, "en", people.expert)
    lease = filed(app, people.member_a, people.org_a, "hr", "policy_review", "Bail commercial de l'école",
                  policy_name="Contrats signés au printemps", goals="Renouveler le bail")
    filed(app, people.member_b, people.org_b, "hr", "policy_review", "Bail de la coopérative B",
          policy_name="Autre", goals="Autre")
    trip = journey(live_server(app))

    expert = trip.open_as(people.expert, locale="en-CA")
    trip.check(expert, "expert dashboard")
    expert.goto(f"{trip.base_url}/requests/{lease}")
    trip.check(expert, "the request")
    send_message(expert, "Note sur le loyer indexé", internal=True)

    member = trip.open_as(people.member_a)
    trip.check(member, "tableau de bord")
    member.click('.main-nav a[href="/requests/"]')
    trip.check(member, "demandes")
    _type(member, "ecole")  # no accent: finds « école », before Enter
    expect(member.locator("#search-results .search-hit")).to_have_count(1)
    expect(member.locator("#search-results mark").first).to_have_text("école")
    expect(member.locator('.main-nav [aria-current="page"]')).to_have_count(0)  # « Demandes » no more
    trip.check(member, "recherche ecole")
    _type(member, "contrat")  # the form's answers, plural in the text
    expect(member.locator("#search-results .search-hit__excerpt mark")).to_have_text("Contrats")
    _type(member, "printe")  # a word still being typed: « printemps » before it is whole
    expect(member.locator("#search-results .search-hit")).to_have_count(1)
    expect(member.locator("#search-results mark").first).to_have_text("printemps")
    _type(member, '"bail commercial"')
    expect(member.locator("#search-results .search-hit")).to_have_count(1)
    _type(member, "loyer")  # the expert's internal note: not for members
    expect(member.locator("#search-results .empty-state")).to_be_visible()
    trip.check(member, "recherche sans resultat")
    member.go_back()
    expect(member).to_have_url(re.compile(r"/search/\?q=%22bail"))
    expect(member.locator("#search-results .search-hit")).to_have_count(1)

    _type(expert, "bail")  # both organizations' requests
    expect(expert.locator("#search-results .search-hit")).to_have_count(2)
    trip.check(expert, "search bail")
    _type(expert, "loyer")
    expect(expert.locator("#search-results .search-hit")).to_have_count(1)
    expect(expert.locator("#search-results .badge")).to_have_text("Internal note")
    expert.select_option("#search-kind", "request")
    expect(expert.locator("#search-results .empty-state")).to_be_visible()
    expect(expert).to_have_url(re.compile(r"kind=request"))
    trip.check(expert, "search filtered")


def test_words_only_inside_an_attached_pdf_and_docx_are_found(app, live_server, people, journey):
    lease = filed(app, people.member_a, people.org_a, "hr", "policy_review", "Question sur le local",
                  policy_name="Autre", goals="Autre")
    trip = journey(live_server(app))
    member = trip.open_as(people.member_a, locale="en-CA")
    trip.check(member, "home")
    member.goto(f"{trip.base_url}/requests/{lease}")
    trip.check(member, "the request")
    docx = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    send_message(member, "Voici les pièces", files=[
        file("avis.pdf", file_samples.pdf("Avis de cotisation zqinsidepdf")),
        file("bail.docx", file_samples.docx("Bail du local", "zqinsidedocx"), docx)])
    _type(member, "zqinsidepdf")  # not read yet: the upload's request reads nothing
    expect(member.locator("#search-results .empty-state")).to_be_visible()
    result = app.test_cli_runner().invoke(args=["worker", "--once"])
    assert "text: 2 files read" in result.output, result.output
    for word in ("zqinsidepdf", "zqinsidedocx"):
        _type(member, word)
        expect(member.locator("#search-results .search-hit")).to_have_count(1)
        expect(member.locator("#search-results .search-hit__excerpt mark")).to_have_text(word)
    trip.check(member, "found inside a docx")
    expert = trip.open_as(people.expert, locale="en-CA")
    trip.check(expert, "expert home")
    _type(expert, "cotisation zqinsidepdf")
    expect(expert.locator(f'#search-results a[href^="/requests/{lease}#message-"]')).to_have_count(1)
    trip.check(expert, "expert finds inside a pdf")

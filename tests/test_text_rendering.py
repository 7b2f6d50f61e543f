"""Text people type is shown as they wrote it: line breaks kept, web addresses as safe links,
and nothing they type can become markup or script."""

from __future__ import annotations

import re

import pytest
from markupsafe import Markup

from extranet.plugin_testing import reference_of, take, token
from extranet.web.text import text_to_html

# -- the filter ---------------------------------------------------------------------------------


def links(html) -> list[str]:
    return re.findall(r'<a href="([^"]*)"', str(html))


def test_text_escapes_and_keeps_line_breaks():
    html = text_to_html("1. Ouvrir <b>Outlook</b>\r\n2. Envoyer & attendre\r3. Rien")
    assert isinstance(html, Markup)
    assert html == "1. Ouvrir &lt;b&gt;Outlook&lt;/b&gt;<br>\n2. Envoyer &amp; attendre<br>\n3. Rien"


def test_text_links_web_addresses_safely():
    html = text_to_html("Voir https://coop.example/guide?a=1&b=2 et www.example.org/page")
    assert links(html) == ["https://coop.example/guide?a=1&amp;b=2", "https://www.example.org/page"]
    assert html.count('rel="noopener noreferrer nofollow"') == 2
    assert ">www.example.org/page</a>" in html  # shown as typed
    assert "target=" not in html  # links open where the person chooses


@pytest.mark.parametrize(("typed", "href", "after"), [
    ("Voir https://example.org.", "https://example.org", "."),
    ("Voir https://example.org/a, puis", "https://example.org/a", ", puis"),
    ("(voir https://example.org/a)", "https://example.org/a", ")"),
    ("https://fr.wikipedia.org/wiki/Coop_(Québec) ici", "https://fr.wikipedia.org/wiki/Coop_(Québec)", " ici"),
    ("« https://example.org/a »", "https://example.org/a", " »"),
    ("«https://example.org/a»", "https://example.org/a", "»"),
    ("C'est https://example.org/a?!", "https://example.org/a", "?!"),
    ('"https://example.org/a"', "https://example.org/a", '"'),
])
def test_text_leaves_trailing_punctuation_out_of_the_link(typed, href, after):
    html = text_to_html(typed)
    assert links(html) == [href]
    assert str(html).endswith("</a>" + str(Markup.escape(after)))


@pytest.mark.parametrize("typed", [
    "javascript:alert(1)",
    "JavaScript:alert(document.cookie)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "vbscript:msgbox(1)",
    "file:///etc/passwd",
    "ftp://example.org/file",
    "mailto:a@example.org",
    "https://",
    "https://.",
    "www.",
    "xhttps://example.org",
    "awww.example.org",
])
def test_text_links_nothing_but_web_addresses(typed):
    html = text_to_html(typed)
    assert "<a" not in html
    assert html == Markup.escape(typed)


@pytest.mark.parametrize("typed", [
    'https://example.org/"onmouseover="alert(1)',
    "https://example.org/'onmouseover='alert(1)",
    "https://example.org/<script>alert(1)</script>",
    "https://example.org/`x`",
    "<a href=\"javascript:alert(1)\">https://example.org</a>",
    "<img src=x onerror=alert(1)>www.example.org",
    "javascript:https://example.org/",
])
def test_text_cannot_be_turned_into_markup(typed):
    html = str(text_to_html(typed))
    # The only tags are our own links, each with nothing but an http(s) address and our rel.
    tags = re.findall(r"<[^>]*>", html)
    assert tags, html
    for tag in tags:
        assert re.fullmatch(r'<a href="https://[^"<>\s]+" rel="noopener noreferrer nofollow">|</a>', tag), tag
    assert 'href="javascript' not in html


def test_text_does_not_escape_twice():
    assert text_to_html("R&amp;D &lt;3") == "R&amp;amp;D &amp;lt;3"  # typed literally, shown literally
    already = Markup("<em>fait</em>")
    assert text_to_html(already) is already
    assert text_to_html(None) == ""
    assert text_to_html(42) == "42"


def test_text_filter_in_a_template(app):
    from flask import render_template_string

    with app.test_request_context():
        html = render_template_string("<p>{{ value|text }}</p>", value="<b>x</b>\nhttps://example.org")
    assert html == (
        '<p>&lt;b&gt;x&lt;/b&gt;<br>\n<a href="https://example.org" rel="noopener noreferrer nofollow">'
        "https://example.org</a></p>"
    )


# -- a request's page ---------------------------------------------------------------------------

STEPS = "1. J'ouvre https://portail.example/connexion\n2. Je tape mon mot de passe\n3. <b>Erreur 500</b>"


@pytest.fixture
def it_app(app):
    from extranet.plugins import host

    with app.app_context():
        assert "it" in host().fields, "the IT plugin is installed by `make test`"
    return app


def test_request_page_keeps_line_breaks_and_links_addresses(it_app, people, client_for):
    member = client_for(it_app, people.member_a)
    expert = client_for(it_app, people.expert)
    reference = reference_of(member.post("/requests/new/it/support_ticket", data={
        "csrf_token": token(member), "title": "Le portail refuse la connexion", "priority": "high",
        "affected_system": "Portail", "steps": STEPS,
        "description": "Depuis ce matin.\nCapture : https://partage.example/capture.png.",
    }))
    take(expert, reference)
    response = expert.post(f"/requests/{reference}/messages", data={
        "csrf_token": token(expert), "body": "Essayez www.example.org/aide,\npuis dites-moi.",
    })
    assert response.status_code in (200, 303), response.status_code
    page = expert.get(f"/requests/{reference}").get_data(as_text=True)
    version = re.search(r'name="accept-version"[^>]*value="(\d+)"|value="(\d+)"[^>]*name="accept-version"', page)
    response = expert.post(f"/requests/{reference}/transition/accept", data={
        "csrf_token": token(expert), "accept-version": version.group(1) or version.group(2),
        "accept-comment": "Pris en charge.\nGuide : https://coop.example/guide",
    })
    assert response.status_code == 303, response.get_data(as_text=True)[:1000]

    page = member.get(f"/requests/{reference}").get_data(as_text=True)
    # The type's long text (the IT ticket's steps): its lines, its link, its markup as text.
    assert (
        '1. J&#39;ouvre <a href="https://portail.example/connexion" rel="noopener noreferrer nofollow">'
        "https://portail.example/connexion</a><br>\n2. Je tape mon mot de passe<br>\n"
        "3. &lt;b&gt;Erreur 500&lt;/b&gt;"
    ) in page
    # The description, a message and a transition's comment.
    assert ('Depuis ce matin.<br>\nCapture : <a href="https://partage.example/capture.png" '
            'rel="noopener noreferrer nofollow">https://partage.example/capture.png</a>.') in page
    assert ('Essayez <a href="https://www.example.org/aide" rel="noopener noreferrer nofollow">'
            "www.example.org/aide</a>,<br>\npuis dites-moi.") in page
    assert ('Pris en charge.<br>\nGuide : <a href="https://coop.example/guide" '
            'rel="noopener noreferrer nofollow">https://coop.example/guide</a>') in page
    assert "<b>Erreur 500</b>" not in page


def test_a_request_s_several_choices_are_listed_one_by_one(app, people, client_for):
    from extranet.plugins import host

    with app.app_context():
        assert "accounting" in host().fields, "the accounting plugin is installed by `make test`"
    member = client_for(app, people.member_a)
    reference = reference_of(member.post("/requests/new/accounting/tax_filing", data={
        "csrf_token": token(member), "title": "Déclarations de l'exercice", "tax_year": "2025",
        "forms": ["t2", "co17"],
    }))
    page = member.get(f"/requests/{reference}").get_data(as_text=True)
    chosen = re.search(r"<dt>Returns and slips concerned</dt>\s*<dd>(.*?)</dd>", page, re.S).group(1)
    # Each return on its own line, in the form's order, not run together in one sentence.
    assert re.findall(r"<li>(.*?)</li>", chosen) == [
        "T2 — federal corporation income tax return", "CO-17 — Québec corporation income tax return",
    ]
    single = re.search(r"<dt>Tax year</dt>\s*<dd>(.*?)</dd>", page, re.S).group(1)
    assert single == "2025"

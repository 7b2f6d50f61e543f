"""The French (Canada) catalog of the core: complete, consistent with the code, compiled, served."""

from __future__ import annotations

import re
from io import BytesIO
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "extranet"
PO_PATH = PACKAGE / "translations" / "fr_CA" / "LC_MESSAGES" / "messages.po"
MO_PATH = PO_PATH.with_suffix(".mo")
# The keywords of the extraction command (Makefile/README): babel's defaults plus lazy_gettext.
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None, "ngettext": (1, 2)}
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdif]")
NBSP = "\u00a0"


def forms(value) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def placeholders(value) -> set[str]:
    return {name for text in forms(value) for name in PLACEHOLDER.findall(text)}


@pytest.fixture(scope="module")
def catalog():
    with PO_PATH.open("rb") as fh:
        return read_po(fh)


def messages(catalog):
    return [m for m in catalog if m.id]


def test_catalog_is_french_canadian_with_french_plural_rule(catalog):
    assert str(catalog.locale) == "fr_CA"
    assert catalog.plural_forms == "nplurals=2; plural=(n > 1);"
    assert len(messages(catalog)) > 300


def test_every_message_is_translated_and_none_is_fuzzy(catalog):
    untranslated = [m.id for m in messages(catalog) if not all(forms(m.string))]
    fuzzy = [m.id for m in messages(catalog) if m.fuzzy]
    assert untranslated == []
    assert fuzzy == []
    assert not catalog.fuzzy


def test_plural_entries_have_both_forms(catalog):
    plurals = [m for m in messages(catalog) if m.pluralizable]
    assert plurals, "the core uses ngettext: its plural entries must be in the catalog"
    for message in plurals:
        assert len(message.string) == 2 and all(message.string), message.id


def test_translations_keep_exactly_the_placeholders_of_their_msgid(catalog):
    wrong = {
        m.id: m.string
        for m in messages(catalog)
        if any(placeholders(text) != placeholders(m.id) for text in forms(m.string))
    }
    assert wrong == {}


def test_quebec_typography(catalog):
    """Non-breaking space before « : » and inside guillemets; no space before ? ! ;."""
    problems = []
    for message in messages(catalog):
        for text in forms(message.string):
            if re.search(r"[^\S\u00a0]:", text) or re.search(r"\s[?!;]", text):
                problems.append(text)
            if "« " in text or " »" in text or "“" in text or "”" in text:
                problems.append(text)
            if re.search(r"«(?!\u00a0)|(?<!\u00a0)»", text):
                problems.append(text)
    assert problems == []


# A CLDR date pattern (``EEEE H 'h' mm``): its straight quotes quote literal text.
DATE_PATTERN = re.compile(r"(?:[GyMdEhHmsaz]+|[ ,:./-]|'[^']*')+")
# Every French catalog of the repository: the core's, the built-in fields' and the example plugin's.
CATALOGS = sorted([PO_PATH, *ROOT.glob("plugins/*/extranet_*/translations/fr_CA/LC_MESSAGES/messages.po"),
                   *ROOT.glob("examples/*/extranet_*/translations/fr_CA/LC_MESSAGES/messages.po")])


def test_french_apostrophes_are_typographic():
    """French text takes the typographic apostrophe (l’organisation), never the straight one,
    in every French catalog; only a date pattern keeps its straight quotes."""
    assert len(CATALOGS) >= 6
    straight = []
    for path in CATALOGS:
        with path.open("rb") as fh:
            for message in messages(read_po(fh)):
                msgid = forms(message.id)[0]
                if DATE_PATTERN.fullmatch(msgid):
                    continue
                straight += [(path.parent.parent.parent.parent.name, text) for text in forms(message.string) if "'" in text]
    assert straight == []


def test_common_terms():
    with PO_PATH.open("rb") as fh:
        catalog = read_po(fh)

    def fr(msgid: str) -> str:
        return catalog[msgid].string

    assert fr("Log in") == "Se connecter"
    assert fr("Log out") == "Se déconnecter"
    assert fr("Email") == "Courriel"
    assert fr("Forgot your password?") == "Mot de passe oublié?"
    assert fr("Dashboard") == "Tableau de bord"
    assert fr("Waiting on the member") == "En attente du membre"
    assert fr("Roles:") == f"Rôles{NBSP}:"


def as_dict(catalog) -> dict:
    """Message → translation, plural forms as tuples."""

    def key(value):
        return value if isinstance(value, str) else tuple(value)

    return {(key(m.id), m.context): key(m.string) for m in catalog if m.id}


def test_compiled_catalog_is_up_to_date(catalog):
    """The committed .mo says exactly what compiling the .po says (run ``pybabel compile``)."""
    compiled = BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    with MO_PATH.open("rb") as fh:
        committed = read_mo(fh)
    fresh = read_mo(compiled)
    assert as_dict(committed) == as_dict(fresh)
    assert as_dict(committed)[("Log in", None)] == "Se connecter"


def test_every_message_of_the_code_is_in_the_catalog(catalog):
    """A new string in the core without a French translation fails here: extract, update, translate."""
    with (ROOT / "babel.cfg").open() as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    extracted = set()
    for folder in (PACKAGE, ROOT / "templates"):
        for _filename, _lineno, message, _comments, context in extract_from_dir(
            str(folder), method_map, options_map, keywords=KEYWORDS
        ):
            extracted.add((message if isinstance(message, str) else message[0], context))
    assert ("Log in", None) in extracted
    assert ("Pages", None) in extracted  # from _macros.html, which needs jinja2.ext.do
    assert ("%(num)s request", None) in extracted  # ngettext in a template
    missing = sorted(
        msgid for msgid, context in extracted if catalog.get(msgid, context=context) is None
    )
    assert missing == []


# -- served ----------------------------------------------------------------------------------


def test_login_page_in_french_for_a_french_canadian_browser(client):
    response = client.get("/login", headers={"Accept-Language": "fr-CA,fr;q=0.9"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert '<html lang="fr' in page
    assert "Se connecter" in page
    assert "Mot de passe oublié?" in page
    assert "Courriel" in page
    assert "Log in" not in page


def test_login_page_in_english_for_an_english_browser(client):
    response = client.get("/login", headers={"Accept-Language": "en"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Log in" in page
    assert "Forgot your password?" in page
    assert "Se connecter" not in page


def set_locale(app, person, locale: str) -> None:
    from extranet.accounts.models import User
    from extranet.extensions import db

    with app.app_context():
        db.session.get(User, person.id).locale = locale
        db.session.commit()


def test_the_interface_follows_the_account_language_not_the_browser(app, client, people, login_as):
    set_locale(app, people.member_a, "fr_CA")
    login_as(people.member_a)
    page = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Tableau de bord" in page
    assert "Se déconnecter" in page
    assert "Demandes" in page
    assert "Dashboard" not in page


def test_an_english_speaking_member_gets_the_english_interface(app, client, people, login_as):
    set_locale(app, people.member_b, "en")
    login_as(people.member_b)
    page = client.get("/", headers={"Accept-Language": "fr-CA"}).get_data(as_text=True)
    assert "Dashboard" in page
    assert "Log out" in page
    assert "Tableau de bord" not in page


def test_error_pages_are_translated(client):
    response = client.get("/no-such-page", headers={"Accept-Language": "fr-CA"})
    assert response.status_code == 404
    assert "Page introuvable" in response.get_data(as_text=True)

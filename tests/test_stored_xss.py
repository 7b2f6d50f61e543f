"""Stored XSS: what people write is shown as text, never as markup.

Every text of the scenario of tests/proof_world.py that a person writes carries the corpus of
``PAYLOADS`` (a script element, an image's error handler, a ``javascript:`` link, ``hx-get`` /
``hx-trigger`` / ``hx-on`` attributes, an SVG with a handler and a script, an attribute
break-out) or, where a name may hold no slash, ``FOLDER_NAME`` and ``FILE_NAME``: request titles,
descriptions and typed answers, a transition's comment, messages and internal notes, time notes,
people's and organizations' names, an invitation's name, a folder, documents' and attachments'
file names, a resource's title, summary and file. Then every GET page and fragment of the
application (plugins' included) is read as each person who may see some of it, and parsed
(the standard library's HTMLParser, which decodes entities in attributes as a browser does):
no element or attribute may come from a payload.

Formula injection in CSV and XLSX exports (``=``, ``+``, ``-``, ``@`` at the start of a cell)
is the business of tests/test_export_injection.py.
"""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from tests.proof_world import FILE_NAME, FOLDER_NAME, PAYLOADS, TAGS, build_world, tear_down
from tests.test_authorization_matrix import STATIC, routes

READERS = ("admin", "expert", "owner", "manager_a", "colleague", "federation_manager", "member_b")
# The templates load their scripts from the application's static folder (a strict CSP refuses
# any other origin and every inline script), where no upload is ever served.
OWN_SCRIPTS = "/static/"
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "poster", "data"}
MARKERS = (*TAGS, "XSSfile", "XSSfolder")
# The labels before each corpus (proof_world.py), each of which some page must show, escaped.
TEXTS = ("Title", "Description", "Message", "Answer", "Internal note", "Time note", "HR title", "HR description",
         "Policy", "Goals", "Comment", "Resource", "Summary", "Invited", "Name", "Cooperative A", "Federation A")


class MarkupFromPayload(HTMLParser):
    """Collects what in a page could only come from a payload."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self.in_script = False

    def handle_starttag(self, tag, attrs):
        self._check(tag, attrs)
        self.in_script = tag == "script"

    def handle_startendtag(self, tag, attrs):
        self._check(tag, attrs)

    def handle_endtag(self, tag):
        if tag == "script":
            self.in_script = False

    def handle_data(self, data):
        if self.in_script and data.strip():
            self.found.append(f"an inline script: {data.strip()[:80]!r}")

    def _check(self, tag, attrs):
        where = f"<{tag} {' '.join(f'{k}={v!r}' for k, v in attrs)[:160]}>"
        values = dict(attrs)
        if tag == "script" and not (values.get("src") or "").startswith(OWN_SCRIPTS):
            self.found.append(f"a script element: {where}")
        for name, value in attrs:
            value = value or ""
            if name.startswith("on") or name.startswith(("hx-on", "data-hx-on")):
                self.found.append(f"an event handler: {where}")
            scheme = value.strip().lower().replace("\t", "").replace("\n", "")
            if (name in URL_ATTRIBUTES or name.startswith(("hx-", "data-hx-"))) and scheme.startswith(
                ("javascript:", "vbscript:")
            ):
                self.found.append(f"a javascript: URL: {where}")
            # An htmx attribute never holds what people write; a link may, percent-encoded in
            # its query (a search hit's link repeats the words searched), never as markup.
            if any(marker in value for marker in MARKERS) and (
                name.startswith(("hx-", "data-hx-")) or (name in URL_ATTRIBUTES and any(c in value for c in "<>\""))
            ):
                self.found.append(f"a URL or htmx attribute from a payload: {where}")
        if tag in ("img", "svg", "iframe", "object", "embed") and (
            values.get("src") == "x" or any(marker in (v or "") for v in values.values() for marker in MARKERS)
        ):
            self.found.append(f"an element from a payload: {where}")


def markup_from_payloads(page: str) -> list[str]:
    parser = MarkupFromPayload()
    parser.feed(page)
    parser.close()
    return parser.found


def test_the_checker_finds_each_payload_when_it_is_not_escaped():
    """The parser would see each payload were a template to print it raw (``|safe``)."""
    for name, text in {**PAYLOADS, "file": FILE_NAME, "folder": FOLDER_NAME}.items():
        raw = f'<p title="{text}">{text}</p>' if name == "quote" else f"<p>{text}</p>"
        assert markup_from_payloads(raw), name
    assert markup_from_payloads('<a href=" JaVaScRiPt:alert(1)">x</a>')
    assert not markup_from_payloads('<a href="/requests/">x</a><script src="/static/app.js"></script>')


@pytest.fixture(scope="module")
def world(migrated_database, migration_branches, tmp_path_factory):
    built = build_world(migrated_database, migration_branches, tmp_path_factory.mktemp("xss"))
    yield built
    tear_down(built)


def _urls(world) -> list[str]:
    ids = world.ids
    urls = [url for endpoint, method, url in routes(world.app, ids) if method == "GET" and endpoint != STATIC]
    org = ids["org_id"]
    return urls + [
        f"/requests/{ids['hr_reference']}", f"/hours/requests/{ids['hr_reference']}",
        f"/documents/hr/requests/{ids['hr_reference']}", f"/documents/sample/?org={org}",
        f"/documents/sample/folders/{ids['folder_id']}?org={org}", f"/documents/sample/trash?org={org}",
        "/search/?q=Title", "/search/?q=Description", "/search/?q=Message", "/search/?q=Resource",
        "/requests/?q=Title", f"/hours/?organization={org}", f"/access/?org={org}",
        f"/hours/timesheet?expert={world.people['expert'].id}", f"/admin/audit/?organization={org}",
    ]


def test_no_markup_from_what_people_write(world):
    urls = _urls(world)
    pages, shown, found = 0, {}, []
    for reader in READERS:
        client = world.clients[reader]
        for url in urls:
            for headers in ({}, {"HX-Request": "true"}):
                response = client.get(url, headers=headers)
                response.close()
                assert response.status_code < 500, (reader, url, response.status_code)
                if response.status_code != 200 or "html" not in response.headers.get("Content-Type", ""):
                    continue
                page = response.get_data(as_text=True)
                pages += 1
                for marker in (*MARKERS, *TEXTS):
                    if (marker in MARKERS and marker in page) or f"{marker} &lt;script&gt;" in page:
                        shown.setdefault(marker, set()).add(url)
                found += [(reader, url, bool(headers), what) for what in markup_from_payloads(page)]
    assert not found, sorted({what for *_where, what in found})[:20]
    # The walk saw each payload shown: were the texts dropped, it would prove nothing.
    assert set(shown) == {*MARKERS, *TEXTS}, {*MARKERS, *TEXTS} - set(shown)
    surfaces = set().union(*shown.values())
    assert len(surfaces) > 30, sorted(surfaces)
    print(f"stored XSS: {len(MARKERS)} payloads through {len(TEXTS)} texts and the file and folder names; {pages} HTML pages and fragments "
          f"parsed, {len(surfaces)} URLs showing at least one payload")

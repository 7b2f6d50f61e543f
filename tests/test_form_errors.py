"""A form that failed says so above it, links to each field in error, and says what is wrong:
the date format expected, the range allowed, how many people, never "required" for a typo."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from werkzeug.datastructures import MultiDict

from extranet.plugin_testing import reference_of, speak_french, token

DATE_MESSAGE = "Enter a date as YYYY-MM-DD (e.g. 2026-12-01)."


@pytest.fixture
def fields_app(app):
    from extranet.plugins import host

    with app.app_context():
        assert {"hr", "legal", "accounting", "it"} <= set(host().fields), "installed by `make test`"
    return app


def file(client, field, type_slug, **data):
    return client.post(f"/requests/new/{field}/{type_slug}", data={"csrf_token": token(client), **data})


def summary_of(html: str) -> str:
    match = re.search(r'<div class="error-summary".*?</div>\s*</div>', html, re.S)
    assert match, "no error summary"
    return match.group()


def summary_links(html: str) -> dict[str, str]:
    """{field id: link text} of the form's error summary."""
    return {target: re.sub(r"[ \t\r\n]+", " ", text).strip()
            for target, text in re.findall(r'<a href="#([^"]+)">(.*?)</a>', summary_of(html), re.S)}


def control(html: str, name: str) -> str:
    match = re.search(rf'<(?:input|select|textarea)[^>]*\bname="{name}"[^>]*>', html)
    assert match, name
    return match.group()


# -- the new-request form -----------------------------------------------------------------------


def test_a_failed_request_shows_a_summary_linking_to_each_field(fields_app, people, client_for):
    member = client_for(fields_app, people.member_a)
    response = file(member, "it", "website_project", title="", goals="Un site",
                    pages_estimate="0", launch_date="2026-13-45")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert summary_links(html) == {
        "title": "Subject: This field is required.",
        "pages_estimate": "Estimated number of pages: Enter a number between 1 and 10,000.",
        "launch_date": f"Desired launch date: {DATE_MESSAGE}",
    }
    summary = summary_of(html)
    assert 'tabindex="-1"' in summary and "data-error-summary" in summary and 'role="alert"' in summary
    assert "This form has 3 errors:" in summary
    # The summary comes first in the form, then each field says it is invalid and why.
    assert html.index("error-summary") < html.index('name="title"')
    for name in ("title", "pages_estimate", "launch_date"):
        tag = control(html, name)
        assert 'aria-invalid="true"' in tag
        assert f'aria-describedby="{name}-error"' in tag or f"{name}-error" in tag
        assert f'id="{name}-error"' in html
    assert 'aria-invalid' not in control(html, "goals")  # a valid field is left alone
    assert "This field is required" not in html.split("launch_date-error")[1].split("</p>")[0]


def test_a_request_form_that_passes_has_no_summary(fields_app, people, client_for):
    member = client_for(fields_app, people.member_a)
    assert "error-summary" not in member.get("/requests/new/it/website_project").get_data(as_text=True)
    response = file(member, "it", "website_project", title="Site", goals="Un site", pages_estimate="12")
    reference_of(response)


@pytest.mark.parametrize(("typed", "message"), [
    ("", "This field is required."),
    ("31/12/2030", DATE_MESSAGE),
    ("demain", DATE_MESSAGE),
    ("2030-02-30", DATE_MESSAGE),
])
def test_a_required_date_says_what_is_wrong(fields_app, people, client_for, typed, message):
    member = client_for(fields_app, people.member_a)
    response = file(member, "legal", "general_meeting", title="AGA", meeting_type="annual", meeting_date=typed)
    assert response.status_code == 422
    assert summary_links(response.get_data(as_text=True)) == {"meeting_date": f"Meeting date: {message}"}


@pytest.mark.parametrize("typed", ["0", "1", "-3", "deux", "1.5", "99999999999999999999999999", "1e3"])
def test_people_involved_asks_for_at_least_two(fields_app, people, client_for, typed):
    member = client_for(fields_app, people.member_a)
    response = file(member, "hr", "workplace_conflict", title="Conflit", priority="normal", people_involved=typed)
    assert response.status_code == 422  # never a 5xx, however large the number
    assert summary_links(response.get_data(as_text=True)) == {"people_involved": (
        "Number of people involved: A conflict involves at least two people: "
        "enter a number between 2 and 1000.")}


def test_people_involved_accepts_two(fields_app, people, client_for):
    member = client_for(fields_app, people.member_a)
    reference_of(file(member, "hr", "workplace_conflict", title="Conflit", priority="normal", people_involved="2"))


def test_checkboxes_in_error_are_a_group_and_the_summary_links_to_the_first(fields_app, people, client_for):
    member = client_for(fields_app, people.member_a)
    response = file(member, "accounting", "tax_filing", title="Impôts", tax_year="20255")
    html = response.get_data(as_text=True)
    assert summary_links(html) == {
        "tax_year": "Tax year: Enter a year between 2000 and 2100.",
        "forms-0": "Returns and slips concerned: Choose at least one return.",
    }
    group = re.search(r'<fieldset class="form-field choice-group form-field--error" id="forms"[^>]*>.*?</fieldset>',
                      html, re.S)
    assert group, "the checkboxes are a fieldset"
    assert 'aria-describedby="forms-error"' in group.group()
    assert "<legend>Returns and slips concerned</legend>" in group.group()
    assert '<label for="forms-0">' in group.group()


def test_the_summary_speaks_french(fields_app, people, client_for):
    speak_french(fields_app, people)
    member = client_for(fields_app, people.member_a)
    response = file(member, "hr", "job_posting", title="Poste", position_title="Commis",
                    employment_type="seasonal", salary_min="1000000000", start_date="01-12-2030")
    # Babel groups digits with a no-break space, narrow or not depending on its CLDR version.
    links = {k: v.replace("\u202f", "\u00a0") for k, v in summary_links(response.get_data(as_text=True)).items()}
    nbsp = "\u00a0"
    assert links == {
        "salary_min": f"Échelle salariale{nbsp}: de ($ par année){nbsp}: "
                      f"Entrez un nombre entre 0 et 1{nbsp}000{nbsp}000.",
        "start_date": f"Date d’entrée en fonction souhaitée{nbsp}: "
                      "Entrez une date au format AAAA-MM-JJ (p. ex. 2026-12-01).",
    }
    assert "Ce formulaire contient 2" in summary_of(response.get_data(as_text=True))


# -- every form of every field, through the form classes ----------------------------------------


def _forms_of_every_type(app):
    from extranet.plugins import host

    with app.app_context():
        return [(key, rtype.form) for key, rtype in sorted(host().request_types.items())]


def test_every_date_and_number_of_every_request_type_says_what_is_wrong(fields_app):
    """A new plugin's date or number field that says "required" for a typo fails here."""
    from extranet.web.forms import DateField, DecimalField, IntegerField

    checked = 0
    with fields_app.test_request_context(headers={"Accept-Language": "en"}):
        for key, form_class in _forms_of_every_type(fields_app):
            for name, unbound in form_class()._fields.items():
                if isinstance(unbound, DateField):
                    cases = {"2026-02-30": "Enter a date as YYYY-MM-DD"}
                elif isinstance(unbound, IntegerField | DecimalField):
                    cases = {"abc": "between", str(10**30): "between", "-1": "between"}
                elif unbound.type in ("DateField", "IntegerField", "DecimalField", "FloatField"):
                    pytest.fail(f"{key} {name}: use extranet.api's {unbound.type}, which says what is wrong")
                else:
                    continue
                for typed, expected in cases.items():
                    form = form_class(formdata=MultiDict({name: typed}), meta={"csrf": False})
                    form.validate()
                    assert form[name].errors, (key, name, typed)
                    assert all(expected in str(e) for e in form[name].errors), (key, name, typed, form[name].errors)
                    checked += 1
    assert checked >= 20


def test_numbers_are_range_checked_by_the_field(app):
    from extranet.web.forms import BaseForm, DecimalField, IntegerField

    class Form(BaseForm):
        count = IntegerField("Count", min=1, max=10)
        ratio = DecimalField("Ratio", min=0, max=1, places=2)

    with app.test_request_context(headers={"Accept-Language": "en"}):
        for count, ratio, ok in [("1", "0,5", True), ("10", "1", True), ("11", "0.5", False),
                                 ("5", "NaN", False), ("5", "Infinity", False), ("5", "1,01", False),
                                 ("5", "-0.1", False), ("0x10", "0.5", False)]:
            form = Form(formdata=MultiDict({"count": count, "ratio": ratio}), meta={"csrf": False})
            assert form.validate() is ok, (count, ratio, form.errors)
        form = Form(formdata=MultiDict({"count": "3", "ratio": "0,25"}), meta={"csrf": False})
        assert form.validate() and form.ratio.data == Decimal("0.25")


def test_a_typo_or_a_number_out_of_range_is_never_called_empty_by_the_validators_behind(app):
    """A plugin may put ``DataRequired`` behind a date or a number; its "required" must not
    replace what the field said about a typo or the range."""
    from wtforms.validators import DataRequired

    from extranet.web.forms import BaseForm, DateField, IntegerField

    class Form(BaseForm):
        day = DateField("Day", validators=[DataRequired()])
        count = IntegerField("Count", min=1, max=10, validators=[DataRequired()])

    with app.test_request_context(headers={"Accept-Language": "en"}):
        form = Form(formdata=MultiDict({"day": "2026-02-30", "count": "0"}), meta={"csrf": False})
        assert not form.validate()
        assert form.errors == {"day": [DATE_MESSAGE], "count": ["Enter a number between 1 and 10."]}
        form = Form(formdata=MultiDict({"day": "", "count": "x"}), meta={"csrf": False})
        assert not form.validate()
        assert form.errors == {"day": ["This field is required."], "count": ["Enter a number between 1 and 10."]}


# -- the core's own forms -----------------------------------------------------------------------


def test_a_time_entry_with_a_bad_date_says_which_format(fields_app, people, client_for):
    member = client_for(fields_app, people.member_a)
    expert = client_for(fields_app, people.expert)
    reference = reference_of(file(member, "it", "support_ticket", title="Poste", priority="low",
                                  affected_system="Poste"))
    expert.post(f"/requests/{reference}/take", data={"csrf_token": token(expert)})
    response = expert.post(f"/hours/requests/{reference}/time", data={
        "csrf_token": token(expert), "date": "hier", "duration": "1h30", "activity": "analysis",
    }, headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert response.status_code in (200, 422), response.status_code
    assert summary_links(html) == {"date": f"Date: {DATE_MESSAGE}"}


def test_an_agreement_year_out_of_range_is_a_form_error(fields_app, people, client_for):
    admin = client_for(fields_app, people.admin)
    response = admin.post("/hours/agreements/new", data={
        "csrf_token": token(admin), "organization_id": str(people.org_a), "field": "it",
        "year": "9" * 30, "hours": "100", "hourly_rate": "95", "overage_rate": "110", "carry_over": "none",
    })
    assert response.status_code in (200, 422), response.status_code
    assert summary_links(response.get_data(as_text=True)) == {
        "year": "Year: Enter a number between 2000 and 2100."}


def test_an_empty_message_is_summed_up_in_the_swapped_fragment(fields_app, people, client_for):
    member = client_for(fields_app, people.member_a)
    reference = reference_of(file(member, "it", "support_ticket", title="Poste", priority="low",
                                  affected_system="Poste"))
    response = member.post(f"/requests/{reference}/messages", data={"csrf_token": token(member), "body": ""},
                           headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert "<html" not in html  # the fragment HTMX swaps in, with its summary
    assert summary_links(html) == {"body": "Message: This field is required."}


@pytest.mark.parametrize(("who", "url", "data"), [
    ("manager_a", "/organization/members", {"email": "nope", "name": "", "locale": "en", "role": "member"}),
    ("admin", "/admin/users/invite", {"email": "nope", "name": ""}),
    ("admin", "/admin/organizations/new", {"name": ""}),
    ("admin", "/admin/users/{expert}", {"name": "", "locale": "fr_CA"}),
])
def test_a_failed_form_is_announced_once_by_its_summary(app, people, client_for, who, url, data):
    """A page's own "please correct the errors" beside the summary would be a second alert."""
    client = client_for(app, getattr(people, who))
    response = client.post(url.format(expert=people.expert.id), data={"csrf_token": token(client), **data})
    assert response.status_code == 422, response.status_code
    html = response.get_data(as_text=True)
    assert html.count("data-error-summary") == 1
    assert html.count('role="alert"') == 1


def test_a_hidden_field_or_the_form_itself_has_nothing_to_link_to(app):
    from wtforms import HiddenField, StringField

    from extranet.web.forms import BaseForm

    class Form(BaseForm):
        version = HiddenField()
        name = StringField("Name")

    with app.test_request_context(headers={"Accept-Language": "en"}):
        form = Form(meta={"csrf": False})
        form.version.errors = ["Stale."]
        form.name.errors = ["Too short."]
        form.form_errors.append("Try again.")
        assert form.error_list() == [(None, "Version", "Stale."), ("name", "Name", "Too short."), (None, "", "Try again.")]
        html = str(form.hidden_tag())
    assert html.index("error-summary") < html.index('name="version"')
    assert '<a href="#name">Name: Too short.</a>' in html
    assert "<li>Stale.</li>" in html and "<li>Try again.</li>" in html

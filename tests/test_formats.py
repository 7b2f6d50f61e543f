"""One date and number style (issue 11 §5): no seconds, « 1er » in French, sizes in the reader's
language from one filter, and form answers formatted, in French (Canada) and in English."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from flask import render_template_string
from flask_babel import force_locale
from wtforms import Form

from extranet.requests.presenters import answer_kind
from extranet.web.formats import format_answer
from extranet.web.forms import DateField, IntegerField

MOMENT = datetime(2026, 8, 1, 12, 30, 45, tzinfo=UTC)  # 08:30:45 in Montréal


def shown(app, locale: str, template: str, **context) -> str:
    with app.test_request_context(), force_locale(locale):
        return render_template_string(template, **context)


@pytest.mark.parametrize("style", ["short", "medium", "long", "full"])
def test_dates_never_show_seconds(app, style):
    for locale in ("fr_CA", "en"):
        text = shown(app, locale, "{{ when|datetimeformat(style) }}", when=MOMENT, style=style)
        assert "45" not in text and " s" not in text.replace("sam", ""), (locale, style, text)
        assert "8" in text and "30" in text


def test_the_first_of_the_month_is_1er_in_french_only(app):
    assert shown(app, "fr_CA", "{{ d|dateformat('long') }}", d=date(2026, 8, 1)) == "1er août 2026"
    assert shown(app, "fr_CA", "{{ when|datetimeformat }}", when=MOMENT) == "1er août 2026, 08 h 30"
    assert shown(app, "fr_CA", "{{ d|dateformat('long') }}", d=date(2026, 8, 11)) == "11 août 2026"
    assert shown(app, "fr_CA", "{{ d|dateformat('long') }}", d=date(2026, 8, 21)) == "21 août 2026"
    assert shown(app, "en", "{{ d|dateformat('long') }}", d=date(2026, 8, 1)) == "August 1, 2026"


def test_sizes_read_in_the_reader_s_language_whichever_filter_a_template_uses(app):
    for template in ("{{ n|filesize }}", "{{ n|filesizeformat }}"):
        assert shown(app, "fr_CA", template, n=441) == "441\u00a0octets"
        assert shown(app, "en", template, n=441) == "441 bytes"
        assert shown(app, "fr_CA", template, n=1_500_000) == "1,5\u00a0Mo"


def test_form_answers_are_formatted_by_their_question(app):
    class Questions(Form):  # the fields as a plugin's request type declares them
        launch = DateField("Launch")
        budget = IntegerField("Budget", min=0, max=1_000_000)
        year = IntegerField("Year", min=2000, max=2100)

    with app.test_request_context():
        kinds = {f.short_name: answer_kind(f) for f in Questions()}
        assert kinds == {"launch": "date", "budget": "number", "year": "digits"}
        with force_locale("fr_CA"):
            assert format_answer("2026-11-01", "date") == "1er nov. 2026"
            assert format_answer(45000, "number") == "45\u00a0000"
            assert format_answer(2027, "digits") == "2027"
            assert format_answer("not a date", "date") is None
            assert format_answer("texte", None) is None
        with force_locale("en"):
            assert format_answer("2026-11-13", "date") == "Nov 13, 2026"
            assert format_answer(45000, "number") == "45,000"


def test_a_due_date_shows_the_day_alone_when_its_time_is_the_end_of_day_default(app):
    from extranet.requests.service import end_of_day

    with app.app_context():
        due = end_of_day(date(2027, 1, 15))  # 04:59 UTC the next day
        chosen = datetime(2027, 1, 15, 19, 0, tzinfo=UTC)  # a service target's deadline: 14:00
    assert shown(app, "fr_CA", "{{ d|dueformat }}", d=due) == "15 janv. 2027"
    assert shown(app, "en", "{{ d|dueformat('short') }}", d=due) == "1/15/27"
    assert shown(app, "fr_CA", "{{ d|dueformat }}", d=due.replace(day=1)) == "1er janv. 2027"
    assert shown(app, "en", "{{ d|dueformat }}", d=chosen) == "Jan 15, 2027, 2:00\u202fPM"
    assert shown(app, "fr_CA", "{{ d|dueformat }}", d=None) == ""

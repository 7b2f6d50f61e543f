"""Formula injection: a spreadsheet never runs what a person typed.

A request's title (statements) and a person's name (the expert utilisation of the admin report)
that start like a formula come back from the XLSX file as text cells, never as formulas, and
keep every character; the CSV files prefix them with an apostrophe."""

from __future__ import annotations

import csv
import io

import pytest

from tests.test_statements import MARCH, build_dataset, reports_app  # noqa: F401  (fixture)

PAYLOADS = ['=HYPERLINK("http://x","y")', "+1", "-1", "@SUM(A1)"]


def _rename(app, people, payload):
    from extranet.accounts.models import User
    from extranet.extensions import db
    from extranet.requests.models import ServiceRequest

    with app.app_context():
        request = db.session.scalar(db.select(ServiceRequest).filter_by(reference="SA-2025-0002"))
        request.title = payload
        db.session.get(User, people.expert.id).name = payload
        db.session.commit()


def _cells(content: bytes):
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(content))
    return [cell for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_xlsx_exports_write_typed_text_as_text(reports_app, people, client_for, payload):  # noqa: F811
    build_dataset(reports_app, people)
    _rename(reports_app, people, payload)
    admin = client_for(reports_app, people.admin)
    for url, where in ((f"/reports/statements/{people.org_a}/{MARCH}/export.xlsx", "title"),
                       ("/reports/export.xlsx?year=2025", "expert")):
        response = admin.get(url)
        assert response.status_code == 200, url
        cells = _cells(response.get_data())
        assert not [c.coordinate for c in cells if c.data_type == "f"], (url, payload)
        typed = [c for c in cells if c.value == payload]
        assert typed, (url, where, payload)
        assert all(c.data_type == "s" and c.quotePrefix for c in typed), (url, payload)


def test_csv_exports_neutralise_the_same_text(reports_app, people, client_for):  # noqa: F811
    build_dataset(reports_app, people)
    _rename(reports_app, people, PAYLOADS[0])
    admin = client_for(reports_app, people.admin)
    body = admin.get(f"/reports/statements/{people.org_a}/{MARCH}/export.csv").get_data().decode("utf-8-sig")
    cells = [cell for row in csv.reader(io.StringIO(body)) for cell in row]
    assert "'" + PAYLOADS[0] in cells and PAYLOADS[0] not in cells


def test_xlsx_export_drops_characters_xml_cannot_carry(reports_app, people, client_for):  # noqa: F811
    build_dataset(reports_app, people)
    _rename(reports_app, people, "Budget\x01 2025")
    response = client_for(reports_app, people.admin).get(f"/reports/statements/{people.org_a}/{MARCH}/export.xlsx")
    assert response.status_code == 200
    assert "Budget 2025" in [c.value for c in _cells(response.get_data())]

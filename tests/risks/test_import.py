"""Import of register entries from CSV and XLSX: a good file adds, the same file again changes nothing, a bad
file reports row and column and writes nothing."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from manual.risks.importer import COLUMNS, register_import
from manual.risks.models import RiskEntry

from .factories import in_days, owner_at, process_at

pytestmark = pytest.mark.django_db


def rows_for(org) -> list[dict]:
    process = process_at(org.site_a)
    owner = owner_at(org.site_a)
    common = {"site_code": org.site_a.code, "process_code": process.code, "owner_employee_id": owner.employee_id,
              "review_date": in_days(60).isoformat()}  # fmt: skip
    return [
        {**common, "kind": "ohs_hazard", "title": "Drum handling", "activity": "Transfer", "hazard": "Lifting",
         "people_exposed": "Operators", "inherent_severity": "4", "inherent_likelihood": "3",
         "residual_severity": "4", "residual_likelihood": "2"},
        {**common, "kind": "quality_risk", "title": "Mix-up", "hazard": "Label mix-up", "inherent_severity": "5",
         "inherent_likelihood": "2", "inherent_detectability": "3", "residual_severity": "5",
         "residual_likelihood": "1", "residual_detectability": "2"},
        {**common, "kind": "environment", "title": "Solvent", "aspect": "Storage", "impact": "Soil",
         "operating_condition": "emergency", "inherent_severity": "4", "inherent_likelihood": "2",
         "residual_severity": "3", "residual_likelihood": "1", "reference": "EA-IMPORT-1"},
    ]  # fmt: skip


def csv_bytes(rows: list[dict]) -> bytes:
    lines = [",".join(COLUMNS)] + [",".join(row.get(c, "") for c in COLUMNS) for row in rows]
    return ("\n".join(lines) + "\n").encode()


def xlsx_bytes(rows: list[dict]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(COLUMNS))
    for row in rows:
        sheet.append([int(v) if v.isdigit() else v for v in (row.get(c, "") for c in COLUMNS)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_good_csv_is_imported_once(org):
    rows = rows_for(org)
    content = csv_bytes(rows)
    dry = register_import(actor=org.qm_a, content=content, dry_run=True)
    assert dry.accepted and dry.created == 3 and not RiskEntry.objects.exists()
    report = register_import(actor=org.qm_a, content=content, filename="register.csv")
    assert report.applied and report.created == 3
    assert RiskEntry.objects.filter(reference="EA-IMPORT-1", is_significant=True).exists()
    again = register_import(actor=org.qm_a, content=csv_bytes([r for r in rows if r.get("reference")]))
    assert again.applied and (again.created, again.updated, again.unchanged) == (0, 0, 1)


def test_xlsx_is_imported(org):
    report = register_import(actor=org.qm_a, content=xlsx_bytes(rows_for(org)), filename="register.xlsx")
    assert report.applied, report.errors
    assert RiskEntry.objects.count() == 3


def test_bad_file_changes_nothing(org):
    rows = rows_for(org)
    rows[1]["inherent_severity"] = "9"
    rows[2]["site_code"] = org.site_b.code
    report = register_import(actor=org.qm_a, content=csv_bytes(rows))
    assert not report.accepted and not report.applied
    found = {(e.line, e.column) for e in report.errors}
    assert (3, "inherent_severity") in found
    assert (4, "site_code") in found
    assert not RiskEntry.objects.exists()


def test_missing_column_is_a_file_error(org):
    report = register_import(actor=org.qm_a, content=b"kind,title\nohs_hazard,x\n")
    assert report.file_error and "Required column" in report.errors[0].message


def test_import_page_and_api(org, client_for, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    client = client_for(org.qm_a)
    assert client.get(reverse("risks:entry_import")).status_code == 200
    upload = SimpleUploadedFile("register.csv", csv_bytes(rows_for(org)), content_type="text/csv")
    checked = client.post(reverse("risks:entry_import"), {"file": upload, "action": "check"})
    assert checked.status_code == 200 and not RiskEntry.objects.exists()
    bad = rows_for(org)
    bad[0]["review_date"] = "31.12.2026"
    upload = SimpleUploadedFile("bad.csv", csv_bytes(bad), content_type="text/csv")
    response = client.post("/api/v1/risks/import/", {"file": upload})
    assert response.status_code == 400
    assert response.json()["errors"][0]["column"] == "review_date"
    assert not RiskEntry.objects.exists()
    assert client_for(org.emp_a).get(reverse("risks:entry_import")).status_code == 403

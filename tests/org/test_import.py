"""Org import (A11-4, A11-5): one service behind the command, the upload page and the API.

The whole file validates before anything is written; every bad row is named by its line.
"""

from __future__ import annotations

import datetime
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from ims.access.permissions import user_can_at_site
from ims.access.services import api_token_create
from ims.org.importer import COLUMNS, org_import
from ims.org.models import Membership, Person

pytestmark = [pytest.mark.django_db, pytest.mark.req("A11-5")]

HEADER = ",".join(COLUMNS)


def csv_bytes(*rows: str, header: str = HEADER, sep: str = ",", bom: bool = False) -> bytes:
    text = "\n".join([header.replace(",", sep), *(row.replace(",", sep) for row in rows)]) + "\n"
    return (("\ufeff" if bom else "") + text).encode("utf-8")


# Columns in HEADER order: employee_id … role, valid_from, valid_to.
GOOD = (
    "E-100,ana.silva,Ana,Silva,ana.silva@example.com,QA Specialist,E-101,SITEA,QA,employee,2026-01-05,",
    "E-101,marc.meier,Marc,Meier,marc.meier@example.com,Head of QA,,SITEA,QA,Quality Manager,2026-01-05,",
    "E-100,ana.silva,Ana,Silva,ana.silva@example.com,QA Specialist,E-101,SITEA,PROD,trainer,2026-01-05,",
)


def run(content: bytes, actor=None, dry_run=False, only_valid_rows=False):
    return org_import(actor=actor, content=content, dry_run=dry_run, only_valid_rows=only_valid_rows, source="test")


def snapshot() -> tuple:
    people = tuple(
        Person.objects.order_by("employee_id").values_list(
            "employee_id", "username", "first_name", "last_name", "email", "job_title", "manager__employee_id"
        )
    )
    memberships = tuple(
        Membership.objects.order_by("person__employee_id", "site__code", "function__code", "role__code").values_list(
            "person__employee_id", "site__code", "function__code", "role__code", "valid_from", "valid_to"
        )
    )
    return people, memberships


@pytest.mark.req("A11-4")
def test_a_good_file_imports_people_memberships_and_permissions(org):
    content = csv_bytes(*GOOD)
    report = run(content)
    assert report.errors == [] and report.applied
    assert (report.rows, report.valid_rows, report.invalid_rows) == (3, 3, 0)
    assert (report.people_created, report.people_updated, report.memberships_created) == (2, 0, 3)
    assert len(report.sha256) == 64 and report.size_bytes == len(content)
    ana = Person.objects.get(employee_id="E-100")
    marc = Person.objects.get(employee_id="E-101")
    assert ana.manager == marc  # the manager appears later in the file
    assert (ana.username, ana.email, ana.job_title) == ("ana.silva", "ana.silva@example.com", "QA Specialist")
    assert not ana.has_usable_password()
    assert set(ana.memberships.values_list("role__code", "function__code")) == {("employee", "QA"), ("trainer", "PROD")}
    assert ana.memberships.first().valid_from == datetime.date(2026, 1, 5)
    assert user_can_at_site(marc, "org.add_person", org.site_a)  # the permission sync ran
    assert not user_can_at_site(marc, "org.add_person", org.site_b)


def test_bom_and_semicolon_files(org):
    report = run(csv_bytes(*GOOD, sep=";", bom=True))
    assert report.errors == [] and report.delimiter == ";"
    assert report.people_created == 2 and Person.objects.filter(employee_id="E-101").exists()


def test_headers_are_case_insensitive_trimmed_and_aliased(org):
    header = (
        " Employee ID ,USERNAME,First Name,last_name , E-Mail,Job Title,Manager,Site,Function,Role,Valid From,valid_to"
    )
    report = run(csv_bytes(*GOOD, header=header))
    assert report.errors == []
    assert report.people_created == 2
    assert Person.objects.get(employee_id="E-100").manager.employee_id == "E-101"


@pytest.mark.req("A11-4")
def test_running_the_same_file_twice_changes_nothing(org):
    content = csv_bytes(*GOOD)
    run(content)
    before = snapshot()
    second = run(content)
    assert second.errors == [] and second.applied
    assert (second.people_created, second.people_updated, second.people_unchanged) == (0, 0, 2)
    assert (second.memberships_created, second.memberships_ended, second.memberships_unchanged) == (0, 0, 3)
    assert second.changes == []
    assert snapshot() == before


def test_changed_fields_update_and_valid_to_ends_a_membership(org):
    run(csv_bytes(*GOOD))
    changed = (
        "E-100,ana.silva,Ana,Silva-Keller,ana.silva@example.com,QA Lead,E-101,SITEA,QA,employee,2026-01-05,2026-06-30",
        GOOD[1],
        GOOD[2].replace("Silva,", "Silva-Keller,").replace("QA Specialist", "QA Lead"),
    )
    report = run(csv_bytes(*changed))
    assert report.errors == []
    assert (report.people_updated, report.people_unchanged, report.memberships_ended) == (1, 1, 1)
    ana = Person.objects.get(employee_id="E-100")
    assert (ana.last_name, ana.job_title) == ("Silva-Keller", "QA Lead")
    assert ana.memberships.get(role__code="employee").valid_to == datetime.date(2026, 6, 30)
    again = run(csv_bytes(*changed))
    assert (again.people_updated, again.memberships_ended, again.memberships_created) == (0, 0, 0)


def test_one_bad_row_rejects_the_whole_file_and_names_the_line(org):
    before = snapshot()
    rows = (*GOOD, "E-102,li.wei,Wei,Li,li.wei@example.com,Analyst,,NOPE,QA,employee,,")
    report = run(csv_bytes(*rows))
    assert not report.applied and report.rejected
    assert report.invalid_rows == 1 and report.valid_rows == 3
    [issue] = report.errors
    assert issue.line == 5 and issue.column == "site_code" and "Unknown site code “NOPE”" in issue.message
    assert snapshot() == before


@pytest.mark.parametrize(
    ("row", "column", "text"),
    [
        ("E-9,x.y,X,Y,x.y@example.com,,,SITEA,NOPE,employee,,", "function_code", "Unknown function"),
        ("E-9,x.y,X,Y,x.y@example.com,,,SITEA,QA,wizard,,", "role", "Unknown role"),
        ("E-9,x.y,X,Y,not-an-email,,,SITEA,QA,employee,,", "email", "valid email"),
        ("E-9,x.y,X,Y,x.y@example.com,,,SITEA,QA,employee,31.12.2026,", "valid_from", "YYYY-MM-DD"),
        ("E-9,x.y,X,Y,x.y@example.com,,,SITEA,QA,employee,2026-02-30,", "valid_from", "YYYY-MM-DD"),
        ("E-9,x.y,X,Y,x.y@example.com,,E-404,SITEA,QA,employee,,", "manager_employee_id", "not a known employee id"),
        ("E-9,x.y,X,Y,x.y@example.com,,E-9,SITEA,QA,employee,,", "manager_employee_id", "own manager"),
        ("E-9,x.y,X,Y,qm_a@example.com,,,SITEA,QA,employee,,", "email", "already belongs to another person"),
        ("E-9,qm_a,X,Y,x.y@example.com,,,SITEA,QA,employee,,", "username", "already belongs to another person"),
        (",x.y,X,Y,x.y@example.com,,,SITEA,QA,employee,,", "employee_id", "missing"),
        ("E-9,x.y,,Y,x.y@example.com,,,SITEA,QA,employee,,", "first_name", "missing"),
        ("E-9,x.y,X,Y,x.y@example.com,,,SITEA,QA,employee,2026-05-01,2026-04-01", "valid_to", "before the start"),
    ],
)
def test_each_kind_of_bad_row_is_reported_with_line_column_and_reason(org, row, column, text):
    report = run(csv_bytes(GOOD[1], row), dry_run=True)
    assert report.rejected
    assert any(e.line == 3 and e.column == column and text in e.message for e in report.errors), report.errors


def test_duplicate_employee_id_with_conflicting_data_is_an_error(org):
    rows = (GOOD[0], GOOD[1], GOOD[2].replace("Ana,", "Anna,"))
    report = run(csv_bytes(*rows))
    [issue] = report.errors
    assert issue.line == 4 and issue.column == "first_name" and "line 2" in issue.message
    assert not Person.objects.filter(employee_id="E-100").exists()


def test_manager_cycle_is_an_error(org):
    rows = (
        "E-1,a.one,A,One,,,E-2,SITEA,QA,employee,,",
        "E-2,b.two,B,Two,,,E-1,SITEA,QA,employee,,",
    )
    report = run(csv_bytes(*rows))
    assert {e.line for e in report.errors} == {2, 3}
    assert all("cycle" in e.message for e in report.errors)


def test_only_valid_rows_imports_the_rest(org):
    rows = (*GOOD, "E-102,li.wei,Wei,Li,li.wei@example.com,Analyst,,NOPE,QA,employee,,")
    report = run(csv_bytes(*rows), only_valid_rows=True)
    assert report.applied and report.accepted
    assert report.invalid_rows == 1 and report.people_created == 2 and report.memberships_created == 3
    assert Person.objects.filter(employee_id__in=["E-100", "E-101"]).count() == 2
    assert not Person.objects.filter(employee_id="E-102").exists()


def test_a_manager_whose_rows_fail_fails_the_people_reporting_to_them(org):
    rows = (GOOD[0], GOOD[1].replace("SITEA", "NOPE"))
    report = run(csv_bytes(*rows), only_valid_rows=True)
    assert {(e.line, e.column) for e in report.errors} == {(2, "manager_employee_id"), (3, "site_code")}
    assert not report.applied
    assert not Person.objects.filter(employee_id__in=["E-100", "E-101"]).exists()


def test_unicode_names_survive_a_round_trip(org, client_for):
    names = [
        ("Zoë", "Müller-Lüdenscheidt"),
        ("Łukasz", "Wójcik"),
        ("芳", "王"),
        ("健", "佐藤"),
        ("Siobhán", "Ó Briain"),
    ]
    rows = [
        f"U-{i},,{first},{last},u{i}@example.com,Ingénieure qualité,,SITEA,QA,employee,,"
        for i, (first, last) in enumerate(names)
    ]
    report = run(csv_bytes(*rows, bom=True))
    assert report.errors == []
    stored = list(
        Person.objects.filter(employee_id__startswith="U-")
        .order_by("employee_id")
        .values_list("first_name", "last_name", "job_title")
    )
    assert stored == [(first, last, "Ingénieure qualité") for first, last in names]
    exported = b"".join(client_for(org.admin).get(reverse("org:person_list"), {"export": "csv"}).streaming_content)
    for first, last in names:
        assert f"{first},{last}".encode() in exported


def test_site_a_manager_cannot_import_people_for_site_b(org):
    rows = (
        "E-200,p.a,Pia,Alder,p.a@example.com,,,SITEA,QA,employee,,",
        "E-201,p.b,Paul,Brook,p.b@example.com,,,SITEB,QA,employee,,",
        "E-202,p.c,Pat,Cole,p.c@example.com,,,SITEA,QA,global_admin,,",
    )
    report = run(csv_bytes(*rows), actor=org.qm_a)
    assert {(e.line, e.column) for e in report.errors} == {(3, "site_code"), (4, "role")}
    assert "may not add people at site SITEB" in report.errors[0].message
    assert not Person.objects.filter(employee_id__in=["E-200", "E-201"]).exists()
    assert run(csv_bytes(*rows), actor=org.qm_b).errors[0].line == 2


def test_site_a_manager_cannot_rename_a_site_b_person_through_a_site_a_row(org):
    row = f"{org.emp_b.employee_id},{org.emp_b.username},Renamed,Person,emp_b@example.com,,,SITEA,QA,employee,,"
    report = run(csv_bytes(row), actor=org.qm_a)
    assert report.rejected and "may not change the details" in report.errors[0].message
    org.emp_b.refresh_from_db()
    assert org.emp_b.first_name != "Renamed"


@pytest.mark.parametrize(
    ("content", "text"),
    [
        (b"", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "binary"),
        (b"\xff\xfee\x00m\x00p\x00", "UTF-16"),
        (
            "employee_id,first_name,last_name,site_code,function_code,role\nE-1,Zoë,Müller,SITEA,QA,employee\n".encode(
                "latin-1"
            ),
            "not UTF-8 encoded (first unreadable byte on line 2",
        ),
        (b"employee_id,first_name\nE-1,Ann\n", "Required column(s) missing: last_name, site_code, function_code, role"),
        (b"just some words\nand more words\n", "Required column(s) missing: employee_id"),
        (HEADER.encode() + b"\n", "no data rows"),
        (HEADER.encode() + b'\nE-1,"unterminated,Ann\n', "malformed"),
    ],
)
def test_malformed_files_get_a_clear_message_and_nothing_is_written(org, content, text):
    before = snapshot()
    report = run(content)
    assert report.file_error and report.rejected and not report.applied
    assert text in report.errors[0].message
    assert snapshot() == before


@override_settings(IMS_ORG_IMPORT_MAX_BYTES=100)
def test_size_limit(org):
    report = run(csv_bytes(*GOOD))
    assert report.file_error and "limit is 100 bytes" in report.errors[0].message


# --- The three interfaces ---------------------------------------------------------------------------

MIXED = csv_bytes(*GOOD, "E-102,li.wei,Wei,Li,li.wei@example.com,Analyst,,NOPE,QA,employee,,")


def _via_command(org, tmp_path, content, **flags):
    path = tmp_path / "org.csv"
    path.write_bytes(content)
    args = [
        str(path),
        *(["--dry-run"] if flags.get("dry_run") else []),
        *(["--only-valid"] if flags.get("only") else []),
    ]
    try:
        call_command("import_org", *args, "--as", org.admin.username, stdout=open(tmp_path / "out.txt", "w"))
    except CommandError:
        return "rejected"
    return "accepted"


def _via_page(org, client_for, content, **flags):
    client = client_for(org.admin)
    from django.core.files.uploadedfile import SimpleUploadedFile

    url = reverse("org:import")
    preview = client.post(url, {"action": "preview", "file": SimpleUploadedFile("org.csv", content, "text/csv")})
    if flags.get("dry_run"):
        return "accepted" if b'id="import-errors"' not in preview.content else "rejected"
    token = preview.context["token"]
    action = "confirm_valid" if flags.get("only") else "confirm"
    result = client.post(url, {"action": action, "token": token})
    return "accepted" if result.status_code == 200 else "rejected"


def _via_api(org, client_for, content, **flags):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = client_for(org.admin)
    dry_run, only = ("true" if flags.get(name) else "false" for name in ("dry_run", "only"))
    query = f"?dry_run={dry_run}&only_valid_rows={only}"
    response = client.post(reverse("org-import") + query, {"file": SimpleUploadedFile("org.csv", content)})
    return "accepted" if response.status_code == 200 else "rejected"


@pytest.mark.parametrize("channel", ["command", "page", "api"])
@pytest.mark.parametrize(
    ("content", "flags", "outcome"),
    [
        (csv_bytes(*GOOD), {}, "accepted"),
        (csv_bytes(*GOOD), {"dry_run": True}, "accepted"),
        (MIXED, {}, "rejected"),
        (MIXED, {"only": True}, "accepted"),
    ],
    ids=["good", "good-dry-run", "bad-row", "only-valid"],
)
def test_command_page_and_api_give_the_same_result(
    org, client_for, tmp_path, settings, channel, content, flags, outcome
):
    settings.MEDIA_ROOT = tmp_path / "media"
    before = snapshot()
    expected_state = None
    if outcome == "accepted" and not flags.get("dry_run"):
        # The reference: the service itself, rolled back.
        from django.db import transaction

        with transaction.atomic():
            run(content, only_valid_rows=flags.get("only", False))
            expected_state = snapshot()
            transaction.set_rollback(True)
    if channel == "command":
        got = _via_command(org, tmp_path, content, **flags)
    elif channel == "page":
        got = _via_page(org, client_for, content, **flags)
    else:
        got = _via_api(org, client_for, content, **flags)
    assert got == outcome
    assert snapshot() == (expected_state or before)


# --- Page ---------------------------------------------------------------------------------------------


def test_page_needs_the_add_person_permission(org, client_for):
    assert client_for(org.emp_a).get(reverse("org:import")).status_code == 403
    assert client_for(org.inspector_a).get(reverse("org:import")).status_code == 403
    page = client_for(org.qm_a).get(reverse("org:import"))
    assert page.status_code == 200
    assert b'name="file"' in page.content and b'id="import-preview"' in page.content


def test_page_offers_the_template_csv(org, client_for):
    response = client_for(org.qm_a).get(reverse("org:import"), {"download": "template"})
    assert response["Content-Type"].startswith("text/csv")
    assert response.content.startswith("\ufeff".encode() + HEADER.encode())


def test_page_preview_then_confirm(org, client_for, tmp_path, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    client = client_for(org.qm_a)
    url = reverse("org:import")
    preview = client.post(url, {"action": "preview", "file": SimpleUploadedFile("org.csv", csv_bytes(*GOOD))})
    assert preview.status_code == 200
    html = preview.content.decode()
    assert 'id="import-confirm"' in html and "disabled" not in html.split('id="import-confirm"')[1].split(">")[0]
    assert "create person" in html and not Person.objects.filter(employee_id="E-100").exists()
    assert len(list((tmp_path / "imports").glob("*.csv"))) == 1
    result = client.post(url, {"action": "confirm", "token": preview.context["token"]})
    assert result.status_code == 200 and 'id="import-result"' in result.content.decode()
    assert "Import complete" in result.content.decode()
    assert Person.objects.filter(employee_id__in=["E-100", "E-101"]).count() == 2
    assert list((tmp_path / "imports").glob("*.csv")) == []
    # The token is single use.
    assert client.post(url, {"action": "confirm", "token": preview.context["token"]}).status_code == 400


def test_page_preview_with_errors_disables_import_and_offers_valid_rows(org, client_for, tmp_path, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    client = client_for(org.qm_a)
    rows = (*GOOD, "E-201,p.b,Paul,Brook,p.b@example.com,,,SITEB,QA,employee,,")
    preview = client.post(reverse("org:import"), {"file": SimpleUploadedFile("org.csv", csv_bytes(*rows))})
    html = preview.content.decode()
    assert 'id="import-errors"' in html
    assert "may not add people at site SITEB" in html and '<td class="text-nowrap fw-semibold">5</td>' in html
    assert "disabled" in html.split('id="import-confirm"')[1].split(">")[0]
    assert "Import only the 3 valid rows" in html
    # Confirm re-validates: a forged token does nothing.
    assert client.post(reverse("org:import"), {"action": "confirm", "token": "forged"}).status_code == 400
    assert not Person.objects.filter(employee_id="E-100").exists()


def test_page_rejects_a_malformed_upload(org, client_for, tmp_path, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    response = client_for(org.qm_a).post(reverse("org:import"), {"file": SimpleUploadedFile("x.csv", b"\x00\x01\x02")})
    assert response.status_code == 400 and "binary data" in response.content.decode()
    assert 'id="import-confirm"' not in response.content.decode()


# --- API ----------------------------------------------------------------------------------------------


def _upload(content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return {"file": SimpleUploadedFile("org.csv", content, "text/csv")}


def test_api_dry_run_then_apply(org, client_for):
    client = client_for(org.qm_a)
    url = reverse("org-import")
    dry = client.post(url + "?dry_run=true", _upload(csv_bytes(*GOOD)))
    assert dry.status_code == 200
    body = dry.json()
    assert body["dry_run"] and not body["applied"] and body["people_created"] == 2 and body["errors"] == []
    assert not Person.objects.filter(employee_id="E-100").exists()
    applied = client.post(url, {**_upload(csv_bytes(*GOOD)), "dry_run": "false"})
    assert applied.status_code == 200 and applied.json()["applied"]
    assert Person.objects.filter(employee_id="E-100").exists()


def test_api_rejects_a_file_with_errors_with_the_report(org, client_for):
    response = client_for(org.qm_a).post(reverse("org-import"), _upload(MIXED))
    assert response.status_code == 400
    body = response.json()
    assert body["applied"] is False and body["errors"][0]["line"] == 5
    assert body["errors"][0]["column"] == "site_code"
    assert not Person.objects.filter(employee_id="E-100").exists()


def test_api_permissions(org, client_for):
    url = reverse("org-import")
    assert client_for(org.emp_a).post(url, _upload(csv_bytes(*GOOD))).status_code == 403
    assert client_for(org.nosite).post(url, _upload(csv_bytes(*GOOD))).status_code == 403
    from django.test import Client

    assert Client().post(url, _upload(csv_bytes(*GOOD))).status_code in (401, 403)
    _token, raw = api_token_create(person=org.qm_a, name="HR read", read_only=True)
    response = Client().post(url, _upload(csv_bytes(*GOOD)), HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 403
    _token, raw = api_token_create(person=org.qm_a, name="HR sync", read_only=False)
    response = Client().post(url + "?dry_run=true", _upload(csv_bytes(*GOOD)), HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 200


def test_api_validates_its_parameters(org, client_for):
    client = client_for(org.qm_a)
    url = reverse("org-import")
    assert client.post(url, {}).status_code == 400
    assert client.post(url + "?dry_run=maybe", _upload(csv_bytes(*GOOD))).status_code == 400
    assert not Person.objects.filter(employee_id="E-100").exists()


def test_api_schema_describes_a_multipart_upload(org, client_for):
    response = client_for(org.admin).get(reverse("api-schema"), {"format": "json"})
    schema = json.loads(response.content)
    operation = schema["paths"]["/api/v1/org/import/"]["post"]
    body = operation["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert body["properties"]["file"]["format"] == "binary"
    assert {"200", "400", "403"} <= set(operation["responses"])


def test_membership_already_ended_in_the_past_needs_a_start_date(org):
    past = (timezone.localdate() - datetime.timedelta(days=10)).isoformat()
    report = run(csv_bytes(f"E-300,h.i,Hal,Ito,,,,SITEA,QA,employee,,{past}"))
    assert report.errors and "give valid_from" in report.errors[0].message

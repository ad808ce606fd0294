"""Company standard import: upload → preview → confirm on the page, the same rules through the API; every bad row
is named with its line and nothing is written unless every row is valid."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from ims.audit.models import AuditEvent
from processes.imports import StandardFields, standard_import
from processes.models import Clause, Standard, StandardKind

pytestmark = pytest.mark.django_db

API = "/api/v1/processes/standards/import/"
GOOD_CSV = (
    "number,title,summary,parent\n"
    "1,Scope,Which sites and products the standard covers.,\n"
    "2,Supplier qualification,Suppliers of GMP materials are audited before use.,\n"
    "2.1,Audit frequency,Critical suppliers are audited every two years.,2\n"
    "2.2,Quality agreements,A quality agreement is signed before the first delivery.,2\n"
)


def fields(**extra) -> StandardFields:
    values = {"code": "CS-QA-01", "edition": "2026", "title": "Corporate supplier standard", "kind": "company"}
    return StandardFields(**{**values, **extra})


def counts() -> tuple[int, int]:
    return Standard.objects.count(), Clause.objects.count()


def run(content: str | bytes, *, dry_run: bool = False, filename: str = "standard.csv", **extra):
    raw = content.encode() if isinstance(content, str) else content
    return standard_import(
        actor=None, content=raw, fields=fields(**extra), dry_run=dry_run, source="test", filename=filename
    )


def problems(report) -> list[tuple[int | None, str, str]]:
    return [(issue.line, issue.column, issue.message) for issue in report.errors]


def test_a_csv_creates_the_standard_with_its_clause_tree():
    report = run(GOOD_CSV)
    assert report.applied and not report.errors
    standard = Standard.objects.get(code="CS-QA-01", edition="2026")
    assert standard.kind == StandardKind.COMPANY and standard.title == "Corporate supplier standard"
    clauses = {clause.number: clause for clause in standard.clauses.all()}
    assert list(clauses) == ["1", "2", "2.1", "2.2"]
    assert clauses["2.1"].parent == clauses["2"] and clauses["1"].parent is None
    assert [c.position for c in clauses.values()] == [1, 2, 3, 4]
    assert clauses["2.2"].summary.startswith("A quality agreement")


def test_a_dry_run_says_what_would_be_created_and_writes_nothing():
    before = counts()
    report = run(GOOD_CSV, dry_run=True)
    assert report.accepted and not report.applied
    assert [change.action for change in report.changes] == ["create standard"] + ["add clause"] * 4
    assert [change.line for change in report.changes[1:]] == [2, 3, 4, 5]
    assert counts() == before


def test_json_with_the_standard_named_in_the_file_and_the_line_of_each_clause():
    document = {
        "code": "LR-CH-01",
        "edition": "2025",
        "title": "Cantonal waste ordinance",
        "clauses": [
            {"number": "1", "title": "Waste register"},
            {"number": "1.1", "title": "Retention", "parent": "1", "summary": "Ten years."},
        ],
    }
    text = json.dumps(document, indent=2)
    report = standard_import(
        actor=None,
        content=text.encode(),
        fields=StandardFields(kind="regulation"),
        dry_run=False,
        source="test",
        filename="ordinance.json",
    )
    assert report.applied, problems(report)
    standard = Standard.objects.get(code="LR-CH-01")
    assert standard.kind == StandardKind.REGULATION
    assert standard.clauses.get(number="1.1").parent.number == "1"
    assert [change.line for change in report.changes[1:]] == [6, 10]  # where each clause object starts


def test_every_bad_row_is_reported_with_its_line_and_nothing_is_written():
    before = counts()
    content = (
        "number,title,summary,parent\n"
        "1,Scope,,\n"
        "1,Scope again,,\n"  # line 3: number reused
        "2.1,Orphan,,2\n"  # line 4: parent unknown
        ",No number,,\n"  # line 5
        "3,,,\n"  # line 6: no title
        "4.1,Child first,,4\n"  # line 7: parent later in the file
        "4,Parent,,\n"
    )
    report = run(content)
    assert not report.applied and counts() == before
    found = problems(report)
    assert (3, "number", "Clause 1 is already on line 2: a number is used once.") in found
    assert any(line == 4 and column == "parent" and "neither a clause earlier" in msg for line, column, msg in found)
    assert any(line == 5 and column == "number" for line, column, _ in found)
    assert any(line == 6 and column == "title" for line, column, _ in found)
    assert any(line == 7 and "comes later, on line 8" in msg for line, _, msg in found)
    assert report.invalid_rows == 5


def test_a_number_the_edition_holds_already_is_refused_and_a_new_edition_is_a_new_standard():
    assert run(GOOD_CSV).applied
    before = counts()
    again = run("number,title,parent\n3,Returns,\n2.3,Complaints,2\n2,Suppliers again,\n")
    assert not again.applied and counts() == before
    assert any(line == 4 and "already has a clause 2" in msg for line, _, msg in problems(again))
    more = run("number,title,parent\n3,Returns,\n2.3,Complaints,2\n")  # a parent the standard holds
    assert more.applied, problems(more)
    standard = Standard.objects.get(code="CS-QA-01", edition="2026")
    assert standard.clauses.get(number="2.3").parent.number == "2"
    assert standard.clauses.get(number="3").position == 5
    assert run(GOOD_CSV, edition="2027").applied
    assert Standard.objects.filter(code="CS-QA-01").count() == 2


@pytest.mark.parametrize(
    ("content", "filename", "message"),
    [
        ("", "a.csv", "The file is empty."),
        (b"\xff\xfen\x00u\x00", "a.csv", "UTF-16"),
        ('number,title\n"1,Scope\n', "a.csv", "malformed"),
        ("title,summary\nScope,x\n", "a.csv", "Required column(s) missing: number"),
        ('[{"number": "1", "title": "Scope"},', "a.json", "The JSON is malformed on line 1"),
        ('{"clauses": 3}', "a.json", "must hold a list of clauses"),
        ("number,title\n", "a.csv", "holds no clauses"),
    ],
)
def test_a_malformed_file_is_refused_as_a_whole(content, filename, message):
    before = counts()
    report = run(content, filename=filename)
    assert report.file_error and not report.applied
    assert message in report.errors[0].message
    assert counts() == before


def test_a_file_over_the_size_limit_is_refused(settings):
    settings.IMS_STANDARD_IMPORT_MAX_BYTES = 100
    report = run(GOOD_CSV)
    assert report.file_error and "the limit is 100 bytes" in report.errors[0].message
    assert not Standard.objects.filter(code="CS-QA-01").exists()


def test_iso_standards_and_missing_fields_are_refused(org):
    Standard.objects.create(code="ISO 9001", edition="2015", title="QMS", kind=StandardKind.ISO)
    report = run(GOOD_CSV, code="ISO 9001", edition="2015", kind="company")
    assert not report.applied and any(column == "kind" for _, column, _ in problems(report))
    report = run(GOOD_CSV, code="", title="")
    assert {column for _, column, _ in problems(report)} >= {"code", "title"}
    report = run(GOOD_CSV, kind="iso")
    assert any(column == "kind" for _, column, _ in problems(report))
    assert Clause.objects.count() == 0


# --- the page ------------------------------------------------------------------------------------------------


def upload(content: str, name: str = "standard.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content.encode(), content_type="text/csv")


def form(content: str = GOOD_CSV, **extra) -> dict:
    return {"file": upload(content), "code": "CS-QA-01", "edition": "2026", "title": "Corporate supplier standard",
            "kind": "company", "disciplines": ["quality"], **extra}  # fmt: skip


def test_the_quality_manager_previews_then_confirms_on_the_page(org, client_for, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    client = client_for(org.qm_a)
    url = reverse("processes:standard_import")
    assert client.get(url).status_code == 200
    preview = client.post(url, form())
    assert preview.status_code == 200
    html = preview.content.decode()
    assert "Supplier qualification" in html and 'id="import-confirm"' in html
    assert not Standard.objects.filter(code="CS-QA-01").exists()
    token = preview.context["token"]
    done = client.post(url, {"action": "confirm", "token": token})
    standard = Standard.objects.get(code="CS-QA-01", edition="2026")
    assert done.status_code == 302 and done["Location"] == reverse("processes:standard_detail", args=[standard.pk])
    assert standard.disciplines == ["quality"] and standard.clauses.count() == 4
    event = AuditEvent.objects.filter(model_label="processes.standard", object_pk=str(standard.pk)).get()
    assert "Company standard imported" in event.reason
    detail = client.get(done["Location"]).content.decode()
    assert "Audit frequency" in detail
    # the stored upload is used once
    assert client.post(url, {"action": "confirm", "token": token}).status_code == 400
    assert Clause.objects.filter(standard=standard).count() == 4


def test_the_page_shows_every_bad_line_and_offers_no_confirmation(org, client_for, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    response = client_for(org.qm_a).post(
        reverse("processes:standard_import"), form("number,title,parent\n1,Scope,\n1,Again,\n2.1,Orphan,9\n")
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="import-confirm"' not in html
    assert "Clause 1 is already on line 2" in html and "Parent 9 is neither" in html
    assert not Standard.objects.filter(code="CS-QA-01").exists()


@pytest.mark.parametrize("who", ["emp_a", "inspector_a"])
def test_people_without_the_permission_cannot_import(org, client_for, who):
    client = client_for(getattr(org, who))
    assert client.get(reverse("processes:standard_import")).status_code == 403
    assert client.post(reverse("processes:standard_import"), form()).status_code == 403
    assert client.post(API, form()).status_code == 403
    assert not Standard.objects.filter(code="CS-QA-01").exists()


# --- the API -------------------------------------------------------------------------------------------------


def test_the_api_previews_with_dry_run_then_imports(org, client_for):
    client = client_for(org.qm_b)
    preview = client.post(API, form(dry_run="true"))
    assert preview.status_code == 200, preview.content
    body = preview.json()
    assert body["accepted"] and not body["applied"] and body["standard_created"]
    assert not Standard.objects.filter(code="CS-QA-01").exists()
    done = client.post(API, form())
    assert done.status_code == 201 and done.json()["clauses_created"] == 4
    assert Standard.objects.get(code="CS-QA-01").clauses.count() == 4


def test_the_api_refuses_a_bad_file_with_the_same_lines(org, client_for):
    response = client_for(org.admin).post(API, form("number,title,parent\n1,Scope,\n2,Child,7\n"))
    assert response.status_code == 400
    errors = response.json()["errors"]
    message = "Parent 7 is neither a clause earlier in the file nor a clause of CS-QA-01:2026."
    assert errors == [{"line": 3, "column": "parent", "message": message}]
    assert not Standard.objects.filter(code="CS-QA-01").exists()

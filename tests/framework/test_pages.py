"""Pages of the framework answer 200 for the people who may open them and show what a procedure declares."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from ims.audit.models import AuditEvent
from policies.services import CellChange, responsibilities_save
from processes import library
from tests.framework.factories import item_at, procedure_at, record_at
from tests.framework.helpers import standard_with

pytestmark = pytest.mark.django_db


@pytest.fixture
def procedure(org):
    document = procedure_at(org.site_a, number="SOP-FW-PAGE", title="Integrated nonconformity")
    _s1, c1 = standard_with(["10.2"], code="CS-Q")
    _s2, c2 = standard_with(["10.2"], code="CS-E")
    for clause in (c1["10.2"], c2["10.2"]):
        library.document_clause_add(actor=None, document=document, clause=clause, note="Section 3")
    record_at(org.site_a, document=document, name="Nonconformity report")
    changes = [CellChange(document.pk, org.roles["quality_manager"].pk, "A"),
               CellChange(document.pk, org.roles["process_owner"].pk, "R")]  # fmt: skip
    responsibilities_save(actor=None, changes=changes, reason="Roles of the procedure")
    return document


def csv_of(response) -> list[dict]:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


@pytest.mark.parametrize(
    "name",
    ["framework:procedure_list", "framework:matrix", "framework:monitoring_plan", "framework:procedurerecord_list"],
)
def test_the_pages_open_for_an_employee_and_a_quality_manager(org, client_for, procedure, name):
    item_at(org.site_a)
    for person in (org.emp_a, org.qm_a, org.admin):
        assert client_for(person).get(reverse(name)).status_code == 200, (name, person)


def test_the_procedure_list_shows_standards_clauses_records_and_raci(org, client_for, procedure):
    html = client_for(org.qm_a).get(reverse("framework:procedure_list")).content.decode()
    assert "SOP-FW-PAGE" in html and "CS-E, CS-Q" in html
    assert "A: Quality Manager; R: Process Owner" in html or "R: Process Owner" in html
    export = client_for(org.qm_a).get(reverse("framework:procedure_list"), {"export": "csv"})
    rows = csv_of(export)
    row = next(r for r in rows if r["number"] == "SOP-FW-PAGE")
    assert (row["clause_count"], row["records_count"]) == ("2", "1")


def test_the_procedure_page_shows_its_declarations(org, client_for, procedure):
    client = client_for(org.qm_a)
    response = client.get(reverse("framework:procedure_detail", args=[procedure.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-standard="CS-Q:1"' in html and 'data-standard="CS-E:1"' in html
    assert "Nonconformity report" in html and "Quality Manager" in html
    assert reverse("processes:document_clauses", args=[procedure.pk]) in html
    assert reverse("framework:procedurerecord_add") + f"?document={procedure.pk}" in html
    employee = client_for(org.emp_a).get(reverse("framework:procedure_detail", args=[procedure.pk])).content.decode()
    assert 'id="record-add"' not in employee and 'id="edit-clause-links"' not in employee
    assert client_for(org.qm_b).get(reverse("framework:procedure_detail", args=[procedure.pk])).status_code == 404


def test_a_record_is_added_and_retired_from_the_procedure_page(org, client_for, procedure):
    client = client_for(org.qm_a)
    add = reverse("framework:procedurerecord_add") + f"?document={procedure.pk}"
    assert client.get(add).status_code == 200
    response = client.post(add, {"document": procedure.pk, "name": "Effectiveness check", "retention": "10 years",
                                 "location": "Portal"})  # fmt: skip
    assert response.status_code == 302
    record = procedure.produced_records.get(name="Effectiveness check")
    retire = reverse("framework:procedurerecord_retire", args=[record.pk])
    assert client.post(retire, {}).status_code == 400  # no reason: nothing changes
    record.refresh_from_db()
    assert record.is_active
    assert client.post(retire, {"change_reason": "Merged into the CAPA record"}).status_code == 302
    record.refresh_from_db()
    assert not record.is_active
    assert AuditEvent.objects.for_record(record).latest("id").reason == "Merged into the CAPA record"


def test_the_monitoring_plan_filters_and_exports(org, client_for):
    a, b = item_at(org.site_a, measure="Yield"), item_at(org.site_a, measure="Right first time")
    client = client_for(org.qm_a)
    url = reverse("framework:monitoring_plan")
    html = client.get(url, {"process": a.process_id}).content.decode()
    assert "Yield" in html and "Right first time" not in html
    html = client.get(url, {"site": org.site_a.pk, "frequency": "monthly"}).content.decode()
    assert "Yield" in html and "Right first time" in html
    export = client.get(url, {"export": "csv", "process": b.process_id})
    rows = csv_of(export)
    assert [r["measure"] for r in rows] == ["Right first time"]


def test_the_search_boxes_find_only_visible_processes_and_procedures(org, client_for, procedure):
    mine, theirs = item_at(org.site_a).process, item_at(org.site_b).process
    client = client_for(org.qm_a)
    found = client.get(reverse("web:lookup", args=["framework-process"]), {"q": "Process"}).content.decode()
    assert mine.code in found and theirs.code not in found
    found = client.get(reverse("web:lookup", args=["framework-procedure"]), {"q": "SOP-FW"}).content.decode()
    assert "SOP-FW-PAGE" in found

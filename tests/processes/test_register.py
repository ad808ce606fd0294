"""The process register through its pages and services: create, edit, retire, interactions, filters, detail."""

from __future__ import annotations

import itertools
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from ims.access.permissions import user_can
from ims.audit.models import AuditEvent
from ims.documents.choices import DocumentType, VersionStatus
from ims.documents.models import DocumentVersion
from ims.org.choices import RoleCode
from ims.testing.factories import PersonFactory
from processes import register
from processes.bpmn import blank_bpmn
from processes.models import Clause, MapDiagram, Process, ProcessInteraction, ProcessType, Standard
from tests.documents.factories import document_at
from tests.policies.factories import ObjectiveFactory, ObjectiveReadingFactory

pytestmark = pytest.mark.django_db
REASON = {"change_reason": "Scope widened after the management review"}
_numbers = itertools.count(1)


def make(org, site=None, **extra) -> Process:
    site = site or org.site_a
    number = next(_numbers)
    data = {
        "code": f"T-{number}",
        "name": f"Test process {number}",
        "process_type": ProcessType.CORE,
        "owner": org.qm_a if site == org.site_a else org.qm_b,
        "sites": [site],
        **extra,
    }
    return register.process_create(actor=None, **data)


@pytest.fixture
def clauses(db) -> dict[str, Clause]:
    iso9001 = Standard.objects.create(code="ISO 9001", edition="2015", title="QMS", kind="iso")
    iso14001 = Standard.objects.create(code="ISO 14001", edition="2015", title="EMS", kind="iso")
    return {
        "9001/9.3": Clause.objects.create(standard=iso9001, number="9.3", title="Management review", position=1),
        "9001/10.2": Clause.objects.create(standard=iso9001, number="10.2", title="Corrective action", position=2),
        "14001/6.1.2": Clause.objects.create(standard=iso14001, number="6.1.2", title="Aspects", position=1),
    }


def form(org, **extra) -> dict:
    return {
        "code": "qa-capa",
        "name": "CAPA",
        "process_type": ProcessType.MANAGEMENT,
        "owner": org.qm_a.pk,
        "sites": [org.site_a.pk],
        "functions": [org.qa.pk],
        "suppliers": "Production\nQC",
        "inputs": "Deviations\nComplaints\nAudit findings",
        "outputs": "Corrective actions",
        "customers": "Process owners",
        **extra,
    }


# --- Create, edit, retire through the pages ---------------------------------------------------------------------


def test_a_quality_manager_registers_a_process_with_its_sipoc(org, client_for, clauses):
    client = client_for(org.qm_a)
    page = client.get(reverse("processes:process_create"))
    assert page.status_code == 200
    assert '<optgroup label="ISO 14001:2015">' in page.content.decode()  # clauses grouped by standard
    response = client.post(
        reverse("processes:process_create"),
        form(org, clauses=[clauses["9001/10.2"].pk, clauses["14001/6.1.2"].pk]),
    )
    assert response.status_code == 302, response.context["form"].errors
    process = Process.objects.get(code="QA-CAPA")  # the code is kept in capitals
    assert response["Location"] == process.get_absolute_url()
    assert list(process.sites.all()) == [org.site_a]
    assert set(process.clauses.all()) == {clauses["9001/10.2"], clauses["14001/6.1.2"]}
    html = client.get(process.get_absolute_url()).content.decode()
    # SIPOC as four columns: row 1 = first supplier, first input, the output, the customer.
    assert "<td>Production</td><td>Deviations</td><td>Corrective actions</td><td>Process owners</td>" in html
    assert "<td>QC</td><td>Complaints</td><td></td><td></td>" in html
    assert "ISO 9001:2015" in html and "ISO 14001:2015" in html and "Corrective action" in html
    assert AuditEvent.objects.for_record(process).filter(action="I").exists()


def test_the_form_offers_only_the_sites_where_the_user_may_add_and_refuses_the_others(org, client_for):
    client = client_for(org.qm_a)
    page = client.get(reverse("processes:process_create"))
    assert list(page.context["form"].fields["sites"].queryset) == [org.site_a]
    response = client.post(reverse("processes:process_create"), form(org, sites=[org.site_b.pk]))
    assert response.status_code == 400
    assert "sites" in response.context["form"].errors
    assert not Process.objects.exists()


def test_the_service_refuses_a_site_without_the_add_permission(org):
    with pytest.raises(PermissionDenied, match="SITEB"):
        register.process_create(
            actor=org.qm_a, code="X-1", name="X", process_type=ProcessType.CORE, owner=org.qm_a,
            sites=[org.site_a, org.site_b],
        )  # fmt: skip
    assert not Process.objects.exists()


#: Every role reads the register of its sites; quality managers and compliance officers keep it (ims.org.roles).
KEEPERS = {RoleCode.QUALITY_MANAGER, RoleCode.COMPLIANCE_OFFICER}


@pytest.mark.parametrize("role", [r for r in RoleCode if r != RoleCode.GLOBAL_ADMIN])
def test_every_role_reads_the_register_of_its_site_and_only_quality_roles_keep_it(org, client_for, role):
    process = make(org)
    person = PersonFactory(site=org.site_a, site__role=role)
    client = client_for(person)
    assert client.get(process.get_absolute_url()).status_code == 200
    assert client.get(reverse("processes:landscape")).context["svg"].count('class="lsc-box"') == 1
    keeps = role in KEEPERS
    assert client.get(reverse("processes:process_create")).status_code == (200 if keeps else 403)
    assert client.get(reverse("processes:process_edit", args=[process.pk])).status_code == (200 if keeps else 403)
    assert user_can(person, "delete", process) is keeps


def test_employees_and_inspectors_may_not_register_processes(org, client_for):
    for person in (org.emp_a, org.inspector_a):
        client = client_for(person)
        assert client.get(reverse("processes:process_create")).status_code == 403
        assert client.post(reverse("processes:process_create"), form(org)).status_code == 403
    assert not Process.objects.exists()


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"code": "T 1"}, "code", "capital letters"),
        ({"sites": []}, "sites", "required"),
        ({"name": ""}, "name", "required"),
        ({"process_type": "value"}, "process_type", "valid choice"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message_and_nothing_is_saved(org, client_for, change, field, message):
    response = client_for(org.qm_a).post(reverse("processes:process_create"), form(org, **change))
    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field])
    assert not Process.objects.exists()


def test_a_code_is_used_once_even_by_a_retired_process(org, client_for):
    retired = make(org, code="QA-CAPA")
    register.process_retire(actor=None, process=retired)
    response = client_for(org.qm_a).post(reverse("processes:process_create"), form(org, code="qa-capa"))
    assert response.status_code == 400
    assert "already used" in " ".join(response.context["form"].errors["code"])
    assert Process.objects.count() == 1


def test_the_map_must_be_a_process_map_document(org):
    procedure = document_at(org.site_a)
    with pytest.raises(ValidationError) as refused:
        make(org, map_document=procedure)
    assert "not a process map" in str(refused.value.message_dict["map_document"])


def test_an_edit_needs_a_reason_and_keeps_it_in_the_audit_trail(org, client_for):
    process = make(org)
    client = client_for(org.qm_a)
    url = reverse("processes:process_edit", args=[process.pk])
    data = {"name": "Renamed", "process_type": ProcessType.SUPPORT, "owner": org.qm_a.pk, "sites": [org.site_a.pk]}
    refused = client.post(url, data)
    assert refused.status_code == 400 and "change_reason" in refused.context["form"].errors
    process.refresh_from_db()
    assert process.name.startswith("Test process")
    assert client.post(url, {**data, **REASON}).status_code == 302
    process.refresh_from_db()
    assert (process.name, process.process_type) == ("Renamed", ProcessType.SUPPORT)
    event = AuditEvent.objects.for_record(process).filter(action="U").latest("id")
    assert event.reason == REASON["change_reason"]


def test_a_quality_manager_of_one_site_cannot_add_a_site_where_they_may_not_add(org):
    process = make(org)
    with pytest.raises(PermissionDenied, match="SITEB"):
        register.process_update(actor=org.qm_a, process=process, data={"sites": [org.site_a, org.site_b]})
    assert list(process.sites.all()) == [org.site_a]


def test_retiring_keeps_the_process_and_retires_its_interactions(org, client_for):
    process, other = make(org), make(org)
    link = register.interaction_create(actor=None, source=process, target=other, description="Batches")
    client = client_for(org.qm_a)
    url = reverse("processes:process_retire", args=[process.pk])
    assert client.post(url).status_code == 400  # a reason is required
    assert Process.objects.get(pk=process.pk).is_active
    assert client.post(url, REASON).status_code == 302
    process.refresh_from_db()
    link.refresh_from_db()
    assert not process.is_active and not link.is_active
    assert Process.objects.filter(pk=process.pk).exists()
    # A retired process is not changed any more: the edit page refuses it.
    response = client.post(reverse("processes:process_edit", args=[process.pk]), {"name": "x", **REASON})
    assert response.status_code == 400


# --- Interactions on the detail page ----------------------------------------------------------------------------


def test_interactions_are_added_and_retired_on_the_process_page(org, client_for):
    source, target = make(org), make(org)
    client = client_for(org.qm_a)
    add = reverse("processes:interaction_create", args=[source.pk])
    response = client.post(add, {"target": target.pk, "description": "Released batches"}, follow=True)
    assert "recorded" in response.content.decode()
    link = ProcessInteraction.objects.get(source=source, target=target)
    assert link.description == "Released batches"
    page = client.get(source.get_absolute_url()).content.decode()
    assert "Released batches" in page and target.code in page
    assert target.code in client.get(target.get_absolute_url()).content.decode()  # "receives from" on the target
    again = client.post(add, {"target": target.pk}, follow=True).content.decode()
    assert "already hands output" in again
    assert ProcessInteraction.objects.count() == 1
    retire = reverse("processes:interaction_retire", args=[link.pk])
    assert client.post(retire, REASON).status_code == 302
    link.refresh_from_db()
    assert not link.is_active
    # Recorded again later: the same row comes back, its history continuous.
    client.post(add, {"target": target.pk, "description": "Released batches and CoAs"})
    link.refresh_from_db()
    assert link.is_active and link.description == "Released batches and CoAs"


def test_a_process_cannot_hand_output_to_itself_or_to_another_sites_process(org, client_for):
    source = make(org)
    foreign = make(org, site=org.site_b)
    client = client_for(org.qm_a)
    add = reverse("processes:interaction_create", args=[source.pk])
    assert "Nothing was recorded" in client.post(add, {"target": source.pk}, follow=True).content.decode()
    assert "Nothing was recorded" in client.post(add, {"target": foreign.pk}, follow=True).content.decode()
    with pytest.raises(ValidationError, match="itself"):
        register.interaction_create(actor=org.qm_a, source=source, target=source)
    with pytest.raises(ValidationError, match="Not visible"):
        register.interaction_create(actor=org.qm_a, source=source, target=foreign)
    assert not ProcessInteraction.objects.exists()


def test_an_employee_sees_the_process_but_cannot_add_interactions(org, client_for):
    source, target = make(org), make(org)
    client = client_for(org.emp_a)
    page = client.get(source.get_absolute_url())
    assert page.status_code == 200 and page.context["interaction_form"] is None
    response = client.post(reverse("processes:interaction_create", args=[source.pk]), {"target": target.pk})
    assert response.status_code == 403
    assert not ProcessInteraction.objects.exists()


# --- Detail: KPIs, documents, map -------------------------------------------------------------------------------


def effective(version: DocumentVersion) -> DocumentVersion:
    """Walk ``version`` through review and approval to effective (the signatures are not this test's subject)."""
    rows = DocumentVersion._base_manager.filter(pk=version.pk)
    rows.update(effective_date=timezone.localdate())
    for status in (VersionStatus.IN_REVIEW, VersionStatus.APPROVED):
        rows.update(status=status)
    rows.update(status=VersionStatus.EFFECTIVE, effective_at=timezone.now())
    version.refresh_from_db()
    return version


def test_the_detail_shows_kpis_documents_and_the_effective_map(org, client_for):
    objective = ObjectiveFactory(site=org.site_a, owner=org.qm_a, title="Right first time", target=Decimal("98"))
    ObjectiveReadingFactory(objective=objective, value=Decimal("97.25"), recorded_by=org.qm_a)
    hidden = ObjectiveFactory(site=org.site_b, owner=org.qm_b, title="Boston lab KPI")
    procedure = document_at(org.site_a, title="Batch release")
    effective(procedure.versions.get())
    map_document = document_at(
        org.site_a,
        doc_type=DocumentType.PROCESS_MAP,
        title="Release map",
        body=blank_bpmn(title="Release", lanes=["QA"]),
    )
    version = effective(map_document.versions.get())
    # Saving the map's BPMN drew its diagram; marked here so the page is seen to show the stored SVG.
    MapDiagram.objects.filter(version=version).update(
        svg='<svg xmlns="http://www.w3.org/2000/svg" data-test-map="1"></svg>'
    )
    process = make(org, objectives=[objective, hidden], documents=[procedure], map_document=map_document)
    html = client_for(org.qm_a).get(process.get_absolute_url()).content.decode()
    assert "Right first time" in html and "≥ 98 %" in html and "97.25" in html
    assert "Boston lab KPI" not in html  # another site's objective stays hidden
    assert procedure.number in html and "effective: v1" in html
    assert 'data-test-map="1"' in html  # the stored, sanitised SVG


def test_the_detail_page_asks_the_same_number_of_queries_for_one_or_ten_interactions(org, client_for):
    process = make(org)
    client = client_for(org.qm_a)
    url = process.get_absolute_url()

    def count() -> int:
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    register.interaction_create(actor=None, source=process, target=make(org))
    register.interaction_create(actor=None, source=make(org), target=process)
    one = count()
    for _ in range(9):
        register.interaction_create(actor=None, source=process, target=make(org))
        register.interaction_create(actor=None, source=make(org), target=process)
    assert count() == one


# --- List filters and exports -----------------------------------------------------------------------------------


def listed(client, **params) -> set[str]:
    response = client.get(reverse("processes:process_list"), {"per_page": 100, **params})
    assert response.status_code == 200
    return {row.record.code for row in response.context["table"].paginated_rows}


def test_the_list_filters_by_type_site_owner_function_clause_standard_and_state(org, client_for, clauses):
    capa = make(org, code="CAPA", process_type=ProcessType.MANAGEMENT, functions=[org.qa],
                clauses=[clauses["9001/10.2"]])  # fmt: skip
    env = make(org, code="ENV", process_type=ProcessType.SUPPORT, owner=org.emp_a, clauses=[clauses["14001/6.1.2"]])
    prod = make(org, code="PROD", functions=[org.prod, org.qa])
    shared = make(org, code="SHARED", sites=[org.site_a, org.site_b])
    make(org, site=org.site_b, code="BOSTON")
    register.process_retire(actor=None, process=prod)
    client = client_for(org.admin)
    assert listed(client, process_type="management") == {"CAPA"}
    assert listed(client, site=org.site_b.pk) == {"SHARED", "BOSTON"}
    assert listed(client, owner=org.emp_a.pk) == {"ENV"}
    assert listed(client, function=org.qa.pk) == {"CAPA", "PROD"}
    assert listed(client, standard=clauses["14001/6.1.2"].standard_id) == {"ENV"}
    assert listed(client, clause=clauses["9001/10.2"].pk) == {"CAPA"}
    assert listed(client, is_active="false") == {"PROD"}
    assert listed(client, q="shar") == {"SHARED"}
    assert capa and env and shared


def test_the_list_exports_csv_and_xlsx_of_the_filtered_rows(org, client_for):
    from io import BytesIO

    from openpyxl import load_workbook

    make(org, code="ALPHA", process_type=ProcessType.CORE)
    make(org, code="BETA", process_type=ProcessType.SUPPORT, purpose="=cmd|' /C calc'!A0")
    client = client_for(org.qm_a)
    csv_body = b"".join(client.get(reverse("processes:process_list"), {"export": "csv"}).streaming_content)
    assert b"ALPHA" in csv_body and b"BETA" in csv_body
    response = client.get(reverse("processes:process_list"), {"export": "xlsx", "process_type": "support"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("id", "code", "name")
    assert [row[1] for row in rows[1:]] == ["BETA"]
    assert rows[1][6].startswith("'=")  # a formula-like text stays text
    assert rows[1][-2] == "SITEA"

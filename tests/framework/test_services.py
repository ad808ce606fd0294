"""Services of procedure records and the monitoring plan: rules, clear messages, nothing changed on refusal."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from ims.audit.context import audit_context
from ims.audit.models import AuditEvent
from ims.documents.choices import DocumentType
from ims.documents.services import document_retire
from manual.framework import services
from manual.framework.choices import Frequency, ReportedTo
from manual.framework.models import MonitoringPlanItem, ProcedureRecord
from policies.services import objective_create
from tests.documents.factories import document_at
from tests.framework.factories import form_at, item_at, procedure_at, process_at, record_at, role

pytestmark = pytest.mark.django_db


def test_a_quality_manager_declares_updates_and_retires_a_record(org):
    procedure, form = procedure_at(org.site_a), form_at(org.site_a)
    record = services.procedure_record_create(
        actor=org.qm_a, document=procedure, name="  CAPA record ", retention="10 years", location="Portal",
        form_document=form,
    )  # fmt: skip
    assert record.name == "CAPA record" and record.form_document == form
    with audit_context(reason="Longer retention for devices"):
        record = services.procedure_record_update(actor=org.qm_a, record=record, data={"retention": "15 years"})
    assert (
        AuditEvent.objects.for_record(record).filter(action="U").latest("id").reason == "Longer retention for devices"
    )
    record = services.procedure_record_retire(actor=org.qm_a, record=record)
    assert not record.is_active
    with pytest.raises(ValidationError, match="already retired"):
        services.procedure_record_retire(actor=org.qm_a, record=record)
    with pytest.raises(ValidationError, match="retired"):
        services.procedure_record_update(actor=org.qm_a, record=record, data={"retention": "1 year"})


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"name": ""}, "name", "required"),
        ({"retention": " "}, "retention", "required"),
        ({"form_document": "procedure"}, "form_document", "not a form"),
        ({"name": "duplicate"}, "name", "already declares"),
    ],
)
def test_bad_records_are_refused_with_a_clear_message(org, change, field, message):
    procedure = procedure_at(org.site_a)
    record_at(org.site_a, document=procedure, name="Duplicate")
    data = {"name": "Report", "retention": "5 years", "location": "Portal"}
    if "form_document" in change:
        data["form_document"] = procedure_at(org.site_a)
    else:
        data.update(change)
    before = ProcedureRecord.objects.count()
    with pytest.raises(ValidationError) as raised:
        services.procedure_record_create(actor=org.qm_a, document=procedure, **data)
    assert field in raised.value.message_dict and message in " ".join(raised.value.message_dict[field])
    assert ProcedureRecord.objects.count() == before


def test_records_belong_to_procedures_in_use_of_the_actors_sites(org):
    instruction = document_at(org.site_a, doc_type=DocumentType.WORK_INSTRUCTION)
    with pytest.raises(ValidationError, match="not a procedure"):
        services.procedure_record_create(actor=org.qm_a, document=instruction, name="X", retention="1", location="Y")
    with pytest.raises(ValidationError, match="does not exist for you"):
        services.procedure_record_create(
            actor=org.qm_a, document=procedure_at(org.site_b), name="X", retention="1", location="Y"
        )
    with pytest.raises(PermissionDenied):
        services.procedure_record_create(
            actor=org.emp_a, document=procedure_at(org.site_a), name="X", retention="1", location="Y"
        )
    retired = procedure_at(org.site_a)
    with audit_context(reason="Replaced"):
        document_retire(actor=org.qm_a, document=retired)
    with pytest.raises(ValidationError, match="retired"):
        services.procedure_record_create(actor=None, document=retired, name="X", retention="1", location="Y")


def test_a_record_stays_with_its_procedure(org):
    record = record_at(org.site_a)
    with pytest.raises(ValidationError, match="stays with its procedure"):
        services.procedure_record_update(actor=org.qm_a, record=record, data={"document": procedure_at(org.site_a)})


def _objective(site, owner, **extra):
    import datetime

    from django.utils import timezone

    return objective_create(
        actor=None, title=extra.pop("title", "Deviations closed on time"), kpi="Deviations closed within 30 days",
        unit="%", target=90, owner=owner, site=site, due_date=timezone.localdate() + datetime.timedelta(days=90),
        **extra,
    )  # fmt: skip


def test_a_monitoring_item_takes_the_kpi_of_its_objective(org):
    process = process_at(org.site_a)
    objective = _objective(org.site_a, org.qm_a)
    item = services.monitoring_item_create(
        actor=org.qm_a, process=process, objective=objective, method="Count in the CAPA register",
        frequency=Frequency.MONTHLY, responsible_role=role(), responsible_person=org.qm_a,
        reported_to=ReportedTo.SITE_QM_MEETING,
    )  # fmt: skip
    assert item.measure == objective.kpi
    with audit_context(reason="Quarterly is enough"):
        item = services.monitoring_item_update(actor=org.qm_a, item=item, data={"frequency": Frequency.QUARTERLY})
    assert item.frequency == Frequency.QUARTERLY
    assert not services.monitoring_item_retire(actor=org.qm_a, item=item).is_active


def test_bad_monitoring_items_are_refused(org):
    process = process_at(org.site_a)
    item_at(org.site_a, process=process, measure="Batch yield")
    base = {"method": "From SAP", "frequency": Frequency.MONTHLY, "responsible_role": role(),
            "reported_to": ReportedTo.MANAGEMENT_REVIEW}  # fmt: skip
    before = MonitoringPlanItem.objects.count()
    for change, field in (
        ({"measure": "batch yield"}, "measure"),
        ({"measure": "X", "frequency": "hourly"}, "frequency"),
        ({"measure": "X", "reported_to": "nobody"}, "reported_to"),
        ({"measure": "X", "method": ""}, "method"),
        ({"measure": ""}, "measure"),
        ({"measure": "X", "objective": _objective(org.site_b, org.qm_b, title="Boston KPI")}, "objective"),
    ):
        with pytest.raises(ValidationError) as raised:
            services.monitoring_item_create(actor=None, process=process, **{**base, **change})
        assert field in raised.value.message_dict, (change, raised.value)
    with pytest.raises(PermissionDenied):
        services.monitoring_item_create(actor=org.emp_a, process=process, measure="X", **base)
    with pytest.raises(ValidationError, match="does not exist for you"):
        services.monitoring_item_create(actor=org.qm_a, process=process_at(org.site_b), measure="X", **base)
    assert MonitoringPlanItem.objects.count() == before


def test_the_plan_selector_reads_by_site_and_process(org):
    from manual.framework.selectors import monitoring_plan_rows

    a1, a2, b1 = item_at(org.site_a), item_at(org.site_a), item_at(org.site_b)
    assert set(monitoring_plan_rows(user=org.admin)) == {a1, a2, b1}
    assert set(monitoring_plan_rows(user=org.admin, sites=[org.site_b])) == {b1}
    assert set(monitoring_plan_rows(user=org.qm_a)) == {a1, a2}
    assert list(monitoring_plan_rows(user=org.qm_a, process=a2.process)) == [a2]
    assert list(monitoring_plan_rows(user=org.qm_a, sites=[org.site_b])) == []
    with audit_context(reason="No longer measured"):
        services.monitoring_item_retire(actor=None, item=a1)
    assert set(monitoring_plan_rows(user=org.qm_a)) == {a2}


def test_the_scale_seed_plans_each_scale_process_once(org):
    from manual.framework.scale import ITEMS_PER_PROCESS, scale_framework_seed

    assert scale_framework_seed("small") == "no scale processes; nothing to do"
    process = process_at(org.site_a)
    type(process)._base_manager.filter(pk=process.pk).update(code="SCP-T-001")
    assert "monitoring-plan items" in scale_framework_seed("small")
    assert MonitoringPlanItem.objects.filter(process=process).count() == ITEMS_PER_PROCESS
    assert scale_framework_seed("small") == "scale monitoring plan already present; nothing changed"

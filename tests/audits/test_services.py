"""Services of internal audits: team rules (independence, qualification), scope, transitions and signatures."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from audits import services
from audits.choices import AuditStatus, FindingGrade
from audits.models import Audit, ChecklistItem, Finding
from ims.esign.models import Signature
from ims.esign.services import SignatureRefused

from .auditkit import answer_all, audit_at, auditor, clause, process_at, qualify, started

pytestmark = pytest.mark.django_db


def snapshot(audit: Audit) -> tuple:
    audit = Audit._base_manager.get(pk=audit.pk)
    return (audit.status, audit.lead_auditor_id, audit.planned_date, audit.cancel_reason, audit.updated_at)


class TestIndependence:
    @pytest.mark.req("ISO9001-9.2")
    def test_an_auditor_cannot_audit_their_own_function(self, org):
        own = auditor(org, function=org.prod, username="prod_auditor")
        audit = audit_at(org)
        before = snapshot(audit)
        with pytest.raises(ValidationError) as refused:
            services.audit_assign(actor=org.admin, audit=audit, lead_auditor=own, reason="Staffing")
        message = " ".join(refused.value.messages)
        assert "nobody audits their own function" in message and "Production" in message
        assert snapshot(audit) == before

    def test_an_auditor_in_the_auditees_function_is_refused(self, org):
        independent = auditor(org)
        colleague = auditor(org, qualified=False, function=org.qa, username="qa_colleague")
        audit = audit_at(org)
        with pytest.raises(ValidationError, match="own function"):
            services.audit_assign(
                actor=org.admin, audit=audit, lead_auditor=independent, auditees=[colleague], reason="Staffing"
            )
        assert Audit._base_manager.get(pk=audit.pk).lead_auditor_id is None

    def test_independent_and_qualified_auditor_is_assigned(self, org):
        person = auditor(org)
        audit = audit_at(org)
        services.audit_assign(actor=org.admin, audit=audit, lead_auditor=person, auditees=[org.emp_a], reason="Staff")
        audit.refresh_from_db()
        assert audit.lead_auditor == person
        assert list(audit.auditees.all()) == [org.emp_a]


class TestQualification:
    @pytest.mark.req("ISO9001-9.2", "P11-10i")
    def test_an_unqualified_auditor_is_refused_with_the_course(self, org):
        untrained = auditor(org, qualified=False)
        from .auditkit import internal_audit_course

        internal_audit_course()
        audit = audit_at(org)
        with pytest.raises(ValidationError) as refused:
            services.audit_assign(actor=org.admin, audit=audit, lead_auditor=untrained, reason="Staffing")
        assert "IA-101" in " ".join(refused.value.messages)
        assert Audit._base_manager.get(pk=audit.pk).lead_auditor_id is None

    def test_creating_an_audit_with_an_unqualified_lead_creates_nothing(self, org):
        untrained = auditor(org, qualified=False)
        count = Audit.objects.count()
        with pytest.raises(ValidationError):
            audit_at(org, lead=untrained)
        assert Audit.objects.count() == count

    def test_qualified_later_is_accepted(self, org):
        person = auditor(org, qualified=False)
        qualify(org, person)
        audit = audit_at(org, lead=person)
        assert audit.lead_auditor == person


class TestPlanning:
    def test_reschedule_and_cancel_need_a_reason(self, org):
        audit = audit_at(org)
        before = snapshot(audit)
        with pytest.raises(ValidationError, match="reason"):
            services.audit_reschedule(actor=org.admin, audit=audit, planned_date=datetime.date(2026, 12, 1), reason="")
        with pytest.raises(ValidationError, match="reason"):
            services.audit_cancel(actor=org.admin, audit=audit, reason="  ")
        assert snapshot(audit) == before

    def test_reschedule_and_cancel_with_a_reason(self, org):
        from ims.audit.models import AuditEvent

        audit = audit_at(org)
        services.audit_reschedule(
            actor=org.admin, audit=audit, planned_date=datetime.date(2026, 12, 1), reason="Auditee on leave"
        )
        audit.refresh_from_db()
        assert audit.planned_date == datetime.date(2026, 12, 1)
        assert AuditEvent.objects.for_record(audit).filter(reason="Auditee on leave").exists()
        services.audit_cancel(actor=org.admin, audit=audit, reason="Process retired")
        audit.refresh_from_db()
        assert audit.status == AuditStatus.CANCELLED and audit.cancel_reason == "Process retired"
        with pytest.raises(ValidationError):
            services.audit_reschedule(actor=org.admin, audit=audit, planned_date=datetime.date(2027, 1, 1), reason="x")

    def test_an_employee_may_not_plan(self, org):
        with pytest.raises(PermissionDenied):
            audit_at(org, actor=org.emp_a)

    def test_the_scope_is_required(self, org):
        with pytest.raises(ValidationError, match="scope"):
            services.audit_create(actor=org.admin, site=org.site_a, title="x", planned_date=datetime.date(2026, 11, 2))


class TestRunning:
    def test_start_generates_the_checklist_from_clauses_and_process_questions(self, org):
        from audits.models import ChecklistTemplate, TemplateQuestion

        template = ChecklistTemplate.objects.create(name="Default", is_default=True)
        process = process_at(org)
        TemplateQuestion.objects.create(template=template, process=process, text="Is the release SOP followed?")
        TemplateQuestion.objects.create(template=template, clause=clause("9"), text="Show the last KPI review.")
        audit, lead = started(org, process=process)
        questions = list(audit.items.order_by("position").values_list("question", flat=True))
        assert "Show evidence that AUD-STD 8.1 Operational control is met." in questions
        assert "Show the last KPI review." in questions
        assert "Is the release SOP followed?" in questions
        assert audit.status == AuditStatus.IN_PROGRESS

    def test_each_answer_is_saved_on_its_own(self, org):
        audit, lead = started(org)
        first, second = audit.items.order_by("position")[:2]
        services.item_answer(actor=lead, item=first, result="nonconforming", notes="Log missing")
        assert ChecklistItem.objects.get(pk=first.pk).result == "nonconforming"
        assert ChecklistItem.objects.get(pk=second.pk).result == ""

    def test_someone_off_the_team_cannot_answer(self, org):
        audit, lead = started(org)
        other = auditor(org, username="other_auditor")
        with pytest.raises(PermissionDenied):
            services.item_answer(actor=other, item=audit.items.first(), result="conforming")

    def test_a_finding_outside_the_scope_is_refused(self, org):
        audit, lead = started(org)
        with pytest.raises(ValidationError) as refused:
            services.finding_raise(
                actor=lead, audit=audit, grade=FindingGrade.MINOR, clause=clause("1", "AUD-OTHER"),
                statement="x", evidence_reference="y",
            )  # fmt: skip
        assert "outside the scope" in " ".join(refused.value.messages)
        assert not Finding.objects.exists()

    def test_a_finding_in_scope_has_what_capa_reads(self, org):
        audit, lead = started(org)
        process = audit.processes.get()
        finding = services.finding_raise(
            actor=lead, audit=audit, grade=FindingGrade.MAJOR, clause=clause("8.1"), process=process,
            statement="Batch released without QA review", evidence_reference="BR-2026-114",
        )  # fmt: skip
        assert finding.site_id == audit.site_id and finding.clause_id and finding.process_id == process.pk
        assert finding.grade == "major" and finding.reference == f"{audit.reference}-F01" and finding.audit == audit

    def test_raise_capa_through_the_kernel_registry(self, org, monkeypatch):
        from ims.actions import registry

        calls = []

        def create(**kwargs):
            calls.append(kwargs)
            return registry.ActionRef(kind="capa", reference="CAPA-TEST-1")

        monkeypatch.setitem(registry._kinds, "capa", registry.ActionKind("capa", "CAPA", create, lambda r: f"/c/{r}"))
        audit, lead = started(org)
        finding = services.finding_raise(
            actor=lead, audit=audit, grade=FindingGrade.MINOR, clause=clause("9"), statement="KPI not reviewed",
            evidence_reference="MR minutes",
        )  # fmt: skip
        finding = services.finding_raise_capa(actor=org.qm_a, finding=finding, owner=org.qm_a)
        assert (finding.action_kind, finding.action_ref) == ("capa", "CAPA-TEST-1")
        assert calls[0]["source"].pk == finding.pk and calls[0]["site"] == audit.site
        assert registry.action_url(finding.action_kind, finding.action_ref) == "/c/CAPA-TEST-1"
        with pytest.raises(ValidationError, match="already"):
            services.finding_raise_capa(actor=org.qm_a, finding=finding)

    def test_without_the_capa_app_a_tracked_action_is_raised(self, org, monkeypatch):
        from ims.actions import registry

        monkeypatch.delitem(registry._kinds, "capa", raising=False)
        audit, lead = started(org)
        finding = services.finding_raise(
            actor=lead, audit=audit, grade=FindingGrade.MAJOR, clause=clause("9"), statement="No review",
            evidence_reference="MR minutes",
        )  # fmt: skip
        finding = services.finding_raise_capa(actor=org.qm_a, finding=finding, owner=org.qm_a)
        assert finding.action_kind == "action" and finding.action_ref


class TestReport:
    def test_authored_acknowledged_approved(self, org):
        from tests.processes.gapkit import certify

        audit, lead = started(org)
        certify(org, org.emp_a, org.qm_a)
        answer_all(audit, lead)
        services.audit_complete(actor=lead, audit=audit, password=org.password, username=lead.username, summary="OK")
        audit.refresh_from_db()
        assert audit.status == AuditStatus.COMPLETED and len(audit.report_digest) == 64
        with pytest.raises(PermissionDenied):
            services.audit_acknowledge(actor=org.qm_a, audit=audit, password=org.password, username="qm_a")
        services.audit_acknowledge(actor=org.emp_a, audit=audit, password=org.password, username=org.emp_a.username)
        with pytest.raises(PermissionDenied, match="segregation"):
            services.audit_approve(actor=lead, audit=audit, password=org.password, username=lead.username)
        services.audit_approve(actor=org.qm_a, audit=audit, password=org.password, username=org.qm_a.username)
        audit.refresh_from_db()
        assert audit.status == AuditStatus.APPROVED and audit.approved_by == org.qm_a
        meanings = sorted(Signature.objects.for_record(audit).values_list("meaning", flat=True))
        assert meanings == ["acknowledged", "approved", "authored"]
        from ims.esign.selectors import manifestations_for

        # The three signatures bind the same report (its digest): none reads "changed since signing".
        assert not any(m.record_changed for m in manifestations_for(audit, viewer=org.qm_a))

    def test_unanswered_questions_block_completion_and_nothing_is_signed(self, org):

        audit, lead = started(org)
        with pytest.raises(ValidationError, match="not checked"):
            services.audit_complete(actor=lead, audit=audit, password=org.password, username=lead.username)
        assert not Signature.objects.for_record(audit).exists()
        assert Audit.objects.get(pk=audit.pk).status == AuditStatus.IN_PROGRESS

    def test_the_lead_must_still_be_qualified_when_signing(self, org):
        from training.models import TrainingRecord

        audit, lead = started(org)
        answer_all(audit, lead)
        TrainingRecord._base_manager.filter(person=lead).update(valid_until=datetime.date(2000, 1, 1))
        with pytest.raises(SignatureRefused) as refused:
            services.audit_complete(actor=lead, audit=audit, password=org.password, username=lead.username)
        assert refused.value.code == "training_required"
        assert Audit.objects.get(pk=audit.pk).status == AuditStatus.IN_PROGRESS

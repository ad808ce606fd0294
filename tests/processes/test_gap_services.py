"""Gap assessment services: creation (set-based, SoA-aware, from a previous one), results, refusals, digest,
actions through the kernel registry, completion and the approval signature."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ims.actions.models import Action
from ims.audit.models import AuditEvent
from ims.esign.canonical import record_hash
from ims.esign.models import Signature
from ims.esign.services import SignatureRefused
from processes import applicability, gaps
from processes.models import (
    AssessmentStatus,
    Clause,
    ClauseResult,
    GapAssessment,
    ResultStatus,
    StatementStatus,
)

from .gapkit import answer_all, assessment_at, certify, clause, small_standards

pytestmark = pytest.mark.django_db


@pytest.fixture
def standards():
    return small_standards()


def test_one_result_per_site_and_leaf_clause_of_the_chosen_standards(org, standards):
    a, b = standards
    assessment = assessment_at(org, [org.site_a, org.site_b], [a, b])
    assert assessment.reference.startswith("GA-2026-")
    assert assessment.status == AssessmentStatus.DRAFT
    numbers = sorted(assessment.results.filter(site=org.site_a).values_list("clause__number", flat=True))
    assert numbers == ["1", "2", "4.1", "4.2", "5.1", "5.2", "6"]  # the headings §4 and §5 get none
    assert assessment.results.count() == 14
    assert not assessment.results.exclude(status="").exists()


def test_creation_runs_the_same_queries_for_few_or_many_clauses(org, standards):
    a, b = standards

    def queries(standards_chosen):
        with CaptureQueriesContext(connection) as captured:
            assessment_at(org, [org.site_a], standards_chosen)
        return len(captured)

    queries([b])  # warm the per-process caches (content types, permissions)
    few = queries([b])
    for n in range(60):
        Clause.objects.create(standard=a, number=f"9.{n}", title=f"More {n}", position=100 + n)
    many = queries([a])
    assert ClauseResult.objects.filter(clause__standard=a).count() >= 65
    assert many == few


def test_creation_needs_the_right_at_every_site_of_a_campaign(org, standards):
    with pytest.raises(PermissionDenied, match="SITEB"):
        assessment_at(org, [org.site_a, org.site_b], list(standards), actor=org.qm_a)
    assert not ClauseResult.objects.exists()


def test_bad_creation_input_is_refused_with_messages(org, standards):
    with pytest.raises(ValidationError) as refused:
        gaps.assessment_create(
            actor=org.admin,
            title=" ",
            sites=[],
            standards=[],
            lead_assessor=org.qm_a,
            planned_start=datetime.date(2026, 5, 2),
            planned_end=datetime.date(2026, 5, 1),
        )
    assert set(refused.value.message_dict) == {"title", "sites", "standards", "planned_end"}


def test_clauses_excluded_by_the_approved_statement_come_pre_filled_not_applicable(org, standards):
    a, b = standards
    certify(org, org.qm_a)
    statement = applicability.statement_draft_create(actor=org.qm_a, site=org.site_a, standards=[a, b])
    entry = statement.entries.get(clause=clause(b, "2"))
    applicability.entry_update(actor=org.qm_a, entry=entry, applicable=False, justification="No design at Basel")
    applicability.statement_approve(actor=org.qm_a, statement=statement, password=org.password, username="qm_a")
    assessment = assessment_at(org, [org.site_a, org.site_b], [a, b])
    excluded = assessment.results.get(site=org.site_a, clause=clause(b, "2"))
    assert (excluded.status, excluded.justification) == (ResultStatus.NOT_APPLICABLE, "No design at Basel")
    assert assessment.results.get(site=org.site_b, clause=clause(b, "2")).status == ""


def test_start_from_a_previous_assessment_copies_its_answers_and_evidence(org, standards):
    a, b = standards
    first = assessment_at(org, [org.site_a], [a], start=True)
    answer_all(first, org.qm_a)
    partial = first.results.get(clause=clause(a, "4.1"))
    gaps.result_record(
        actor=org.qm_a,
        result=partial,
        data={"status": ResultStatus.PARTIAL, "finding": "Issues list two years old", "evidence_records": "MR-2025"},
    )
    na = first.results.get(clause=clause(a, "6"))
    gaps.result_record(
        actor=org.qm_a, result=na, data={"status": ResultStatus.NOT_APPLICABLE, "justification": "Outsourced"}
    )
    gaps.assessment_complete(actor=org.admin, assessment=first)
    second = assessment_at(org, [org.site_a], [a, b], based_on=first)
    copied = second.results.get(clause=clause(a, "4.1"))
    assert (copied.status, copied.finding, copied.evidence_records) == (
        ResultStatus.PARTIAL,
        "Issues list two years old",
        "MR-2025",
    )
    assert second.results.get(clause=clause(a, "6")).justification == "Outsourced"
    assert second.results.get(clause=clause(b, "1")).status == ""  # a standard the first did not cover
    assert second.based_on == first


def test_results_are_recorded_only_while_in_progress(org, standards):
    a, _ = standards
    assessment = assessment_at(org, [org.site_a], [a])
    result = assessment.results.first()
    with pytest.raises(ValidationError, match="in progress"):
        gaps.result_record(actor=org.qm_a, result=result, data={"status": ResultStatus.GAP})
    gaps.assessment_start(actor=org.qm_a, assessment=assessment)
    answer_all(assessment, org.qm_a)
    gaps.assessment_complete(actor=org.qm_a, assessment=assessment)
    with pytest.raises(ValidationError, match="completed"):
        gaps.result_record(actor=org.qm_a, result=result, data={"status": ResultStatus.GAP})
    result.refresh_from_db()
    assert result.status == ResultStatus.CONFORMING


def test_not_applicable_without_justification_is_refused_and_changes_nothing(org, standards):
    a, _ = standards
    assessment = assessment_at(org, [org.site_a], [a], start=True)
    result = assessment.results.first()
    with pytest.raises(ValidationError) as refused:
        gaps.result_record(
            actor=org.qm_a, result=result, data={"status": ResultStatus.NOT_APPLICABLE, "justification": "  "}
        )
    assert "justification" in refused.value.message_dict
    result.refresh_from_db()
    assert result.status == ""


def test_a_clause_of_a_standard_not_in_the_assessment_is_refused(org, standards):
    a, b = standards
    assessment = assessment_at(org, [org.site_a], [a], start=True)

    def state():
        """The assessment's row and standards, every result of the database, and the audit trail's length."""
        row = GapAssessment.objects.values().get(pk=assessment.pk)
        standards_chosen = sorted(assessment.standards.values_list("pk", flat=True))
        results = list(ClauseResult.objects.order_by("pk").values())
        return row, standards_chosen, results, AuditEvent.objects.count()

    before = state()
    with pytest.raises(ValidationError, match="does not cover"):
        gaps.result_record(
            actor=org.qm_a,
            assessment=assessment,
            site=org.site_a,
            clause=clause(b, "1"),
            data={"status": ResultStatus.CONFORMING},
        )
    assert state() == before  # no result written for the other standard's clause, the assessment unchanged
    assert not ClauseResult.objects.filter(clause__standard=b).exists()
    result = gaps.result_record(
        actor=org.qm_a, assessment=assessment, site=org.site_a, clause=clause(a, "6"), data={"status": "gap"}
    )
    assert result.status == ResultStatus.GAP


def test_another_sites_person_cannot_record_results(org, standards):
    a, _ = standards
    assessment = assessment_at(org, [org.site_a], [a], start=True)
    with pytest.raises(PermissionDenied):
        gaps.result_record(actor=org.qm_b, result=assessment.results.first(), data={"status": "gap"})
    with pytest.raises(PermissionDenied):
        gaps.result_record(actor=org.emp_a, result=assessment.results.first(), data={"status": "gap"})


def test_completing_with_unanswered_clauses_is_refused_with_the_count(org, standards):
    a, _ = standards
    assessment = assessment_at(org, [org.site_a], [a], start=True)
    gaps.result_record(actor=org.qm_a, result=assessment.results.first(), data={"status": "conforming"})
    with pytest.raises(ValidationError, match="4 clause results are still unanswered"):
        gaps.assessment_complete(actor=org.qm_a, assessment=assessment)
    assessment.refresh_from_db()
    assert (assessment.status, assessment.results_digest) == (AssessmentStatus.IN_PROGRESS, "")


def test_the_digest_is_stable_and_changes_with_a_result(org, standards):
    a, _ = standards
    assessment = assessment_at(org, [org.site_a], [a], start=True)
    answer_all(assessment, org.qm_a)
    first = gaps.results_digest(assessment)
    assert first == gaps.results_digest(assessment) and len(first) == 64
    gaps.result_record(actor=org.qm_a, result=assessment.results.first(), data={"finding": "Seen MR minutes"})
    assert gaps.results_digest(assessment) != first
    completed = gaps.assessment_complete(actor=org.qm_a, assessment=assessment)
    assert completed.results_digest == gaps.results_digest(assessment)


def test_an_action_is_raised_through_the_registry_for_a_gap_only(org, standards):
    a, _ = standards
    assessment = assessment_at(org, [org.site_a], [a], start=True)
    conforming, gap = list(assessment.results.all()[:2])
    gaps.result_record(actor=org.qm_a, result=conforming, data={"status": "conforming"})
    with pytest.raises(ValidationError, match="gap or a partial"):
        gaps.result_raise_action(actor=org.qm_a, result=conforming)
    gaps.result_record(
        actor=org.qm_a,
        result=gap,
        data={
            "status": "gap",
            "finding": "No issues register",
            "owner": org.qm_a,
            "due_date": datetime.date(2027, 1, 31),
        },
    )
    raised = gaps.result_raise_action(actor=org.qm_a, result=gap)
    action = Action.objects.get(reference=raised.action_ref)
    assert raised.action_kind == "action"
    assert (action.site, action.owner, action.due_date, action.description) == (
        org.site_a,
        org.qm_a,
        datetime.date(2027, 1, 31),
        "No issues register",
    )
    assert action.source_id == str(gap.pk) and action.source_type.model == "clauseresult"
    with pytest.raises(ValidationError, match="already raised"):
        gaps.result_raise_action(actor=org.qm_a, result=gap)
    with pytest.raises(ValidationError, match="not a kind"):
        other = assessment.results.exclude(pk__in=[conforming.pk, gap.pk]).first()
        gaps.result_record(actor=org.qm_a, result=other, data={"status": "partial"})
        gaps.result_raise_action(actor=org.qm_a, result=other, kind="no-such-kind")


@pytest.fixture
def completed(org, standards):
    a, _ = standards
    assessment = assessment_at(org, [org.site_a], [a], start=True, lead=org.qm_a)
    answer_all(assessment, org.qm_a)
    return gaps.assessment_complete(actor=org.qm_a, assessment=assessment)


def test_approval_is_signed_over_the_digest_by_someone_other_than_the_lead(org, completed):
    certify(org, org.qm_a, org.admin)
    with pytest.raises(PermissionDenied, match="lead assessor"):
        gaps.assessment_approve(actor=org.qm_a, assessment=completed, password=org.password, username="qm_a")
    with pytest.raises(PermissionDenied):
        gaps.assessment_approve(actor=org.emp_a, assessment=completed, password=org.password, username="emp_a")
    with pytest.raises(SignatureRefused):
        gaps.assessment_approve(actor=org.admin, assessment=completed, password="wrong", username="global_admin")
    completed.refresh_from_db()
    assert completed.status == AssessmentStatus.COMPLETED
    signature = gaps.assessment_approve(
        actor=org.admin, assessment=completed, password=org.password, username="global_admin", reason="Reviewed"
    )
    completed.refresh_from_db()
    assert completed.status == AssessmentStatus.APPROVED and completed.approved_by == org.admin
    assert signature.meaning == "approved" and signature.signer == org.admin
    assert Signature.objects.filter(pk=signature.pk).count() == 1
    assert signature.record_hash == record_hash(completed)  # reference, title, results digest, completion time
    completed.results_digest = "0" * 64
    assert record_hash(completed) != signature.record_hash
    completed.refresh_from_db()
    with pytest.raises(ValidationError):
        gaps.assessment_approve(actor=org.admin, assessment=completed, password=org.password, username="global_admin")


def test_approval_is_refused_when_the_results_changed_after_completion(org, completed, owner_cursor):
    certify(org, org.admin)
    result = completed.results.first()
    ClauseResult.objects.filter(pk=result.pk).update(finding="changed behind the workflow's back")
    with pytest.raises(ValidationError, match="no longer match"):
        gaps.assessment_approve(actor=org.admin, assessment=completed, password=org.password, username="global_admin")
    completed.refresh_from_db()
    assert completed.status == AssessmentStatus.COMPLETED


def test_transitions_are_audited_with_a_reason(org, completed):
    events = AuditEvent.objects.for_record(completed).filter(action="U")
    assert any("completed" in (event.reason or "") for event in events)


def test_statement_versions_supersede_and_exclusions_need_a_justification(org, standards):
    a, b = standards
    certify(org, org.qm_a)
    first = applicability.statement_draft_create(actor=org.qm_a, site=org.site_a, standards=[a])
    assert first.entries.count() == 5
    entry = first.entries.first()
    with pytest.raises(ValidationError, match="justification"):
        applicability.entry_update(actor=org.qm_a, entry=entry, applicable=False, justification="")
    applicability.entry_update(actor=org.qm_a, entry=entry, applicable=False, justification="Not relevant")
    with pytest.raises(ValidationError, match="draft"):
        applicability.statement_draft_create(actor=org.qm_a, site=org.site_a)
    applicability.statement_approve(actor=org.qm_a, statement=first, password=org.password, username="qm_a")
    first.refresh_from_db()
    assert first.status == StatementStatus.APPROVED and len(first.entries_digest) == 64
    with pytest.raises(ValidationError, match="draft"):
        applicability.entry_update(actor=org.qm_a, entry=entry, applicable=True)
    second = applicability.statement_draft_create(actor=org.qm_a, site=org.site_a, change_summary="Review 2027")
    assert second.number == 2
    assert second.entries.get(clause=entry.clause).justification == "Not relevant"
    applicability.statement_approve(actor=org.qm_a, statement=second, password=org.password, username="qm_a")
    first.refresh_from_db()
    assert first.status == StatementStatus.SUPERSEDED and first.superseded_at is not None
    with pytest.raises(PermissionDenied):
        applicability.statement_draft_create(actor=org.qm_b, site=org.site_a, standards=[b])


def test_a_statement_takes_the_not_applicable_results_of_an_assessment(org, standards):
    a, _ = standards
    assessment = assessment_at(org, [org.site_a], [a], start=True)
    answer_all(assessment, org.qm_a, status=ResultStatus.NOT_APPLICABLE)
    gaps.assessment_complete(actor=org.qm_a, assessment=assessment)
    statement = applicability.statement_draft_create(actor=org.qm_a, site=org.site_a, source_assessment=assessment)
    assert set(statement.entries.values_list("applicable", "justification")) == {(False, "Not done here")}


def test_the_sites_and_standards_of_an_assessment_are_in_the_audit_trail(org, standards):
    a, b = standards
    assessment = assessment_at(org, [org.site_a], [a, b])
    tables = set(
        AuditEvent.objects.filter(table_name__in=["processes_gapassessment_sites", "processes_gapassessment_standards"])
        .filter(action="I")
        .values_list("table_name", flat=True)
    )
    assert tables == {"processes_gapassessment_sites", "processes_gapassessment_standards"}
    assert assessment.results.count() == 7

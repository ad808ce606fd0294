"""CAPA services: every transition (valid and refused, nothing changed, audit events), the signatures with
segregation of duties, the closure gate, action owners' site access, the action kind "capa"."""

from __future__ import annotations

import datetime
from types import SimpleNamespace

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from capa import services
from capa.choices import ActionKind, ActionStatus, CapaSource, CapaState, CheckCriterion, RiskBand
from capa.models import Capa, CapaAction
from ims.actions.registry import action_raise, action_url
from ims.audit.models import AuditEvent
from ims.esign.models import Signature
from ims.esign.services import SignatureRefused
from ims.testing.kit import snapshot
from tests.processes.gapkit import assessment_at, small_standards

from .capakit import TODAY, approved, capa_at, certify, implemented, investigated, planned

pytestmark = pytest.mark.django_db


def events(capa) -> list[str]:
    return list(
        AuditEvent.objects.filter(table_name="capa_capa", object_pk=str(capa.pk))
        .order_by("pk")
        .values_list("reason", flat=True)
    )


def signatures() -> int:
    return Signature.objects.filter(content_type__app_label="capa").count()


def test_a_capa_opens_with_its_risk_scored_and_an_audit_event(org):
    capa = capa_at(org)
    assert capa.reference == f"CAPA-{capa.pk:06d}"
    assert capa.state == CapaState.OPEN
    assert (capa.risk_score, capa.risk_band) == (12, RiskBand.MEDIUM)
    assert "CAPA opened" in events(capa)
    high = capa_at(org, severity=5, occurrence=3)
    assert high.risk_band == RiskBand.HIGH


def test_bad_input_is_refused_with_messages_and_nothing_is_created(org):
    with pytest.raises(ValidationError) as refused:
        services.capa_create(actor=org.qm_a, site=org.site_a, title=" ", source="rumour", owner=org.emp_a)
    assert set(refused.value.message_dict) == {"title", "source"}
    with pytest.raises(ValidationError, match="Rate from 1 to 5"):
        capa_at(org, severity=9)
    with pytest.raises(ValidationError, match="no access to site SITEA"):
        capa_at(org, owner=org.emp_b)
    assert not Capa.objects.exists()


def test_an_employee_may_not_open_a_capa(org):
    with pytest.raises(PermissionDenied):
        capa_at(org, actor=org.emp_a)
    assert not Capa.objects.exists()


def test_the_workflow_from_open_to_implementation_with_the_plan_signed(org):
    """(Closure with the second signature: tests/capa/test_effectiveness.py.)"""
    capa = investigated(org, capa_at(org))
    assert capa.state == CapaState.INVESTIGATION
    assert capa.whys[0] == "Alarm ignored" and len(capa.whys) == 4
    assert capa.fishbone == {"machine": ["Speaker removed"], "method": ["No alarm check", "No escalation"]}
    capa = approved(org, planned(org, capa))
    assert capa.state == CapaState.PLAN_APPROVED and capa.plan_approved_by == org.qm_a
    assert len(capa.plan_digest) == 64
    capa = implemented(org, capa)
    assert capa.state == CapaState.IMPLEMENTATION
    assert set(capa.actions.values_list("status", flat=True)) == {ActionStatus.DONE}
    reasons = events(capa)
    for step in ("CAPA opened", "Investigation started", "Root-cause analysis recorded",
                 "Action plan approved with an electronic signature", "Implementation started"):  # fmt: skip
        assert step in reasons
    with pytest.raises(ValidationError, match="clause or process"):  # no recurrence needs one of them
        services.capa_effectiveness_plan(
            actor=org.qm_a, capa=capa, criterion=CheckCriterion.NO_RECURRENCE, months=3, window_start=TODAY
        )


def test_every_invalid_transition_is_refused_and_changes_nothing(org):
    capa = capa_at(org)
    certify(org, org.qm_a)
    refusals = [
        lambda: services.capa_rca_record(actor=org.qm_a, capa=capa, root_cause="x"),
        lambda: services.capa_implement(actor=org.qm_a, capa=capa),
        lambda: services.capa_plan_approve(actor=org.qm_a, capa=capa, password=org.password, username="qm_a"),
        lambda: services.capa_effectiveness_plan(
            actor=org.qm_a, capa=capa, criterion=CheckCriterion.KPI, due_date=TODAY
        ),
        lambda: services.capa_close(actor=org.qm_a, capa=capa, password=org.password, username="qm_a"),
        lambda: services.capa_reopen(actor=org.qm_a, capa=capa, to_state=CapaState.INVESTIGATION, reason="x"),
    ]
    before = snapshot(capa)
    for refuse in refusals:
        with pytest.raises(services.CapaRefused, match="The CAPA is open; it cannot be"):
            refuse()
    assert snapshot(capa) == before
    assert not signatures()
    investigated(org, capa)
    with pytest.raises(services.CapaRefused, match="investigation; it cannot be taken into investigation"):
        services.capa_investigate(actor=org.qm_a, capa=capa)


def test_the_plan_needs_a_root_cause_and_a_corrective_action(org):
    capa = services.capa_investigate(actor=org.qm_a, capa=capa_at(org))
    certify(org, org.qm_a)
    with pytest.raises(services.CapaRefused, match="record the root cause.*corrective or preventive"):
        services.capa_plan_approve(actor=org.qm_a, capa=capa, password=org.password, username="qm_a")
    capa.refresh_from_db()
    assert capa.state == CapaState.INVESTIGATION and not signatures()


def test_the_owner_cannot_approve_their_own_plan(org):
    capa = planned(org, investigated(org, capa_at(org, owner=org.qm_a)))
    certify(org, org.qm_a)
    with pytest.raises(PermissionDenied, match="segregation of duties"):
        services.capa_plan_approve(actor=org.qm_a, capa=capa, password=org.password, username="qm_a")
    capa.refresh_from_db()
    assert capa.state == CapaState.INVESTIGATION and not signatures()


def test_an_employee_cannot_approve_and_a_wrong_password_signs_nothing(org):
    capa = planned(org, investigated(org, capa_at(org)))
    certify(org, org.qm_a, org.emp_a)
    with pytest.raises(PermissionDenied):
        services.capa_plan_approve(actor=org.emp_b, capa=capa, password=org.password, username="emp_b")
    with pytest.raises(SignatureRefused):
        services.capa_plan_approve(actor=org.qm_a, capa=capa, password="wrong", username="qm_a")
    capa.refresh_from_db()
    assert capa.state == CapaState.INVESTIGATION and not signatures()


def test_an_action_owner_needs_access_to_the_site(org):
    capa = investigated(org, capa_at(org))
    for stranger in (org.emp_b, org.nosite):
        with pytest.raises(ValidationError, match="has no access to site SITEA"):
            services.capa_action_add(
                actor=org.qm_a, capa=capa, kind=ActionKind.CORRECTIVE, title="Fix", owner=stranger, due_date=TODAY
            )
    assert not CapaAction.objects.exists()


def test_an_action_is_done_with_evidence_by_its_owner_only(org):
    capa = implemented(org, approved(org, planned(org, investigated(org, capa_at(org)))))
    extra = services.capa_action_add(
        actor=org.qm_a, capa=capa, kind=ActionKind.PREVENTIVE, title="Audit other rooms", owner=org.qm_a,
        due_date=TODAY,
    )  # fmt: skip
    with pytest.raises(PermissionDenied):
        services.capa_action_complete(actor=org.emp_a, action=extra, evidence_note="done")
    with pytest.raises(ValidationError, match="Give the evidence"):
        services.capa_action_complete(actor=org.qm_a, action=extra, evidence_note="  ")
    extra.refresh_from_db()
    assert extra.status == ActionStatus.OPEN
    done = services.capa_action_complete(actor=org.qm_a, action=extra, evidence_note="Checked rooms 1-5")
    assert done.status == ActionStatus.DONE and done.done_by == org.qm_a
    with pytest.raises(services.CapaRefused, match="already done"):
        services.capa_action_complete(actor=org.qm_a, action=extra, evidence_note="again")


def test_closure_is_refused_while_an_action_is_open_or_the_check_has_not_passed(org):
    capa = implemented(org, approved(org, planned(org, investigated(org, capa_at(org)))))
    capa.clause_id = None
    services.capa_update(actor=org.qm_a, capa=capa, changes={"containment": "Quarantine the batch"})
    from policies.services import objective_create

    objective = objective_create(
        actor=org.admin, title="Excursions", kpi="Excursions per month", owner=org.qm_a, site=org.site_a,
        due_date=TODAY + datetime.timedelta(days=365), target=1, direction="lower",
    )  # fmt: skip
    services.capa_effectiveness_plan(
        actor=org.qm_a, capa=capa, criterion=CheckCriterion.KPI, objective=objective, window_start=TODAY,
        due_date=TODAY + datetime.timedelta(days=30),
    )  # fmt: skip
    CapaAction._base_manager.create(
        capa=capa, kind=ActionKind.PREVENTIVE, title="Late idea", owner=org.emp_a, due_date=TODAY
    )
    certify(org, org.qm_b, org.qm_a)
    capa.refresh_from_db()
    before = snapshot(capa)
    with pytest.raises(services.CapaRefused, match=r"cannot be closed: 1 action\(s\) not done \(Late idea\); its eff"):
        services.capa_close(actor=org.qm_a, capa=capa, password=org.password, username="qm_a")
    assert snapshot(capa) == before
    assert signatures() == 1  # the plan's approval only


def test_reopening_needs_a_reason_and_goes_back(org):
    capa = implemented(org, approved(org, planned(org, investigated(org, capa_at(org)))))
    with pytest.raises(ValidationError, match="Say why"):
        services.capa_reopen(actor=org.qm_a, capa=capa, to_state=CapaState.INVESTIGATION, reason=" ")
    with pytest.raises(ValidationError, match="investigation or implementation"):
        services.capa_reopen(actor=org.qm_a, capa=capa, to_state=CapaState.CLOSED, reason="x")
    with pytest.raises(PermissionDenied):
        services.capa_reopen(actor=org.emp_a, capa=capa, to_state=CapaState.INVESTIGATION, reason="x")
    capa = services.capa_reopen(
        actor=org.qm_a, capa=capa, to_state=CapaState.INVESTIGATION, reason="Root cause was wrong"
    )
    assert capa.state == CapaState.INVESTIGATION and capa.reopen_count == 1
    assert "Reopened: Root cause was wrong" in events(capa)


def test_action_raise_capa_from_a_gap_result_opens_a_capa_with_its_clause(org):
    a, _b = small_standards()
    assessment = assessment_at(org, [org.site_a], [a], start=True)
    result = assessment.results.select_related("clause").first()
    ref = action_raise(
        "capa", actor=org.qm_a, source=result, title="Close the gap", description="Missing", owner=org.emp_a,
        due_date=TODAY, site=org.site_a,
    )  # fmt: skip
    capa = Capa.objects.get(reference=ref.reference)
    assert ref.kind == "capa" and ref.url == capa.get_absolute_url() == action_url("capa", ref.reference)
    assert capa.source == CapaSource.GAP_RESULT
    assert capa.clause_id == result.clause_id and capa.process_id is None
    assert capa.source_id == str(result.pk) and capa.source_type.model == "clauseresult"


def test_action_raise_capa_from_an_audit_finding_copies_its_clause_and_process(org):
    """The source is recognised by its label and attributes only (capa imports no audits code): a record that
    answers to "audits.finding" with a site, clause, process, grade and reference."""
    from processes.models import Process
    from tests.processes.test_overlap import process_at

    a, _b = small_standards()
    result = assessment_at(org, [org.site_a], [a], start=True).results.select_related("clause").first()
    process = process_at(org.site_a, org.qm_a, "PR-1", [result.clause])
    finding = SimpleNamespace(
        _meta=SimpleNamespace(label_lower="audits.finding"), pk=7, site_id=org.site_a.pk,
        clause_id=result.clause_id, process_id=process.pk, reference="F-2026-007", grade="major",
    )  # fmt: skip
    ref = action_raise(
        "capa", actor=org.qm_a, source=finding, title="Major finding", owner=org.emp_a, due_date=TODAY,
        site=org.site_a,
    )  # fmt: skip
    capa = Capa.objects.get(reference=ref.reference)
    assert capa.source == CapaSource.AUDIT_FINDING and capa.source_label == "F-2026-007 (major)"
    assert (capa.clause_id, capa.process_id) == (result.clause_id, process.pk)
    assert (capa.source_type.app_label, capa.source_type.model, capa.source_id) == ("audits", "finding", "7")
    assert Process.objects.filter(pk=capa.process_id).exists()


def test_a_process_owner_opens_a_capa_and_as_its_owner_plans_actions_but_does_not_approve(org):
    from ims.org import services as org_services
    from ims.org.choices import RoleCode

    po = org_services.person_create(username="po_a", employee_id="PO_A", first_name="Po", last_name="A")
    org_services.membership_create(
        person=po, site=org.site_a, function=org.prod, role=org.roles[RoleCode.PROCESS_OWNER]
    )
    capa = capa_at(org, actor=po, owner=po)
    capa = services.capa_investigate(actor=po, capa=capa)
    action = services.capa_action_add(
        actor=po, capa=capa, kind=ActionKind.CORRECTIVE, title="Fix", owner=org.emp_a, due_date=TODAY
    )
    assert action.capa == capa
    other = capa_at(org)  # owned by someone else: a process owner plans no actions there
    with pytest.raises(PermissionDenied):
        services.capa_action_add(actor=po, capa=other, kind=ActionKind.CORRECTIVE, title="X", owner=po, due_date=TODAY)
    with pytest.raises(PermissionDenied):
        services.capa_investigate(actor=po, capa=other)

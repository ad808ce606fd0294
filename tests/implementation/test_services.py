"""Rollout plan services: one active plan per site, phases, task dependencies, manual criteria, waiver and gate."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from implementation import services
from implementation.choices import PlanStatus, TaskStatus
from implementation.models import GoLiveGate, RolloutPlan, Waiver
from implementation.selectors import plan_readiness
from ims.esign.models import Signature

from .factories import certify, plan_for

pytestmark = pytest.mark.django_db


def test_plan_has_six_default_phases_and_only_one_active_per_site(org):
    plan = plan_for(org.site_a)
    assert [p.step for p in plan.phases.order_by("position")] == [1, 2, 3, 4, 5, 6]
    with pytest.raises(ValidationError):
        plan_for(org.site_a, title="Second")
    assert RolloutPlan.objects.filter(site=org.site_a).count() == 1


def test_plan_with_default_criteria_holds_every_registered_one(org):
    plan = plan_for(org.site_a, criteria=True)
    keys = set(plan.criteria.values_list("key", flat=True))
    assert {"policy_acknowledged", "processes_mapped", "gaps_assessed", "training_compliance",
            "manual_annex_effective", "first_audit_done"} <= keys  # fmt: skip
    readiness = plan_readiness(plan)
    assert len(readiness.states) == len(keys)
    assert all(not s.value.passed for s in readiness.states)  # an empty site is not ready


def test_site_b_qm_cannot_change_site_a_plan(org):
    plan = plan_for(org.site_a)
    with pytest.raises(PermissionDenied):
        services.plan_update(actor=org.qm_b, plan=plan, data={"title": "Hijacked"})
    plan.refresh_from_db()
    assert plan.title == "IMS rollout SITEA"


def test_phases_are_added_renamed_and_reordered(org):
    plan = plan_for(org.site_a)
    extra = services.phase_save(actor=org.qm_a, plan=plan, name="Hypercare")
    first = plan.phases.order_by("position").first()
    services.phase_save(actor=org.qm_a, plan=plan, phase=first, name="Policy & objectives", step=1)
    order = list(plan.phases.order_by("-position").values_list("pk", flat=True))
    services.phases_reorder(actor=org.qm_a, plan=plan, order=order)
    assert list(plan.phases.order_by("position").values_list("pk", flat=True)) == order
    assert plan.phases.order_by("position").first() == extra
    with pytest.raises(ValidationError):
        services.phases_reorder(actor=org.qm_a, plan=plan, order=order[:-1])


def test_task_dependencies_stay_in_the_plan_and_never_cycle(org):
    plan = plan_for(org.site_a)
    phase = plan.phases.first()
    a = services.task_save(actor=org.qm_a, plan=plan, data={"title": "A", "phase": phase})
    b = services.task_save(actor=org.qm_a, plan=plan, data={"title": "B", "phase": phase, "depends_on": [a]})
    with pytest.raises(ValidationError):
        services.task_save(actor=org.qm_a, plan=plan, task=a, data={"depends_on": [b]})
    other = plan_for(org.site_b)
    foreign = services.task_save(actor=None, plan=other, data={"title": "X", "phase": other.phases.first()})
    with pytest.raises(ValidationError):
        services.task_save(actor=org.qm_a, plan=plan, task=b, data={"depends_on": [foreign]})
    with pytest.raises(ValidationError):  # B waits for A
        services.task_save(actor=org.qm_a, plan=plan, task=b, data={"status": TaskStatus.DONE})
    services.task_save(actor=org.qm_a, plan=plan, task=a, data={"status": TaskStatus.DONE})
    b = services.task_save(actor=org.qm_a, plan=plan, task=b, data={"status": TaskStatus.DONE})
    assert b.completed_on is not None
    services.task_save(actor=org.qm_a, plan=plan, task=b, data={"depends_on": []})
    assert not b.depends_on.exists()
    plan.refresh_from_db()
    assert plan.status == PlanStatus.IN_PROGRESS


def test_manual_criterion_needs_evidence_to_be_met(org):
    plan = plan_for(org.site_a)
    criterion = services.criterion_add(actor=org.qm_a, plan=plan, description="Site kick-off held")
    with pytest.raises(ValidationError):
        services.criterion_update(actor=org.qm_a, criterion=criterion, data={"met": True})
    criterion = services.criterion_update(
        actor=org.qm_a, criterion=criterion, data={"met": True, "evidence": "Minutes KO-2026-01"}
    )
    assert criterion.met and criterion.met_by == org.qm_a and criterion.met_at
    assert plan_readiness(plan).states[0].value.passed


def _plan_with_failing_mandatory(org):
    plan = plan_for(org.site_a)
    criterion = services.criterion_add(actor=org.qm_a, plan=plan, description="Emergency drill done", step=5)
    return plan, criterion


def test_gate_refused_while_a_mandatory_criterion_fails_and_nothing_changes(org):
    certify(org, org.qm_a)
    plan, _criterion = _plan_with_failing_mandatory(org)
    signatures = Signature.objects.count()
    with pytest.raises(ValidationError) as refused:
        services.go_live_sign(actor=org.qm_a, plan=plan, password=org.password, username="qm_a", session={})
    assert "Emergency drill done" in " ".join(refused.value.messages)
    plan.refresh_from_db()
    assert plan.status == PlanStatus.PLANNED and plan.live_since is None
    assert not GoLiveGate.objects.exists()
    assert Signature.objects.count() == signatures


def test_only_the_site_qm_signs_the_gate(org):
    certify(org, org.qm_b, org.admin)
    plan = plan_for(org.site_a)
    for person in (org.qm_b, org.admin, org.emp_a):
        with pytest.raises(PermissionDenied):
            services.go_live_sign(actor=person, plan=plan, password=org.password, username=person.username,
                                  session={})  # fmt: skip
    assert not GoLiveGate.objects.exists()


def test_waiver_signed_by_global_admin_lets_the_gate_pass(org):
    certify(org, org.qm_a, org.admin)
    plan, criterion = _plan_with_failing_mandatory(org)
    with pytest.raises(PermissionDenied):  # a site QM may not waive
        services.waiver_sign(actor=org.qm_a, criterion=criterion, justification="Drill in Q3", password=org.password,
                             username="qm_a", session={})  # fmt: skip
    with pytest.raises(ValidationError):
        services.waiver_sign(actor=org.admin, criterion=criterion, justification=" ", password=org.password,
                             username="global_admin", session={})  # fmt: skip
    assert not Waiver.objects.exists()
    services.waiver_sign(actor=org.admin, criterion=criterion, justification="Drill booked for 2026-09; fire "
                         "brigade sign-off in hand.", password=org.password, username="global_admin",
                         session={})  # fmt: skip
    waiver = Waiver.objects.get()
    assert waiver.signed_by == org.admin
    signature = services.go_live_sign(actor=org.qm_a, plan=plan, password=org.password, username="qm_a", session={})
    plan.refresh_from_db()
    assert plan.status == PlanStatus.LIVE and plan.live_since == datetime.date.today() or plan.live_since
    gate = GoLiveGate.objects.get(plan=plan)
    assert signature.object_pk == str(gate.pk) and gate.signed_by == org.qm_a
    assert gate.readiness[0]["waived"] is True and gate.readiness[0]["passed"] is False


def test_wrong_password_signs_nothing(org):
    certify(org, org.qm_a)
    plan = plan_for(org.site_a)
    from ims.esign.services import SignatureRefused

    with pytest.raises(SignatureRefused):
        services.go_live_sign(actor=org.qm_a, plan=plan, password="wrong", username="qm_a", session={})
    plan.refresh_from_db()
    assert plan.status == PlanStatus.PLANNED and not GoLiveGate.objects.exists()


def test_changes_are_in_the_audit_trail_with_their_reason(org):
    from ims.audit.context import audit_context
    from ims.testing.kit import reason_of_last_change

    plan = plan_for(org.site_a)
    with audit_context(reason="Go-live moved after the site audit"):
        services.plan_update(actor=org.qm_a, plan=plan, data={"target_go_live": datetime.date(2027, 9, 30)})
    assert reason_of_last_change(plan) == "Go-live moved after the site audit"

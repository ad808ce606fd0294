"""Effectiveness checks: a measurable criterion or a refusal; KPI readings against the objective's target (pass,
fail); no recurrence on the same clause and process (pass, fail); a failure reopens the CAPA; the daily task is
idempotent; the quality manager then verifies and closes with a signature."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from capa import services, tasks
from capa.choices import CapaState, CheckCriterion, CheckStatus
from capa.models import Capa, CapaAction, EffectivenessCheck
from ims.audit.models import AuditEvent
from ims.esign.models import Signature
from ims.testing.kit import snapshot
from policies.services import objective_create, reading_record
from processes.models import Clause, Standard

from .capakit import TODAY, approved, capa_at, certify, implemented, investigated, planned

pytestmark = pytest.mark.django_db


@pytest.fixture
def objective(org):
    return objective_create(
        actor=org.admin, title="Cold-room excursions", kpi="Excursions per month", owner=org.qm_a, site=org.site_a,
        due_date=TODAY + datetime.timedelta(days=365), target=Decimal("1"), direction="lower",
    )  # fmt: skip


@pytest.fixture
def clause(db):
    standard = Standard.objects.create(code="TST-EFF", edition="2026", title="Test", kind="iso")
    return Clause.objects.create(standard=standard, number="8.5", title="Production", position=1)


def implementing(org, **extra):
    return implemented(org, approved(org, planned(org, investigated(org, capa_at(org, **extra)))))


def kpi_check(org, capa, objective):
    return services.capa_effectiveness_plan(
        actor=org.qm_a, capa=capa, criterion=CheckCriterion.KPI, objective=objective, window_start=TODAY,
        due_date=TODAY + datetime.timedelta(days=30),
    )  # fmt: skip


def test_a_check_without_a_criterion_is_refused_and_nothing_changes(org, objective):
    capa = implementing(org)
    before = snapshot(capa)
    for criterion in ("", "gut_feeling"):
        with pytest.raises(ValidationError, match="needs a measurable criterion"):
            services.capa_effectiveness_plan(actor=org.qm_a, capa=capa, criterion=criterion, due_date=TODAY)
    with pytest.raises(ValidationError, match="Choose the objective"):
        services.capa_effectiveness_plan(actor=org.qm_a, capa=capa, criterion=CheckCriterion.KPI, due_date=TODAY)
    with pytest.raises(ValidationError, match="how many months"):
        services.capa_effectiveness_plan(actor=org.qm_a, capa=capa, criterion=CheckCriterion.NO_RECURRENCE)
    assert snapshot(capa) == before and not EffectivenessCheck.objects.exists()


def test_a_kpi_reading_meeting_its_target_passes_and_the_qm_closes_with_a_signature(org, objective):
    capa = implementing(org)
    check = kpi_check(org, capa, objective)
    capa.refresh_from_db()
    assert capa.state == CapaState.EFFECTIVENESS_CHECK
    reading_record(actor=org.admin, objective=objective, period_end=TODAY + datetime.timedelta(days=20), value=0)
    assert services.checks_due(on=TODAY + datetime.timedelta(days=29)) == 0  # not due yet
    evaluated = services.checks_due(on=TODAY + datetime.timedelta(days=30))
    assert evaluated == 1 and services.checks_due(on=TODAY + datetime.timedelta(days=31)) == 0  # idempotent
    assert tasks.effectiveness_checks_evaluate.run() == 0  # the beat task: nothing left pending
    check.refresh_from_db()
    assert check.status == CheckStatus.PASSED and check.measured_value == 0
    assert "Excursions per month = 0" in check.measured_text
    capa.refresh_from_db()
    assert capa.state == CapaState.EFFECTIVENESS_CHECK
    certify(org, org.qm_a)
    services.capa_close(actor=org.qm_a, capa=capa, password=org.password, username="qm_a", reason="Verified")
    capa.refresh_from_db()
    assert capa.state == CapaState.CLOSED and capa.closed_by == org.qm_a
    meanings = set(
        Signature.objects.filter(content_type__app_label="capa", object_pk=str(capa.pk)).values_list(
            "meaning", flat=True
        )
    )
    assert meanings == {"approved", "verified"}


def test_a_kpi_reading_missing_its_target_fails_and_reopens_the_capa(org, objective):
    capa = implementing(org)
    check = kpi_check(org, capa, objective)
    reading_record(actor=org.admin, objective=objective, period_end=TODAY + datetime.timedelta(days=10), value=0)
    reading_record(actor=org.admin, objective=objective, period_end=TODAY + datetime.timedelta(days=25), value=3)
    assert services.checks_due(on=TODAY + datetime.timedelta(days=30)) == 1
    check.refresh_from_db()
    assert check.status == CheckStatus.FAILED and check.measured_value == 3
    capa.refresh_from_db()
    assert capa.state == CapaState.INVESTIGATION and capa.reopen_count == 1
    reasons = list(
        AuditEvent.objects.filter(table_name="capa_capa", object_pk=str(capa.pk)).values_list("reason", flat=True)
    )
    assert any(r.startswith("Reopened: the effectiveness check failed") for r in reasons)
    with pytest.raises(services.CapaRefused):
        services.capa_close(actor=org.qm_a, capa=capa, password=org.password, username="qm_a")


def test_no_reading_in_the_window_fails(org, objective):
    capa = implementing(org)
    check = kpi_check(org, capa, objective)
    reading_record(actor=org.admin, objective=objective, period_end=TODAY - datetime.timedelta(days=5), value=0)
    services.checks_due(on=TODAY + datetime.timedelta(days=40))
    check.refresh_from_db()
    assert check.status == CheckStatus.FAILED and "No reading" in check.measured_text


def test_no_recurrence_on_the_same_clause_and_process_passes_a_recurrence_fails(org, clause, monkeypatch):
    import audits.selectors

    calls = []

    def recurrences(**kwargs):
        calls.append(kwargs)
        return recurrences.count

    recurrences.count = 0
    monkeypatch.setattr(audits.selectors, "finding_recurrences", recurrences)
    capa = implementing(org, clause=clause)
    check = services.capa_effectiveness_plan(
        actor=org.qm_a, capa=capa, criterion=CheckCriterion.NO_RECURRENCE, months=3, window_start=TODAY
    )
    assert check.due_date == datetime.date(2027, 2, 2)
    assert services.checks_due(on=check.due_date) == 1
    check.refresh_from_db()
    assert check.status == CheckStatus.PASSED and check.measured_value == 0
    assert calls[0] == {
        "site_id": org.site_a.pk, "clause_id": clause.pk, "process_id": None, "since": TODAY,
        "until": check.due_date, "exclude_finding_ids": (),
    }  # fmt: skip
    other = implementing(org, clause=clause)
    failing = services.capa_effectiveness_plan(
        actor=org.qm_a, capa=other, criterion=CheckCriterion.NO_RECURRENCE, months=3, window_start=TODAY
    )
    recurrences.count = 2
    services.checks_due(on=failing.due_date)
    failing.refresh_from_db()
    other.refresh_from_db()
    assert failing.status == CheckStatus.FAILED and failing.measured_value == 2
    assert other.state == CapaState.INVESTIGATION


def test_the_real_recurrence_selector_counts_nothing_without_findings(org, clause):
    capa = implementing(org, clause=clause)
    check = services.capa_effectiveness_plan(
        actor=org.qm_a, capa=capa, criterion=CheckCriterion.NO_RECURRENCE, months=1, window_start=TODAY
    )
    services.checks_due(on=check.due_date)
    check.refresh_from_db()
    assert check.status == CheckStatus.PASSED


def test_each_signature_binds_its_stage_approval_not_flagged_by_the_work_done_closure_by_a_later_change(org, objective):
    """The approval binds the root cause and the plan; doing the work does not mark it "changed since signing".
    The closure binds the actions as done and the check's result: a later change to evidence shows on it."""
    from ims.esign.selectors import manifestations_for

    capa = implementing(org)
    kpi_check(org, capa, objective)
    reading_record(actor=org.admin, objective=objective, period_end=TODAY + datetime.timedelta(days=20), value=0)
    services.checks_due(on=TODAY + datetime.timedelta(days=30))
    certify(org, org.qm_a)
    services.capa_close(actor=org.qm_a, capa=capa, password=org.password, username="qm_a", reason="Verified")
    capa.refresh_from_db()
    assert len(capa.closure_digest) == 64 and capa.closure_digest == services.closure_digest(capa)
    shown = {m.meaning: m.record_changed for m in manifestations_for(capa, viewer=org.qm_a)}
    assert shown == {"approved": False, "verified": False}

    CapaAction.objects.filter(capa=capa).update(evidence_note="Rewritten after closure")
    capa.closure_digest = services.closure_digest(capa)  # as a tamperer recomputing the digest would
    Capa.objects.filter(pk=capa.pk).update(closure_digest=capa.closure_digest)
    shown = {m.meaning: m.record_changed for m in manifestations_for(capa, viewer=org.qm_a)}
    assert shown == {"approved": False, "verified": True}

"""Register services: scoring rules, validation (nothing saved), permissions and audit rows with a reason."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from ims.audit.context import audit_context
from ims.audit.models import AuditEvent
from manual.risks import obligations, scoring, services
from manual.risks.choices import Band, EntryKind, EvaluationResult
from manual.risks.models import Control, RiskEntry

from .factories import entry_at, entry_data, in_days, obligation_at, owner_at, process_at

pytestmark = pytest.mark.django_db


def test_ohs_matrix_scores_and_bands(org):
    entry = entry_at(org.site_a)
    assert (entry.inherent_score, entry.residual_score) == (12, 8)
    assert (entry.inherent_band, entry.residual_band) == (Band.MEDIUM, Band.MEDIUM)
    assert entry.reference == f"OH-{org.site_a.code}-001"
    assert entry.discipline == "ohs"


def test_quality_rpn_uses_detectability(org):
    entry = entry_at(org.site_a, EntryKind.QUALITY_RISK)
    assert entry.inherent_score == 4 * 3 * 3
    assert entry.residual_score == 4 * 2 * 2


def test_environmental_aspect_significance(org):
    aspect = entry_at(org.site_a, EntryKind.ENVIRONMENTAL_ASPECT)
    assert aspect.is_significant
    low = entry_at(org.site_a, EntryKind.ENVIRONMENTAL_ASPECT, inherent_severity=1, inherent_likelihood=2,
                   residual_severity=1, residual_likelihood=1)  # fmt: skip
    assert not low.is_significant


def test_score_outside_scale_is_refused(org):
    with pytest.raises(ValidationError) as error:
        services.entry_create(actor=org.qm_a, **entry_data(org.site_a, inherent_severity=6))
    assert "outside the severity scale of 1 to 5" in str(error.value.message_dict["inherent_severity"])
    assert not RiskEntry.objects.exists()


def test_rpn_needs_detectability(org):
    data = entry_data(org.site_a, EntryKind.QUALITY_RISK, inherent_detectability=None)
    with pytest.raises(ValidationError) as error:
        services.entry_create(actor=None, **data)
    assert "inherent_detectability" in error.value.message_dict


def test_residual_above_inherent_needs_justification(org):
    data = entry_data(org.site_a, residual_severity=5, residual_likelihood=5)
    with pytest.raises(ValidationError) as error:
        services.entry_create(actor=None, **data)
    assert "higher than the inherent one" in str(error.value.message_dict["residual_justification"])
    assert not RiskEntry.objects.exists()
    entry = services.entry_create(actor=None, **data, residual_justification="New supplier not yet qualified")
    assert entry.residual_score == 25


def test_kind_fields_are_required(org):
    data = entry_data(org.site_a, EntryKind.ENVIRONMENTAL_ASPECT, impact="")
    with pytest.raises(ValidationError) as error:
        services.entry_create(actor=None, **data)
    assert "impact" in error.value.message_dict


def test_process_must_run_at_the_site(org):
    other = process_at(org.site_b)
    with pytest.raises(ValidationError) as error:
        services.entry_create(actor=None, **entry_data(org.site_a, process=other))
    assert "does not run at" in str(error.value.message_dict["process"])


def test_process_and_owner_must_be_visible(org):
    data = entry_data(org.site_a, owner=owner_at(org.site_b))
    with pytest.raises(ValidationError) as error:
        services.entry_create(actor=org.qm_a, **data)
    assert "Not visible to you" in str(error.value.message_dict["owner"])


def test_permissions(org):
    with pytest.raises(PermissionDenied):
        services.entry_create(actor=org.emp_a, **entry_data(org.site_a))
    with pytest.raises(PermissionDenied):
        services.entry_create(actor=org.qm_a, **entry_data(org.site_b))
    entry = services.entry_create(actor=org.qm_a, **entry_data(org.site_a))
    with pytest.raises(PermissionDenied):
        services.entry_update(actor=org.qm_b, entry=entry, data={"title": "x"}, reason="r")


def test_update_needs_a_reason_and_is_audited(org):
    entry = entry_at(org.site_a)
    with pytest.raises(ValidationError) as error:
        services.entry_update(actor=org.qm_a, entry=entry, data={"title": "Changed"})
    assert "change_reason" in error.value.message_dict
    with audit_context(actor=org.qm_a):
        services.entry_update(actor=org.qm_a, entry=entry, data={"residual_likelihood": 1}, reason="Guard fitted")
    entry.refresh_from_db()
    assert entry.residual_score == 4
    event = AuditEvent.objects.for_record(entry).filter(action="U").order_by("-id").first()
    assert event.reason == "Guard fitted"


def test_retire_keeps_entry_and_controls(org):
    entry = entry_at(org.site_a)
    control = services.control_create(actor=org.qm_a, entry=entry, description="Lifting aid")
    services.entry_retire(actor=org.qm_a, entry=entry, reason="Activity stopped")
    entry.refresh_from_db()
    control.refresh_from_db()
    assert not entry.is_active and not control.is_active
    event = AuditEvent.objects.for_record(control).filter(action="U").order_by("-id").first()
    assert event.reason == "Activity stopped"


def test_control_needs_a_link_or_description(org):
    entry = entry_at(org.site_a)
    with pytest.raises(ValidationError) as error:
        services.control_create(actor=org.qm_a, entry=entry)
    assert "description" in error.value.message_dict
    assert not Control.objects.exists()


def test_scoring_method_rebands_entries(org):
    entry = entry_at(org.site_a)  # OH&S 12 → medium (8–14)
    method = scoring.method_for("ohs")
    with pytest.raises(PermissionDenied):
        scoring.scoring_method_update(actor=org.qm_a, method=method, data={"high_from": 10}, reason="Stricter")
    scoring.scoring_method_update(actor=org.admin, method=method, data={"high_from": 10}, reason="Stricter")
    entry.refresh_from_db()
    assert entry.inherent_band == Band.HIGH
    with pytest.raises(ValidationError) as error:
        scoring.scoring_method_update(actor=None, method=method, data={"severity_max": 3}, reason="Smaller")
    assert "severity_max" in error.value.message_dict


def test_evaluation_moves_the_next_evaluation(org):
    obligation = obligation_at(org.site_a, evaluation_interval_months=6)
    evaluation = obligations.evaluation_record(
        actor=org.qm_a, obligation=obligation, site=org.site_a, evaluated_on=in_days(0),
        result=EvaluationResult.PARTLY, evidence="Two permit conditions open",
    )  # fmt: skip
    obligation.refresh_from_db()
    assert obligation.next_evaluation == evaluation.next_evaluation
    assert evaluation.evaluated_by == org.qm_a
    with pytest.raises(ValidationError):
        obligations.evaluation_record(
            actor=None, obligation=obligation, site=org.site_b, evaluated_on=in_days(0),
            result=EvaluationResult.COMPLIANT, evidence="x",
        )  # fmt: skip
    with pytest.raises(PermissionDenied):
        obligations.evaluation_record(
            actor=org.emp_a, obligation=obligation, site=org.site_a, evaluated_on=in_days(0),
            result=EvaluationResult.COMPLIANT, evidence="x",
        )  # fmt: skip

"""The scale seed's training data (``seed_scale`` → ``TrainingConfig.scale_seed`` → ``training.scale``)."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Count
from django.utils import timezone

from ims.audit.models import AuditEvent
from ims.esign.integrity import signatures_verify
from ims.esign.models import Signature
from training.assignments import assignments_reconcile
from training.choices import AssignmentReason, AssignmentStatus, TrainingMethod
from training.models import Assignment, Course, Curriculum, TrainingRecord, TrainingRequirement

pytestmark = pytest.mark.django_db


def counts() -> dict[str, int]:
    return {
        "courses": Course.objects.count(),
        "curricula": Curriculum.objects.count(),
        "requirements": TrainingRequirement.objects.count(),
        "assignments": Assignment.objects.count(),
        "records": TrainingRecord.objects.count(),
        "signatures": Signature.objects.count(),
        "audit events": AuditEvent.objects.count(),
    }


def test_seed_scale_small_creates_training_data_once():
    out = StringIO()
    call_command("seed_scale", "--size", "small", stdout=out)
    assert "Training:" in out.getvalue() and "assignments" in out.getvalue()

    courses = Course.objects.filter(code__startswith="SCT-")
    assert courses.count() == 30
    assert courses.filter(documents__isnull=False).distinct().count() >= 10  # linked to scale procedures
    assert courses.filter(has_assessment=True).exists() and courses.filter(requires_practical=True).exists()
    assert Curriculum.objects.annotate(n=Count("courses")).filter(n__gte=2).count() >= 2
    requirements = TrainingRequirement.objects.all()
    assert requirements.filter(function__isnull=False).exists() and requirements.filter(role__isnull=False).exists()
    assert requirements.filter(recurrence_months__isnull=False).exists()

    assignments = Assignment.objects.all()
    total = assignments.count()
    assert total > 2000
    completed = assignments.filter(status=AssignmentStatus.COMPLETED)
    assert 0.6 < completed.count() / total < 0.98
    today = timezone.localdate()
    assert assignments.overdue().exists()
    assert assignments.open().filter(due_date__gte=today).exists()
    # Open assignments carry the state the daily sweep left yesterday (reminder step sent, escalation).
    assert assignments.overdue().filter(reminded_days=0).exists()
    assert assignments.overdue().filter(escalated_at__isnull=False).exists()
    assert {AssignmentReason.MEMBERSHIP, AssignmentReason.RECURRENCE, AssignmentReason.DOCUMENT_REVISION} <= set(
        assignments.values_list("reason", flat=True).distinct()
    )
    # Every completed assignment has its record, signed "trained" by the trainee; records can expire.
    records = TrainingRecord.objects.all()
    assert records.count() == completed.count()
    assert not completed.filter(record__isnull=True).exists()
    assert not records.filter(signature__isnull=True).exists()
    assert records.filter(valid_until__lt=today).exists()
    assert records.filter(method=TrainingMethod.PRACTICAL, verified_at__isnull=False).exists()
    assert records.filter(method=TrainingMethod.ASSESSMENT, score__isnull=False).exists()
    assert AuditEvent.objects.filter(table_name="training_assignment").count() == total
    # The assignments are exactly what the live engine requires, and every signature verifies.
    assert assignments_reconcile() == {"created": 0, "cancelled": 0}
    assert signatures_verify() == []

    first = counts()
    again = StringIO()
    call_command("seed_scale", "--size", "small", stdout=again)
    assert "scale courses already present; nothing changed" in again.getvalue()
    assert counts() == first

"""Retraining raised by a CAPA whose root cause is training: the ``training`` retraining provider.

Registered in ``TrainingConfig.ready()`` with the kernel's registry (``ims.actions.retraining``), so that
``capa`` raises assignments without importing training.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from ims.audit.context import audit_context

from .choices import AssignmentReason, AssignmentStatus
from .models import Assignment, Course
from .services import assignment_create_manual


@transaction.atomic
def assign_for_capa(*, actor, people, course_code: str, due_date: datetime.date, reference: str, site) -> int:
    """One assignment (reason CAPA) per person who does not have the course open yet; returns the number raised."""
    course = Course._base_manager.filter(code=course_code, is_active=True).first()
    if course is None:
        raise ValidationError({"course_code": _("No active course has the code “%(code)s”.") % {"code": course_code}})
    raised = 0
    with audit_context(reason=_("Retraining raised by %(ref)s") % {"ref": reference}):
        for person in people:
            if Assignment._base_manager.filter(person=person, course=course, status=AssignmentStatus.OPEN).exists():
                continue
            assignment_create_manual(
                actor=actor, person=person, course=course, site=site, due_date=due_date, reason=AssignmentReason.CAPA
            )
            raised += 1
    return raised

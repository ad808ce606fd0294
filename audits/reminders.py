"""Audit reminders in the daily digest: the lead auditor and the auditees hear of an audit before it starts.

``IMS_AUDIT_REMINDER_DAYS`` (default 14 and 2 days before the planned date) are the steps. An audit is reminded
when it reaches a step it was not reminded at; ``Audit.reminded_days`` keeps the step sent, so a re-run the same
day sends nothing new. Rescheduling clears it. One notice a day per person lists all their audits.
"""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from ims.audit.context import audit_context
from ims.notifications.registry import notice_producer
from ims.notifications.services import notices_write
from ims.notifications.steps import step_of, step_reached, steps_setting

from .choices import AuditStatus
from .constants import DEFAULT_REMINDER_DAYS, NOTICE_CATEGORY
from .models import Audit


def reminder_steps() -> tuple[int, ...]:
    return steps_setting("IMS_AUDIT_REMINDER_DAYS", DEFAULT_REMINDER_DAYS, due_day=False)


@transaction.atomic
def audit_reminders(*, on: datetime.date) -> int:
    """Write the day's notices to the lead auditors and auditees of audits that reached a step; idempotent."""
    steps = reminder_steps()
    if not steps:
        return 0
    due = list(
        Audit._base_manager.select_for_update(skip_locked=True, of=("self",))
        .filter(step_reached(on, steps, date_field="planned_date"), planned_date__gte=on, status=AuditStatus.PLANNED)
        .select_related("site")
        .order_by("planned_date", "pk")
    )
    if not due:
        return 0
    auditees = defaultdict(set)
    for audit_id, person_id in Audit.auditees.through.objects.filter(audit_id__in=[a.pk for a in due]).values_list(
        "audit_id", "person_id"
    ):
        auditees[audit_id].add(person_id)
    lines: dict[int, list[str]] = defaultdict(list)
    by_step: dict[int, list[int]] = defaultdict(list)
    for audit in due:
        line = f"- {audit.reference} {audit.title} ({audit.site.code}, {audit.planned_date.isoformat()})"
        recipients = set(auditees[audit.pk])
        if audit.lead_auditor_id:
            recipients.add(audit.lead_auditor_id)
        for person_id in recipients:
            lines[person_id].append(line)
        by_step[step_of(audit.planned_date, on, steps)].append(audit.pk)
    messages = {person: ("\n".join(items), len(items)) for person, items in lines.items()}
    written = notices_write(
        category=NOTICE_CATEGORY, on=on, messages=messages, subject=_("%(n)s audit(s) coming up"),
        url=reverse("audits:calendar"),
    )  # fmt: skip
    with audit_context(reason=_("Audit reminder sent")):
        for step, pks in by_step.items():
            Audit._base_manager.filter(pk__in=pks).update(reminded_days=step)
    return written


@notice_producer("audits")
def audit_notices(on: datetime.date) -> int:
    return audit_reminders(on=on)

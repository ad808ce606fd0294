"""Training-due reminders and overdue escalation: notices written by the kernel's daily sweep.

The kernel's daily sweep (``ims.notifications.services.daily_sweep``) runs this producer, then e-mails each
person at most one digest a day with all their new notices; the in-app inbox shows the same notices.

* **Reminders.** ``IMS_TRAINING_REMINDER_DAYS`` (default 14, 7 and 1 days before the due date) are the steps;
  step 0 is the due date itself (and after). An assignment is reminded when it reaches a step it was not
  reminded at; ``Assignment.reminded_days`` keeps the step sent, so a re-run the same day (or the next day
  within the same step) sends nothing new. A person gets one notice a day listing all the trainings reminded.
* **Escalation.** ``IMS_TRAINING_ESCALATION_DAYS`` (default 7) days after the due date, the person's manager and
  the quality managers of the assignment's site are told, once per assignment (``Assignment.escalated_at``).
"""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from ims.audit.context import audit_context
from ims.esign.services import db_now
from ims.notifications.registry import notice_producer
from ims.notifications.services import notices_write
from ims.notifications.steps import step_of, step_reached, steps_setting
from ims.org.choices import RoleCode
from ims.org.models import Membership

from .choices import AssignmentStatus
from .models import Assignment

REMINDER_CATEGORY = "training"
ESCALATION_CATEGORY = "training_escalation"
MAX_LINES = 15
BATCH = 5000


def reminder_steps() -> tuple[int, ...]:
    """The configured reminder steps in days before the due date, largest first, always ending with 0."""
    return steps_setting("IMS_TRAINING_REMINDER_DAYS", (14, 7, 1))


def escalation_days() -> int:
    return int(getattr(settings, "IMS_TRAINING_ESCALATION_DAYS", 7))


def _when(assignment: Assignment, on: datetime.date) -> str:
    if assignment.due_date < on:
        return _("overdue since %(d)s") % {"d": assignment.due_date.isoformat()}
    if assignment.due_date == on:
        return _("due today")
    return _("due %(d)s") % {"d": assignment.due_date.isoformat()}


# What a reminder line shows of an assignment (two million rows at scale: only these are read).
_LINE_FIELDS = ("person_id", "site_id", "due_date", "site__code", "course__code", "course__title")
_PERSON_FIELDS = ("person__first_name", "person__last_name", "person__username")


def _lines(items: list[Assignment], on: datetime.date, with_person: bool = False) -> str:
    lines = []
    for assignment in items[:MAX_LINES]:
        who = f"{assignment.person.display_name} ({assignment.site.code}): " if with_person else ""
        lines.append(f"- {who}{assignment.course.code} {assignment.course.title} ({_when(assignment, on)})")
    if len(items) > MAX_LINES:
        lines.append(_("… and %(n)s more.") % {"n": len(items) - MAX_LINES})
    return "\n".join(lines)


def _subject(category: str) -> str:
    if category == ESCALATION_CATEGORY:
        return _("%(n)s overdue training(s) to follow up")
    return _("%(n)s training(s) due")


@transaction.atomic
def training_reminders(*, on: datetime.date) -> int:
    """Remind people of the assignments that reached a reminder step today; returns the notices written."""
    steps = reminder_steps()
    due = list(
        Assignment._base_manager.select_for_update(skip_locked=True, of=("self",))
        .filter(step_reached(on, steps), status=AssignmentStatus.OPEN, person__is_active=True)
        .select_related("course", "site")
        .only(*_LINE_FIELDS)
        .order_by("person_id", "due_date", "pk")
    )
    if not due:
        return 0
    by_person: dict[int, list[Assignment]] = defaultdict(list)
    by_step: dict[int, list[int]] = defaultdict(list)
    for assignment in due:
        by_person[assignment.person_id].append(assignment)
        by_step[step_of(assignment.due_date, on, steps)].append(assignment.pk)
    messages = {person: (_lines(items, on), len(items)) for person, items in by_person.items()}
    written = notices_write(
        category=REMINDER_CATEGORY, on=on, messages=messages, subject=_subject(REMINDER_CATEGORY),
        url=reverse("training:my_training"),
    )  # fmt: skip
    with audit_context(reason=_("Training reminder sent")):
        for step, pks in by_step.items():
            for start in range(0, len(pks), BATCH):
                Assignment._base_manager.filter(pk__in=pks[start : start + BATCH]).update(reminded_days=step)
    return written


def _quality_managers(site_ids: set[int], on: datetime.date) -> dict[int, set[int]]:
    """Site id → the people holding the quality manager role there on ``on`` (current membership, active)."""
    managers: dict[int, set[int]] = defaultdict(set)
    rows = (
        Membership.objects.current(on)
        .filter(site_id__in=site_ids, role__code=RoleCode.QUALITY_MANAGER, person__is_active=True)
        .values_list("site_id", "person_id")
    )
    for site_id, person_id in rows:
        managers[site_id].add(person_id)
    return managers


@transaction.atomic
def training_escalations(*, on: datetime.date) -> int:
    """Tell the manager and the site's quality managers, once per assignment, about training overdue long enough."""
    days = escalation_days()
    overdue = list(
        Assignment._base_manager.select_for_update(skip_locked=True, of=("self",))
        .filter(
            status=AssignmentStatus.OPEN,
            escalated_at__isnull=True,
            due_date__lte=on - datetime.timedelta(days=days),
            person__is_active=True,
        )
        .select_related("course", "person", "person__manager", "site")
        .only(*_LINE_FIELDS, *_PERSON_FIELDS, "person__manager_id", "person__manager__is_active")
        .order_by("site__code", "person__last_name", "due_date", "pk")
    )
    if not overdue:
        return 0
    quality_managers = _quality_managers({a.site_id for a in overdue}, on)
    by_recipient: dict[int, list[Assignment]] = defaultdict(list)
    escalated = []
    for assignment in overdue:
        recipients = set(quality_managers.get(assignment.site_id, ()))
        manager = assignment.person.manager
        if manager is not None and manager.is_active:
            recipients.add(manager.pk)
        recipients.discard(assignment.person_id)
        if not recipients:
            continue  # nobody to tell yet: tried again tomorrow (e.g. once a quality manager is appointed)
        for recipient in recipients:
            by_recipient[recipient].append(assignment)
        escalated.append(assignment.pk)
    messages = {person: (_lines(items, on, with_person=True), len(items)) for person, items in by_recipient.items()}
    written = notices_write(
        category=ESCALATION_CATEGORY, on=on, messages=messages, subject=_subject(ESCALATION_CATEGORY),
        url=reverse("training:compliance"),
    )  # fmt: skip
    if escalated:
        reason = _("Overdue by %(n)s days: escalated to the manager and the quality manager") % {"n": days}
        with audit_context(reason=reason):
            now = db_now()
            for start in range(0, len(escalated), BATCH):
                Assignment._base_manager.filter(pk__in=escalated[start : start + BATCH]).update(escalated_at=now)
    return written


@notice_producer("training")
def training_notices(on: datetime.date) -> int:
    """The daily sweep's training part: reminders, then escalations (each idempotent for the day)."""
    return training_reminders(on=on) + training_escalations(on=on)

"""CAPA actions due and overdue in the daily digest, with escalation: notices written by the kernel's sweep.

* **Reminders.** ``IMS_CAPA_REMINDER_DAYS`` (default 7 and 1 days before the due date) are the steps; step 0 is
  the due date itself (and after). An open action is reminded to its owner when it reaches a step it was not
  reminded at (``CapaAction.reminded_days`` keeps the step), so a re-run the same day sends nothing new.
* **Escalation.** ``IMS_CAPA_ESCALATION_DAYS`` (default 1) days after the due date, the owner's manager and the
  quality managers of the CAPA's site are told, once per action (``CapaAction.escalated_at``).
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

from .choices import ActionStatus, CapaState
from .models import CapaAction

REMINDER_CATEGORY = "capa"
ESCALATION_CATEGORY = "capa_escalation"
MAX_LINES = 15


def reminder_steps() -> tuple[int, ...]:
    return steps_setting("IMS_CAPA_REMINDER_DAYS", (7, 1))


def escalation_days() -> int:
    return int(getattr(settings, "IMS_CAPA_ESCALATION_DAYS", 1))


def _when(action: CapaAction, on: datetime.date) -> str:
    if action.due_date < on:
        return _("overdue since %(d)s") % {"d": action.due_date.isoformat()}
    if action.due_date == on:
        return _("due today")
    return _("due %(d)s") % {"d": action.due_date.isoformat()}


def _lines(items: list[CapaAction], on: datetime.date, with_owner: bool = False) -> str:
    lines = []
    for action in items[:MAX_LINES]:
        who = f"{action.owner.display_name}: " if with_owner else ""
        lines.append(f"- {who}{action.capa.reference} {action.title} ({_when(action, on)})")
    if len(items) > MAX_LINES:
        lines.append(_("… and %(n)s more.") % {"n": len(items) - MAX_LINES})
    return "\n".join(lines)


def _open_actions():
    return CapaAction._base_manager.filter(status=ActionStatus.OPEN, owner__is_active=True).exclude(
        capa__state=CapaState.CLOSED
    )


@transaction.atomic
def capa_reminders(*, on: datetime.date) -> int:
    """Remind owners of the actions that reached a reminder step today; returns the notices written."""
    steps = reminder_steps()
    due = list(
        _open_actions()
        .select_for_update(skip_locked=True, of=("self",))
        .filter(step_reached(on, steps))
        .select_related("capa", "owner")
        .order_by("owner_id", "due_date", "pk")
    )
    if not due:
        return 0
    by_owner: dict[int, list[CapaAction]] = defaultdict(list)
    by_step: dict[int, list[int]] = defaultdict(list)
    for action in due:
        by_owner[action.owner_id].append(action)
        by_step[step_of(action.due_date, on, steps)].append(action.pk)
    messages = {owner: (_lines(items, on), len(items)) for owner, items in by_owner.items()}
    written = notices_write(
        category=REMINDER_CATEGORY, on=on, messages=messages, subject=_("%(n)s CAPA action(s) due"),
        url=reverse("capa:capa_list") + "?mine=true",
    )  # fmt: skip
    with audit_context(reason=_("CAPA action reminder sent")):
        for step, pks in by_step.items():
            CapaAction._base_manager.filter(pk__in=pks).update(reminded_days=step)
    return written


def _quality_managers(site_ids: set[int], on: datetime.date) -> dict[int, set[int]]:
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
def capa_escalations(*, on: datetime.date) -> int:
    """Tell the owner's manager and the site's quality managers, once per action, about actions overdue."""
    days = escalation_days()
    overdue = list(
        _open_actions()
        .select_for_update(skip_locked=True, of=("self",))
        .filter(escalated_at__isnull=True, due_date__lte=on - datetime.timedelta(days=days))
        .select_related("capa", "owner", "owner__manager")
        .order_by("capa__site_id", "due_date", "pk")
    )
    if not overdue:
        return 0
    quality_managers = _quality_managers({a.capa.site_id for a in overdue}, on)
    by_recipient: dict[int, list[CapaAction]] = defaultdict(list)
    escalated = []
    for action in overdue:
        recipients = set(quality_managers.get(action.capa.site_id, ()))
        manager = action.owner.manager
        if manager is not None and manager.is_active:
            recipients.add(manager.pk)
        recipients.discard(action.owner_id)
        if not recipients:
            continue
        for recipient in recipients:
            by_recipient[recipient].append(action)
        escalated.append(action.pk)
    messages = {person: (_lines(items, on, with_owner=True), len(items)) for person, items in by_recipient.items()}
    written = notices_write(
        category=ESCALATION_CATEGORY, on=on, messages=messages, subject=_("%(n)s overdue CAPA action(s) to follow up"),
        url=reverse("capa:capa_list") + "?overdue=true",
    )  # fmt: skip
    if escalated:
        with audit_context(reason=_("Overdue CAPA action escalated to the manager and the quality manager")):
            CapaAction._base_manager.filter(pk__in=escalated).update(escalated_at=db_now())
    return written


@notice_producer("capa")
def capa_notices(on: datetime.date) -> int:
    """The daily sweep's CAPA part: reminders, then escalations (each idempotent for the day)."""
    return capa_reminders(on=on) + capa_escalations(on=on)

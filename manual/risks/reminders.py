"""Owners' reminders through the daily digest: register entries due for review, obligations due for evaluation.

The kernel's daily sweep runs this producer, then e-mails each person one digest with all their new notices.
An entry is reminded at ``IMS_RISK_REVIEW_REMINDER_DAYS`` (default 30, 7 and 1) days before its review date and
from the date on; an obligation at ``IMS_OBLIGATION_REMINDER_DAYS`` (default 30 and 7) before its next
evaluation. Each record keeps the step sent, so a re-run sends nothing new; a date moved later starts again.
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

from .models import Obligation, RiskEntry

REVIEW_CATEGORY = "risk_review"
EVALUATION_CATEGORY = "obligation_evaluation"
MAX_LINES = 15


def _when(date: datetime.date, on: datetime.date) -> str:
    if date < on:
        return _("overdue since %(d)s") % {"d": date.isoformat()}
    if date == on:
        return _("due today")
    return _("due %(d)s") % {"d": date.isoformat()}


def _body(lines: list[str]) -> str:
    shown = lines[:MAX_LINES]
    if len(lines) > MAX_LINES:
        shown.append(_("… and %(n)s more.") % {"n": len(lines) - MAX_LINES})
    return "\n".join(shown)


@transaction.atomic
def review_reminders(*, on: datetime.date) -> int:
    steps = steps_setting("IMS_RISK_REVIEW_REMINDER_DAYS", (30, 7, 1))
    due = list(
        RiskEntry._base_manager.select_for_update(skip_locked=True, of=("self",))
        .filter(
            step_reached(on, steps, date_field="review_date", reminded_field="review_reminded_days"),
            is_active=True,
            owner__is_active=True,
        )  # fmt: skip
        .select_related("site")
        .only("owner_id", "reference", "title", "review_date", "site__code")
        .order_by("owner_id", "review_date", "pk")
    )
    if not due:
        return 0
    lines: dict[int, list[str]] = defaultdict(list)
    by_step: dict[int, list[int]] = defaultdict(list)
    for entry in due:
        lines[entry.owner_id].append(
            f"- {entry.reference} {entry.title} ({entry.site.code}, {_when(entry.review_date, on)})"
        )
        by_step[step_of(entry.review_date, on, steps)].append(entry.pk)
    written = notices_write(
        category=REVIEW_CATEGORY, on=on, messages={p: (_body(items), len(items)) for p, items in lines.items()},
        subject=_("%(n)s register entr(ies) to review"), url=reverse("risks:overdue_reviews"),
    )  # fmt: skip
    with audit_context(reason=_("Review reminder sent")):
        for step, pks in by_step.items():
            RiskEntry._base_manager.filter(pk__in=pks).update(review_reminded_days=step)
    return written


@transaction.atomic
def evaluation_reminders(*, on: datetime.date) -> int:
    steps = steps_setting("IMS_OBLIGATION_REMINDER_DAYS", (30, 7))
    due = list(
        Obligation._base_manager.select_for_update(skip_locked=True, of=("self",))
        .filter(
            step_reached(on, steps, date_field="next_evaluation", reminded_field="evaluation_reminded_days"),
            is_active=True,
            owner__is_active=True,
        )  # fmt: skip
        .only("owner_id", "title", "next_evaluation")
        .order_by("owner_id", "next_evaluation", "pk")
    )
    if not due:
        return 0
    lines: dict[int, list[str]] = defaultdict(list)
    by_step: dict[int, list[int]] = defaultdict(list)
    for obligation in due:
        lines[obligation.owner_id].append(f"- {obligation.title} ({_when(obligation.next_evaluation, on)})")
        by_step[step_of(obligation.next_evaluation, on, steps)].append(obligation.pk)
    written = notices_write(
        category=EVALUATION_CATEGORY, on=on, messages={p: (_body(items), len(items)) for p, items in lines.items()},
        subject=_("%(n)s obligation(s) to evaluate"), url=reverse("risks:obligation_list") + "?due=true",
    )  # fmt: skip
    with audit_context(reason=_("Evaluation reminder sent")):
        for step, pks in by_step.items():
            Obligation._base_manager.filter(pk__in=pks).update(evaluation_reminded_days=step)
    return written


def risk_notices(on: datetime.date) -> int:
    """The daily sweep's register part (each idempotent for the day)."""
    return review_reminders(on=on) + evaluation_reminders(on=on)


def register() -> None:
    notice_producer("risks")(risk_notices)

"""Reads of the management review: its inputs (live from the registry, or as fixed when it was held)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from ims.indicators.review_inputs import ReviewSection, inputs_all
from ims.org.models import Site

from .models import ManagementReview, ReviewInputSnapshot

log = logging.getLogger("ims.review")


@dataclass(frozen=True)
class InputShown:
    """One input as a page, the API or the pack shows it."""

    key: str
    label: str
    order: int
    summary: str
    html: SafeString
    figures: dict = field(default_factory=dict)
    fixed: bool = False


def review_site_ids(*, user, review: ManagementReview) -> list[int]:
    """The sites the review covers, as ``user`` may see them: its site, or (company-wide) every active site."""
    if review.site_id is not None:
        return [review.site_id]
    return list(
        Site.objects.restrict(user, "view").filter(is_active=True).order_by("code").values_list("pk", flat=True)
    )


def _collect(review_input, *, user, site_ids, start, end) -> ReviewSection:
    try:
        with transaction.atomic():  # a savepoint: a failed query leaves the caller's transaction usable
            return review_input.collect(user=user, site_ids=site_ids, start=start, end=end)
    except Exception:  # noqa: BLE001 - one failing input must not hide the others; the log keeps the cause
        log.exception("review input %s could not be assembled", review_input.key)
        message = _("This input could not be assembled; the administrators can read the cause in the log.")
        return ReviewSection(summary=message, html=mark_safe(f"<p>{escape(message)}</p>"), figures={})  # noqa: S308


def review_inputs_live(*, user, review: ManagementReview, progress=None) -> list[InputShown]:
    """Every registered input for the review's period and sites, assembled now as ``user`` sees them.
    ``progress(label)`` is called after each input (the pack job reports it)."""
    site_ids = review_site_ids(user=user, review=review)
    shown = []
    for review_input in inputs_all():
        section = _collect(review_input, user=user, site_ids=site_ids, start=review.period_start, end=review.period_end)
        shown.append(
            InputShown(
                key=review_input.key,
                label=review_input.label,
                order=review_input.order,
                summary=section.summary,
                html=section.html,
                figures=dict(section.figures),
            )
        )
        if progress is not None:
            progress(review_input.label)
    return shown


def review_inputs_fixed(review: ManagementReview) -> list[InputShown]:
    return [
        InputShown(
            key=s.key,
            label=s.label,
            order=s.order,
            summary=s.summary,
            html=mark_safe(s.html),  # noqa: S308 - the collector's escaped fragment, stored as rendered
            figures=s.figures,
            fixed=True,
        )
        for s in ReviewInputSnapshot.objects.filter(review=review).order_by("order", "label")
    ]


def review_inputs(*, user, review: ManagementReview, progress=None) -> list[InputShown]:
    """The inputs as fixed when the meeting was held, or live before it."""
    if review.held_at is not None:
        fixed = review_inputs_fixed(review)
        if progress is not None:
            for item in fixed:
                progress(item.label)
        return fixed
    return review_inputs_live(user=user, review=review, progress=progress)


def review_actions_with_status(review: ManagementReview) -> list:
    """The review's actions, each with the status of its tracked action (one query for all)."""
    from ims.actions.models import Action

    actions = list(review.actions.select_related("owner", "site", "decision").order_by("due_date", "pk"))
    refs = [a.action_reference for a in actions if a.action_reference]
    tracked = dict(Action.objects.filter(reference__in=refs).values_list("reference", "status")) if refs else {}
    for action in actions:
        action.tracked_status = tracked.get(action.action_reference, "")
    return actions

"""Management-review inputs owned by the review itself (ISO 9001/14001/45001 9.3.2 a and 9.3.2 f): the status of
the actions decided by previous reviews, and the opportunities for improvement taken up as tracked actions."""

from __future__ import annotations

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from ims.actions.models import Action, ActionStatus
from ims.indicators.review_inputs import ReviewInput, ReviewSection, register_input
from ims.reports.render import table_html

from .models import ReviewAction

LISTED = 50


def previous_actions(*, user, site_ids, start, end) -> ReviewSection:
    """Actions of reviews of earlier periods: still open, or closed during this period."""
    actions = list(
        ReviewAction.objects.restrict(user, "view")
        .filter(site_id__in=list(site_ids), review__period_end__lt=start, created_at__date__lte=end)
        .select_related("review", "owner", "site")
        .order_by("due_date", "pk")
    )
    tracked = {
        a.reference: a
        for a in Action._base_manager.filter(reference__in=[r.action_reference for r in actions if r.action_reference])
    }
    rows, open_count, done_count, overdue = [], 0, 0, 0
    for action in actions:
        ref = tracked.get(action.action_reference)
        status = ref.status if ref else action.status
        closed_on = ref.closed_at.date() if ref and ref.closed_at else None
        if status != ActionStatus.OPEN and (closed_on is None or closed_on < start):
            continue
        if status == ActionStatus.OPEN:
            open_count += 1
            overdue += action.due_date < end
        else:
            done_count += 1
        if len(rows) < LISTED:
            rows.append(
                [action.review.reference, action.title, str(action.owner), f"{action.due_date:%Y-%m-%d}",
                 action.action_reference or "—", ref.get_status_display() if ref else action.get_status_display()]
            )  # fmt: skip
    figures: dict[str, float | int | str] = {"open": open_count, "overdue": overdue, "closed_in_period": done_count}
    summary = (
        _(
            "Actions from previous reviews: %(open)s open (%(overdue)s past due), "
            "%(closed_in_period)s closed in the period."
        )
        % figures
    )
    html = table_html(
        title=_("Actions from previous management reviews"),
        columns=[_("Review"), _("Action"), _("Owner"), _("Due"), _("Tracked as"), _("Status")],
        rows=rows,
        empty=_("No action of a previous review is open or was closed in the period."),
    )
    return ReviewSection(summary=summary, html=html, figures=figures)


def improvement_opportunities(*, user, site_ids, start, end) -> ReviewSection:
    """Improvement actions raised in the period at the sites (from gaps, audits, feedback, reviews), by origin."""
    raised = Action.objects.restrict(user, "view").filter(
        site_id__in=list(site_ids), created_at__date__range=(start, end)
    )
    by_origin = list(
        raised.order_by()
        .values("source_type__model")
        .annotate(n=Count("pk"), still_open=Count("pk", filter=Q(status=ActionStatus.OPEN)))
        .order_by("-n")
    )
    total = sum(row["n"] for row in by_origin)
    still_open = sum(row["still_open"] for row in by_origin)
    figures: dict[str, float | int | str] = {"raised": total, "open": still_open}
    summary = _("%(raised)s improvement action(s) raised in the period, %(open)s still open.") % figures
    html = table_html(
        title=_("Improvement actions by origin"),
        columns=[_("Raised from"), (_("Raised"), True), (_("Open"), True)],
        rows=[
            [(row["source_type__model"] or _("other")).replace("_", " "), row["n"], row["still_open"]]
            for row in by_origin
        ],
        empty=_("No improvement action was raised in the period."),
    ) + table_html(
        title=_("Open improvement actions (first %(n)s by due date)") % {"n": LISTED},
        columns=[_("Reference"), _("Site"), _("Action"), _("Raised from"), _("Due")],
        rows=[
            [a.reference, a.site.code, a.title, a.source_label or "—", f"{a.due_date:%Y-%m-%d}" if a.due_date else "—"]
            for a in raised.filter(status=ActionStatus.OPEN).select_related("site").order_by("due_date", "pk")[:LISTED]
        ],
        empty=_("None open."),
    )
    return ReviewSection(summary=summary, html=html, figures=figures)


register_input(
    ReviewInput(
        key="previous_actions", label="Status of actions from previous reviews", order=10, collect=previous_actions
    )
)
register_input(
    ReviewInput(
        key="improvement_opportunities",
        label="Opportunities for improvement",
        order=90,
        collect=improvement_opportunities,
    )
)

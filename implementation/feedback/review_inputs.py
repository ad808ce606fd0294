"""Management-review input "feedback" (ISO 45001 9.3 d, worker participation): what employees reported at the
sites in the period, what became of it, and how quickly they were answered."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from ims.indicators.review_inputs import ReviewInput, ReviewSection, register_input

from .charts import monthly_chart_svg
from .selectors import KIND_LABELS, STATUS_LABELS, feedback_statistics, feedback_visible


def feedback_input(*, user, site_ids, start, end) -> ReviewSection:
    stats = feedback_statistics(queryset=feedback_visible(user=user, site_ids=site_ids, start=start, end=end))
    response = "—" if stats.response_days is None else f"{stats.response_days:g}"
    summary = _(
        "%(total)s feedback item(s), %(open)s still open, %(anonymous)s anonymous; average time to response "
        "%(days)s day(s)."
    ) % {"total": stats.total, "open": stats.open, "anonymous": stats.anonymous, "days": response}
    figures: dict[str, float | int | str] = {"total": stats.total, "open": stats.open, "anonymous": stats.anonymous}
    figures.update({f"kind_{kind}": count for kind, count in stats.by_kind.items()})
    figures.update({f"status_{status}": count for status, count in stats.by_status.items()})
    if stats.response_days is not None:
        figures["response_days"] = stats.response_days
    html = render_to_string(
        "feedback/review_input.html",
        {
            "stats": stats,
            "kinds": [(KIND_LABELS[k], n) for k, n in stats.by_kind.items()],
            "statuses": [(STATUS_LABELS[s], n) for s, n in stats.by_status.items()],
            "chart": monthly_chart_svg(stats),
        },
    )
    return ReviewSection(summary=summary, html=html, figures=figures)


register_input(ReviewInput(key="feedback", label="Employee feedback", order=60, collect=feedback_input))

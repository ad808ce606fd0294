"""Management-review input "training compliance" (ISO 9001 9.3.2 c, 7.2 competence): the share of required
trainings current at the end of the period, per site, with what is overdue."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from ims.access.permissions import user_sites
from ims.indicators.review_inputs import ReviewInput, ReviewSection, register_input
from ims.reports.render import table_html

from .matrix import compliance_summary

PERM = "training.view_assignment"


def training_compliance(*, user, site_ids, start, end) -> ReviewSection:
    sites = {s.pk: s for s in user_sites(user, PERM).filter(pk__in=list(site_ids)).order_by("code")}
    on = min(end, timezone.localdate())
    summary = compliance_summary(site_ids=list(sites), on=on) if sites else {"by_site": [], "totals": {}}
    totals = summary.get("totals") or {}
    percent = totals.get("percent")
    figures: dict[str, float | int | str] = {
        "required": totals.get("required", 0) or 0,
        "current": totals.get("current", 0) or 0,
        "overdue": totals.get("overdue", 0) or 0,
    }
    if percent is not None:
        figures["percent"] = percent
    text = "—" if percent is None else f"{percent:g} %"
    summary_text = _(
        "Training compliance %(percent)s: %(current)s of %(required)s required trainings current, %(overdue)s overdue "
        "(as of %(on)s)."
    ) % {**figures, "percent": text, "on": f"{on:%Y-%m-%d}"}
    rows = []
    for row in sorted(summary["by_site"], key=lambda r: sites[r["site_id"]].code if r["site_id"] in sites else ""):
        site = sites.get(row["site_id"])
        if site is None:
            continue
        rows.append(
            [site.code, row["required"], row["current"], row["overdue"],
             "—" if row["percent"] is None else f"{row['percent']:g} %"]
        )  # fmt: skip
    html = table_html(
        title=_("Training compliance by site"),
        columns=[_("Site"), (_("Required"), True), (_("Current"), True), (_("Overdue"), True), (_("% current"), True)],
        rows=rows,
        empty=_("No training is required at these sites."),
    )
    return ReviewSection(summary=summary_text, html=html, figures=figures)


register_input(
    ReviewInput(key="training_compliance", label="Training compliance", order=70, collect=training_compliance)
)

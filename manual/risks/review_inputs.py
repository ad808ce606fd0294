"""Management-review inputs of the register of risks and obligations (ISO 9001/14001/45001 9.3.2 b and 14001/45001
9.3 c): changes in context (what the register gained, changed or retired in the period) and the results of the
compliance evaluations of legal and other requirements."""

from __future__ import annotations

from django.db.models import Count
from django.utils.translation import gettext as _

from ims.indicators.review_inputs import ReviewInput, ReviewSection, register_input
from ims.reports.render import table_html

from .choices import Band, EntryKind, EvaluationResult
from .models import ComplianceEvaluation, Obligation, RiskEntry

LISTED = 50


def context_changes(*, user, site_ids, start, end) -> ReviewSection:
    entries = RiskEntry.objects.restrict(user, "view").filter(site_id__in=list(site_ids))
    added = entries.filter(created_at__date__range=(start, end))
    changed = entries.filter(updated_at__date__range=(start, end), created_at__date__lt=start, is_active=True)
    retired = entries.filter(updated_at__date__range=(start, end), is_active=False)
    obligations = (
        Obligation.objects.restrict(user, "view")
        .filter(sites__in=list(site_ids), created_at__date__range=(start, end))
        .distinct()
    )
    by_kind = dict(added.order_by().values("kind").annotate(n=Count("pk")).values_list("kind", "n"))
    figures: dict[str, float | int | str] = {
        "entries_added": added.count(),
        "entries_changed": changed.count(),
        "entries_retired": retired.count(),
        "high_residual_added": added.filter(residual_band=Band.HIGH).count(),
        "obligations_added": obligations.count(),
        **{f"added_{kind}": by_kind.get(kind, 0) for kind in EntryKind.values},
    }
    summary = (
        _(
            "Register of risks, aspects and hazards: %(entries_added)s added (%(high_residual_added)s with a high "
            "residual risk), %(entries_changed)s re-assessed, %(entries_retired)s retired; %(obligations_added)s new "
            "legal or other requirement(s)."
        )
        % figures
    )
    rows = [
        [e.reference, e.site.code, e.get_kind_display(), e.title, e.get_residual_band_display(),
         _("added") if e.created_at.date() >= start else (_("re-assessed") if e.is_active else _("retired"))]
        for e in (added | changed | retired).select_related("site").order_by("-updated_at")[:LISTED]
    ]  # fmt: skip
    html = table_html(
        title=_("Register changes in the period (latest %(n)s)") % {"n": LISTED},
        columns=[_("Reference"), _("Site"), _("Kind"), _("Title"), _("Residual risk"), _("Change")],
        rows=rows,
        empty=_("The register did not change in the period."),
    ) + table_html(
        title=_("New legal and other requirements"),
        columns=[_("Requirement"), _("Type"), _("Jurisdiction")],
        rows=[
            [o.title, o.get_obligation_type_display(), o.jurisdiction] for o in obligations.order_by("title")[:LISTED]
        ],
        empty=_("No new requirement in the period."),
    )
    return ReviewSection(summary=summary, html=html, figures=figures)


def compliance_evaluations(*, user, site_ids, start, end) -> ReviewSection:
    evaluations = ComplianceEvaluation.objects.restrict(user, "view").filter(
        site_id__in=list(site_ids), evaluated_on__range=(start, end)
    )
    by_result = dict(evaluations.order_by().values("result").annotate(n=Count("pk")).values_list("result", "n"))
    figures: dict[str, float | int | str] = {
        "evaluations": sum(by_result.values()),
        **{result: by_result.get(result, 0) for result in EvaluationResult.values},
    }
    summary = (
        _(
            "%(evaluations)s compliance evaluation(s) in the period: %(compliant)s compliant, %(partly)s partly "
            "compliant, %(non_compliant)s non-compliant."
        )
        % figures
    )
    shortfalls = (
        evaluations.exclude(result=EvaluationResult.COMPLIANT)
        .select_related("obligation", "site")
        .order_by("-evaluated_on")[:LISTED]
    )
    html = table_html(
        title=_("Evaluations that were not fully compliant"),
        columns=[_("Requirement"), _("Site"), _("Evaluated"), _("Result")],
        rows=[
            [e.obligation.title, e.site.code, f"{e.evaluated_on:%Y-%m-%d}", e.get_result_display()] for e in shortfalls
        ],
        empty=_("Every evaluation of the period found the site compliant."),
    )
    return ReviewSection(summary=summary, html=html, figures=figures)


register_input(ReviewInput(key="context_changes", label="Changes in context", order=20, collect=context_changes))
register_input(
    ReviewInput(
        key="compliance_evaluation", label="Compliance evaluation results", order=80, collect=compliance_evaluations
    )
)

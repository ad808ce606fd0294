"""Management-review input "audit results" (ISO 9001 9.3.2 c 5): the internal audits of the period at the sites
and their findings by grade, with how many of the nonconformities are under a CAPA or an action."""

from __future__ import annotations

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from ims.indicators.review_inputs import ReviewInput, ReviewSection, register_input
from ims.reports.render import table_html

from .choices import AuditStatus, FindingGrade, FindingStatus
from .models import Audit, Finding

DONE = (AuditStatus.COMPLETED, AuditStatus.ACKNOWLEDGED, AuditStatus.APPROVED)
NONCONFORMITIES = (FindingGrade.MAJOR, FindingGrade.MINOR)


def audit_results(*, user, site_ids, start, end) -> ReviewSection:
    audits = (
        Audit.objects.restrict(user, "view")
        .filter(site_id__in=list(site_ids), planned_date__range=(start, end))
        .exclude(status=AuditStatus.CANCELLED)
        .select_related("site")
        .annotate(
            majors=Count("findings", filter=Q(findings__grade=FindingGrade.MAJOR, findings__status=FindingStatus.OPEN)),
            minors=Count("findings", filter=Q(findings__grade=FindingGrade.MINOR, findings__status=FindingStatus.OPEN)),
            others=Count(
                "findings",
                filter=Q(
                    findings__grade__in=(FindingGrade.OBSERVATION, FindingGrade.OPPORTUNITY),
                    findings__status=FindingStatus.OPEN,
                ),
            ),
        )
        .order_by("planned_date", "reference")
    )
    audits = list(audits)
    findings = Finding.objects.restrict(user, "view").filter(
        site_id__in=list(site_ids), raised_on__range=(start, end), status=FindingStatus.OPEN
    )
    by_grade = dict(findings.order_by().values("grade").annotate(n=Count("pk")).values_list("grade", "n"))
    without_action = findings.filter(grade__in=NONCONFORMITIES, action_ref="").count()
    done = sum(1 for a in audits if a.status in DONE)
    figures: dict[str, float | int | str] = {
        "audits": len(audits),
        "audits_done": done,
        **{f"findings_{grade}": by_grade.get(grade, 0) for grade in FindingGrade.values},
        "nonconformities_without_action": without_action,
    }
    summary = _(
        "%(n)s audit(s) in the period, %(done)s completed; %(major)s major and %(minor)s minor nonconformities, "
        "%(without)s of them without a CAPA or action."
    ) % {
        "n": len(audits),
        "done": done,
        "major": by_grade.get(FindingGrade.MAJOR, 0),
        "minor": by_grade.get(FindingGrade.MINOR, 0),
        "without": without_action,
    }
    html = table_html(
        title=_("Internal audits of the period"),
        columns=[_("Audit"), _("Site"), _("Planned"), _("Status"), (_("Major"), True), (_("Minor"), True),
                 (_("Observations / OFIs"), True)],
        rows=[
            [f"{a.reference} · {a.title}", a.site.code, f"{a.planned_date:%Y-%m-%d}", a.get_status_display(),
             a.majors, a.minors, a.others]
            for a in audits
        ],
        empty=_("No internal audit in the period."),
    )  # fmt: skip
    return ReviewSection(summary=summary, html=html, figures=figures)


register_input(ReviewInput(key="audit_results", label="Audit results", order=40, collect=audit_results))

"""Management-review input "nonconformities and corrective actions" (ISO 9001 9.3.2 c 4): the CAPAs and
nonconformances of the sites opened in the period or still open, by state, with overdue ones named."""

from __future__ import annotations

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ims.indicators.review_inputs import ReviewInput, ReviewSection, register_input
from ims.reports.render import table_html

from .choices import CapaKind, CapaState
from .models import Capa

LISTED = 50


def capa_status(*, user, site_ids, start, end) -> ReviewSection:
    capas = Capa.objects.restrict(user, "view").filter(site_id__in=list(site_ids), opened_at__date__lte=end)
    relevant = capas.filter(Q(opened_at__date__gte=start) | ~Q(state=CapaState.CLOSED) | Q(closed_at__date__gte=start))
    opened = capas.filter(opened_at__date__gte=start)
    figures: dict[str, float | int | str] = {
        "opened": opened.count(),
        "opened_nonconformances": opened.filter(kind=CapaKind.NONCONFORMANCE).count(),
        "closed": capas.filter(closed_at__date__range=(start, end)).count(),
        "open": capas.open().count(),
        "overdue": capas.open().overdue(on=min(end, timezone.localdate())).count(),
    }
    by_state = dict(relevant.order_by().values("state").annotate(n=Count("pk")).values_list("state", "n"))
    figures.update({f"state_{state}": by_state.get(state, 0) for state in CapaState.values})
    summary = (
        _(
            "%(opened)s CAPA/nonconformance record(s) opened in the period, %(closed)s closed; %(open)s open, "
            "%(overdue)s with an action overdue."
        )
        % figures
    )
    rows = [
        [c.reference, c.site.code, c.get_kind_display(), c.title, c.get_state_display(),
         f"{c.due_date:%Y-%m-%d}" if c.due_date else "—"]
        for c in relevant.exclude(state=CapaState.CLOSED).select_related("site").order_by("due_date", "reference")[
            :LISTED
        ]
    ]  # fmt: skip
    html = table_html(
        title=_("Nonconformities and CAPAs by state"),
        columns=[_("State"), (_("Records"), True)],
        rows=[[label, by_state.get(value, 0)] for value, label in CapaState.choices],
    ) + table_html(
        title=_("Open records (first %(n)s by target date)") % {"n": LISTED},
        columns=[_("Reference"), _("Site"), _("Kind"), _("Title"), _("State"), _("Target date")],
        rows=rows,
        empty=_("No open CAPA or nonconformance."),
    )
    return ReviewSection(summary=summary, html=html, figures=figures)


register_input(
    ReviewInput(key="capa_status", label="Nonconformities and corrective actions", order=50, collect=capa_status)
)

"""Out-of-control signals: recorded once per reading and rule, noticed to the KPI's owner, and — on request — a
CAPA opened through the action registry (``ims.actions``), once per signal."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ims.access.permissions import user_can_at_site
from ims.actions.registry import action_raise
from ims.audit.context import audit_context
from ims.notifications.services import notices_write

from .choices import SignalRule
from .models import Kpi, KpiSignal
from .selectors import chart_for, series_by_site

NOTICE_CATEGORY = "kpi_signal"
PERM_RAISE_CAPA = "kpis.raise_capa_kpi"
RULE_LABELS = dict(SignalRule.choices)


def signals_detect(*, kpi_id: int, site_ids: list[int], reading_ids: list[int] | None = None) -> int:
    """Record the signals on the newest point of each site's chart (or on ``reading_ids``); a signal already
    recorded is not recorded again, and the owner gets one notice a day listing the new ones."""
    kpi = Kpi._base_manager.select_related("owner").get(pk=kpi_id)
    series = series_by_site(kpi, site_ids=site_ids)
    wanted = set(reading_ids or [])
    new: list[KpiSignal] = []
    for site_id, points in series.items():
        chart = chart_for(kpi, points)
        candidates = [p for p in chart.points if p.reading_id in wanted] if wanted else chart.points[-1:]
        for point in candidates:
            for rule in point.rules:
                new.append(KpiSignal(kpi=kpi, site_id=site_id, reading_id=point.reading_id, rule=rule))
    if not new:
        return 0
    existing = set(
        KpiSignal._base_manager.filter(reading_id__in={s.reading_id for s in new}).values_list("reading_id", "rule")
    )
    new = [s for s in new if (s.reading_id, s.rule) not in existing]
    if not new:
        return 0
    with audit_context(reason=_("Out-of-control signal on a KPI chart")):
        KpiSignal._base_manager.bulk_create(new, ignore_conflicts=True)
    lines = [
        _("%(kpi)s at site %(site)s: %(rule)s") % {"kpi": kpi.code, "site": s.site_id, "rule": RULE_LABELS[s.rule]}
        for s in new
    ]
    notices_write(
        category=NOTICE_CATEGORY, on=timezone.localdate(), messages={kpi.owner_id: ("\n".join(lines), len(new))},
        subject=_("%(n)s out-of-control signal(s) on your KPIs"), url=kpi.get_absolute_url(),
    )  # fmt: skip
    return len(new)


@transaction.atomic
def signal_raise_capa(*, actor, signal: KpiSignal, due_date: datetime.date | None = None) -> KpiSignal:
    """Open a CAPA for a signal (once: a second request is refused with the CAPA already opened)."""
    locked = KpiSignal._base_manager.select_for_update().select_related("kpi", "site", "reading").get(pk=signal.pk)
    if actor is not None and not user_can_at_site(actor, PERM_RAISE_CAPA, locked.site):
        raise PermissionDenied(
            _("You may not open CAPAs from KPI signals at site %(site)s.") % {"site": locked.site.code}
        )
    if locked.is_dismissed:
        raise ValidationError(_("This signal was dismissed: %(r)s") % {"r": locked.dismiss_reason}, code="dismissed")
    if locked.capa_reference:
        raise ValidationError(
            _("A CAPA was opened for this signal already: %(ref)s.") % {"ref": locked.capa_reference}, code="raised"
        )
    kpi = locked.kpi
    title = _("%(kpi)s out of control at %(site)s (%(period)s)") % {
        "kpi": kpi.name, "site": locked.site.code, "period": locked.reading.period_start.strftime("%Y-%m"),
    }  # fmt: skip
    description = _("Control-chart signal: %(rule)s. Reading %(value)s %(unit)s.") % {
        "rule": RULE_LABELS[locked.rule], "value": format(locked.reading.value.normalize(), "f"), "unit": kpi.unit,
    }  # fmt: skip
    ref = action_raise(
        "capa", actor=actor, source=locked, title=title, description=description, owner=kpi.owner,
        due_date=due_date, site=locked.site,
    )  # fmt: skip
    locked.capa_reference = ref.reference
    locked.capa_url = ref.url
    with audit_context(reason=_("CAPA opened for a KPI signal")):
        locked.save(update_fields=["capa_reference", "capa_url", "updated_at"])
    return locked


@transaction.atomic
def signal_dismiss(*, actor, signal: KpiSignal, reason: str) -> KpiSignal:
    """Close a signal without a CAPA, with the reason (e.g. an assignable cause found and removed)."""
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why the signal needs no CAPA.")})
    locked = KpiSignal._base_manager.select_for_update().select_related("site").get(pk=signal.pk)
    if actor is not None and not user_can_at_site(actor, "kpis.change_kpisignal", locked.site):
        raise PermissionDenied(_("You may not dismiss KPI signals at site %(site)s.") % {"site": locked.site.code})
    if locked.is_dismissed or locked.capa_reference:
        raise ValidationError(_("This signal is closed already."))
    locked.is_dismissed = True
    locked.dismiss_reason = reason.strip()
    with audit_context(reason=reason.strip()):
        locked.save(update_fields=["is_dismissed", "dismiss_reason", "updated_at"])
    return locked

"""Many readings at once — the import page and the API's bulk endpoint (BI, LIMS, ERP, EHS systems).

The org import's rules (``ims.org.importer``): every row is checked before anything is written, each bad row is
reported with its row number and column, and nothing is written unless every row is valid. The checks are set-based
(a few queries whatever the number of rows).
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from ims.access.permissions import has_global_permission, site_id_list
from ims.audit.context import audit_context
from ims.audit.context import current as current_audit_context
from ims.org.models import Site

from .choices import ReadingChannel
from .models import Kpi, Reading
from .periods import period_bounds
from .services import PERM_ADD_READING, _decimal, physical_range_check

MAX_ROWS = 20000
PERIOD_RE = re.compile(r"^(\d{4})-(\d{2})(?:-(\d{2}))?$")


@dataclass
class RowError:
    row: int
    column: str
    message: str


@dataclass
class BulkResult:
    rows: int = 0
    created: int = 0
    errors: list[RowError] = field(default_factory=list)
    readings: list[Reading] = field(default_factory=list)

    @property
    def accepted(self) -> bool:
        return not self.errors


class BulkRefused(ValidationError):
    """Some rows are invalid; nothing was written. ``result.errors`` lists them."""

    def __init__(self, result: BulkResult) -> None:
        super().__init__(
            _("%(n)s row(s) have errors; nothing was written.") % {"n": len({e.row for e in result.errors})}
        )
        self.result = result


def parse_period(text) -> datetime.date:
    if isinstance(text, datetime.datetime):
        return text.date()
    if isinstance(text, datetime.date):
        return text
    match = PERIOD_RE.match(str(text or "").strip())
    if not match:
        raise ValueError
    return datetime.date(int(match[1]), int(match[2]), int(match[3] or 1))


def readings_bulk_record(
    *, actor, rows: list[dict], channel: str = ReadingChannel.API, dry_run: bool = False
) -> BulkResult:
    """Check every row (``kpi`` code, ``site`` code, ``period`` YYYY-MM or a date, ``value``, optional
    ``denominator`` and ``comment``) and, when all are valid and not ``dry_run``, write them in one transaction."""
    result = BulkResult(rows=len(rows))
    if not rows:
        result.errors.append(RowError(0, "", _("There are no rows to record.")))
        raise BulkRefused(result)
    if len(rows) > MAX_ROWS:
        result.errors.append(RowError(0, "", _("At most %(n)s rows at once.") % {"n": MAX_ROWS}))
        raise BulkRefused(result)
    codes = {str(r.get("kpi", "")).strip() for r in rows}
    site_codes = {str(r.get("site", "")).strip() for r in rows}
    kpis = {k.code: k for k in Kpi.objects.restrict(actor, "view").filter(code__in=codes)} if actor else {
        k.code: k for k in Kpi._base_manager.filter(code__in=codes)
    }  # fmt: skip
    sites = {
        s.code: s
        for s in (Site.objects.restrict(actor, "view") if actor else Site._base_manager).filter(code__in=site_codes)
    }
    pairs = set(Kpi.sites.through.objects.filter(kpi__in=kpis.values()).values_list("kpi_id", "site_id"))
    allowed = None
    if actor is not None and not has_global_permission(actor, PERM_ADD_READING):
        allowed = set(site_id_list(actor, "kpis", "add_reading"))
    built: list[tuple[int, Reading]] = []
    seen: dict[tuple[int, int, datetime.date], int] = {}
    for number, raw in enumerate(rows, start=1):
        errors_before = len(result.errors)

        def error(column: str, message: str, number=number) -> None:
            result.errors.append(RowError(number, column, str(message)))

        kpi = kpis.get(str(raw.get("kpi", "")).strip())
        site = sites.get(str(raw.get("site", "")).strip())
        if kpi is None:
            error("kpi", _("No KPI “%(c)s” that you may see.") % {"c": raw.get("kpi", "")})
        elif not kpi.is_active:
            error("kpi", _("%(kpi)s is retired; it takes no readings.") % {"kpi": kpi.code})
        if site is None:
            error("site", _("No site “%(c)s” that you may see.") % {"c": raw.get("site", "")})
        elif allowed is not None and site.pk not in allowed:
            error("site", _("You may not record readings at site %(s)s.") % {"s": site.code})
        if kpi is not None and site is not None and (kpi.pk, site.pk) not in pairs:
            error("site", _("%(kpi)s is not measured at %(site)s.") % {"kpi": kpi.code, "site": site.code})
        try:
            period = parse_period(raw.get("period"))
        except (ValueError, TypeError):
            error("period", _("“%(p)s” is not a period; write YYYY-MM or YYYY-MM-DD.") % {"p": raw.get("period", "")})
            period = None
        try:
            value = _decimal(raw.get("value", ""))
            if kpi is not None:
                physical_range_check(kpi, value)
        except ValidationError as exc:
            error("value", " ".join(exc.messages))
            value = None
        denominator = raw.get("denominator")
        if denominator in ("", None):
            denominator = None
        else:
            try:
                denominator = int(str(denominator).strip())
                if denominator <= 0:
                    raise ValueError
            except ValueError:
                error("denominator", _("The denominator must be a positive whole number."))
        if len(result.errors) > errors_before:
            continue
        start, end = period_bounds(kpi.frequency, period)
        key = (kpi.pk, site.pk, start)
        if key in seen:
            error("period", _("The same KPI, site and period as row %(r)s.") % {"r": seen[key]})
            continue
        seen[key] = number
        built.append((number, Reading(
            kpi=kpi, site=site, period_start=start, period_end=end, value=Decimal(value), denominator=denominator,
            channel=channel, comment=str(raw.get("comment") or "")[:4000], entered_by=actor,
        )))  # fmt: skip
    if built:
        existing = set(
            Reading._base_manager.filter(
                is_void=False,
                kpi_id__in={r.kpi_id for _n, r in built},
                site_id__in={r.site_id for _n, r in built},
                period_start__in={r.period_start for _n, r in built},
            ).values_list("kpi_id", "site_id", "period_start")
        )
        for number, reading in built:
            if (reading.kpi_id, reading.site_id, reading.period_start) in existing:
                message = _("%(kpi)s already has a reading at %(site)s for %(period)s; correct that one instead.") % {
                    "kpi": reading.kpi.code,
                    "site": reading.site.code,
                    "period": reading.period_start.strftime("%Y-%m"),
                }
                result.errors.append(RowError(number, "period", message))
    if result.errors:
        result.errors.sort(key=lambda e: e.row)
        raise BulkRefused(result)
    if dry_run:
        return result
    readings = [r for _n, r in built]
    try:
        reason = current_audit_context().get("reason") or _("KPI readings recorded in bulk")
        with transaction.atomic(), audit_context(reason=reason):
            result.readings = Reading._base_manager.bulk_create(readings, batch_size=2000)
    except IntegrityError:
        result.errors.append(
            RowError(0, "", _("Readings were recorded meanwhile for the same periods; nothing was written."))
        )
        raise BulkRefused(result) from None
    result.created = len(result.readings)
    from .signals import signals_detect

    by_kpi: dict[int, list[int]] = {}
    for reading in result.readings:
        by_kpi.setdefault(reading.kpi_id, []).append(reading.pk)
    for kpi_id, reading_ids in by_kpi.items():
        site_ids = sorted({r.site_id for r in result.readings if r.kpi_id == kpi_id})
        signals_detect(kpi_id=kpi_id, site_ids=site_ids, reading_ids=reading_ids)
    return result

"""KPI services: every change to a KPI or a reading, with the acting person and the reason for change.

Who may (``ims.org.roles``): quality managers and compliance officers keep KPIs and readings at their sites
(``kpis.add_kpi`` at every site of a new KPI, ``kpis.add_reading`` at the reading's site). ``actor=None`` is the
trusted channel (demo seed, the beat task). Bad input raises ``ValidationError`` and writes nothing.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from ims.access.permissions import user_can, user_can_at_site
from ims.audit.context import audit_context
from ims.audit.context import current as current_audit_context

from .choices import DataSource, ReadingChannel
from .models import Kpi, Reading
from .periods import period_bounds

PERM_ADD_KPI = "kpis.add_kpi"
PERM_ADD_READING = "kpis.add_reading"
KPI_FIELDS = (
    "code", "name", "description", "objective", "discipline", "unit", "direction", "target", "target_min",
    "target_max", "physical_min", "physical_max", "frequency", "owner", "data_source", "source_key",
    "baseline_start", "baseline_end",
)  # fmt: skip


def _reason(default: str):
    return audit_context(reason=current_audit_context().get("reason") or default)


def _require_at_sites(actor, perm: str, sites: Iterable, verb: str) -> None:
    for site in sites:
        if actor is not None and not user_can_at_site(actor, perm, site):
            raise PermissionDenied(_("You may not %(verb)s at site %(site)s.") % {"verb": verb, "site": site.code})


def _require(actor, action: str, obj) -> None:
    if actor is not None and not user_can(actor, action, obj):
        raise PermissionDenied(
            _("You may not %(action)s this %(thing)s.") % {"action": action, "thing": obj._meta.verbose_name}
        )


def _check_source(kpi: Kpi) -> None:
    if kpi.data_source == DataSource.COMPUTED:
        from ims.indicators.kpi_sources import source_get

        try:
            source_get(kpi.source_key)
        except ValidationError as error:
            raise ValidationError({"source_key": error.messages}) from None


# --- KPI definitions ------------------------------------------------------------------------------------------


@transaction.atomic
def kpi_create(*, actor, sites: list, **fields) -> Kpi:
    """A new KPI measured at ``sites`` (the actor may add KPIs at every one of them)."""
    if not sites:
        raise ValidationError({"sites": _("Choose at least one site where the KPI is measured.")})
    _require_at_sites(actor, PERM_ADD_KPI, sites, _("add KPIs"))
    unknown = set(fields) - set(KPI_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown fields: %(f)s.") % {"f": ", ".join(sorted(unknown))})
    kpi = Kpi(**fields)
    kpi.full_clean()
    _check_source(kpi)
    with _reason(_("KPI defined")):
        kpi.save()
        kpi.sites.set(sites)
    return kpi


@transaction.atomic
def kpi_update(*, actor, kpi: Kpi, sites: list | None = None, **fields) -> Kpi:
    locked = Kpi.objects.select_for_update().get(pk=kpi.pk)
    _require(actor, "change", locked)
    for name, value in fields.items():
        if name not in KPI_FIELDS:
            raise ValidationError(_("Unknown field: %(f)s.") % {"f": name})
        setattr(locked, name, value)
    locked.full_clean()
    _check_source(locked)
    if sites is not None:
        if not sites:
            raise ValidationError({"sites": _("Choose at least one site where the KPI is measured.")})
        current = set(locked.sites.values_list("pk", flat=True))
        _require_at_sites(actor, PERM_ADD_KPI, [s for s in sites if s.pk not in current], _("add KPIs"))
    with _reason(_("KPI changed")):
        locked.save()
        if sites is not None:
            locked.sites.set(sites)
    return locked


@transaction.atomic
def kpi_retire(*, actor, kpi: Kpi) -> Kpi:
    locked = Kpi.objects.select_for_update().get(pk=kpi.pk)
    _require(actor, "delete", locked)
    if not locked.is_active:
        raise ValidationError(_("This KPI is retired already."))
    locked.is_active = False
    with _reason(_("KPI retired")):
        locked.save(update_fields=["is_active", "updated_at"])
    return locked


# --- readings -----------------------------------------------------------------------------------------------


def _decimal(value, field: str = "value") -> Decimal:
    try:
        number = Decimal(str(value).strip().replace(",", ".")) if not isinstance(value, Decimal) else value
    except (InvalidOperation, ValueError):
        raise ValidationError({field: _("“%(v)s” is not a number.") % {"v": value}}) from None
    if not number.is_finite():
        raise ValidationError({field: _("“%(v)s” is not a number.") % {"v": value}})
    return number


def physical_range_check(kpi: Kpi, value: Decimal) -> None:
    """A reading the quantity cannot take is refused, with the range it must lie in."""
    low, high = kpi.physical_min, kpi.physical_max
    if (low is not None and value < low) or (high is not None and value > high):
        unit = f" {kpi.unit}" if kpi.unit else ""
        bounds = f"{_fmt(low)} – {_fmt(high)}{unit}"
        raise ValidationError(
            {"value": _("%(v)s is outside the possible range of %(kpi)s (%(range)s).")
             % {"v": _fmt(value), "kpi": kpi.code, "range": bounds}}
        )  # fmt: skip


def _fmt(value) -> str:
    return "…" if value is None else format(Decimal(value).normalize(), "f")


def _reading_build(
    *, kpi: Kpi, site, period_date: datetime.date, value, denominator, channel, comment, actor
) -> Reading:
    if not kpi.is_active:
        raise ValidationError({"kpi": _("%(kpi)s is retired; it takes no readings.") % {"kpi": kpi.code}})
    if not kpi.sites.filter(pk=site.pk).exists():
        raise ValidationError(
            {"site": _("%(kpi)s is not measured at %(site)s.") % {"kpi": kpi.code, "site": site.code}}
        )
    number = _decimal(value)
    physical_range_check(kpi, number)
    if denominator is not None and denominator != "":
        try:
            denominator = int(denominator)
        except (TypeError, ValueError):
            raise ValidationError({"denominator": _("The denominator must be a whole number.")}) from None
        if denominator <= 0:
            raise ValidationError({"denominator": _("The denominator must be a positive whole number.")})
    else:
        denominator = None
    start, end = period_bounds(kpi.frequency, period_date)
    return Reading(
        kpi=kpi, site=site, period_start=start, period_end=end, value=number, denominator=denominator,
        channel=channel, comment=comment or "", entered_by=actor,
    )  # fmt: skip


def _duplicate_error(reading: Reading) -> ValidationError:
    return ValidationError(
        {"period": _("%(kpi)s already has a reading at %(site)s for %(period)s; correct that one instead.")
         % {"kpi": reading.kpi.code, "site": reading.site.code, "period": reading.period_start.strftime("%Y-%m")}}
    )  # fmt: skip


@transaction.atomic
def reading_record(
    *, actor, kpi: Kpi, site, period: datetime.date, value, denominator=None, comment: str = "",
    channel: str = ReadingChannel.WEB,
) -> Reading:  # fmt: skip
    """Record the value of ``kpi`` at ``site`` for the period containing ``period``; one per KPI, site and period."""
    _require_at_sites(actor, PERM_ADD_READING, [site], _("record readings"))
    reading = _reading_build(
        kpi=kpi, site=site, period_date=period, value=value, denominator=denominator, channel=channel,
        comment=comment, actor=actor,
    )  # fmt: skip
    if Reading.objects.valid().filter(kpi=kpi, site=site, period_start=reading.period_start).exists():
        raise _duplicate_error(reading)
    try:
        with transaction.atomic(), _reason(_("KPI reading recorded")):
            reading.save()
    except IntegrityError:
        raise _duplicate_error(reading) from None
    from .signals import signals_detect

    signals_detect(kpi_id=kpi.pk, site_ids=[site.pk], reading_ids=[reading.pk])
    return reading


@transaction.atomic
def reading_correct(*, actor, reading: Reading, value, denominator=None, comment: str | None = None) -> Reading:
    """Correct a reading's value; the reason for change (required) and the old value go to the audit trail."""
    reason = current_audit_context().get("reason")
    if not reason:
        raise ValidationError({"reason": _("Give the reason for this correction; it is kept in the audit trail.")})
    locked = Reading.objects.select_for_update().select_related("kpi").get(pk=reading.pk)
    _require(actor, "change", locked)
    if locked.is_void:
        raise ValidationError(_("A voided reading cannot be corrected; record a new one."))
    number = _decimal(value)
    physical_range_check(locked.kpi, number)
    locked.value = number
    if denominator is not None:
        locked.denominator = int(denominator) if denominator != "" else None
    if comment is not None:
        locked.comment = comment
    locked.save()
    return locked


@transaction.atomic
def reading_void(*, actor, reading: Reading, reason: str) -> Reading:
    """Void a wrong reading with a reason (kept; its period is free for a new reading)."""
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why the reading is voided.")})
    locked = Reading.objects.select_for_update().get(pk=reading.pk)
    _require(actor, "delete", locked)
    if locked.is_void:
        raise ValidationError(_("This reading is voided already."))
    locked.is_void = True
    locked.void_reason = reason.strip()
    with audit_context(reason=reason.strip()):
        locked.save(update_fields=["is_void", "void_reason", "updated_at"])
    return locked

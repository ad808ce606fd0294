"""Reads: a record's signatures and their manifestation, the certification register."""

from __future__ import annotations

import datetime
import zoneinfo
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models.functions import Cast
from django.utils import timezone

from ims.access.permissions import has_global_permission, site_id_list

from .canonical import NotSignable, record_hash
from .constants import CURRENT_STATEMENT_VERSION, REGISTER_PERMISSION
from .models import Signature, SignatureCertification, SigningLock
from .registry import get_signable

UTC = datetime.UTC


def signatures_for(record: models.Model) -> models.QuerySet:
    """The signatures of ``record``, oldest first."""
    return Signature.objects.for_record(record).select_related("content_type").order_by("signed_at", "pk")


def viewer_timezone(user) -> zoneinfo.ZoneInfo:
    """The viewer's site time zone: the site of their first current membership (UTC when they have none)."""
    from ims.org.models import Membership

    if user is None or not getattr(user, "is_authenticated", False):
        return zoneinfo.ZoneInfo("UTC")
    cached = getattr(user, "_esign_tz", None)
    if cached is not None:
        return cached
    name = (
        Membership.objects.current()
        .filter(person=user, site__is_active=True)
        .order_by("valid_from", "pk")
        .values_list("site__timezone", flat=True)
        .first()
    )
    tz = zoneinfo.ZoneInfo(name or "UTC")
    user._esign_tz = tz
    return tz


def iso_utc(value: datetime.datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class Manifestation:
    """What every human-readable form of a signed record shows (Part 11 §11.50): name, date-time, meaning."""

    signature: Signature
    printed_name: str
    signed_at_utc: str
    signed_at_local: str
    time_zone: str
    meaning: str
    meaning_label: str
    reason: str
    record_changed: bool

    @property
    def text(self) -> str:
        local = f"{self.signed_at_local} {self.time_zone}"
        return f"{self.printed_name} · {self.meaning_label} · {self.signed_at_utc} ({local})"


def manifestation(signature: Signature, *, tz: zoneinfo.ZoneInfo, current_hash: str | None = None) -> Manifestation:
    local = signature.signed_at.astimezone(tz)
    return Manifestation(
        signature=signature,
        printed_name=signature.signer_name,
        signed_at_utc=iso_utc(signature.signed_at),
        signed_at_local=local.isoformat(timespec="seconds"),
        time_zone=str(tz.key),
        meaning=signature.meaning,
        meaning_label=str(signature.get_meaning_display()),
        reason=signature.reason,
        record_changed=current_hash is not None and current_hash != signature.record_hash,
    )


def local_text(value: datetime.datetime | None, tz: zoneinfo.ZoneInfo) -> str:
    """A date-time as a human-readable record shows it: the wall time in ``tz`` and the zone's name
    (``2025-03-04 10:15:32 Europe/Zurich``); empty for ``None``."""
    if value is None:
        return ""
    return f"{value.astimezone(tz):%Y-%m-%d %H:%M:%S} {tz.key}"


def signatures_by_record(model: type[models.Model], pks) -> dict[str, list[Signature]]:
    """The signatures of many records of one model, oldest first, keyed by the record's pk as text (one query):
    the signature blocks of a list or an evidence table without a query per row."""
    keys = [str(pk) for pk in pks]
    if not keys:
        return {}
    ctype = ContentType.objects.get_for_model(model, for_concrete_model=False)
    found: dict[str, list[Signature]] = {}
    for signature in Signature.objects.filter(content_type=ctype, object_pk__in=keys).order_by("signed_at", "pk"):
        found.setdefault(signature.object_pk, []).append(signature)
    return found


def signatures_text(records, *, tz_of) -> dict[int, list[str]]:
    """Each record's signatures as one line each (meaning, printed name, date-time in ``tz_of(record)``'s zone;
    flagged when the signed content changed since), for a page of records of one model in one query: the
    signature column of an evidence table."""
    from django.utils.translation import gettext as _

    records = list(records)
    if not records:
        return {}
    found = signatures_by_record(type(records[0]), [r.pk for r in records])
    shown: dict[int, list[str]] = {}
    for record in records:
        hashes: dict[str, str] = {}
        for signature in found.get(str(record.pk), []):
            if signature.meaning not in hashes:
                hashes[signature.meaning] = record_hash(record, meaning=signature.meaning)
            text = (
                f"{signature.get_meaning_display()}: {signature.signer_name}, "
                f"{local_text(signature.signed_at, tz_of(record)) or '—'}"
            )
            if hashes[signature.meaning] != signature.record_hash:
                text += " " + _("(content changed since signing)")
            shown.setdefault(record.pk, []).append(text)
    return shown


def manifestations_for(record: models.Model, *, viewer) -> list[Manifestation]:
    tz = viewer_timezone(viewer)
    signatures = list(signatures_for(record))
    current: dict[str, str | None] = {}
    for meaning in {s.meaning for s in signatures}:
        try:
            current[meaning] = record_hash(record, meaning=meaning) if get_signable(type(record)) else None
        except NotSignable:
            current[meaning] = None
    return [manifestation(s, tz=tz, current_hash=current[s.meaning]) for s in signatures]


def record_for(*, content_type: str, object_pk: str, user) -> models.Model | None:
    """The signable record ``content_type`` ("app_label.model") / ``object_pk`` if ``user`` may view it."""
    entry = get_signable(content_type) if content_type else None
    if entry is None:
        return None
    manager = entry.model._default_manager
    if not hasattr(manager, "restrict"):
        # Records without site scoping (the certification itself) are visible to their own person only.
        queryset = manager.filter(person=user) if entry.model is SignatureCertification else manager.none()
    else:
        queryset = manager.restrict(user, "view")
    try:
        return queryset.filter(pk=object_pk).first()
    except (ValueError, TypeError, models.ObjectDoesNotExist):
        return None
    except Exception:  # a malformed pk for the field type (e.g. text for an integer key)
        return None


# --- the certification register ------------------------------------------------------------------


def register_sites(user) -> models.QuerySet:
    """Sites whose certification register ``user`` may read."""
    from ims.org.models import Site

    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Site.objects.none()
    if has_global_permission(user, REGISTER_PERMISSION):
        return Site.objects.all()
    app_label, codename = REGISTER_PERMISSION.split(".", 1)
    return Site.objects.filter(pk__in=site_id_list(user, app_label, codename))


def certification_register(*, user, site=None) -> models.QuerySet:
    """One row per (site, certification) for the people with a membership at the sites ``user`` may read.

    A person's certification is listed at every site where they hold (or held) a membership.
    """
    sites = register_sites(user)
    if site is not None:
        sites = sites.filter(pk=site.pk)
    certification_ct = ContentType.objects.get_for_model(SignatureCertification)
    signature_hash = Signature.objects.filter(
        content_type=certification_ct, object_pk=Cast(models.OuterRef("pk"), models.CharField())
    ).values("signature_hash")[:1]
    return (
        SignatureCertification.objects.filter(person__memberships__site__in=sites)
        .values(
            "pk",
            "person__memberships__site__code",
            "person__employee_id",
            "person__first_name",
            "person__last_name",
            "person__username",
            "statement_version",
            "certified_at",
        )
        .annotate(signature_hash=models.Subquery(signature_hash))
        .order_by(
            "person__memberships__site__code",
            "person__last_name",
            "person__first_name",
            "person__employee_id",
            "statement_version",
        )
        .distinct()
    )


def register_summary(*, user) -> list[dict]:
    """Per readable site: people with a current membership, and how many of them hold the current certification."""
    today = timezone.localdate()
    current = models.Q(memberships__valid_from__lte=today) & (
        models.Q(memberships__valid_to__isnull=True) | models.Q(memberships__valid_to__gte=today)
    )
    certified = current & models.Q(
        memberships__person__esign_certifications__statement_version=CURRENT_STATEMENT_VERSION,
        memberships__person__is_active=True,
    )
    return list(
        register_sites(user)
        .annotate(
            people=models.Count(
                "memberships__person", filter=current & models.Q(memberships__person__is_active=True), distinct=True
            ),
            certified=models.Count("memberships__person", filter=certified, distinct=True),
        )
        .values("pk", "code", "name", "people", "certified")
        .order_by("code")
    )


def open_signing_locks() -> models.QuerySet:
    return SigningLock.objects.filter(unlock__isnull=True).select_related("person").order_by("-locked_at")

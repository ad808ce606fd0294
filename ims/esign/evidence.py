"""The e-signature register of an inspector's evidence pack (section ``signatures``).

Which signatures belong to a site: those made by a person who held a membership at the site on the day (UTC)
they signed. One rule for every signable model, decided in the database with one ``EXISTS`` (the signed records
are of many models, some with several sites); it is the site rule of the signature's audit trail and of the
certification register, narrowed to the membership in force when the person signed.
"""

from __future__ import annotations

import zoneinfo
from collections import defaultdict

from django.contrib.contenttypes.models import ContentType
from django.db.models import DateField, Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Cast
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from ims.reports.manifest import manifest_records
from ims.reports.registry import EvidenceSection, PackScope, SectionPart, register_section
from ims.reports.render import ROWS_PER_PART, page_slice, paged_keys, table_html

from .models import Signature, SignatureCertification
from .selectors import local_text

SECTION_CODE = "signatures"
SECTION_TITLE = "E-signature register"
SHORT_HASH = 12
SIGNATURES_PER_PART = ROWS_PER_PART


def _memberships_when_signed(scope: PackScope) -> QuerySet:
    from ims.org.models import Membership

    day = Cast(OuterRef("signed_at"), output_field=DateField())
    return (
        Membership._base_manager.filter(
            person_id=OuterRef("signer_id"), site_id__in=scope.site_ids, valid_from__lte=day
        )
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day))
        .order_by("valid_from", "pk")
    )


def scope_signatures(scope: PackScope) -> QuerySet:
    """The signatures made in the period by people of the scope's sites (on the day they signed)."""
    return Signature.objects.filter(
        Exists(_memberships_when_signed(scope)),
        signed_at__gte=scope.period_start_dt,
        signed_at__lt=scope.period_end_dt,
    ).order_by("signed_at", "pk")


def signature_included(scope: PackScope) -> list[QuerySet]:
    signatures = scope_signatures(scope)
    return [signatures, SignatureCertification.objects.filter(person_id__in=signatures.values("signer_id"))]


def signature_parts(scope: PackScope) -> list[str]:
    return paged_keys(scope_signatures(scope).count(), per_part=SIGNATURES_PER_PART)


def _signed_records(signatures: list[Signature]) -> dict[tuple[int, str], object]:
    """The records the signatures refer to: one query per model (its non-null relations joined, for ``str``)."""
    wanted: dict[int, set[str]] = defaultdict(set)
    for signature in signatures:
        wanted[signature.content_type_id].add(signature.object_pk)
    found = {}
    for ctype_id, pks in wanted.items():
        model = ContentType.objects.get_for_id(ctype_id).model_class()
        if model is None:
            continue
        for pk, record in model._base_manager.select_related().in_bulk(list(pks)).items():
            found[(ctype_id, str(pk))] = record
    return found


def _record_label(signature: Signature, records: dict) -> str:
    model = signature.content_type.model_class()
    label = capfirst(str(model._meta.verbose_name)) if model else signature.content_type.model
    record = records.get((signature.content_type_id, signature.object_pk))
    return f"{label}: {record}" if record is not None else f"{label} #{signature.object_pk}"


def signature_render(scope: PackScope, key: str) -> SectionPart:
    window = page_slice(key, per_part=SIGNATURES_PER_PART)
    members = _memberships_when_signed(scope)
    signatures = list(
        scope_signatures(scope)
        .select_related("content_type")
        .annotate(
            site_code=Subquery(members.values("site__code")[:1]),
            site_zone=Subquery(members.values("site__timezone")[:1]),
        )[window]
    )
    records = _signed_records(signatures)
    zones: dict[int, zoneinfo.ZoneInfo] = {}
    rows = []
    for signature in signatures:
        tz = zoneinfo.ZoneInfo(signature.site_zone or "UTC")
        zones.setdefault(signature.signer_id, tz)
        rows.append(
            [
                local_text(signature.signed_at, tz),
                signature.site_code,
                signature.signer_name,
                signature.signer_username,
                signature.get_meaning_display(),
                _record_label(signature, records),
                signature.reason,
                signature.record_hash[:SHORT_HASH],
            ]
        )
    certifications = list(
        SignatureCertification.objects.filter(person_id__in=list(zones))
        .select_related("person")
        .order_by("person__last_name", "person__first_name", "person_id", "statement_version")
    )
    certification_rows = [
        [
            c.person.display_name,
            c.person.username,
            c.statement_version,
            local_text(c.certified_at, zones[c.person_id]),
        ]
        for c in certifications
    ]
    first, last = window.start + 1, window.start + len(signatures)
    span = f" {first}–{last}" if signatures else ""
    html = table_html(
        title=_("Signatures") + span,
        lead=_(
            "Electronic signatures made between %(start)s and %(end)s by people who were members of the pack's "
            "sites on the day they signed; times in the time zone of that site. The record hash is the SHA-256 "
            "of the signed content (first %(n)s characters)."
        )
        % {"start": scope.period_start, "end": scope.period_end, "n": SHORT_HASH},
        columns=[
            _("Signed at"),
            _("Site"),
            _("Printed name"),
            _("User ID"),
            _("Meaning"),
            _("Record"),
            _("Reason"),
            _("Record hash"),
        ],
        rows=rows,
        empty=_("No electronic signature was made at these sites in this period."),
    ) + table_html(
        title=_("The signers' e-signature certifications (21 CFR 11.100(c))"),
        columns=[_("Person"), _("User ID"), (_("Statement version"), True), _("Certified at")],
        rows=certification_rows,
        empty=_("None of these signers holds a certification."),
    )
    return SectionPart(
        title=SECTION_TITLE + span,
        html=html,
        records=manifest_records(signatures) + manifest_records(certifications),
    )


def register() -> None:
    register_section(
        EvidenceSection(
            code=SECTION_CODE,
            title=SECTION_TITLE,
            order=90,
            models=(Signature._meta.label_lower, SignatureCertification._meta.label_lower),
            parts=signature_parts,
            render=signature_render,
            description=(
                "Electronic signatures made in the period by people who were members of the pack's sites on the "
                "day they signed (whatever the record signed), with the signers' Part 11 certifications."
            ),
            pages=(("E-signature certification register", "esign:certification_register"),),
            period_lookups={Signature._meta.label_lower: "signed_at"},
            included=signature_included,
        )
    )

"""Manifest entries for the records of a pack: model, id, version and content hash, computed in bulk."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from django.db import models

from ims.esign.canonical import canonical_document, canonical_value

from .registry import Attachment, ManifestRecord


def _concrete_values(record: models.Model) -> dict:
    values = {}
    for f in record._meta.concrete_fields:
        values[f.attname] = canonical_value(getattr(record, f.attname))
    return values


def record_hash(record: models.Model) -> str:
    """SHA-256 of the record's stored values (every concrete field) in canonical JSON."""
    return hashlib.sha256(canonical_document(record._meta.label_lower, record.pk, _concrete_values(record))).hexdigest()


def trail_versions(label: str, pks: Iterable) -> dict[str, int]:
    """Per record, the id of its newest audit event: the version of the state the pack shows."""
    from django.db.models import Max

    from ims.audit.models import AuditEvent

    keys = [str(pk) for pk in pks]
    if not keys:
        return {}
    rows = (
        AuditEvent.objects.filter(model_label=label, object_pk__in=keys)
        .exclude(action="R")
        .values("object_pk")
        .annotate(last=Max("id"))
    )
    return {row["object_pk"]: row["last"] for row in rows}


def manifest_records(records: Iterable[models.Model], *, version_field: str | None = None) -> list[ManifestRecord]:
    """Manifest entries for ``records`` (one query for their versions). ``version_field`` names a field that is
    the record's own version (a document version's number); otherwise the newest trail event's id is."""
    records = list(records)
    if not records:
        return []
    label = records[0]._meta.label_lower
    versions = {} if version_field else trail_versions(label, [r.pk for r in records])
    entries = []
    for record in records:
        if version_field:
            version = str(getattr(record, version_field))
        else:
            event = versions.get(str(record.pk))
            version = f"trail-{event}" if event else "1"
        entries.append(ManifestRecord(model=label, pk=str(record.pk), version=version, sha256=record_hash(record)))
    return entries


def attachment(name: str, data: bytes, *, source: str = "") -> Attachment:
    return Attachment(name=name, data=data, sha256=hashlib.sha256(data).hexdigest(), source=source)

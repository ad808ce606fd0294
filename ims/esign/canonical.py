"""Canonical serialisation of a signable record: the bytes whose SHA-256 is the *record hash*.

Deterministic JSON: sorted keys, no whitespace, UTF-8, ISO-8601 UTC date-times, decimals as
strings with the field's decimal places, foreign keys as the related pk, many-to-many as the
sorted list of pks. The document holds the model label and the record's pk, so two records
with equal content still hash differently.
"""

from __future__ import annotations

import base64
import datetime
import decimal
import hashlib
import json
import uuid
from collections.abc import Mapping
from typing import Any

from django.db import models

from .registry import SignableModel, get_signable


class NotSignable(LookupError):
    """The model is not registered as signable."""


def canonical_value(value: Any) -> Any:
    """A JSON-native, deterministic form of a Python value."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, decimal.Decimal):
        return format(value, "f")
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None:
            raise ValueError("naive date-time in signed content; store aware date-times")
        return value.astimezone(datetime.UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, datetime.timedelta):
        return f"{value.total_seconds():.6f}s"
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, Mapping):
        return {str(k): canonical_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [canonical_value(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted((canonical_value(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True))
    if isinstance(value, models.Model):
        return canonical_value(value.pk)
    return str(value)


def canonical_document(model_label: str, pk: Any, fields: Mapping[str, Any]) -> bytes:
    document = {"model": model_label.lower(), "pk": str(pk), "fields": canonical_value(dict(fields))}
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode(
        "utf-8"
    )


def content_hash(model_label: str, pk: Any, fields: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical_document(model_label, pk, fields)).hexdigest()


def _field_value(record: models.Model, name: str) -> Any:
    field = record._meta.get_field(name)
    if field.many_to_many:
        return sorted(getattr(record, name).values_list("pk", flat=True))
    if field.is_relation:
        return getattr(record, field.attname)
    value = getattr(record, field.attname)
    if isinstance(field, models.DecimalField) and value is not None:
        places = decimal.Decimal(1).scaleb(-field.decimal_places)
        return decimal.Decimal(value).quantize(places)
    if isinstance(field, models.FileField):
        return value.name if value else ""
    return value


def record_fields(
    record: models.Model, entry: SignableModel | None = None, *, meaning: str | None = None
) -> dict[str, Any]:
    entry = entry or get_signable(type(record))
    if entry is None:
        raise NotSignable(f"{record._meta.label} is not registered as signable")
    return {name: _field_value(record, name) for name in entry.fields_for(meaning)}


def record_hash(record: models.Model, *, meaning: str | None = None) -> str:
    """SHA-256 hex of the record's canonical signed content (the part that ``meaning``'s signatures bind)."""
    entry = get_signable(type(record))
    if entry is None:
        raise NotSignable(f"{record._meta.label} is not registered as signable")
    return content_hash(entry.label, record.pk, record_fields(record, entry, meaning=meaning))

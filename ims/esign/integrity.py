"""``verify_integrity`` check of the e-signatures (Part 11 §11.70): bound, uncopied, unaltered.

Finds a signature whose stored hash no longer matches its fields (edited, or copied onto
another record: the record identity is inside the hash), a signature of an immutable record
whose current content no longer hashes to the value bound at signing (the signed record was
changed), a certification without its signature, and a record whose link to its signature
(``SignatureLink``) points to a signature of another record, by another person or with another
meaning, or that is marked signed without a signature.
"""

from __future__ import annotations

from collections import defaultdict

from django.contrib.contenttypes.models import ContentType
from django.db.models import BigIntegerField, CharField, Exists, F, OuterRef, Q
from django.db.models.functions import Cast

from .canonical import record_hash
from .choices import SignatureMeaning
from .models import Signature, SignatureCertification
from .registry import SignableModel, get_signable, signable_models

CHUNK = 2000


def _record_problems(by_type: dict[int, dict[str, list[Signature]]]) -> list[str]:
    problems = []
    for ctype_id, by_pk in by_type.items():
        model = ContentType.objects.get_for_id(ctype_id).model_class()
        entry = get_signable(model) if model is not None else None
        if entry is None:
            first = next(iter(by_pk.values()))[0]
            problems.append(f"signature {first.pk}: signed record type is no longer signable")
            continue
        pks = list(by_pk)
        records = {}
        for start in range(0, len(pks), CHUNK):
            for record in model._base_manager.filter(pk__in=pks[start : start + CHUNK]):
                records[str(record.pk)] = record
        for object_pk, signatures in by_pk.items():
            record = records.get(object_pk)
            if record is None:
                problems += [
                    f"signature {s.pk}: signed record {entry.label} {object_pk} is missing" for s in signatures
                ]
                continue
            if not entry.immutable:
                continue
            current = {meaning: record_hash(record, meaning=meaning) for meaning in {s.meaning for s in signatures}}
            problems += [
                f"signature {s.pk}: bound record {entry.label} {object_pk} changed since signing"
                for s in signatures
                if s.record_hash != current[s.meaning]
            ]
    return problems


def _link_problems(entry: SignableModel) -> list[str]:
    """Rows whose signature link is not a signature of that very row, by the right person and meaning."""
    link = entry.link
    model = entry.model
    ctype = ContentType.objects.get_for_model(model)
    rows = model._base_manager.annotate(_pk_text=Cast("pk", CharField()))
    own = Q(
        **{
            f"{link.field}__content_type": ctype,
            f"{link.field}__object_pk": F("_pk_text"),
            f"{link.field}__meaning__in": link.meanings,
        }
    )
    if link.signer:
        own &= Q(**{f"{link.field}__signer_id": F(f"{link.signer}_id")})
    problems = [
        f"{entry.label} {pk}: its signature {signature_id} is not a {'/'.join(link.meanings)} signature of this "
        "record" + (" by the person it names" if link.signer else "") + " — the link was forged"
        for pk, signature_id in rows.filter(**{f"{link.field}__isnull": False})
        .exclude(own)
        .order_by("pk")
        .values_list("pk", f"{link.field}_id")[:CHUNK]
    ]
    linked_from_its_record = model._base_manager.filter(
        pk=Cast(OuterRef("object_pk"), BigIntegerField()), **{link.field: OuterRef("pk")}
    )
    problems += [
        f"signature {signature_pk} of {entry.label} {object_pk} is not linked from its record — the record was "
        "reopened or its link moved"
        for signature_pk, object_pk in Signature.objects.filter(content_type=ctype, meaning__in=link.meanings)
        .exclude(Exists(linked_from_its_record))
        .order_by("pk")
        .values_list("pk", "object_pk")[:CHUNK]
    ]
    if link.signed_when:
        problems += [
            f"{entry.label} {pk}: marked {', '.join(str(v) for _f, v in link.signed_when)} without a signature"
            for pk in model._base_manager.filter(**dict(link.signed_when), **{f"{link.field}__isnull": True})
            .order_by("pk")
            .values_list("pk", flat=True)[:CHUNK]
        ]
    return problems


def signatures_verify() -> list[str]:
    """Problems found (empty when every signature and certification verifies)."""
    problems: list[str] = []
    by_type: dict[int, dict[str, list[Signature]]] = defaultdict(lambda: defaultdict(list))
    for signature in Signature.objects.select_related("content_type").order_by("pk").iterator(chunk_size=CHUNK):
        if not signature.hash_is_valid:
            problems.append(
                f"signature {signature.pk}: its fields no longer match its hash — edited, or copied onto another record"
            )
            continue
        by_type[signature.content_type_id][signature.object_pk].append(signature)
    problems += _record_problems(by_type)

    certification_ct = ContentType.objects.get_for_model(SignatureCertification)
    signed = {
        (object_pk, signer_id)
        for object_pk, signer_id in Signature.objects.filter(
            content_type=certification_ct, meaning=SignatureMeaning.ACKNOWLEDGED
        ).values_list("object_pk", "signer_id")
    }
    for pk, person_id in SignatureCertification.objects.order_by("pk").values_list("pk", "person_id"):
        if (str(pk), person_id) not in signed:
            problems.append(f"certification {pk}: has no signature by its person")
    for entry in signable_models():
        if entry.link is not None:
            problems += _link_problems(entry)
    return problems

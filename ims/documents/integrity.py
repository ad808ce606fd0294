"""``verify_integrity`` check of document approvals: an approved version carries its approver's signature.

A version that is approved (or was: effective, superseded) names its approver; the check finds a version
without an "approved" signature of that very version by that person — a status or approver set around the
signing workflow.
"""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, Exists, OuterRef, Q
from django.db.models.functions import Cast

from ims.esign.choices import SignatureMeaning
from ims.esign.models import Signature

from .choices import VersionStatus
from .models import DocumentVersion

LIMIT = 200


def approvals_verify() -> list[str]:
    signed = Signature.objects.filter(
        content_type=ContentType.objects.get_for_model(DocumentVersion),
        object_pk=Cast(OuterRef("pk"), CharField()),
        meaning=SignatureMeaning.APPROVED,
        signer_id=OuterRef("approved_by_id"),
    )
    approved = Q(status__in=(VersionStatus.APPROVED, VersionStatus.EFFECTIVE, VersionStatus.SUPERSEDED)) | Q(
        approved_by__isnull=False
    )
    unsigned = (
        DocumentVersion._base_manager.filter(approved)
        .exclude(Exists(signed))
        .select_related("document")
        .order_by("pk")[:LIMIT]
    )
    return [
        f"document version {version.pk} ({version.document.number} v{version.number}, {version.status}) has no "
        "approval signature of its own by the approver it names — approved outside the signing workflow"
        for version in unsigned
    ]

"""The scale seed's documents and acknowledgement tasks (``seed_scale`` → ``AppConfig.scale_seed`` hooks)."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Count, Q

from ims.documents.choices import DocumentType, VersionStatus
from ims.documents.models import ControlledDocument, DocumentVersion
from ims.esign.integrity import signatures_verify
from ims.esign.models import Signature, SignatureCertification
from policies.distribution import acknowledgements_reconcile
from policies.models import Acknowledgement, AcknowledgementStatus, Distribution

pytestmark = pytest.mark.django_db


def counts() -> dict[str, int]:
    return {
        "documents": ControlledDocument.objects.count(),
        "versions": DocumentVersion.objects.count(),
        "distributions": Distribution.objects.count(),
        "acknowledgements": Acknowledgement.objects.count(),
        "signatures": Signature.objects.count(),
        "certifications": SignatureCertification.objects.count(),
    }


def test_seed_scale_small_creates_documents_and_tasks_once():
    out = StringIO()
    call_command("seed_scale", "--size", "small", stdout=out)
    assert "Document control:" in out.getvalue() and "acknowledgement tasks" in out.getvalue()

    # The process maps of step 2's scale data are documents too; these are document control's own.
    documents = ControlledDocument.objects.filter(number__startswith="SC").exclude(doc_type=DocumentType.PROCESS_MAP)
    assert 50 <= documents.count() <= 70
    per_document = documents.annotate(
        effective=Count("versions", filter=Q(versions__status=VersionStatus.EFFECTIVE), distinct=True),
        superseded=Count("versions", filter=Q(versions__status=VersionStatus.SUPERSEDED), distinct=True),
        open=Count(
            "versions", filter=Q(versions__status__in=[VersionStatus.DRAFT, VersionStatus.IN_REVIEW]), distinct=True
        ),
        site_count=Count("sites", distinct=True),
    )
    assert all(d.effective == 1 for d in per_document)
    assert any(d.superseded for d in per_document) and any(d.open for d in per_document)
    assert any(d.site_count == 5 for d in per_document) and any(d.site_count == 1 for d in per_document)
    must_read = documents.filter(requires_acknowledgement=True)
    assert set(must_read.values_list("doc_type", flat=True)) == {DocumentType.POLICY, DocumentType.MANUAL}
    assert not documents.filter(requires_acknowledgement=False, doc_type=DocumentType.POLICY).exists()

    tasks = Acknowledgement.objects.all()
    assert tasks.count() > 1000
    assert Distribution.objects.count() == must_read.count()
    acknowledged = tasks.filter(status=AcknowledgementStatus.ACKNOWLEDGED)
    assert 0.5 < acknowledged.count() / tasks.count() < 0.9
    assert tasks.overdue().exists() and tasks.open().filter(opened_at__isnull=False).exists()
    assert not acknowledged.filter(signature__isnull=True).exists()
    # The tasks are exactly the audience the live distribution computes, and every signature verifies.
    effective = list(
        DocumentVersion.objects.filter(document__in=must_read, status=VersionStatus.EFFECTIVE).values_list(
            "pk", flat=True
        )
    )
    assert acknowledgements_reconcile(version_ids=effective) == {"created": 0, "cancelled": 0, "moved": 0}
    assert signatures_verify() == []

    first = counts()
    again = StringIO()
    call_command("seed_scale", "--size", "small", stdout=again)
    assert "already present" in again.getvalue() and "nothing changed" in again.getvalue()
    assert counts() == first

"""Defence in depth: the database itself refuses a skipped lifecycle step or a change to signed content."""

from __future__ import annotations

import datetime

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from ims.documents import services
from ims.documents.choices import VersionStatus
from ims.documents.models import DocumentVersion

from .factories import document_at

pytestmark = [pytest.mark.django_db, pytest.mark.req("P11-10f", "P11-10c")]


@pytest.fixture
def approved(org, people, sign):
    document = document_at(
        org.site_a, author=people.author, effective_date=timezone.localdate() + datetime.timedelta(days=3)
    )
    version = document.versions.get(number=1)
    services.version_submit(actor=people.author, version=version)
    sign(services.version_review, people.reviewer, version)
    sign(services.version_approve, people.qm, version)
    return version


@pytest.mark.parametrize(
    "status",
    [VersionStatus.DRAFT, VersionStatus.IN_REVIEW, VersionStatus.SUPERSEDED],
)
def test_a_direct_update_cannot_skip_or_reverse_a_step(approved, status):
    with pytest.raises(IntegrityError), transaction.atomic():
        DocumentVersion.objects.filter(pk=approved.pk).update(status=status)
    approved.refresh_from_db()
    assert approved.status == VersionStatus.APPROVED


@pytest.mark.parametrize(
    "changes",
    [{"body": "Tampered"}, {"change_summary": "Rewritten"}, {"attachment_sha256": "0" * 64}, {"number": 9}],
)
def test_a_direct_update_cannot_change_signed_content(approved, changes):
    with pytest.raises(IntegrityError), transaction.atomic():
        DocumentVersion.objects.filter(pk=approved.pk).update(**changes)
    approved.refresh_from_db()
    assert approved.body.startswith("# Purpose")


def test_a_draft_still_changes_and_an_allowed_step_passes(org, people, approved):
    draft = document_at(org.site_a, author=people.author).versions.get(number=1)
    DocumentVersion.objects.filter(pk=draft.pk).update(body="Edited draft")  # the control: drafts change
    DocumentVersion.objects.filter(pk=approved.pk).update(status=VersionStatus.EFFECTIVE)  # an allowed step
    approved.refresh_from_db()
    assert approved.status == VersionStatus.EFFECTIVE

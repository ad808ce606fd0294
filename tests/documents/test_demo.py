"""The demo IMS policy: seeded once through the real services, effective, reviewed and approved."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from ims.documents.choices import Discipline, DocumentType, VersionStatus
from ims.documents.demo import POLICY_NUMBER
from ims.documents.models import ControlledDocument
from ims.documents.services import current_reviews
from ims.esign.selectors import signatures_for
from ims.org.models import Site

pytestmark = pytest.mark.django_db


def test_seed_demo_twice_creates_one_effective_signed_ims_policy():
    call_command("seed_demo", stdout=StringIO())
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert f"{POLICY_NUMBER} unchanged (effective)" in out.getvalue()

    policy = ControlledDocument.objects.get(number=POLICY_NUMBER)
    assert ControlledDocument.objects.filter(number=POLICY_NUMBER).count() == 1
    assert policy.doc_type == DocumentType.POLICY
    assert set(policy.disciplines) == {Discipline.QUALITY, Discipline.ENVIRONMENT, Discipline.OHS}
    assert set(policy.sites.all()) == set(Site.objects.filter(is_active=True))
    assert policy.review_due is not None

    versions = list(policy.versions.all())
    assert len(versions) == 1
    version = versions[0]
    assert version.status == VersionStatus.EFFECTIVE
    for phrase in ("EU GMP", "FDA", "continual improvement", "Consultation and participation of workers"):
        assert phrase.lower() in version.body.lower()
    meanings = [s.meaning for s in signatures_for(version)]
    assert meanings == ["reviewed", "approved"]
    signers = {s.meaning: s.signer_id for s in signatures_for(version)}
    assert version.author_id not in signers.values() and signers["reviewed"] != signers["approved"]
    assert version.approved_by_id == signers["approved"]
    assert current_reviews(version)  # the review counts (right person, current content)

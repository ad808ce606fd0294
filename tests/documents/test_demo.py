"""The demo IMS policy: seeded once through the real services, effective, reviewed and approved."""

from __future__ import annotations

import datetime
from io import StringIO

import pytest
from django.core.management import call_command

from ims.documents.choices import Discipline, DocumentType, VersionStatus
from ims.documents.demo import DEMO_DOCUMENTS, POLICY_NUMBER
from ims.documents.models import ControlledDocument, DocumentVersion
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

    # The register a quality manager meets on day one: every state of the life cycle, seeded once.
    # (Step 2's demo adds the process maps, step 3's the integrated procedures and the IMS manual: seeded once too.)
    numbers = [spec.number for spec in DEMO_DOCUMENTS]
    assert ControlledDocument.objects.filter(number__in=numbers).count() == len(DEMO_DOCUMENTS) >= 6
    assert ControlledDocument.objects.filter(doc_type=DocumentType.MANUAL).count() == 1
    for spec in DEMO_DOCUMENTS:
        assert f"{spec.number} unchanged" in out.getvalue()
    statuses = set(DocumentVersion.objects.values_list("status", flat=True))
    assert statuses >= {VersionStatus.EFFECTIVE, VersionStatus.SUPERSEDED, VersionStatus.IN_REVIEW, VersionStatus.DRAFT}
    revised = ControlledDocument.objects.get(number="SOP-QA-002")
    assert [v.status for v in revised.versions.order_by("number")] == [
        VersionStatus.SUPERSEDED,
        VersionStatus.EFFECTIVE,
    ]
    pending = ControlledDocument.objects.get(number="SOP-EHS-003")
    assert [v.status for v in pending.versions.order_by("number")] == [VersionStatus.EFFECTIVE, VersionStatus.IN_REVIEW]
    types = set(ControlledDocument.objects.values_list("doc_type", flat=True))
    assert types >= {DocumentType.POLICY, DocumentType.PROCEDURE, DocumentType.WORK_INSTRUCTION, DocumentType.FORM}


def test_seed_demo_leaves_what_demo_users_changed_and_never_stops():
    """A quality manager drafted and submitted a new version of the IMS policy: the next seed (the next
    ``make run``) must neither stop nor touch that version."""
    from ims.documents import services
    from ims.org.models import Person

    call_command("seed_demo", stdout=StringIO())
    policy = ControlledDocument.objects.get(number=POLICY_NUMBER)
    qm = Person.objects.get(username="qm.basel")
    draft = services.version_create(
        actor=qm,
        document=policy,
        change_summary="QM edits",
        body="Revised by the QM",
        effective_date=datetime.date.today() + datetime.timedelta(days=30),
    )
    draft = services.version_submit(actor=qm, version=draft)
    person = Person.objects.get(username="employee.cork")
    Person.objects.filter(pk=person.pk).update(job_title="Changed by a demo user")
    person.set_password("A-New-Passw0rd-of-mine!")
    person.save(update_fields=["password"])

    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert f"{POLICY_NUMBER} unchanged (effective)" in out.getvalue()
    draft.refresh_from_db()
    assert draft.status == VersionStatus.IN_REVIEW and draft.author_id == qm.pk
    assert policy.versions.count() == 2
    assert ControlledDocument.objects.filter(number=POLICY_NUMBER).count() == 1
    person.refresh_from_db()
    assert person.job_title == "Changed by a demo user" and person.check_password("A-New-Passw0rd-of-mine!")

"""The demo company's IMS manual: sections 4–10 written, live blocks, Basel and Cork annexes, effective with
e-signatures and its snapshot, employees asked to acknowledge it; seeding twice changes nothing."""

from __future__ import annotations

import pytest

from ims.documents.choices import VersionStatus
from ims.documents.demo import documents_demo_seed
from ims.documents.models import ControlledDocument
from ims.esign.models import Signature
from ims.org.demo import demo_seed as org_demo_seed
from manual import demo
from manual.models import ManualSection, ManualSnapshot, SectionBlock, SiteAnnex
from policies.demo import objectives_demo_seed
from policies.models import Acknowledgement
from processes import demo_register
from processes.library import standards_load

pytestmark = pytest.mark.django_db


def test_the_demo_manual_is_effective_signed_and_distributed(settings, django_capture_on_commit_callbacks):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    org_demo_seed()
    documents_demo_seed()
    objectives_demo_seed()
    standards_load()
    demo_register.seed()
    with django_capture_on_commit_callbacks(execute=True):
        assert demo.manual_demo_seed() == "IMS-MAN-001 v2 created (effective; v1 superseded)"
    assert demo.manual_demo_seed() == "IMS-MAN-001 unchanged"
    manual = ControlledDocument.objects.get(number="IMS-MAN-001")
    first, version = manual.versions.order_by("number")
    assert first.status == VersionStatus.SUPERSEDED
    assert version.status == VersionStatus.EFFECTIVE and manual.requires_acknowledgement
    # Version 2 was approved by the VP Global Quality, who sees every site: its snapshot holds all the sites'
    # objectives, where version 1's (approved by the Basel compliance officer) holds Basel's and the company's.
    assert version.approved_by.username == "admin.global" and version.author.username == "qm.basel"
    assert "Cork" in ManualSnapshot.objects.get(version=version).core_html
    assert "Cork:" not in ManualSnapshot.objects.get(version=first).core_html
    assert all(s.body.strip() for s in ManualSection.objects.filter(version=version, mandatory=True))
    keys = set(SectionBlock.objects.filter(section__version=version).values_list("block_key", flat=True))
    assert {"ims_policy", "raci", "objectives", "process_landscape", "applicability"} <= keys
    assert set(SiteAnnex.objects.filter(version=version).values_list("site__code", flat=True)) == {"BSL", "CRK"}
    snapshot = ManualSnapshot.objects.get(version=version)
    assert "Integrated Management System Policy" in snapshot.core_html and "process-landscape" in snapshot.core_html
    assert set(Signature.objects.for_record(version).values_list("meaning", flat=True)) == {"reviewed", "approved"}
    assert Acknowledgement.objects.filter(version=version, person__username="employee.cork").exists()

"""Two approvers sign the same version at the same moment: exactly one approval succeeds (row lock)."""

from __future__ import annotations

import datetime
import threading

import pytest
from django.db import connection
from django.utils import timezone

from ims.documents import services
from ims.documents.choices import VersionStatus
from ims.documents.models import DocumentVersion
from ims.esign.models import Signature

from .factories import document_at

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.req("ASVS5-2.3.3", "P11-10f")]


def test_two_concurrent_approvals_exactly_one_succeeds(org, people, sign):
    document = document_at(
        org.site_a, author=people.author, effective_date=timezone.localdate() + datetime.timedelta(days=5)
    )
    version = document.versions.get(number=1)
    services.version_submit(actor=people.author, version=version)
    sign(services.version_review, people.reviewer, version)

    barrier = threading.Barrier(2)
    outcomes: dict[str, object] = {}

    def approve(person):
        try:
            barrier.wait(timeout=10)
            sign(services.version_approve, person, DocumentVersion.objects.get(pk=version.pk))
            outcomes[person.username] = "approved"
        except Exception as error:  # noqa: BLE001 - the outcome is what the test asserts
            outcomes[person.username] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=approve, args=(p,)) for p in (people.qm, people.officer)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    succeeded = [name for name, outcome in outcomes.items() if outcome == "approved"]
    refused = [outcome for outcome in outcomes.values() if outcome != "approved"]
    assert len(outcomes) == 2
    assert len(succeeded) == 1, outcomes
    assert len(refused) == 1 and isinstance(refused[0], services.TransitionNotAllowed), outcomes
    version.refresh_from_db()
    assert version.status == VersionStatus.APPROVED
    assert version.approved_by.username == succeeded[0]
    approvals = Signature.objects.for_record(version).filter(meaning="approved")
    assert list(approvals.values_list("signer__username", flat=True)) == succeeded

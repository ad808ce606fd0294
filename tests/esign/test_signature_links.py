"""A record's link to its signature is verified (P11-70): the runtime role can rewrite a record's status and
signature link, but ``verify_integrity`` then reports it — the link must point to a signature of that very
record, by the person the record names, with the meaning its workflow gives, and an approved document version
must carry its approver's signature."""

from __future__ import annotations

import pytest
from django.db import connection

from ims.audit.integrity import audit_verify
from ims.documents.choices import VersionStatus
from ims.esign.integrity import signatures_verify
from ims.esign.models import SignatureCertification
from ims.esign.services import certification_create
from policies import distribution
from policies.models import Acknowledgement
from tests.policies.ack_factories import PASSWORD, effective_policy

pytestmark = [pytest.mark.django_db, pytest.mark.req("P11-70")]


@pytest.fixture
def acknowledged(org, password_hash):
    """emp_a acknowledged a policy; qm_a has an open task for it (both certified)."""
    for person in (org.emp_a, org.qm_a):
        certification_create(person=person, password=PASSWORD, username=person.username, session={})
    version = effective_policy(password_hash, sites=[org.site_a])
    task = Acknowledgement.objects.get(version=version, person=org.emp_a)
    distribution.acknowledgement_open(actor=org.emp_a, acknowledgement=task)
    distribution.acknowledgement_sign(actor=org.emp_a, acknowledgement=task, password=PASSWORD, username="emp_a")
    assert signatures_verify() == [] and audit_verify().ok
    return version


def _as_runtime_role(statement: str, params) -> None:
    """The attack runs as the role the application uses (the suite's connection), no privilege needed."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        assert cursor.fetchone()[0] != "ims_owner"
        cursor.execute(statement, params)


def test_an_open_task_marked_acknowledged_with_someone_elses_certification_signature_is_reported(org, acknowledged):
    task = Acknowledgement.objects.get(version=acknowledged, person=org.qm_a)
    foreign = SignatureCertification.objects.get(person=org.emp_a)
    from ims.esign.selectors import signatures_for

    certification_signature = signatures_for(foreign)[0]
    _as_runtime_role(
        "UPDATE policies_acknowledgement SET status = 'acknowledged', acknowledged_at = now(), signature_id = %s "
        "WHERE id = %s",
        [certification_signature.pk, task.pk],
    )
    problems = signatures_verify()
    assert any(f"policies.acknowledgement {task.pk}: its signature {certification_signature.pk}" in p for p in problems)
    assert not audit_verify().ok


def test_a_task_pointing_to_another_persons_acknowledgement_is_reported(org, acknowledged):
    done = Acknowledgement.objects.get(version=acknowledged, person=org.emp_a)
    task = Acknowledgement.objects.get(version=acknowledged, person=org.qm_a)
    # The signature is unique per record (one-to-one), so the forger first reopens the signed task.
    _as_runtime_role(
        "UPDATE policies_acknowledgement SET status = 'open', acknowledged_at = NULL, signature_id = NULL "
        "WHERE id = %s; UPDATE policies_acknowledgement SET status = 'acknowledged', acknowledged_at = now(), "
        "signature_id = %s WHERE id = %s",
        [
            done.pk,
            done.signature_id,
            task.pk,
        ],
    )
    problems = signatures_verify()
    assert any(f"policies.acknowledgement {task.pk}: its signature {done.signature_id}" in p for p in problems)
    assert any(
        f"signature {done.signature_id} of policies.acknowledgement {done.pk} is not linked" in p for p in problems
    )


def test_the_database_refuses_a_task_marked_acknowledged_without_a_signature(org, acknowledged):
    from django.db import IntegrityError, transaction

    task = Acknowledgement.objects.get(version=acknowledged, person=org.qm_a)
    with pytest.raises(IntegrityError), transaction.atomic():
        _as_runtime_role(
            "UPDATE policies_acknowledgement SET status = 'acknowledged', acknowledged_at = now() WHERE id = %s",
            [task.pk],
        )


def test_a_version_approved_around_the_signing_workflow_is_reported(org, acknowledged, password_hash):
    from tests.policies.ack_factories import effective_policy as make

    version = make(password_hash, sites=[org.site_a])
    draft = version.document.versions.model.objects.create(
        document=version.document, number=2, body="Unsigned", author=org.qm_a, change_summary="x"
    )
    _as_runtime_role(
        "UPDATE documents_documentversion SET status = %s WHERE id = %s; "
        "UPDATE documents_documentversion SET status = %s, approved_by_id = %s, approved_at = now() WHERE id = %s",
        [VersionStatus.IN_REVIEW, draft.pk, VersionStatus.APPROVED, org.qm_a.pk, draft.pk],
    )
    problems = audit_verify().problems
    assert any(f"document version {draft.pk}" in p and "no approval signature" in p for p in problems), problems

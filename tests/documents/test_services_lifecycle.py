"""The version lifecycle as a state machine: allowed steps, refused steps that change nothing, segregation of duties."""

from __future__ import annotations

import datetime

import pytest
from dateutil.relativedelta import relativedelta
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from ims.audit.models import AuditEvent
from ims.documents import services
from ims.documents.choices import VersionStatus
from ims.documents.models import ControlledDocument, DocumentVersion
from ims.esign.canonical import record_hash
from ims.esign.models import Signature
from ims.testing.kit import snapshot

from .factories import document_at

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def in_days(n: int) -> datetime.date:
    return TODAY() + datetime.timedelta(days=n)


@pytest.fixture
def document(org, people):
    return document_at(org.site_a, author=people.author, owner=people.author, effective_date=in_days(10))


def v(document, number=1) -> DocumentVersion:
    return DocumentVersion.objects.get(document=document, number=number)


def reviewed(people, sign, version):
    services.version_submit(actor=people.author, version=version)
    sign(services.version_review, people.reviewer, version)
    return version


def signatures_of(version):
    return list(Signature.objects.for_record(version).values_list("meaning", "signer__username"))


@pytest.mark.req("P11-10f", "P11-10c")
def test_full_lifecycle_draft_to_effective_to_superseded(org, people, sign, document):
    version = reviewed(people, sign, v(document))
    assert v(document).status == VersionStatus.IN_REVIEW
    sign(services.version_approve, people.qm, version)
    version.refresh_from_db()
    assert version.status == VersionStatus.APPROVED
    assert version.approved_by == people.qm
    assert signatures_of(version) == [("reviewed", "dh_reviewer"), ("approved", "qm_a")]

    # Not effective before its date; on its date the beat task switches it.
    assert services.versions_make_effective_due(on=in_days(9)) == []
    assert services.versions_make_effective_due(on=in_days(10)) == [version.pk]
    assert services.versions_make_effective_due(on=in_days(10)) == []  # idempotent
    version.refresh_from_db()
    document.refresh_from_db()
    assert version.status == VersionStatus.EFFECTIVE
    assert document.review_due == in_days(10) + relativedelta(months=24)

    # A change is a new version with a change summary; its approval supersedes version 1.
    second = services.version_create(
        actor=people.author, document=document, change_summary="Clarified the scope", effective_date=TODAY()
    )
    assert second.number == 2 and second.body == version.body and second.status == VersionStatus.DRAFT
    services.version_update(actor=people.author, version=second, data={"body": "# Purpose\n\nSecond text."})
    reviewed(people, sign, second)
    sign(services.version_approve, people.officer, second)
    version.refresh_from_db()
    second.refresh_from_db()
    assert second.status == VersionStatus.EFFECTIVE  # effective date today: effective at approval
    assert version.status == VersionStatus.SUPERSEDED
    assert DocumentVersion.objects.filter(document=document, status=VersionStatus.EFFECTIVE).count() == 1


@pytest.mark.req("P11-10f")
@pytest.mark.parametrize(
    "step",
    ["approve_draft", "review_draft", "submit_twice", "return_draft", "make_effective_in_review", "retire_superseded"],
)
def test_invalid_transitions_raise_and_change_nothing(org, people, sign, document, step):
    version = v(document)
    if step == "submit_twice":
        services.version_submit(actor=people.author, version=version)
    if step in ("make_effective_in_review",):
        services.version_submit(actor=people.author, version=version)
    if step == "retire_superseded":
        reviewed(people, sign, version)
        sign(services.version_approve, people.qm, version)
        services.version_make_effective(version=version, on=in_days(10))
        second = services.version_create(
            actor=people.author, document=document, change_summary="Next", effective_date=TODAY()
        )
        reviewed(people, sign, second)
        sign(services.version_approve, people.qm, second)
    version.refresh_from_db()
    before = snapshot(version)
    signatures_before = Signature.objects.count()
    calls = {
        "approve_draft": lambda: sign(services.version_approve, people.qm, version),
        "review_draft": lambda: sign(services.version_review, people.reviewer, version),
        "submit_twice": lambda: services.version_submit(actor=people.author, version=version),
        "return_draft": lambda: services.version_return(actor=people.qm, version=version),
        "make_effective_in_review": lambda: services.version_make_effective(version=version, on=in_days(30)),
        "retire_superseded": lambda: services.version_retire(actor=people.qm, version=version),
    }
    with pytest.raises(services.TransitionNotAllowed):
        calls[step]()
    assert snapshot(version) == before
    assert Signature.objects.count() == signatures_before


@pytest.mark.req("P11-10f", "P11-10c")
@pytest.mark.parametrize("state", ["in_review", "approved", "effective"])
def test_signed_or_submitted_versions_are_immutable(org, people, sign, document, state):
    version = reviewed(people, sign, v(document))
    if state in ("approved", "effective"):
        sign(services.version_approve, people.qm, version)
    if state == "effective":
        services.version_make_effective(version=version, on=in_days(10))
    version.refresh_from_db()
    before, content_hash = snapshot(version), record_hash(version)
    with pytest.raises(services.TransitionNotAllowed):
        services.version_update(actor=people.qm, version=version, data={"body": "Tampered"})
    version.refresh_from_db()
    assert snapshot(version) == before
    assert record_hash(version) == content_hash


@pytest.mark.req("P11-10f", "P11-10g")
def test_the_author_cannot_approve_or_review_their_own_version(org, people, sign):
    # The Quality Manager may approve, but not a version they wrote themselves.
    document = document_at(org.site_a, author=people.qm, effective_date=in_days(3))
    version = v(document)
    services.version_submit(actor=people.qm, version=version)
    sign(services.version_review, people.reviewer, version)
    before = snapshot(version)
    with pytest.raises(PermissionDenied):
        sign(services.version_approve, people.qm, version)
    with pytest.raises(PermissionDenied):
        sign(services.version_review, people.qm, version)
    assert snapshot(version) == before
    assert signatures_of(version) == [("reviewed", "dh_reviewer")]
    sign(services.version_approve, people.officer, version)  # the control: someone else may
    version.refresh_from_db()
    assert version.status == VersionStatus.APPROVED


@pytest.mark.req("P11-10f", "P11-10g")
def test_people_without_the_approve_permission_cannot_approve(org, people, sign, document):
    version = reviewed(people, sign, v(document))
    for person in (people.reviewer, people.employee):  # a Department Head reviews but does not approve
        with pytest.raises(PermissionDenied):
            sign(services.version_approve, person, version)
    version.refresh_from_db()
    assert version.status == VersionStatus.IN_REVIEW


@pytest.mark.req("P11-10f")
def test_approval_needs_a_review_by_someone_else_on_the_current_content(org, people, sign, document):
    version = v(document)
    services.version_submit(actor=people.author, version=version)
    with pytest.raises(services.TransitionNotAllowed):
        sign(services.version_approve, people.qm, version)
    # A review of earlier content does not count: returned, changed, resubmitted.
    sign(services.version_review, people.reviewer, version)
    services.version_return(actor=people.qm, version=version)
    services.version_update(actor=people.author, version=version, data={"body": "# Purpose\n\nReworked."})
    services.version_submit(actor=people.author, version=version)
    with pytest.raises(services.TransitionNotAllowed):
        sign(services.version_approve, people.qm, version)
    version.refresh_from_db()
    assert version.status == VersionStatus.IN_REVIEW
    assert [m for m, _ in signatures_of(version)] == ["reviewed"]  # the refused approval left no signature


@pytest.mark.req("P11-10f")
def test_a_new_version_needs_a_change_summary_and_only_one_is_open(org, people, sign, document):
    version = reviewed(people, sign, v(document))
    sign(services.version_approve, people.qm, version)
    with pytest.raises(services.TransitionNotAllowed):  # version 1 is still open (approved, not yet effective)
        services.version_create(actor=people.author, document=document, change_summary="Too early")
    services.version_make_effective(version=version, on=in_days(10))
    with pytest.raises(ValidationError) as error:
        services.version_create(actor=people.author, document=document, change_summary="  ")
    assert "change_summary" in error.value.message_dict
    assert document.versions.count() == 1
    services.version_create(actor=people.author, document=document, change_summary="Reason")
    with pytest.raises(services.TransitionNotAllowed):
        services.version_create(actor=people.author, document=document, change_summary="Another")
    assert document.versions.count() == 2


@pytest.mark.req("P11-10f")
def test_submitting_needs_content_and_an_effective_date(org, people):
    document = document_at(org.site_a, author=people.author, body="", effective_date=None)
    version = v(document)
    with pytest.raises(ValidationError) as error:
        services.version_submit(actor=people.author, version=version)
    assert {"body", "effective_date"} <= set(error.value.message_dict)
    version.refresh_from_db()
    assert version.status == VersionStatus.DRAFT


@pytest.mark.req("P11-10c", "P11-10e")
def test_retiring_a_document_keeps_it_and_retires_its_versions(org, people, sign, document):
    version = reviewed(people, sign, v(document))
    sign(services.version_approve, people.qm, version)
    services.version_make_effective(version=version, on=in_days(10))
    services.document_retire(actor=people.qm, document=document)
    document.refresh_from_db()
    version.refresh_from_db()
    assert not document.is_active and version.status == VersionStatus.RETIRED
    assert ControlledDocument.objects.filter(pk=document.pk).exists()
    with pytest.raises(services.TransitionNotAllowed):
        services.version_create(actor=people.author, document=document, change_summary="After retirement")
    with pytest.raises(services.TransitionNotAllowed):
        services.document_retire(actor=people.qm, document=document)


@pytest.mark.req("P11-10e")
def test_approval_is_in_the_audit_trail_with_its_reason(org, people, sign, document):
    version = reviewed(people, sign, v(document))
    sign(services.version_approve, people.qm, version, reason="Fit for release")
    event = AuditEvent.objects.for_record(version).filter(action="U").order_by("-id").first()
    assert event.reason == "Fit for release"
    assert "status" in event.changed_fields


@pytest.mark.req("P11-10f")
def test_periodic_review_moves_the_due_date_one_interval_on(org, people, sign, document):
    with pytest.raises(services.TransitionNotAllowed):  # nothing effective yet
        services.document_review_record(actor=people.author, document=document)
    version = reviewed(people, sign, v(document))
    sign(services.version_approve, people.qm, version)
    services.version_make_effective(version=version, on=in_days(10))
    with pytest.raises(PermissionDenied):
        services.document_review_record(actor=people.employee, document=document)
    services.document_review_record(actor=people.author, document=document)
    document.refresh_from_db()
    assert document.review_due == TODAY() + relativedelta(months=24)


@pytest.mark.req("P11-10f", "P11-10g")
def test_a_reviewed_signature_from_a_reader_does_not_count_towards_approval(org, people, sign, document, client_for):
    """The generic e-signature endpoint cannot give a version's review: it is a workflow step (403, nothing signed)."""
    from ims.esign.models import Signature

    version = v(document)
    services.version_submit(actor=people.author, version=version)
    response = client_for(people.employee).post(
        "/api/v1/esign/signatures/",
        {
            "content_type": "documents.documentversion",
            "object_pk": str(version.pk),
            "meaning": "reviewed",
            "username": people.employee.username,
            "password": org.password,
        },
        content_type="application/json",
    )
    assert response.status_code == 403, response.content
    assert not Signature.objects.filter(signer=people.employee, meaning="reviewed").exists()
    with pytest.raises(services.TransitionNotAllowed):
        sign(services.version_approve, people.qm, version)
    version.refresh_from_db()
    assert version.status == VersionStatus.IN_REVIEW
    sign(services.version_review, people.reviewer, version)  # the control: a real reviewer's review counts
    sign(services.version_approve, people.qm, version)
    version.refresh_from_db()
    assert version.status == VersionStatus.APPROVED

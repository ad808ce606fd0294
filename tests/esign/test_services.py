"""The signing ceremony (COMPLIANCE §6 row 8): each refusal has its status and records no signature."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied

from ims.esign import services
from ims.esign.choices import SignatureMeaning, SigningFailure
from ims.esign.constants import SESSION_LAST_SIGNED_KEY
from ims.esign.models import Signature, SignatureCertification, SigningAttempt, SigningLock
from ims.esign.querysets import AppendOnlyViolation
from ims.esign.selectors import signatures_for

pytestmark = pytest.mark.django_db


def sign(person, record, password, *, username=None, session=None, meaning=SignatureMeaning.APPROVED, **extra):
    return services.signature_create(
        signer=person,
        record=record,
        meaning=meaning,
        password=password,
        username=username,
        session={} if session is None else session,
        **extra,
    )


def refused(call, status: int, code: str) -> services.SignatureRefused:
    before = Signature.objects.count()
    with pytest.raises(services.SignatureRefused) as info:
        call()
    assert (info.value.status, info.value.code) == (status, code), info.value.message
    assert Signature.objects.count() == before, "a refused signing recorded a signature"
    return info.value


# --- positive -------------------------------------------------------------------------------------------


@pytest.mark.req("P11-100c", "P11-200a1", "P11-50")
def test_certification_then_signing(org, signable_site, certify):
    session: dict = {}
    certification = certify(org.qm_a, session=session)
    assert certification.statement_version == 1
    [cert_signature] = signatures_for(certification)
    assert cert_signature.meaning == SignatureMeaning.ACKNOWLEDGED
    signature = sign(org.qm_a, org.site_a, org.password, session=session)
    assert signature.signer == org.qm_a
    assert signature.signer_name == "Qm A" and signature.signer_username == "qm_a"
    assert signature.hash_is_valid
    assert list(signatures_for(org.site_a)) == [signature]
    assert SigningAttempt.objects.filter(person=org.qm_a, succeeded=True).count() == 2


@pytest.mark.req("P11-200a1")
def test_second_signing_in_a_continuous_session_needs_only_the_password(org, signable_site, certify):
    session: dict = {}
    certify(org.qm_a, session=session)
    sign(org.qm_a, org.site_a, org.password, session=session, meaning=SignatureMeaning.REVIEWED)
    sign(org.qm_a, org.site_a, org.password, session=session)
    assert Signature.objects.for_record(org.site_a).count() == 2


@pytest.mark.req("P11-200a1")
def test_after_the_idle_limit_the_user_id_is_required_again(org, signable_site, certify, settings):
    session: dict = {}
    certify(org.qm_a, session=session)
    last = datetime.datetime.fromisoformat(session[SESSION_LAST_SIGNED_KEY])
    session[SESSION_LAST_SIGNED_KEY] = (last - datetime.timedelta(seconds=settings.SESSION_COOKIE_AGE + 1)).isoformat()
    refused(lambda: sign(org.qm_a, org.site_a, org.password, session=session), 400, "username_required")
    sign(org.qm_a, org.site_a, org.password, session=session, username="QM_A")  # the user ID, any case


@pytest.mark.req("P11-200a1")
def test_signing_outside_a_session_always_needs_the_user_id(org, signable_site, certify):
    certify(org.qm_a)
    refused(
        lambda: services.signature_create(
            signer=org.qm_a, record=org.site_a, meaning="approved", password=org.password, session=None
        ),
        400,
        "username_required",
    )
    services.signature_create(
        signer=org.qm_a, record=org.site_a, meaning="approved", password=org.password, username="qm_a", session=None
    )


@pytest.mark.req("P11-50")
def test_renaming_the_signer_keeps_the_printed_name_at_signing(org, signable_site, certify):
    session: dict = {}
    certify(org.qm_a, session=session)
    signature = sign(org.qm_a, org.site_a, org.password, session=session)
    org.qm_a.first_name, org.qm_a.last_name = "Quinn", "Renamed"
    org.qm_a.save()
    signature.refresh_from_db()
    assert signature.signer_name == "Qm A"
    assert signature.hash_is_valid


@pytest.mark.req("P11-10a")
def test_signatures_are_append_only_in_the_application(org, signable_site, certify):
    certify(org.qm_a)
    signature = Signature.objects.get()
    with pytest.raises(AppendOnlyViolation):
        signature.save()
    with pytest.raises(AppendOnlyViolation):
        signature.delete()
    with pytest.raises(AppendOnlyViolation):
        Signature.objects.update(reason="x")
    with pytest.raises(AppendOnlyViolation):
        Signature.objects.all().delete()


# --- negative: nothing recorded ---------------------------------------------------------------------------


@pytest.mark.req("P11-200a1")
def test_wrong_password_is_refused_and_counted(org, signable_site, certify):
    certify(org.qm_a)
    refused(lambda: sign(org.qm_a, org.site_a, "not-the-password", username="qm_a"), 401, "wrong_password")
    attempt = SigningAttempt.objects.filter(person=org.qm_a, succeeded=False).get()
    assert attempt.failure == SigningFailure.WRONG_PASSWORD


@pytest.mark.req("P11-200a1")
@pytest.mark.parametrize("password", [None, ""])
def test_missing_password_is_refused(org, signable_site, certify, password):
    certify(org.qm_a)
    refused(lambda: sign(org.qm_a, org.site_a, password, username="qm_a"), 400, "password_required")


@pytest.mark.req("P11-200a1")
def test_missing_user_id_on_the_first_signing_is_refused(org, signable_site, certify):
    certify(org.qm_a)
    refused(lambda: sign(org.qm_a, org.site_a, org.password, session={}), 400, "username_required")


@pytest.mark.req("P11-100a", "P11-200a2/3")
def test_another_persons_user_id_is_refused_and_counted(org, signable_site, certify):
    certify(org.qm_a)
    refused(lambda: sign(org.qm_a, org.site_a, org.password, username="emp_a"), 401, "wrong_username")
    assert SigningAttempt.objects.get(person=org.qm_a, succeeded=False).failure == SigningFailure.WRONG_USERNAME


@pytest.mark.req("P11-100a")
def test_a_deactivated_signer_cannot_sign(org, signable_site, certify):
    certify(org.qm_a)
    org.qm_a.is_active = False
    org.qm_a.save()
    refused(lambda: sign(org.qm_a, org.site_a, org.password, username="qm_a"), 403, "signer_inactive")


@pytest.mark.req("P11-100c")
def test_without_certification_every_signature_is_refused(org, signable_site):
    error = refused(lambda: sign(org.qm_a, org.site_a, org.password, username="qm_a"), 403, "certification_required")
    assert error.link == "/esign/certification/"
    assert not SigningAttempt.objects.exists()


@pytest.mark.req("P11-200a2/3")
def test_an_impersonation_session_cannot_sign(org, signable_site, certify):
    certify(org.qm_a)
    session = {"impersonator": org.admin.pk}
    refused(lambda: sign(org.qm_a, org.site_a, org.password, username="qm_a", session=session), 403, "impersonation")
    with pytest.raises(services.SignatureRefused):
        services.certification_create(person=org.emp_a, password=org.password, username="emp_a", session=session)
    assert not SignatureCertification.objects.filter(person=org.emp_a).exists()


@pytest.mark.req("P11-200a2/3")
def test_a_temporary_password_cannot_sign(org, signable_site, certify):
    certify(org.qm_a)
    org.qm_a.must_change_password = True
    refused(lambda: sign(org.qm_a, org.site_a, org.password, username="qm_a"), 403, "temporary_password")


@pytest.mark.req("P11-10d")
def test_a_record_the_signer_cannot_view_is_not_found(org, signable_site, certify):
    certify(org.qm_a)
    refused(lambda: sign(org.qm_a, org.site_b, org.password, username="qm_a"), 404, "not_found")


def test_a_record_type_that_is_not_signable_is_refused(org, certify):
    certify(org.qm_a)
    refused(lambda: sign(org.qm_a, org.site_a, org.password, username="qm_a"), 400, "not_signable")


def test_a_meaning_not_allowed_for_the_record_is_refused(org, certify):
    certification = certify(org.qm_a)
    refused(
        lambda: services.signature_create(
            signer=org.qm_a,
            record=certification,
            meaning="approved",
            password=org.password,
            username="qm_a",
            session={},
        ),
        400,
        "meaning_not_allowed",
    )


@pytest.mark.req("P11-300d")
def test_three_failed_attempts_lock_signing_and_alert_the_admins(org, signable_site, certify):
    certify(org.qm_a)
    mail.outbox.clear()
    refused(lambda: sign(org.qm_a, org.site_a, "wrong-1", username="qm_a"), 401, "wrong_password")
    refused(lambda: sign(org.qm_a, org.site_a, "", username="qm_a"), 400, "password_required")
    assert not mail.outbox
    refused(lambda: sign(org.qm_a, org.site_a, "wrong-3", username="qm_a"), 423, "signing_locked")
    lock = SigningLock.objects.get(person=org.qm_a)
    assert lock.failed_attempts == 3
    assert len(mail.outbox) == 1
    alert = mail.outbox[0]
    assert org.admin.email in alert.to
    assert org.qm_a.email not in alert.to and org.emp_a.email not in alert.to
    assert "qm_a" in alert.subject
    # the correct password while locked is denied, and is not another failure
    refused(lambda: sign(org.qm_a, org.site_a, org.password, username="qm_a"), 423, "signing_locked")
    assert SigningAttempt.objects.filter(person=org.qm_a, succeeded=False).count() == 3


@pytest.mark.req("P11-300d")
def test_a_successful_signing_resets_the_count(org, signable_site, certify):
    session: dict = {}
    certify(org.qm_a, session=session)
    for _ in range(2):
        refused(lambda: sign(org.qm_a, org.site_a, "wrong", session=session), 401, "wrong_password")
    sign(org.qm_a, org.site_a, org.password, session=session)
    refused(lambda: sign(org.qm_a, org.site_a, "wrong", session=session), 401, "wrong_password")
    assert not SigningLock.objects.exists()


@pytest.mark.req("P11-300d")
def test_a_global_admin_unlocks_but_never_their_own_signing(org, signable_site, certify):
    certify(org.qm_a)
    certify(org.admin)
    for _ in range(3):
        with pytest.raises(services.SignatureRefused):
            sign(org.qm_a, org.site_a, "wrong", username="qm_a")
    with pytest.raises(PermissionDenied):
        services.signing_unlock(actor=org.qm_b, person=org.qm_a, reason="not an admin")
    services.signing_unlock(actor=org.admin, person=org.qm_a, reason="Phoned the person: typos")
    sign(org.qm_a, org.site_a, org.password, username="qm_a")

    for _ in range(3):
        with pytest.raises(services.SignatureRefused):
            sign(org.admin, org.site_a, "wrong", username="global_admin")
    with pytest.raises(PermissionDenied):
        services.signing_unlock(actor=org.admin, person=org.admin, reason="myself")
    assert services.signing_lock_open(org.admin) is not None


@pytest.mark.req("P11-100c")
def test_certification_is_once_per_statement_version(org, certify):
    certify(org.qm_a)
    refused(lambda: certify(org.qm_a), 409, "already_certified")
    assert SignatureCertification.objects.filter(person=org.qm_a).count() == 1


@pytest.mark.req("P11-100c")
def test_a_wrong_password_creates_no_certification(org):
    with pytest.raises(services.SignatureRefused):
        services.certification_create(person=org.qm_a, password="wrong", username="qm_a", session={})
    assert not SignatureCertification.objects.exists()
    assert SigningAttempt.objects.filter(person=org.qm_a, succeeded=False).count() == 1


@pytest.mark.req("P11-70")
def test_signed_at_is_the_database_clock(org, signable_site, certify):
    from django.db import connection

    certify(org.qm_a)
    signature = Signature.objects.get()
    with connection.cursor() as cursor:
        cursor.execute("SELECT clock_timestamp()")
        db_time = cursor.fetchone()[0]
    assert datetime.timedelta(0) <= db_time - signature.signed_at < datetime.timedelta(minutes=1)

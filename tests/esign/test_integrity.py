"""Tamper detection (P11-70, COMPLIANCE §6 row 6): raw SQL edits as a database superuser are found."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ims.esign.integrity import signatures_verify
from ims.esign.models import Signature, SignatureCertification

# Tampering is done as the owner on its own connection, so the data it edits is committed first.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.req("P11-70", "A11-14")]


PROTECTED = ("esign_signature", "esign_signaturecertification")


@pytest.fixture
def sql(owner_cursor):
    """``sql(statement, params)`` runs ``statement`` as the table owner with the append-only triggers disabled,
    as a superuser could; the runtime role the tests run as can do neither."""

    def run(statement: str, params=()) -> None:
        for table in PROTECTED:
            owner_cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        try:
            owner_cursor.execute(statement, params)
        finally:
            for table in PROTECTED:
                owner_cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")

    return run


@pytest.fixture
def signed(org, immutable_site, certify):
    """qm_a certified and signed site A; qm_b certified and signed site B."""
    from ims.esign import services

    result = {}
    for person, site in ((org.qm_a, org.site_a), (org.qm_b, org.site_b)):
        session: dict = {}
        certify(person, session=session)
        result[person.username] = services.signature_create(
            signer=person, record=site, meaning="approved", password=org.password, session=session
        )
    assert signatures_verify() == []
    return result


def test_the_database_refuses_updates_and_deletes(signed):
    signature = signed["qm_a"]
    for statement in (
        "UPDATE esign_signature SET reason = 'x' WHERE id = %s",
        "DELETE FROM esign_signature WHERE id = %s",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement, [signature.pk])
    assert Signature.objects.get(pk=signature.pk).reason == ""


def test_an_edited_signature_is_detected(signed, sql):
    signature = signed["qm_a"]
    sql("UPDATE esign_signature SET meaning = 'reviewed' WHERE id = %s", [signature.pk])
    problems = signatures_verify()
    assert problems and f"signature {signature.pk}:" in problems[0]


def test_an_edited_printed_name_is_detected(signed, sql):
    signature = signed["qm_a"]
    sql("UPDATE esign_signature SET signer_name = 'Someone Else' WHERE id = %s", [signature.pk])
    assert any(f"signature {signature.pk}:" in p for p in signatures_verify())


def test_a_signature_copied_onto_another_record_is_detected(signed, org, sql):
    source = signed["qm_a"]
    sql(
        "INSERT INTO esign_signature (content_type_id, object_pk, record_hash, meaning, reason, signer_id, "
        "signer_name, signer_username, signed_at, channel, signature_hash) "
        "SELECT content_type_id, %s, record_hash, meaning, reason, signer_id, signer_name, signer_username, "
        "signed_at, channel, md5(signature_hash) || md5(signature_hash) FROM esign_signature WHERE id = %s",
        [str(org.site_b.pk), source.pk],
    )
    copy = Signature.objects.exclude(pk__in=[s.pk for s in Signature.objects.filter(pk__lte=source.pk)]).latest("pk")
    assert copy.object_pk == str(org.site_b.pk)
    assert any(f"signature {copy.pk}:" in p for p in signatures_verify())


def test_a_signature_moved_to_another_record_is_detected(signed, org, sql):
    signature = signed["qm_a"]
    sql("UPDATE esign_signature SET object_pk = %s WHERE id = %s", [str(org.site_b.pk), signature.pk])
    assert any(f"signature {signature.pk}:" in p for p in signatures_verify())


def test_a_changed_signed_record_is_detected(signed, org, sql):
    sql("UPDATE org_site SET name = 'Basel Plant (changed)' WHERE id = %s", [org.site_a.pk])
    problems = signatures_verify()
    assert problems == [f"signature {signed['qm_a'].pk}: bound record org.site {org.site_a.pk} changed since signing"]


def test_a_change_to_a_mutable_record_is_not_a_problem(org, signable_site, certify):
    from ims.esign import services

    session: dict = {}
    certify(org.qm_a, session=session)
    services.signature_create(
        signer=org.qm_a, record=org.site_a, meaning="approved", password=org.password, session=session
    )
    org.site_a.name = "Renamed plant"
    org.site_a.save()
    assert signatures_verify() == []


def test_a_certification_without_its_signature_is_detected(signed, org, sql):
    certification = SignatureCertification.objects.get(person=org.qm_b)
    sql(
        "DELETE FROM esign_signature WHERE object_pk = %s AND content_type_id = "
        "(SELECT id FROM django_content_type WHERE app_label = 'esign' AND model = 'signaturecertification')",
        [str(certification.pk)],
    )
    assert f"certification {certification.pk}: has no signature by its person" in signatures_verify()


def test_a_certification_edited_to_another_version_is_detected(signed, org, sql):
    certification = SignatureCertification.objects.get(person=org.qm_a)
    sql("UPDATE esign_signaturecertification SET statement_sha256 = %s WHERE id = %s", ["0" * 64, certification.pk])
    assert any("changed since signing" in p for p in signatures_verify())


COLUMNS = {
    "meaning": "'verified'",
    "reason": "'edited'",
    "signer_username": "'someone'",
    "signed_at": "signed_at - interval '1 hour'",
    "record_hash": "md5(record_hash) || md5(record_hash)",
    "channel": "'api'",
}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(column=st.sampled_from(sorted(COLUMNS)), which=st.sampled_from(["qm_a", "qm_b"]))
def test_any_superuser_edit_of_a_signature_is_detected(signed, column, which, sql):
    signature = signed[which]
    original = getattr(Signature.objects.get(pk=signature.pk), column)
    sql(f"UPDATE esign_signature SET {column} = {COLUMNS[column]} WHERE id = %s", [signature.pk])  # noqa: S608
    problems = signatures_verify()
    sql(f"UPDATE esign_signature SET {column} = %s WHERE id = %s", [original, signature.pk])  # noqa: S608
    assert signatures_verify() == []
    assert any(f"signature {signature.pk}:" in p for p in problems), (column, problems)

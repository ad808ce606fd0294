"""The suite runs as the runtime database role, as production does (only set-up runs as the owner).

A privilege mistake in ordinary code (locking an append-only row FOR UPDATE, updating a signature)
must fail here, not in the running product.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from ims.esign.models import Signature, SignatureCertification
from ims.testing.database import owner_settings

pytestmark = pytest.mark.django_db


def _current_user() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user, session_user")
        return cursor.fetchone()


def test_tests_connect_as_the_runtime_role_not_the_owner():
    current, session = _current_user()
    assert current == session == settings.IMS_APP_DB_ROLE
    assert current != owner_settings()["USER"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tableowner = current_user")
        assert cursor.fetchone()[0] == 0


@pytest.mark.parametrize("table", ["esign_signaturecertification", "esign_signature", "audit_auditevent"])
def test_the_runtime_role_cannot_lock_append_only_rows(table):
    """The reason a service locks the person or the parent record, never the append-only row."""
    with pytest.raises(DatabaseError, match="permission denied"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT id FROM {table} FOR UPDATE")  # noqa: S608


def test_a_first_time_signer_certifies_through_the_page(org, client_for):
    """POST /esign/certification/ as a person never certified: the journey every new employee starts with."""
    client = client_for(org.emp_b)
    response = client.post(reverse("esign:certify"), {"username": org.emp_b.username, "password": org.password})
    assert response.status_code == 302, response.content[:500]
    certification = SignatureCertification.objects.get(person=org.emp_b)
    signature = Signature.objects.get(object_pk=str(certification.pk), signer=org.emp_b)
    assert signature.signer_id == org.emp_b.pk and signature.record_hash

"""Audit immutability (COMPLIANCE §6 row 5): as the application's database role, 5/5 attacks fail, 0 rows change."""

from __future__ import annotations

import psycopg2
import pytest
from django.conf import settings
from django.db import connection

from ims.audit.context import audit_context
from ims.audit.models import AuditEvent
from ims.org import services

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.req("P11-10e", "P11-10c")]

ATTACKS = {
    "update": "UPDATE audit_auditevent SET reason = 'forged'",
    "delete": "DELETE FROM audit_auditevent",
    "truncate": "TRUNCATE audit_auditevent",
    "trigger-ignore switch + update": (
        "SELECT set_config('pgtrigger.ignore', 'audit_auditevent:ims_append_only', false); "
        "SET session_replication_role = replica; UPDATE audit_auditevent SET reason = 'forged'"
    ),
    "disable trigger": "ALTER TABLE audit_auditevent DISABLE TRIGGER ALL",
}


def app_role_connection():
    db = settings.DATABASES["default"]
    host = db.get("HOST") or db.get("OPTIONS", {}).get("host")
    return psycopg2.connect(
        dbname=db["NAME"],
        user=settings.IMS_APP_DB_ROLE,
        host=host,
        port=db.get("PORT") or None,
        password=__import__("os").environ.get("IMS_APP_DB_PASSWORD") or None,
    )


def snapshot():
    return list(AuditEvent.objects.order_by("id").values_list("id", "reason", "row_hash"))


@pytest.fixture
def trail(db):
    from ims.access.sync import site_permissions_ensure
    from ims.org.roles import roles_sync

    site_permissions_ensure()
    roles_sync()
    with audit_context(channel="web", actor_label="setup", reason="setup"):
        site = services.site_create(code="IMM", name="Immutable", country="CH", timezone="Europe/Zurich")
        services.site_update(site=site, data={"name": "Immutable 2"})
    assert AuditEvent.objects.count() >= 2
    return site


def test_the_application_role_owns_nothing(trail):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tableowner = %s",
            [settings.IMS_APP_DB_ROLE],
        )
        assert cursor.fetchone()[0] == 0
        cursor.execute(
            "SELECT rolsuper, rolcreaterole, rolbypassrls FROM pg_roles WHERE rolname = %s", [settings.IMS_APP_DB_ROLE]
        )
        assert cursor.fetchone() == (False, False, False)


@pytest.mark.parametrize("attack", list(ATTACKS))
def test_attacks_on_the_trail_are_rejected_as_the_application_role(trail, attack):
    before = snapshot()
    conn = app_role_connection()
    try:
        with conn.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM audit_auditevent")  # it may read
            assert cursor.fetchone()[0] == len(before)
            with pytest.raises(psycopg2.Error):
                cursor.execute(ATTACKS[attack])
        conn.rollback()
    finally:
        conn.close()
    assert snapshot() == before


def test_the_application_role_cannot_forge_events_or_delete_records(trail):
    conn = app_role_connection()
    try:
        with conn.cursor() as cursor:
            with pytest.raises(psycopg2.Error):
                cursor.execute(
                    "INSERT INTO audit_auditevent (occurred_at, table_name, model_label, object_pk, action, "
                    "changed_fields, actor_label, channel, reason, request_id, txid, row_hash) "
                    "VALUES (now(), 'org_site', 'org.site', '1', 'U', '{}', 'x', 'web', '', '', 1, 'x')"
                )
            conn.rollback()
            with pytest.raises(psycopg2.Error):
                cursor.execute("DELETE FROM org_site WHERE id = %s", [trail.pk])
            conn.rollback()
            # It may change regulated rows, and the change is captured.
            cursor.execute("UPDATE org_site SET name = 'Changed by app role' WHERE id = %s", [trail.pk])
        conn.commit()
    finally:
        conn.close()
    event = AuditEvent.objects.for_record(trail).order_by("-id").first()
    assert event.new["name"] == "Changed by app role"
    assert event.actor_label == f"db:{settings.IMS_APP_DB_ROLE}"

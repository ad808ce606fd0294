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


READ_FORGERIES = {
    "the old signature with a forged context": (
        "SELECT ims_audit_log_read('org.site', %(site)s, '{\"forged\": \"read\"}', "
        '\'{"actor_label": "qm.basel", "reason": "forged"}\')'
    ),
    "unknown detail keys": 'SELECT ims_audit_log_read(\'org.site\', %(site)s, \'{"view": "trail", "forged": 1}\')',
    "an unknown kind of read": "SELECT ims_audit_log_read('org.site', %(site)s, '{\"view\": \"changed\"}')",
    "a reader who is no inspector": "SELECT ims_audit_log_read('org.site', %(site)s, '{\"view\": \"history\"}')",
    "a record that does not exist": "SELECT ims_audit_log_read('org.site', '999999999', '{\"view\": \"history\"}')",
    "a model that is not audited": "SELECT ims_audit_log_read('auth.group', '1', '{\"view\": \"history\"}')",
}


@pytest.fixture
def inspector(trail):
    from ims.org.models import Role

    person = services.person_create(
        username="insp_log", employee_id="INSP-LOG", first_name="Ines", last_name="Pector", email="insp@example.com"
    )
    function = services.function_create(code="QA", name="Quality")
    services.membership_create(person=person, site=trail, function=function, role=Role.objects.get(code="inspector"))
    return person


def _as_app_role_with_context(context: str, statement: str, params) -> int | None:
    conn = app_role_connection()
    try:
        with conn.cursor() as cursor:
            cursor.execute("SELECT set_config('ims.audit_context', %s, false)", [context])
            cursor.execute(statement, params)
            event_id = cursor.fetchone()[0]
        conn.commit()
        return event_id
    finally:
        conn.close()


@pytest.mark.parametrize("forgery", list(READ_FORGERIES))
def test_the_read_log_entry_point_cannot_forge_events(trail, inspector, forgery):
    """The application role may only log a current inspector's read of an existing record; anything else is
    refused and writes nothing."""
    reader = inspector.pk
    if forgery == "a reader who is no inspector":
        reader = services.person_create(
            username="not_insp", employee_id="NOT-INSP", first_name="N", last_name="I", email="n@example.com"
        ).pk
    before = snapshot()
    with pytest.raises(psycopg2.Error):
        _as_app_role_with_context(
            f'{{"actor_id": {reader}, "actor_label": "qm.basel", "channel": "web"}}',
            READ_FORGERIES[forgery],
            {"site": str(trail.pk)},
        )
    assert snapshot() == before


def test_an_inspectors_read_is_logged_as_a_read_under_their_own_name(trail, inspector):
    event_id = _as_app_role_with_context(
        f'{{"actor_id": {inspector.pk}, "actor_label": "qm.basel", "reason": "forged", "channel": "web"}}',
        'SELECT ims_audit_log_read(\'org.site\', %s, \'{"view": "history", "events": 2}\')',
        [str(trail.pk)],
    )
    event = AuditEvent.objects.get(pk=event_id)
    assert (event.action, event.model_label, event.object_pk) == ("R", "org.site", str(trail.pk))
    assert event.actor_label == "insp_log" and event.actor_id == inspector.pk and event.reason == ""
    assert event.new == {"view": "history", "events": 2}

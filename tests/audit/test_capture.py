"""Audit completeness (COMPLIANCE §6 row 4): every write path on a regulated model leaves an event.

Paths: service (as pages and the API use them), ORM ``update()``, ``bulk_create``, raw SQL,
admin form; each event has who, when (DB clock), old → new, reason and channel.
"""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.db.models import Case, F, Value, When
from django.db.models.functions import Concat
from django.utils import timezone

from ims.audit.context import audit_context
from ims.audit.database import REPLAN_ROWS
from ims.audit.models import AuditEvent
from ims.org import services
from ims.org.models import Function, Person, Site

pytestmark = [pytest.mark.django_db, pytest.mark.req("P11-10e", "A11-9", "A11-12")]


def events_for(obj):
    return AuditEvent.objects.for_record(obj).order_by("id")


def test_create_through_a_service_is_recorded_with_the_context(org):
    with audit_context(actor=org.admin, channel="web", request_id="req-1", client_ip="10.1.2.3"):
        site = services.site_create(code="NEW", name="New Site", country="DE", timezone="Europe/Berlin")
    event = events_for(site).get()
    assert event.action == "I"
    assert event.actor_id == org.admin.pk and event.actor_label == org.admin.username
    assert event.channel == "web" and event.request_id == "req-1" and event.client_ip == "10.1.2.3"
    assert event.new["code"] == "NEW" and event.old is None
    assert event.site_ids == [site.pk]
    assert abs((event.occurred_at - timezone.now()).total_seconds()) < 5


def test_update_records_old_and_new_per_field_and_the_reason(org):
    with audit_context(actor=org.qm_a, channel="web", reason="Name corrected per site register"):
        services.site_update(site=org.site_a, data={"name": "Basel Plant 2"})
    event = events_for(org.site_a).filter(action="U").get()
    assert event.changed_fields == ["name"]
    assert event.diff() == [("name", "Basel Plant", "Basel Plant 2")]
    assert event.reason == "Name corrected per site register"


def test_queryset_update_is_recorded(org):
    with audit_context(actor=org.admin, channel="task", reason="bulk rename"):
        Function.objects.filter(pk=org.qa.pk).update(name="Quality Assurance & Compliance")
    event = events_for(org.qa).filter(action="U").get()
    assert event.old["name"] == "Quality Assurance" and event.new["name"] == "Quality Assurance & Compliance"
    assert event.channel == "task" and event.reason == "bulk rename"


def test_bulk_create_is_recorded_row_by_row(db):
    with audit_context(channel="import", actor_label="import:test", reason="HR feed"):
        sites = Site.objects.bulk_create(
            [Site(code=f"B{i}", name=f"Bulk {i}", country="FR", timezone="Europe/Paris") for i in range(5)]
        )
    assert AuditEvent.objects.filter(model_label="org.site", action="I", channel="import").count() == 5
    assert set(AuditEvent.objects.filter(model_label="org.site").values_list("object_pk", flat=True)) == {
        str(s.pk) for s in sites
    }


def test_raw_sql_is_recorded_and_attributed_to_the_database_role(org):
    # Outside any application context, the event names the database role and the channel "database".
    from ims.audit import context

    token = context._context.set({})
    try:
        with connection.cursor() as cursor:
            cursor.execute("UPDATE org_site SET name = 'Raw' WHERE id = %s", [org.site_b.pk])
    finally:
        context._context.reset(token)
    event = events_for(org.site_b).filter(action="U").get()
    assert event.channel == "database"
    assert event.actor_label.startswith("db:")
    assert event.new["name"] == "Raw"


def test_password_values_never_reach_the_trail(org):
    with audit_context(actor=org.qm_a, reason="reset"):
        person = Person.objects.get(pk=org.emp_a.pk)
        person.set_password("Another-Long-Passw0rd!")
        person.save()
    event = events_for(org.emp_a).filter(action="U").last()
    assert event.changed_fields == ["password"] and event.reason == "reset"
    assert event.old["password"] == "***" and event.new["password"] == "***"


def test_noise_only_changes_write_no_event(org):
    before = AuditEvent.objects.count()
    Person.objects.filter(pk=org.emp_a.pk).update(last_login=timezone.now())
    assert AuditEvent.objects.count() == before


def test_membership_grants_and_revocations_are_recorded_with_the_granting_user(org):
    """COMPLIANCE §6 row 37 (A11-12.3): site assignment and its end."""
    with audit_context(actor=org.qm_a, channel="web"):
        membership = services.membership_create(
            person=org.emp_a,
            site=org.site_a,
            function=org.qa,
            role=org.roles["trainer"],
            valid_from=datetime.date(2024, 1, 1),
        )
    with audit_context(actor=org.qm_a, channel="web", reason="left the role"):
        services.membership_end(membership=membership, on=datetime.date(2025, 1, 1))
    events = list(events_for(membership))
    assert [e.action for e in events] == ["I", "U"]
    assert all(e.actor_id == org.qm_a.pk for e in events)
    assert events[1].diff() == [("valid_to", None, "2025-01-01")]


def test_api_token_create_and_revoke_are_recorded(org):
    from ims.access.services import api_token_create, api_token_revoke

    with audit_context(actor=org.qm_a, channel="web"):
        token, raw = api_token_create(person=org.qm_a, name="HR sync")
        api_token_revoke(token=token)
    events = list(events_for(token))
    assert [e.action for e in events] == ["I", "U"]
    assert raw not in str(events[0].new) and events[0].new["key_hash"] == "***"


def test_regulated_rows_cannot_be_deleted_even_with_raw_sql(org):
    """COMPLIANCE §6 row 13: the table refuses DELETE below the ORM."""
    from django.db import DatabaseError, transaction

    with pytest.raises(DatabaseError), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM org_site WHERE id = %s", [org.site_b.pk])
    assert Site.objects.filter(pk=org.site_b.pk).exists()


def test_original_value_is_reconstructable_after_three_edits(org):
    for name in ("One", "Two", "Three"):
        with audit_context(actor=org.admin, reason=f"rename to {name}"):
            services.site_update(site=Site.objects.get(pk=org.site_a.pk), data={"name": name})
    first_update = events_for(org.site_a).filter(action="U").first()
    assert first_update.old["name"] == "Basel Plant"
    assert [e.new["name"] for e in events_for(org.site_a).filter(action="U")] == ["One", "Two", "Three"]


def test_an_admin_change_is_recorded_with_its_reason_and_the_admin_channel(org, client_for):
    Person.objects.filter(pk=org.admin.pk).update(is_staff=True, is_superuser=True)
    admin_user = Person.objects.get(pk=org.admin.pk)
    client = client_for(admin_user)
    url = f"/admin/org/site/{org.site_b.pk}/change/"
    data = {
        "code": "SITEB",
        "name": "Boston Lab (renamed)",
        "country": "US",
        "timezone": "America/New_York",
        "is_active": "on",
    }
    refused = client.post(url, data)
    assert refused.status_code == 200 and "Give the reason for this change" in refused.content.decode()
    assert Site.objects.get(pk=org.site_b.pk).name == "Boston Lab"
    response = client.post(url, {**data, "change_reason": "Site renamed by the board"})
    assert response.status_code == 302, response.content.decode()[:500]
    event = events_for(org.site_b).filter(action="U").get()
    assert event.channel == "admin" and event.reason == "Site renamed by the board"
    assert event.actor_id == admin_user.pk and event.client_ip == "127.0.0.1"


@pytest.mark.parametrize("rows", [6, REPLAN_ROWS + 10])
def test_one_statement_over_many_rows_writes_one_event_per_changed_row_in_row_order(db, rows):
    """The capture runs once per statement over its rows (transition tables): each changed row still gets its
    own event with its own values, rows the statement left as they were get none, the events follow the rows'
    ids, and each event's hash is the one the integrity check recomputes. Past ``REPLAN_ROWS`` rows an update
    is planned for its own rows (dynamic SQL): the same events."""
    sites = Site.objects.bulk_create(
        [Site(code=f"S{i}", name=f"Site {i}", country="FR", timezone="Europe/Paris") for i in range(rows)]
    )
    Site.objects.filter(pk=sites[0].pk).update(name="Renamed")  # its next update changes nothing
    with audit_context(channel="task", actor_label="task:rename", reason="one statement"):
        Site.objects.filter(pk__in=[s.pk for s in sites]).update(
            name=Case(When(pk=sites[0].pk, then=Value("Renamed")), default=Concat(F("name"), Value(" (FR)")))
        )
    events = list(AuditEvent.objects.filter(model_label="org.site", action="U", reason="one statement").order_by("id"))
    assert [e.object_pk for e in events] == [str(s.pk) for s in sites[1:]]
    assert [(e.old["name"], e.new["name"]) for e in events] == [(f"Site {i}", f"Site {i} (FR)") for i in range(1, rows)]
    assert all(e.changed_fields == ["name"] and e.site_ids == [int(e.object_pk)] for e in events)
    assert len({e.txid for e in events}) == 1 and {e.actor_label for e in events} == {"task:rename"}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM audit_auditevent e WHERE e.id = ANY(%s) AND e.row_hash = ims_audit_row_hash(e)",
            [[e.pk for e in events]],
        )
        assert cursor.fetchone()[0] == len(events)

"""Tamper detection (COMPLIANCE §6 row 6, P11-10a): 100 trials of someone bypassing every database
protection (the table owner with the protecting triggers disabled, as a superuser could) editing,
re-hashing, deleting, reordering or inserting audit rows, or editing seals — 100% detected.
"""

from __future__ import annotations

import time

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ims.audit.context import audit_context
from ims.audit.integrity import SealRefused, audit_seal_pending, audit_verify, integrity_run
from ims.audit.models import AuditEvent, AuditSeal, IntegrityRun
from ims.org import services
from ims.testing.database import as_owner

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.req("P11-10a", "P11-10e", "ALCOA-Consistent")]

FIELDS = ["reason", "actor_label", "channel", "object_pk", "request_id"]


class Rollback(Exception):
    pass


def seal_all(timeout: float = 30.0) -> None:
    """Seal until every event is covered. Transaction ids are cluster-wide: a transaction still open in
    another database (another test process) holds the sealing horizon back for a moment."""
    deadline = time.monotonic() + timeout
    while True:
        audit_seal_pending()
        last = AuditSeal.objects.order_by("-id").values_list("last_txid", flat=True).first() or 0
        if not AuditEvent.objects.filter(txid__gte=last).exists():
            return
        assert time.monotonic() < deadline, "events stayed unsealed"
        time.sleep(0.2)


@pytest.fixture
def sealed_trail(db):
    from ims.access.sync import site_permissions_ensure
    from ims.org.roles import roles_sync

    site_permissions_ensure()
    roles_sync()
    for i in range(4):
        with audit_context(channel="web", actor_label=f"user{i}", reason=f"reason {i}"):
            site = services.site_create(code=f"T{i}", name=f"Tamper {i}", country="CH", timezone="Europe/Zurich")
            services.site_update(site=site, data={"name": f"Tamper {i} renamed"})
            services.function_create(code=f"F{i}", name=f"Function {i}")
    seal_all()
    report = audit_verify()
    assert report.ok, report.problems
    return list(AuditEvent.objects.order_by("id").values_list("id", flat=True))


def _sql(statement: str, params=()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def swap_events(first: int, second: int) -> None:
    """Swap two events' content, keeping their ids and transactions, and re-hash both (a reordering)."""
    _sql(
        "UPDATE audit_auditevent t SET occurred_at = s.occurred_at, table_name = s.table_name, "
        "model_label = s.model_label, object_pk = s.object_pk, action = s.action, old = s.old, new = s.new, "
        "changed_fields = s.changed_fields, actor_label = s.actor_label, reason = s.reason "
        "FROM (SELECT * FROM audit_auditevent WHERE id IN (%s, %s)) s WHERE t.id IN (%s, %s) AND s.id <> t.id",
        [first, second, first, second],
    )
    _sql("UPDATE audit_auditevent e SET row_hash = ims_audit_row_hash(e) WHERE id IN (%s, %s)", [first, second])


def tamper(kind: str, ids: list[int], a: int, b: int, field: str) -> None:
    _sql("ALTER TABLE audit_auditevent DISABLE TRIGGER ims_append_only")
    _sql("ALTER TABLE audit_auditseal DISABLE TRIGGER ims_append_only")
    first, second = ids[a % len(ids)], ids[b % len(ids)]
    if second == first:
        second = ids[(a + 1) % len(ids)]
    if kind == "edit":
        _sql(f"UPDATE audit_auditevent SET {field} = {field} || 'x' WHERE id = %s", [first])  # noqa: S608
    elif kind == "edit and re-hash":
        _sql(f"UPDATE audit_auditevent SET {field} = {field} || 'x' WHERE id = %s", [first])  # noqa: S608
        _sql("UPDATE audit_auditevent e SET row_hash = ims_audit_row_hash(e) WHERE id = %s", [first])
    elif kind == "edit values and re-hash":
        _sql("UPDATE audit_auditevent SET new = jsonb_build_object('forged', true) WHERE id = %s", [first])
        _sql("UPDATE audit_auditevent e SET row_hash = ims_audit_row_hash(e) WHERE id = %s", [first])
    elif kind == "backdate":
        _sql("UPDATE audit_auditevent SET occurred_at = occurred_at - interval '1 day' WHERE id = %s", [first])
    elif kind == "delete":
        _sql("DELETE FROM audit_auditevent WHERE id = %s", [first])
    elif kind == "reorder":
        swap_events(first, second)
    elif kind == "insert":
        _sql(
            "INSERT INTO audit_auditevent (id, occurred_at, table_name, model_label, object_pk, action, old, new, "
            "changed_fields, actor_label, channel, reason, request_id, txid, row_hash) "
            "SELECT nextval(pg_get_serial_sequence('audit_auditevent', 'id')), occurred_at, table_name, model_label, "
            "object_pk, 'U', new, jsonb_build_object('name', 'forged'), '{name}', 'forger', channel, 'forged', '', "
            "txid, '' FROM audit_auditevent WHERE id = %s",
            [first],
        )
        _sql("UPDATE audit_auditevent e SET row_hash = ims_audit_row_hash(e) WHERE row_hash = ''")
    elif kind == "edit seal":
        _sql("UPDATE audit_auditseal SET event_count = event_count - 1")
    elif kind == "delete seal":
        _sql("DELETE FROM audit_auditseal")
    else:  # pragma: no cover - the strategy lists every kind
        raise AssertionError(kind)


KINDS = ["edit", "edit and re-hash", "edit values and re-hash", "backdate", "delete", "reorder", "insert", "edit seal"]


@settings(
    max_examples=100,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(kind=st.sampled_from(KINDS), a=st.integers(0, 200), b=st.integers(0, 200), field=st.sampled_from(FIELDS))
def test_every_tampering_is_detected(sealed_trail, kind, a, b, field):
    detected = None
    # Tampering needs the owner (ALTER TABLE); it is rolled back with the verification that saw it.
    with as_owner():
        try:
            with transaction.atomic():
                tamper(kind, sealed_trail, a, b, field)
                report = audit_verify()
                detected = report.problems
                raise Rollback
        except Rollback:
            pass
    assert detected, f"{kind} on event index {a} was not detected"
    assert audit_verify().ok  # rolled back: the trail verifies again


def test_a_deleted_seal_chain_is_detected_when_a_later_seal_exists(sealed_trail):
    with audit_context(channel="web", actor_label="later", reason="more"):
        services.function_create(code="LATER", name="Later")
    seal_all()
    assert AuditSeal.objects.count() >= 2
    with as_owner():
        try:
            with transaction.atomic():
                _sql("ALTER TABLE audit_auditseal DISABLE TRIGGER ims_append_only")
                _sql("DELETE FROM audit_auditseal WHERE id = (SELECT min(id) FROM audit_auditseal)")
                problems = audit_verify().problems
                raise Rollback
        except Rollback:
            pass
    assert any("chain of seals is broken" in p for p in problems)


def test_verify_integrity_names_the_first_broken_event_and_records_the_run(sealed_trail, capsys):
    call_command("verify_integrity")
    assert IntegrityRun.objects.latest("id").ok
    victim = sealed_trail[3]
    with as_owner(), connection.cursor() as cursor:
        cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER ims_append_only")
        cursor.execute("UPDATE audit_auditevent SET reason = 'forged' WHERE id = %s", [victim])
        cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER ims_append_only")
    with pytest.raises(SystemExit):
        call_command("verify_integrity")
    output = capsys.readouterr().out
    assert f"audit event {victim}" in output
    run = IntegrityRun.objects.latest("id")
    assert not run.ok and f"audit event {victim}" in run.first_problem


def test_sealing_is_idempotent_and_does_not_serialise_writers(sealed_trail):
    seals = AuditSeal.objects.count()
    assert audit_seal_pending() is None  # nothing new
    assert AuditSeal.objects.count() == seals
    run = integrity_run(trigger="test")
    assert run.ok and run.seals_checked == seals and run.events_checked == len(sealed_trail)


# --- Attacks a database superuser can make on what is not sealed yet, and on the seals themselves ---------


def _as_superuser_rolled_back(attack):
    """Run ``attack()`` (which tampers, then observes) as the owner with the protections off; roll it all back."""
    outcome = {}
    with as_owner():
        try:
            with transaction.atomic():
                _sql("ALTER TABLE audit_auditevent DISABLE TRIGGER ims_append_only")
                _sql("ALTER TABLE audit_auditseal DISABLE TRIGGER ims_append_only")
                outcome = attack()
                raise Rollback
        except Rollback:
            pass
    return outcome


_pending_sites = iter(range(1, 1000))


def _pending_update() -> int:
    """A change nobody sealed yet: the id of its update event."""
    with audit_context(channel="web", actor_label="later", reason="renamed"):
        code = f"PEND{next(_pending_sites)}"
        site = services.site_create(code=code, name="Pending", country="CH", timezone="Europe/Zurich")
        services.site_update(site=site, data={"name": "Pending renamed"})
        services.site_update(site=site, data={"name": "Pending renamed twice"})
    return AuditEvent.objects.filter(model_label="org.site", object_pk=str(site.pk), action="U").order_by("id")[0].pk


@pytest.mark.parametrize("attack", ["rewrite values and re-hash", "delete"])
def test_an_unsealed_event_tampered_with_is_reported_and_never_sealed(sealed_trail, attack):
    victim = _pending_update()
    seals = AuditSeal.objects.count()

    def tamper_then_verify():
        if attack == "delete":
            _sql("DELETE FROM audit_auditevent WHERE id = %s", [victim])
        else:
            _sql('UPDATE audit_auditevent SET new = new || \'{"name": "forged"}\' WHERE id = %s', [victim])
            _sql("UPDATE audit_auditevent e SET row_hash = ims_audit_row_hash(e) WHERE id = %s", [victim])
        run = integrity_run(trigger="test")
        return {"run": (run.ok, run.problems), "seals": AuditSeal.objects.count()}

    outcome = _as_superuser_rolled_back(tamper_then_verify)
    ok, problems = outcome["run"]
    assert not ok
    assert any("does not follow from the record's previous event" in p for p in problems), problems
    assert outcome["seals"] == seals  # the tampered state was not blessed by a new seal


def test_verify_integrity_verifies_what_is_sealed_before_it_seals(sealed_trail):
    _pending_update()
    seals = AuditSeal.objects.count()

    def tamper_then_verify():
        _sql("UPDATE audit_auditevent SET reason = 'forged' WHERE id = %s", [sealed_trail[2]])
        run = integrity_run(trigger="test")
        return {"ok": run.ok, "seals": AuditSeal.objects.count()}

    outcome = _as_superuser_rolled_back(tamper_then_verify)
    assert not outcome["ok"] and outcome["seals"] == seals
    # Untouched: verified, then the pending events sealed (another test database's open transaction may hold
    # the cluster-wide horizon back for a moment).
    deadline = time.monotonic() + 30
    while AuditSeal.objects.count() == seals and time.monotonic() < deadline:
        assert integrity_run(trigger="test").ok
        time.sleep(0.2)
    assert AuditSeal.objects.count() == seals + 1


def test_every_seal_is_anchored_outside_the_database(sealed_trail, settings):
    import json
    from pathlib import Path

    lines = [json.loads(line) for line in Path(settings.IMS_AUDIT_ANCHOR).read_text().splitlines()]
    seals = list(AuditSeal.objects.order_by("id"))
    assert [line["seal"] for line in lines] == [seal.pk for seal in seals]
    assert lines[-1]["hmac"] == seals[-1].hmac and lines[-1]["last_event"] == max(sealed_trail)
    assert {"seal", "first_txid", "last_txid", "last_event", "event_count", "hmac", "at"} <= set(lines[-1])


def test_a_deleted_newest_seal_is_not_resealed_over_and_is_reported(sealed_trail):
    victim = sealed_trail[-1]

    def delete_rewrite_reseal():
        newest = AuditSeal.objects.order_by("-id").first()
        _sql("DELETE FROM audit_auditseal WHERE id = %s", [newest.pk])
        _sql("UPDATE audit_auditevent SET reason = 'forged' WHERE id = %s", [victim])
        _sql("UPDATE audit_auditevent e SET row_hash = ims_audit_row_hash(e) WHERE id = %s", [victim])
        try:
            audit_seal_pending()
            refused = None
        except SealRefused as exc:
            refused = str(exc)
        return {"refused": refused, "seals": AuditSeal.objects.count(), "problems": audit_verify().problems}

    seals = AuditSeal.objects.count()
    outcome = _as_superuser_rolled_back(delete_rewrite_reseal)
    assert outcome["refused"] and "a seal was deleted" in outcome["refused"]
    assert outcome["seals"] == seals - 1  # nothing re-sealed over the gap
    assert any("is in the anchor log but no longer in the database" in p for p in outcome["problems"])


def test_a_rewritten_seal_differs_from_its_anchored_copy(sealed_trail):
    def rewrite():
        _sql("UPDATE audit_auditseal SET hmac = repeat('0', 64) WHERE id = (SELECT max(id) FROM audit_auditseal)")
        return {"problems": audit_verify().problems}

    problems = _as_superuser_rolled_back(rewrite)["problems"]
    assert any("differs from its anchored copy (hmac)" in p for p in problems), problems


def test_an_event_with_an_impossible_transaction_id_is_reported(sealed_trail):
    def forge():
        _sql(
            "INSERT INTO audit_auditevent (id, occurred_at, table_name, model_label, object_pk, action, old, new, "
            "changed_fields, actor_label, channel, reason, request_id, txid, row_hash) "
            "SELECT nextval(pg_get_serial_sequence('audit_auditevent', 'id')), occurred_at, table_name, model_label, "
            "object_pk, 'R', NULL, NULL, '{}', 'forger', channel, 'forged', '', 9000000000000, '' "
            "FROM audit_auditevent WHERE id = %s",
            [sealed_trail[0]],
        )
        _sql("UPDATE audit_auditevent e SET row_hash = ims_audit_row_hash(e) WHERE row_hash = ''")
        return {"problems": audit_verify().problems}

    problems = _as_superuser_rolled_back(forge)["problems"]
    assert any("carries transaction 9000000000000, beyond the current transaction horizon" in p for p in problems)


def test_a_refused_sealing_is_recorded_once_for_the_admin_page(sealed_trail):
    from ims.audit.tasks import audit_seal

    _pending_update()
    victim = AuditEvent.objects.order_by("-id").first().pk

    def tamper_and_seal_twice():
        _sql("UPDATE audit_auditevent SET reason = 'forged' WHERE id = %s", [victim])
        before = IntegrityRun.objects.count()
        deadline = time.monotonic() + 30
        # Nothing is pending (so nothing refused) while another test database's open transaction holds the
        # horizon back: seal until the refusal is recorded, then once more.
        while IntegrityRun.objects.count() == before and time.monotonic() < deadline:
            audit_seal()
            time.sleep(0.2)
        audit_seal()
        runs = list(IntegrityRun.objects.order_by("id")[before:])
        return {"runs": [(r.trigger, r.ok, r.first_problem) for r in runs]}

    runs = _as_superuser_rolled_back(tamper_and_seal_twice)["runs"]
    assert len(runs) == 1
    trigger, ok, problem = runs[0]
    assert trigger == "sealing" and not ok and f"audit event {victim}" in problem


def test_a_seal_whose_anchoring_failed_is_anchored_by_the_next_run_and_an_emptied_log_is_reported(
    sealed_trail, settings
):
    from pathlib import Path

    _pending_update()
    seal_all()  # at least two seals, so that the newest one can lose its line while an older one keeps its own
    log = Path(settings.IMS_AUDIT_ANCHOR)
    lines = log.read_text().splitlines()
    assert len(lines) >= 2
    log.write_text("\n".join(lines[:-1]) + "\n")  # the newest line never got written
    _pending_update()
    seal_all()
    assert audit_verify().ok  # the next sealing run anchored the missing seal
    assert len(log.read_text().splitlines()) == AuditSeal.objects.count()
    log.write_text("")
    problems = audit_verify().problems
    assert any("is missing or empty while the database holds" in p for p in problems), problems
    _pending_update()
    deadline = time.monotonic() + 30
    with pytest.raises(SealRefused, match="holds no seal while the database holds seals"):
        while time.monotonic() < deadline:
            # Nothing to seal yet while another test database's open transaction holds the horizon back.
            audit_seal_pending()
            time.sleep(0.2)
    assert log.read_text() == ""  # never silently refilled


def test_the_verifying_transaction_s_own_writes_are_not_taken_for_forgeries(sealed_trail):
    """A transaction that writes and then verifies (a test, a management shell) carries an id at or past its own
    snapshot's horizon while nothing newer has committed: its own events are genuine."""
    with transaction.atomic():
        with audit_context(channel="web", actor_label="user", reason="own write"):
            services.site_create(code="OWN", name="Own write", country="CH", timezone="Europe/Zurich")
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_current_xact_id_if_assigned()::text::bigint >= "
                "pg_snapshot_xmax(pg_current_snapshot())::text::bigint"
            )
            past_horizon = cursor.fetchone()[0]
        report = audit_verify()
    assert not any("beyond the current transaction horizon" in p for p in report.problems), report.problems
    assert past_horizon is not None  # the write had a transaction id; with nothing newer committed it is past xmax

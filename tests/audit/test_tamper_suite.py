"""The tamper suite (issue 11, COMPLIANCE P11-10a): eight kinds of attack by someone who bypasses every database
protection (the table owner with the protecting triggers disabled, as a superuser could), 20 Hypothesis trials
each, on sealed events and on events still in the unsealed window (≤ 10 s in production). Every trial must be
detected, and the first problem reported must name the broken event (or its record), or the broken seal.

What the unsealed window cannot show, by design (the seal every 5 s bounds it): a rewritten *metadata* field
(reason, actor label) whose row hash was recomputed, the deletion of a record's only event, and whole events
swapped between two records' histories so that each history stays consistent. Those attacks are tried here on
sealed events; in the window the suite rewrites, deletes, inserts and reorders what happened to a record.
"""

from __future__ import annotations

import re

import pytest
from django.db import connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ims.audit.context import audit_context
from ims.audit.integrity import audit_verify, integrity_run
from ims.audit.models import AuditEvent, AuditSeal
from ims.org import services
from ims.testing.database import as_owner
from tests.audit.test_tamper_evidence import seal_all, swap_events

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.req("P11-10a", "P11-10e", "ALCOA-Consistent")]

KINDS = [
    "edit",
    "edit and re-hash",
    "delete",
    "insert",
    "reorder",
    "future txid",
    "drop newest seal",
    "drop seal and rewrite",
]
METADATA = ["reason", "actor_label", "channel", "request_id"]
FUTURE_TXID = 9_000_000_000_000


class Rollback(Exception):
    pass


def _sql(statement: str, params=()) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchall() if cursor.description else []


def _record_history(index: int) -> None:
    with audit_context(channel="web", actor_label=f"user{index}", reason=f"reason {index}"):
        site = services.site_create(code=f"S{index}", name=f"Site {index}", country="CH", timezone="Europe/Zurich")
        services.site_update(site=site, data={"name": f"Site {index} renamed"})
        services.site_update(site=site, data={"name": f"Site {index} renamed again"})
        services.function_create(code=f"F{index}", name=f"Function {index}")


@pytest.fixture
def trail(db):
    """Sealed history, then more history nobody has sealed yet (the beat is not running in tests)."""
    from ims.access.sync import site_permissions_ensure
    from ims.org.roles import roles_sync

    site_permissions_ensure()
    roles_sync()
    for index in range(3):
        _record_history(index)
    seal_all()
    assert audit_verify().ok
    sealed_to = AuditSeal.objects.order_by("-id").values_list("last_txid", flat=True).first()
    for index in range(3, 6):
        _record_history(index)
    report = audit_verify()
    assert report.ok, report.problems
    events = AuditEvent.objects.exclude(action="R").order_by("id")
    return {
        "sealed": list(events.filter(txid__lt=sealed_to).values_list("id", flat=True)),
        # In the window: the changes of records that have a history (an insert followed by updates).
        "window": list(events.filter(txid__gte=sealed_to, model_label="org.site").values_list("id", flat=True)),
        "newest_seal": AuditSeal.objects.order_by("-id").first().pk,
    }


def _record(event_id: int) -> str:
    label, pk = _sql("SELECT model_label, object_pk FROM audit_auditevent WHERE id = %s", [event_id])[0]
    return f"({label} {pk})"


def _rehash(where: str, params=()) -> None:
    _sql(f"UPDATE audit_auditevent e SET row_hash = ims_audit_row_hash(e) WHERE {where}", params)  # noqa: S608


def _a_value_key(event_id: int) -> str:
    keys = _sql(
        "SELECT k FROM audit_auditevent, jsonb_object_keys(new) k WHERE id = %s AND k <> 'id' "
        "ORDER BY k = 'name' DESC, k",
        [event_id],
    )
    return keys[0][0]


def attack(kind: str, window: bool, victim: int, other: int, field: str, newest_seal: int) -> tuple[list, list[str]]:
    """Tamper as ``kind`` says; return (what the first problem must name, the report's problems)."""
    expect = [rf"event {victim}\b", re.escape(_record(victim))]
    if kind == "edit":
        _sql(f"UPDATE audit_auditevent SET {field} = {field} || 'x' WHERE id = %s", [victim])  # noqa: S608
    elif kind == "edit and re-hash":
        if window:  # what happened to the record: a value it was given
            key = _a_value_key(victim)
            _sql("UPDATE audit_auditevent SET new = jsonb_set(new, %s, '\"forged\"') WHERE id = %s", [[key], victim])
        else:
            _sql(f"UPDATE audit_auditevent SET {field} = {field} || 'x' WHERE id = %s", [victim])  # noqa: S608
        _rehash("id = %s", [victim])
    elif kind == "delete":
        _sql("DELETE FROM audit_auditevent WHERE id = %s", [victim])
    elif kind in ("insert", "future txid"):
        key = _a_value_key(victim)
        forged = _sql(
            "INSERT INTO audit_auditevent (id, occurred_at, table_name, model_label, object_pk, action, old, new, "
            "changed_fields, actor_label, channel, reason, request_id, txid, site_ids, row_hash) "
            "SELECT nextval(pg_get_serial_sequence('audit_auditevent', 'id')), occurred_at, table_name, model_label, "
            "object_pk, 'U', new, jsonb_set(new, %s, '\"forged\"'), ARRAY[%s], 'forger', channel, 'forged', '', "
            "CASE WHEN %s THEN %s ELSE txid END, site_ids, '' FROM audit_auditevent WHERE id = %s RETURNING id",
            [[key], key, kind == "future txid", FUTURE_TXID + victim, victim],
        )[0][0]
        _rehash("id = %s", [forged])
        expect = [rf"event {forged}\b", re.escape(_record(victim))]
    elif kind == "reorder":
        expect += [rf"event {other}\b", re.escape(_record(other))]
        swap_events(victim, other)
    elif kind == "drop newest seal":
        _sql("DELETE FROM audit_auditseal WHERE id = %s", [newest_seal])
        expect = [rf"seal {newest_seal}\b"]
    elif kind == "drop seal and rewrite":
        _sql("DELETE FROM audit_auditseal WHERE id = %s", [newest_seal])
        _sql(f"UPDATE audit_auditevent SET {field} = {field} || 'x' WHERE id = %s", [victim])  # noqa: S608
        _rehash("id = %s", [victim])
        expect = [rf"seal {newest_seal}\b"]
    else:  # pragma: no cover - the parametrisation lists every kind
        raise AssertionError(kind)
    if window:  # what the sealing run does when it meets the tampered state: reports, never blesses
        seals = AuditSeal.objects.count()
        run = integrity_run(trigger="test")
        assert AuditSeal.objects.count() == seals, "a tampered state was sealed"
        return expect, run.problems
    return expect, audit_verify().problems


@pytest.mark.parametrize("window", [False, True], ids=["sealed", "unsealed window"])
@pytest.mark.parametrize("kind", KINDS)
@settings(
    max_examples=20,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(a=st.integers(0, 10_000), b=st.integers(0, 10_000), field=st.sampled_from(METADATA))
def test_every_attack_is_detected_and_the_first_problem_names_it(trail, kind, window, a, b, field):
    targets = trail["window" if window else "sealed"]
    if kind.startswith("drop seal") or kind == "drop newest seal":
        sealed = AuditSeal.objects.get(pk=trail["newest_seal"])
        targets = list(
            AuditEvent.objects.filter(txid__gte=sealed.first_txid, txid__lt=sealed.last_txid)
            .exclude(action="R")
            .values_list("id", flat=True)
        )
    victim = targets[a % len(targets)]
    if window and kind == "reorder":  # in the window: the order of one record's history
        targets = [t for t in targets if t == victim or _record(t) == _record(victim)]
        assert len(targets) >= 2, _record(victim)
    other = targets[b % len(targets)]
    if other == victim:
        other = targets[(a + 1) % len(targets)]
    outcome = {}
    with as_owner():
        try:
            with transaction.atomic():
                _sql("ALTER TABLE audit_auditevent DISABLE TRIGGER ims_append_only")
                _sql("ALTER TABLE audit_auditseal DISABLE TRIGGER ims_append_only")
                outcome["expect"], outcome["problems"] = attack(
                    kind, window, victim, other, field, trail["newest_seal"]
                )
                raise Rollback
        except Rollback:
            pass
    problems = outcome["problems"]
    assert problems, f"{kind} on event {victim} was not detected"
    first = problems[0]
    assert any(re.search(pattern, first) for pattern in outcome["expect"]), (kind, victim, other, problems[:3])

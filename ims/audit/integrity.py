"""Tamper evidence: sealing audit events in blocks, and verifying events, seals and registered checks.

A seal covers every event of the transactions in a txid range that have all finished, so the
set of events it covers is final. Its HMAC (key outside the database: ``IMS_AUDIT_SEAL_KEY``)
chains it to the previous seal, and every seal is copied to the anchor log outside the database
(``ims.audit.anchor``). Verification finds: an event whose content no longer matches its row hash
(edited), an event with a transaction id or an id the database never gave out (forged), a block
whose digest or count differs (edited with a recomputed hash, reordered, deleted or inserted), a
broken seal chain, and seals that differ from their anchored copies (a seal deleted and its events
re-sealed). Apps add checks (e.g. signatures) with ``register_integrity_check``.

Nothing is sealed that was not checked first: the sealing task checks the newest seal's block and the
pending events before it extends the chain, and ``integrity_run`` verifies everything already sealed
before it seals anything, so a tampered state is reported, never blessed by a new seal.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
import logging
import struct
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from . import anchor
from .models import AuditEvent, AuditSeal, IntegrityRun

log = logging.getLogger("ims.audit.integrity")

SEAL_LOCK_KEY = 7_424_001  # pg advisory lock id: one sealer at a time
#: A seal younger than this may not be anchored yet (the line is written when its transaction commits).
ANCHOR_GRACE = datetime.timedelta(minutes=2)

_checks: dict[str, Callable[[], list[str]]] = {}


def register_integrity_check(name: str, function: Callable[[], list[str]]) -> None:
    _checks[name] = function


def _key() -> bytes:
    configured = getattr(settings, "IMS_AUDIT_SEAL_KEY", "")
    if configured:
        return configured.encode()
    return hmac.new(settings.SECRET_KEY.encode(), b"ims-audit-seal", hashlib.sha256).digest()


def _seal_hmac(previous: str, first: int, last: int, count: int, digest: str, leaves: bytes = b"") -> str:
    message = f"{previous}|{first}|{last}|{count}|{digest}"
    if leaves:  # seals made before the leaves were kept sign without them; stripping them breaks the HMAC
        message += f"|{hashlib.sha256(leaves).hexdigest()}"
    return hmac.new(_key(), message.encode(), hashlib.sha256).hexdigest()


def _signed(seal: AuditSeal) -> str:
    return _seal_hmac(
        seal.previous_hmac, seal.first_txid, seal.last_txid, seal.event_count, seal.events_digest, bytes(seal.leaves)
    )


def _events(txid_from: int, txid_to: int):
    return AuditEvent.objects.filter(txid__gte=txid_from, txid__lt=txid_to)


LEAF = struct.Struct(">q8s")


def _leaf(event_id: int, row_hash: str) -> bytes:
    return LEAF.pack(event_id, hashlib.sha256(row_hash.encode()).digest()[:8])


def _block(txid_from: int, txid_to: int) -> tuple[int, str, bytes]:
    """(count, sha256 over the row hashes in id order, leaves) of the events of transactions in [from, to)."""
    digest = hashlib.sha256()
    leaves = bytearray()
    count = 0
    rows = _events(txid_from, txid_to).order_by("id").values_list("id", "row_hash").iterator(5000)
    for event_id, row_hash in rows:
        digest.update(row_hash.encode())
        leaves += _leaf(event_id, row_hash)
        count += 1
    return count, digest.hexdigest(), bytes(leaves)


def _leaf_map(leaves: bytes) -> dict[int, bytes]:
    return {event_id: print_ for event_id, print_ in LEAF.iter_unpack(leaves)}


def _changed_events(seal: AuditSeal, now: bytes) -> list[str]:
    """The events of a sealed block that changed since sealing, first first: deleted, inserted or rewritten."""
    where = f"seal {seal.pk}"
    sealed, current = _leaf_map(bytes(seal.leaves)), _leaf_map(now)
    found = []
    for event_id in sorted(sealed.keys() | current.keys()):
        if event_id not in current:
            found.append(f"{where}: audit event {event_id} was sealed and is gone — deleted")
        elif event_id not in sealed:
            found.append(f"{where}: audit event {event_id} was not in the sealed block — inserted after sealing")
        elif sealed[event_id] != current[event_id]:
            found.append(
                f"{where}: audit event {event_id} differs from what was sealed — rewritten (its hash recomputed), "
                "or its content swapped with another event's"
            )
    return found


@dataclass
class IntegrityReport:
    events_checked: int = 0
    seals_checked: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _edited_rows(limit: int, txid_from: int | None = None, txid_to: int | None = None) -> list[str]:
    """Events whose content does not match their row hash (all events, or those of a txid range)."""
    where, params = "", []
    if txid_from is not None:
        where, params = "AND e.txid >= %s AND e.txid < %s", [txid_from, txid_to]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, model_label, object_pk FROM audit_auditevent e "  # noqa: S608 - fixed fragments only
            f"WHERE e.row_hash IS DISTINCT FROM ims_audit_row_hash(e) {where} ORDER BY id LIMIT %s",
            [*params, limit],
        )
        return [
            f"audit event {event_id} ({label} {pk}): its content does not match its hash — edited after it was written"
            for event_id, label, pk in cursor.fetchall()
        ]


#: Per table, the smallest record id an insert event was written for: records below it may predate the trail
#: (rows a migration wrote before the capture triggers were installed); every record above it began with one.
_first_captured: dict[str, int] = {}
FIRST_CAPTURED_CACHE_KEY = "ims.audit.first_captured"


def _first_captured_ids() -> dict[str, int]:
    from django.core.cache import cache

    from . import registry

    if not _first_captured:  # a new worker process: start from what another one found (checked below)
        try:
            _first_captured.update(cache.get(FIRST_CAPTURED_CACHE_KEY) or {})
        except Exception:  # noqa: BLE001 - the cache is an optimisation: without it, look the ids up
            log.warning("cache unavailable; first captured ids are looked up")
    known = dict(_first_captured)
    with connection.cursor() as cursor:
        if _first_captured:
            # Ids only grow, so a known first id stays, as long as its insert event is still there (one index
            # lookup per table; a table emptied and restarted, or that event deleted, is looked up again).
            cursor.execute(
                "SELECT f.key FROM jsonb_each_text(%s::jsonb) f WHERE NOT EXISTS (SELECT 1 FROM audit_auditevent e "
                "WHERE e.table_name = f.key AND e.object_pk = f.value AND e.action = 'I')",
                [json.dumps(_first_captured)],
            )
            for (table,) in cursor.fetchall():
                del _first_captured[table]
        for entry in registry.audited_models():
            if entry.table in _first_captured:
                continue
            cursor.execute(
                "SELECT min(object_pk::bigint) FROM audit_auditevent WHERE table_name = %s AND action = 'I' "
                "AND object_pk ~ '^[0-9]{1,18}$'",
                [entry.table],
            )
            first = cursor.fetchone()[0]
            if first is not None:
                _first_captured[entry.table] = first
    if _first_captured != known:
        try:
            cache.set(FIRST_CAPTURED_CACHE_KEY, dict(_first_captured), None)
        except Exception:  # noqa: BLE001 - the cache is an optimisation
            log.warning("cache unavailable; first captured ids not shared")
    return _first_captured


def _broken_neighbours(limit: int, txid_from: int | None = None, txid_to: int | None = None) -> list[str]:
    """Events that do not follow from the record's previous event: a change or deletion must start from the
    values the previous event of the same record left (``old`` = previous ``new``), and a record created since
    the trail began must have a previous event at all (its insert). A deleted, inserted or rewritten event
    breaks that link even when its own row hash was recomputed."""
    where, params = "", []
    if txid_from is not None:
        where, params = "AND e.txid >= %s AND e.txid < %s", [txid_from, txid_to]
    first = json.dumps(_first_captured_ids())
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT e.id, e.model_label, e.object_pk, prev.id FROM audit_auditevent e "  # noqa: S608 - fixed fragments
            "LEFT JOIN LATERAL (SELECT p.id, p.new FROM audit_auditevent p WHERE p.table_name = e.table_name "
            "AND p.object_pk = e.object_pk AND p.id < e.id AND p.action IN ('I', 'U', 'D') "
            "ORDER BY p.id DESC LIMIT 1) prev ON true "
            "WHERE e.action IN ('U', 'D') AND CASE WHEN prev.id IS NULL THEN "
            "e.object_pk ~ '^[0-9]{1,18}$' AND e.object_pk::bigint > (%s::jsonb ->> e.table_name)::bigint "
            # Compared on the fields both events carry: a field added or dropped by a migration is not a break.
            "ELSE prev.new IS NULL OR EXISTS (SELECT 1 FROM jsonb_each(e.old) o "
            "JOIN jsonb_each(prev.new) n USING (key) WHERE o.value IS DISTINCT FROM n.value) END "
            f"{where} ORDER BY e.id LIMIT %s",
            [first, *params, limit],
        )
        return [
            f"audit event {event_id} ({label} {pk}) does not follow from the record's previous event {previous}: "
            "an event between them was deleted or inserted, or one of them was rewritten"
            if previous
            else f"audit event {event_id} ({label} {pk}) changes a record whose earlier events are gone: "
            "its insert event (and any change before this one) was deleted"
            for event_id, label, pk, previous in cursor.fetchall()
        ]


def _records_unlike_their_trail(limit: int, txid_from: int) -> list[str]:
    """Records whose newest event is not sealed yet and whose live row does not match it: the event (or one
    after it) was rewritten, deleted or inserted in the window before sealing. One statement per table, so the
    row and its events come from the same snapshot. Masked and ignored columns are not compared."""
    from . import registry

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT table_name FROM audit_auditevent WHERE txid >= %s AND action IN ('I', 'U', 'D')",
            [txid_from],
        )
        tables = {row[0] for row in cursor.fetchall()}
        entries = [entry for entry in registry.audited_models() if entry.table in tables]
        found = []
        for entry in entries:
            if entry.model._meta.pk.get_internal_type() not in ("AutoField", "BigAutoField"):
                continue
            # Table names come from the model registry, never from input.
            cursor.execute(
                "SELECT e.id, e.model_label, e.object_pk FROM audit_auditevent e "  # noqa: S608
                f"LEFT JOIN {entry.table} x ON x.id = e.object_pk::bigint "
                "WHERE e.table_name = %s AND e.txid >= %s AND e.action IN ('I', 'U', 'D') "
                "AND NOT EXISTS (SELECT 1 FROM audit_auditevent n WHERE n.table_name = e.table_name "
                "AND n.object_pk = e.object_pk AND n.id > e.id AND n.action IN ('I', 'U', 'D')) "
                "AND CASE WHEN e.action = 'D' THEN x.id IS NOT NULL ELSE x.id IS NULL OR EXISTS ("
                "SELECT 1 FROM jsonb_each(e.new) nv JOIN jsonb_each(to_jsonb(x)) lv USING (key) "
                "WHERE nv.value IS DISTINCT FROM lv.value AND NOT key = ANY(%s)) END "
                "ORDER BY e.id LIMIT %s",
                [entry.table, txid_from, list(entry.masked), limit],
            )
            found += cursor.fetchall()
    return [
        f"audit event {event_id} ({label} {pk}) is the record's newest event but the record does not match it: "
        "an event of this record was rewritten, deleted or inserted before it was sealed"
        for event_id, label, pk in sorted(found)[:limit]
    ]


def _impossible_rows(limit: int) -> list[str]:
    """Events carrying a transaction id at or beyond the horizon of the snapshot that reads them, or an id the
    event sequence never gave out: rows written around the capture triggers. Each check is one statement, so
    the horizon and the rows come from the same moment (a concurrent write is never mistaken for a forgery)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT e.id, e.model_label, e.object_pk, e.txid, h.horizon FROM audit_auditevent e, "
            # The reading transaction's own id may lie past its snapshot's horizon: its own writes are real.
            "(SELECT GREATEST(pg_snapshot_xmax(pg_current_snapshot())::text::bigint, "
            "COALESCE(pg_current_xact_id_if_assigned()::text::bigint + 1, 0)) AS horizon) h "
            "WHERE e.txid >= h.horizon ORDER BY e.id LIMIT %s",
            [limit],
        )
        beyond = cursor.fetchall()
        # The capture trigger draws ids from this sequence before its transaction commits.
        cursor.execute(
            "SELECT e.id, e.model_label, e.object_pk, s.last_value FROM audit_auditevent e, "
            "(SELECT last_value FROM audit_auditevent_id_seq) s WHERE e.id > s.last_value ORDER BY e.id LIMIT %s",
            [limit],
        )
        unissued = cursor.fetchall()
    return [
        f"audit event {event_id} ({label} {pk}) carries transaction {txid}, beyond the current transaction "
        f"horizon {horizon}: it was not written by the database's capture trigger"
        for event_id, label, pk, txid, horizon in beyond
    ] + [
        f"audit event {event_id} ({label} {pk}) has an id the event sequence never issued (last {issued}): "
        "it was inserted around the capture trigger"
        for event_id, label, pk, issued in unissued
    ]


def _seal_problems(seal: AuditSeal, previous: AuditSeal | None) -> list[str]:
    """What is wrong with one seal: its chain link, its HMAC, and the block of events it covers."""
    problems = []
    where = f"seal {seal.pk} (transactions {seal.first_txid}–{seal.last_txid})"
    if seal.previous_hmac != (previous.hmac if previous else "") or seal.first_txid != (
        previous.last_txid if previous else 0
    ):
        problems.append(f"{where}: the chain of seals is broken — a seal was removed, edited or reordered")
    signed = hmac.compare_digest(_signed(seal), seal.hmac)
    if not signed:
        problems.append(f"{where}: the seal's signature is wrong — the seal or its list of events was forged or edited")
    count, digest, leaves = _block(seal.first_txid, seal.last_txid)
    if count == seal.event_count and digest == seal.events_digest:
        return problems
    changed = _changed_events(seal, leaves) if seal.leaves and signed else []
    if changed:
        problems += changed
    elif count != seal.event_count:
        first = _events(seal.first_txid, seal.last_txid).order_by("id").values_list("id", flat=True).first()
        problems.append(
            f"{where}: {seal.event_count} events were sealed, {count} are there now — events were "
            f"{'deleted' if count < seal.event_count else 'inserted'} (block starts at event {first})"
        )
    else:
        problems.append(f"{where}: the sealed events were edited or reordered")
    return problems


def _verify_seals(report: IntegrityReport) -> None:
    previous = None
    for seal in AuditSeal.objects.order_by("id").iterator():
        report.seals_checked += 1
        report.problems += _seal_problems(seal, previous)
        previous = seal


def _anchor_problems(seals: list[AuditSeal]) -> list[str]:
    """Seals against their anchored copies; the newest seal may still be on its way to the log."""
    recent = timezone.now() - ANCHOR_GRACE
    newest = seals[-1].pk if seals else None
    return [
        problem
        for problem in anchor.anchor_compare(seals)
        if not (
            newest is not None
            and problem.startswith(f"seal {newest} ")
            and "is not in the anchor log" in problem
            and seals[-1].sealed_at > recent
        )
    ]


def audit_verify(*, limit: int = 20) -> IntegrityReport:
    """Verify every event, every seal, the anchor log and every registered check; first-broken first."""
    report = IntegrityReport()
    report.events_checked = AuditEvent.objects.count()
    report.problems += _edited_rows(limit)
    report.problems += _impossible_rows(limit)
    report.problems += _broken_neighbours(limit)
    sealed_to = AuditSeal.objects.order_by("-id").values_list("last_txid", flat=True).first() or 0
    report.problems += _records_unlike_their_trail(limit, sealed_to)
    _verify_seals(report)
    report.problems += _anchor_problems(list(AuditSeal.objects.order_by("id")))
    for name, check in sorted(_checks.items()):
        for problem in check():
            report.problems.append(f"{name}: {problem}")
    return report


def _anchor_catch_up(last: AuditSeal | None) -> None:
    """Anchor the seals the log does not hold yet (a crash between a seal's commit and its line; a log
    started on an installation that already had seals), each after its chain link and HMAC are checked."""
    path = anchor.anchor_path()
    if last is None or path is None:
        return
    if path.exists() and anchor.anchor_last_entry() is None:
        return  # a log emptied or unreadable is reported by verification, never silently refilled
    anchored = anchor.anchor_last_seal()
    if anchored >= last.pk:
        return
    missing = list(AuditSeal.objects.filter(pk__gt=anchored).order_by("id"))
    previous = AuditSeal.objects.filter(pk__lte=anchored).order_by("-id").first()
    for seal in missing:
        linked = seal.previous_hmac == (previous.hmac if previous else "")
        if not linked or not hmac.compare_digest(_signed(seal), seal.hmac):
            log.error("seal %s fails its chain or HMAC check: it is not anchored", seal.pk)
            return
        previous = seal
    last_events = _last_events(missing)
    anchor.anchor_append((seal, last_events.get(seal.pk)) for seal in missing)
    log.warning("anchored %s seal(s) the anchor log did not hold (from seal %s)", len(missing), missing[0].pk)


def _last_events(seals: list[AuditSeal]) -> dict[int, int | None]:
    return {seal.pk: _events(seal.first_txid, seal.last_txid).aggregate(m=Max("id"))["m"] for seal in seals}


def _head_problems(last: AuditSeal | None) -> list[str]:
    """The chain's head before it is extended: the newest seal's link, HMAC and block, and its anchored copy
    (the newest anchored seal must be this one: a deleted newest seal is not re-sealed over)."""
    if last is None:
        entry = anchor.anchor_last_entry()
        return (
            [f"seal {entry['seal']} is in the anchor log but the database holds no seal: a seal was deleted"]
            if entry
            else []
        )
    before = AuditSeal.objects.filter(pk__lt=last.pk).order_by("-id").first()
    problems = _seal_problems(last, before)
    entry = anchor.anchor_last_entry()
    if entry is None and anchor.anchor_path() is not None:
        problems.append(
            f"the anchor log {anchor.anchor_path()} holds no seal while the database holds seals up to {last.pk}: "
            "it was emptied or cannot be read; sealing waits until it is restored"
        )
    elif entry is not None and int(entry["seal"]) > last.pk:
        problems.append(
            f"seal {entry['seal']} is in the anchor log but the newest seal in the database is {last.pk}: "
            "a seal was deleted"
        )
    elif entry is not None and int(entry["seal"]) == last.pk:
        changed = [name for name in anchor.FIELDS if str(entry.get(name)) != str(getattr(last, name))]
        if changed:
            problems.append(f"seal {last.pk} differs from its anchored copy ({', '.join(changed)})")
    return problems


class SealRefused(Exception):
    """The chain's head or the pending events failed their checks: nothing was sealed."""


@transaction.atomic
def audit_seal_pending() -> AuditSeal | None:
    """Seal the events of every transaction that has finished since the last seal (idempotent).

    Before extending the chain it checks its head: the newest seal's link, HMAC, block and anchored copy,
    and the pending events' row hashes. A failed check raises ``SealRefused`` and seals nothing, so a
    tampered state is never covered by a new, valid seal.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [SEAL_LOCK_KEY])
        if not cursor.fetchone()[0]:
            return None
        cursor.execute("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint")
        horizon = cursor.fetchone()[0]
    last = AuditSeal.objects.order_by("-id").first()
    _anchor_catch_up(last)
    start = last.last_txid if last else 0
    previous = last.hmac if last else ""
    if horizon <= start or not _events(start, horizon).exists():
        return None
    problems = _head_problems(last)
    problems += _edited_rows(20, start, horizon)
    problems += _broken_neighbours(20, start, horizon)
    problems += _records_unlike_their_trail(20, start)
    if problems:
        log.error("audit sealing refused: %s", "; ".join(problems))
        raise SealRefused("; ".join(problems))
    count, digest, leaves = _block(start, horizon)
    seal = AuditSeal.objects.create(
        first_txid=start,
        last_txid=horizon,
        event_count=count,
        events_digest=digest,
        leaves=leaves,
        previous_hmac=previous,
        hmac=_seal_hmac(previous, start, horizon, count, digest, leaves),
    )
    last_event = _last_events([seal])[seal.pk]

    def write_anchor() -> None:
        try:
            anchor.anchor_append([(seal, last_event)])
        except OSError:
            log.exception("seal %s could not be anchored; the next sealing run anchors it", seal.pk)

    transaction.on_commit(write_anchor)
    return seal


def integrity_run(*, trigger: str = "command", seal: bool = True) -> IntegrityRun:
    """Verify everything already sealed, then (only when that found nothing) seal the finished transactions
    and check the new seal; keep the result (shown on the admin page)."""
    run = IntegrityRun.objects.create(trigger=trigger)
    with transaction.atomic():
        # Seals the log does not hold yet (a crash before a line was written; a log started on an installation
        # that already had seals) are anchored first, after their chain and HMAC are checked.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SEAL_LOCK_KEY])
        _anchor_catch_up(AuditSeal.objects.order_by("-id").first())
    report = audit_verify()
    if seal and report.ok:
        try:
            new = audit_seal_pending()
        except SealRefused as refused:
            report.problems.append(f"sealing refused: {refused}")
        else:
            if new is not None:
                report.seals_checked += 1
                previous = AuditSeal.objects.filter(pk__lt=new.pk).order_by("-id").first()
                report.problems += _seal_problems(new, previous)
    run.finished_at = timezone.now()
    run.ok = report.ok
    run.events_checked = report.events_checked
    run.seals_checked = report.seals_checked
    run.problems = report.problems
    run.save(update_fields=["finished_at", "ok", "events_checked", "seals_checked", "problems"])
    return run

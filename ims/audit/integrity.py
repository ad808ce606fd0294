"""Tamper evidence: sealing audit events in blocks, and verifying events, seals and registered checks.

A seal covers every event of the transactions in a txid range that have all finished, so the
set of events it covers is final. Its HMAC (key outside the database: ``IMS_AUDIT_SEAL_KEY``)
chains it to the previous seal. Verification finds: an event whose content no longer matches its
row hash (edited), a block whose digest or count differs (edited with a recomputed hash,
reordered, deleted or inserted), and a broken seal chain. Apps add checks (e.g. signatures)
with ``register_integrity_check``.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from .models import AuditEvent, AuditSeal, IntegrityRun

SEAL_LOCK_KEY = 7_424_001  # pg advisory lock id: one sealer at a time

_checks: dict[str, Callable[[], list[str]]] = {}


def register_integrity_check(name: str, function: Callable[[], list[str]]) -> None:
    _checks[name] = function


def _key() -> bytes:
    configured = getattr(settings, "IMS_AUDIT_SEAL_KEY", "")
    if configured:
        return configured.encode()
    return hmac.new(settings.SECRET_KEY.encode(), b"ims-audit-seal", hashlib.sha256).digest()


def _seal_hmac(previous: str, first: int, last: int, count: int, digest: str) -> str:
    message = f"{previous}|{first}|{last}|{count}|{digest}".encode()
    return hmac.new(_key(), message, hashlib.sha256).hexdigest()


def _digest(txid_from: int, txid_to: int) -> tuple[int, str]:
    """(count, sha256 over the row hashes in id order) of the events of transactions in [from, to)."""
    digest = hashlib.sha256()
    count = 0
    rows = (
        AuditEvent.objects.filter(txid__gte=txid_from, txid__lt=txid_to)
        .order_by("id")
        .values_list("row_hash", flat=True)
    )
    for row_hash in rows.iterator(chunk_size=5000):
        digest.update(row_hash.encode())
        count += 1
    return count, digest.hexdigest()


@transaction.atomic
def audit_seal_pending() -> AuditSeal | None:
    """Seal the events of every transaction that has finished since the last seal (idempotent)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [SEAL_LOCK_KEY])
        if not cursor.fetchone()[0]:
            return None
        cursor.execute("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint")
        horizon = cursor.fetchone()[0]
    last = AuditSeal.objects.order_by("-id").first()
    start = last.last_txid if last else 0
    previous = last.hmac if last else ""
    if horizon <= start or not AuditEvent.objects.filter(txid__gte=start, txid__lt=horizon).exists():
        return None
    count, digest = _digest(start, horizon)
    return AuditSeal.objects.create(
        first_txid=start,
        last_txid=horizon,
        event_count=count,
        events_digest=digest,
        previous_hmac=previous,
        hmac=_seal_hmac(previous, start, horizon, count, digest),
    )


@dataclass
class IntegrityReport:
    events_checked: int = 0
    seals_checked: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _verify_rows(report: IntegrityReport, limit: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM audit_auditevent")
        report.events_checked = cursor.fetchone()[0]
        cursor.execute(
            "SELECT id, model_label, object_pk FROM audit_auditevent e "
            "WHERE e.row_hash IS DISTINCT FROM ims_audit_row_hash(e) ORDER BY id LIMIT %s",
            [limit],
        )
        for event_id, label, pk in cursor.fetchall():
            report.problems.append(
                f"audit event {event_id} ({label} {pk}): its content does not match its hash — "
                "edited after it was written"
            )


def _verify_seals(report: IntegrityReport) -> None:
    previous_hmac = ""
    previous_end = 0
    for seal in AuditSeal.objects.order_by("id").iterator():
        report.seals_checked += 1
        where = f"seal {seal.pk} (transactions {seal.first_txid}–{seal.last_txid})"
        if seal.previous_hmac != previous_hmac or seal.first_txid != previous_end:
            report.problems.append(f"{where}: the chain of seals is broken — a seal was removed, edited or reordered")
        expected = _seal_hmac(seal.previous_hmac, seal.first_txid, seal.last_txid, seal.event_count, seal.events_digest)
        if not hmac.compare_digest(expected, seal.hmac):
            report.problems.append(f"{where}: the seal's signature is wrong — the seal was forged or edited")
        count, digest = _digest(seal.first_txid, seal.last_txid)
        if count != seal.event_count:
            first = (
                AuditEvent.objects.filter(txid__gte=seal.first_txid, txid__lt=seal.last_txid)
                .order_by("id")
                .values_list("id", flat=True)
                .first()
            )
            report.problems.append(
                f"{where}: {seal.event_count} events were sealed, {count} are there now — events were "
                f"{'deleted' if count < seal.event_count else 'inserted'} (block starts at event {first})"
            )
        elif digest != seal.events_digest:
            report.problems.append(f"{where}: the sealed events were edited or reordered")
        previous_hmac = seal.hmac
        previous_end = seal.last_txid


def audit_verify(*, limit: int = 20) -> IntegrityReport:
    """Verify every event, every seal and every registered check; problems listed first-broken first."""
    report = IntegrityReport()
    _verify_rows(report, limit)
    _verify_seals(report)
    for name, check in sorted(_checks.items()):
        for problem in check():
            report.problems.append(f"{name}: {problem}")
    return report


def integrity_run(*, trigger: str = "command", seal_first: bool = True) -> IntegrityRun:
    """Seal finished transactions, verify, and keep the result (shown on the admin page)."""
    if seal_first:
        audit_seal_pending()
    run = IntegrityRun.objects.create(trigger=trigger)
    report = audit_verify()
    run.finished_at = timezone.now()
    run.ok = report.ok
    run.events_checked = report.events_checked
    run.seals_checked = report.seals_checked
    run.problems = report.problems
    run.save(update_fields=["finished_at", "ok", "events_checked", "seals_checked", "problems"])
    return run

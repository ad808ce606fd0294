"""The seal chain's head, anchored outside the database.

Every seal is also written as one line to an append-only anchor log that a database superuser cannot reach:
by default ``.data/audit-anchor.log`` (``IMS_AUDIT_ANCHOR``: a path on a separate volume, an object-lock
mount or a WORM share in production), optionally copied to syslog (``IMS_AUDIT_ANCHOR_SYSLOG``: a socket
path such as ``/dev/log`` or ``host:port``). ``verify_integrity`` compares the database's seals with the
log: a seal deleted (and the block re-sealed), a seal added or a seal changed is reported, even when the
chain in the database is consistent again.

One line per seal, JSON: seal id, transaction range, last event id, event count, the chain HMAC and the
time it was anchored. The log is opened in append mode and synced to disk after each line.
"""

from __future__ import annotations

import json
import logging
import logging.handlers
import os
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils import timezone

log = logging.getLogger("ims.audit.anchor")

FIELDS = ("first_txid", "last_txid", "event_count", "hmac")


def anchor_path() -> Path | None:
    """Where the anchor log lives (``None``: anchoring switched off, which verification reports)."""
    configured = getattr(settings, "IMS_AUDIT_ANCHOR", "")
    return Path(configured) if configured else None


@dataclass(frozen=True)
class AnchorLine:
    seal: int
    first_txid: int
    last_txid: int
    last_event: int | None
    event_count: int
    hmac: str
    at: str

    def as_json(self) -> str:
        return json.dumps(self.__dict__, sort_keys=True, separators=(",", ":"))


def _line(seal, last_event: int | None) -> AnchorLine:
    return AnchorLine(
        seal=seal.pk,
        first_txid=seal.first_txid,
        last_txid=seal.last_txid,
        last_event=last_event,
        event_count=seal.event_count,
        hmac=seal.hmac,
        at=timezone.now().isoformat(),
    )


def _syslog(text: str) -> None:
    target = getattr(settings, "IMS_AUDIT_ANCHOR_SYSLOG", "")
    if not target:
        return
    if ":" in target and not target.startswith("/"):
        host, port = target.rsplit(":", 1)
        address: str | tuple[str, int] = (host, int(port))
    else:
        address = target
    handler = logging.handlers.SysLogHandler(address=address, facility=logging.handlers.SysLogHandler.LOG_AUTHPRIV)
    try:
        handler.emit(logging.makeLogRecord({"msg": f"ims-audit-anchor {text}", "levelno": logging.INFO}))
    finally:
        handler.close()


def anchor_append(seals_and_last_events) -> int:
    """Append one line per ``(seal, last_event_id)``; returns how many were written. Raises ``OSError`` when
    the log cannot be written (the caller keeps the seal: verification will report it as not anchored)."""
    path = anchor_path()
    if path is None:
        return 0
    lines = [_line(seal, last_event).as_json() for seal, last_event in seals_and_last_events]
    if not lines:
        return 0
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        os.write(descriptor, ("\n".join(lines) + "\n").encode())
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
    for line in lines:
        _syslog(line)
    return len(lines)


def anchor_read() -> tuple[dict[int, dict], list[str]]:
    """The anchored seals by id, and the problems found reading the log (unreadable or changed lines)."""
    path = anchor_path()
    problems: list[str] = []
    anchored: dict[int, dict] = {}
    if path is None or not path.exists():
        return anchored, problems
    with path.open(encoding="utf-8") as handle:
        for number, text in enumerate(handle, 1):
            text = text.strip()
            if not text:
                continue
            try:
                entry = json.loads(text)
                seal = int(entry["seal"])
            except (ValueError, KeyError, TypeError):
                problems.append(f"anchor log line {number} is not a seal entry: it was edited")
                continue
            if seal in anchored and anchored[seal] != entry:
                problems.append(f"anchor log: seal {seal} is anchored twice with different content")
            anchored.setdefault(seal, entry)
    return anchored, problems


def anchor_last_entry() -> dict | None:
    """The newest anchored seal's entry, read from the end of the log (the sealing task asks every minute)."""
    path = anchor_path()
    if path is None or not path.exists():
        return None
    with path.open("rb") as handle:
        handle.seek(0, os.SEEK_END)
        size = handle.tell()
        handle.seek(max(0, size - 65536))
        tail = handle.read().decode("utf-8", "replace").splitlines()
    for text in reversed(tail):
        try:
            entry = json.loads(text)
            int(entry["seal"])
        except (ValueError, KeyError, TypeError):
            continue
        return entry
    return None


def anchor_last_seal() -> int:
    """The id of the newest anchored seal (0 when the log is empty or missing)."""
    entry = anchor_last_entry()
    return int(entry["seal"]) if entry else 0


def anchor_compare(seals) -> list[str]:
    """Compare the database's seals (id order) with the anchor log: missing, extra and changed seals."""
    path = anchor_path()
    if path is None:
        return []
    anchored, problems = anchor_read()
    seals = list(seals)
    if seals and not anchored:
        return [
            f"anchor log {path} is missing or empty while the database holds {len(seals)} seals: the seals "
            "cannot be checked against their copy outside the database"
        ]
    in_database = {seal.pk for seal in seals}
    first_anchored = min(anchored, default=0)
    for seal in seals:
        entry = anchored.get(seal.pk)
        if entry is None:
            if seal.pk > first_anchored:
                problems.append(
                    f"seal {seal.pk} (transactions {seal.first_txid}–{seal.last_txid}) is not in the anchor log: "
                    "it was added to the database outside the sealing task, or its anchoring failed"
                )
            continue
        changed = [name for name in FIELDS if str(entry.get(name)) != str(getattr(seal, name))]
        if changed:
            problems.append(
                f"seal {seal.pk} differs from its anchored copy ({', '.join(changed)}): the seal was rewritten "
                f"(anchored {entry.get('at')})"
            )
    for seal_id in sorted(set(anchored) - in_database):
        entry = anchored[seal_id]
        problems.append(
            f"seal {seal_id} (transactions {entry.get('first_txid')}–{entry.get('last_txid')}, last event "
            f"{entry.get('last_event')}) is in the anchor log but no longer in the database: it was deleted "
            "and its events possibly re-sealed"
        )
    return problems

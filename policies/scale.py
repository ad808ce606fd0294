"""Scale data of read-and-acknowledge (``manage.py seed_scale``, through ``PoliciesConfig.scale_seed``).

For every effective scale version that must be acknowledged: its ``Distribution`` and one ``Acknowledgement``
per person in scope (``ims.documents.selectors.audience_rows``, the audience the live distribution uses), with
a realistic mix: most acknowledged (each with its e-signature "acknowledged", bound to the task like
``acknowledgement_sign`` binds it, and the signer's e-signature certification), some read and not signed yet,
some not started, the rest overdue. Built with bulk inserts; the primary keys of the tasks are reserved from
their sequence first so each signature is bound to its task before either row is written (no row is updated).

Idempotent: when the scale versions have distributions nothing changes.
"""

from __future__ import annotations

import datetime
import random
import time
from collections import defaultdict
from collections.abc import Callable

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone

from ims.audit.context import audit_context
from ims.audit.database import tables_analyze
from ims.documents.choices import VersionStatus
from ims.documents.models import DocumentVersion
from ims.documents.scale import NUMBER_PREFIX, Signers, certifications_ensure, next_ids
from ims.documents.selectors import audience_rows
from ims.esign.canonical import record_hash
from ims.esign.choices import SignatureMeaning
from ims.esign.models import Signature

from .distribution import acknowledgement_statement
from .models import Acknowledgement, AcknowledgementStatus, Distribution

MAX_TASKS = {"small": 20_000, "large": 300_000}
CHUNK = 20_000


def scale_acknowledgements_present() -> int:
    return Distribution._base_manager.filter(version__document__number__startswith=NUMBER_PREFIX).count()


def scale_acknowledgements_seed(size_name: str, seed: int = 2026, log: Callable[[str], None] = print) -> str:
    present = scale_acknowledgements_present()
    if present:
        return f"{present:,} scale distributions already present; nothing changed"
    started = time.monotonic()
    with transaction.atomic(), audit_context(channel="command", actor_label="seed_scale", reason="Scale seed"):
        counts = _seed(size_name, random.Random(seed * 11 + 3))
    # Fresh planner statistics: the first reads plan on real row counts.
    tables_analyze("policies_acknowledgement", "policies_distribution", "esign_signature")
    if not counts["distributions"]:
        return "no effective scale versions to acknowledge; nothing to do"
    tasks = counts["tasks"] or 1
    return (
        f"{counts['distributions']:,} distributions, {counts['tasks']:,} acknowledgement tasks "
        f"({100 * counts['acknowledged'] / tasks:.0f} % acknowledged, {100 * counts['opened'] / tasks:.0f} % read "
        f"not signed, {100 * counts['overdue'] / tasks:.0f} % overdue), {counts['signatures']:,} signatures"
        + (f", {counts['skipped']} versions left undistributed (cap)" if counts["skipped"] else "")
        + f" in {time.monotonic() - started:.1f} s"
    )


def _seed(size_name: str, rng: random.Random) -> dict[str, int]:
    today = timezone.localdate()
    now = timezone.now()
    versions = {
        v.pk: v
        for v in DocumentVersion._base_manager.filter(
            status=VersionStatus.EFFECTIVE,
            document__number__startswith=NUMBER_PREFIX,
            document__requires_acknowledgement=True,
            document__is_active=True,
        ).select_related("document")
    }
    counts = dict.fromkeys(("distributions", "tasks", "acknowledged", "opened", "overdue", "signatures", "skipped"), 0)
    if not versions:
        return counts
    audience: dict[int, list[tuple[int, int, int]]] = defaultdict(list)
    for v, p, s, f in audience_rows(on=today, version_ids=sorted(versions)):
        audience[v].append((p, s, f))

    cap = MAX_TASKS.get(size_name, 300_000)
    chosen: list[int] = []
    for pk in sorted(versions):
        if counts["tasks"] + len(audience[pk]) > cap:
            counts["skipped"] += 1
            continue
        chosen.append(pk)
        counts["tasks"] += len(audience[pk])

    distributions = {}
    for pk in chosen:
        version = versions[pk]
        distributions[pk] = Distribution(
            version_id=pk,
            due_date=version.effective_date + datetime.timedelta(days=version.document.acknowledgement_days),
            audience_count=len(audience[pk]),
        )
    Distribution._base_manager.bulk_create(list(distributions.values()))
    counts["distributions"] = len(distributions)

    signers = Signers()
    signers.load({p for pk in chosen for p, _s, _f in audience[pk]})
    content_type = ContentType.objects.get_for_model(Acknowledgement, for_concrete_model=False)
    first_signed: dict[int, datetime.datetime] = {}
    pending: list[tuple[int, int, int, int]] = []

    def flush() -> None:
        if not pending:
            return
        ids = next_ids(Acknowledgement, len(pending))
        tasks: list[Acknowledgement] = []
        signed: list[tuple[Acknowledgement, Signature]] = []
        for pk, (v, p, s, f) in zip(ids, pending, strict=True):
            version = versions[v]
            distribution = distributions[v]
            due = distribution.due_date
            effective_at = version.effective_at
            task = Acknowledgement(
                pk=pk,
                distribution_id=distribution.pk,
                version_id=v,
                person_id=p,
                site_id=s,
                function_id=f,
                due_date=due,
            )
            roll = rng.random()
            past_due = due < today
            # Long-distributed versions are mostly acknowledged, the rest overdue; recent ones are under way.
            acknowledged = roll < (0.78 if past_due else 0.40)
            opened = not acknowledged and (rng.random() < (0.3 if past_due else 0.35))
            if acknowledged:
                latest = min(now, datetime.datetime.combine(due, datetime.time(18), tzinfo=datetime.UTC))
                span = max(60.0, (latest - effective_at).total_seconds())
                if past_due and rng.random() < 0.1:  # a late acknowledgement
                    span = min(span * 1.5, (now - effective_at).total_seconds())
                at = effective_at + datetime.timedelta(seconds=rng.uniform(30, span))
                task.status = AcknowledgementStatus.ACKNOWLEDGED
                task.opened_at = at - datetime.timedelta(minutes=rng.randint(2, 40))
                task.acknowledged_at = at
                signature = signers.signature(
                    content_type=content_type,
                    object_pk=pk,
                    record_digest=record_hash(task),
                    meaning=SignatureMeaning.ACKNOWLEDGED,
                    signer_id=p,
                    signed_at=at,
                    reason=acknowledgement_statement(version),
                )
                signed.append((task, signature))
                first_signed[p] = min(at, first_signed.get(p, at))
                counts["acknowledged"] += 1
            else:
                if opened:
                    span = max(60.0, (now - effective_at).total_seconds())
                    task.opened_at = effective_at + datetime.timedelta(seconds=rng.uniform(30, span))
                if past_due:
                    counts["overdue"] += 1
                elif opened:
                    counts["opened"] += 1
            tasks.append(task)
        Signature.objects.bulk_create([signature for _t, signature in signed], batch_size=5000)
        for task, signature in signed:
            task.signature_id = signature.pk
        Acknowledgement._base_manager.bulk_create(tasks, batch_size=5000)
        counts["signatures"] += len(signed)
        pending.clear()

    for pk in chosen:
        pending.extend((pk, p, s, f) for p, s, f in audience[pk])
        if len(pending) >= CHUNK:
            flush()
    flush()
    counts["signatures"] += certifications_ensure(signers, first_signed)
    return counts

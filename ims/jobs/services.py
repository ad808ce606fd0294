"""Jobs: request (one open job per key), start, progress, finish, fail, cancel, and re-sending lost ones."""

from __future__ import annotations

import datetime
import hashlib
import json
import logging

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from .models import OPEN_STATUSES, Job, JobStatus
from .registry import get_job_kind

log = logging.getLogger("ims.jobs")


def job_key(kind: str, scope: dict) -> str:
    """The unique key of a job: SHA-256 of its kind and its scope in canonical JSON."""
    canonical = json.dumps({"kind": kind, "scope": scope}, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def job_dispatch(job_id: int) -> None:
    """Send the job to its workers (after the caller's transaction commits); a broker error leaves it queued for
    the sweeper, never an error for the person who asked."""
    job = Job.objects.filter(pk=job_id).only("kind").first()
    kind = get_job_kind(job.kind) if job else None
    if kind is None:
        return
    try:
        kind.dispatch(job_id)
    except Exception:  # noqa: BLE001 - a broker outage: the sweeper sends it again
        log.warning("job %s could not be sent to the workers; the sweeper will send it again", job_id, exc_info=True)
        return
    Job.objects.filter(pk=job_id).update(dispatched_at=timezone.now())


def job_request(*, kind: str, scope: dict, requested_by, create_subject=None) -> tuple[Job, bool]:
    """The open job for ``kind`` and ``scope``, or a new one (``created`` True) sent to the workers on commit.

    ``create_subject(job)`` runs in the same transaction for a new job (e.g. the evidence pack it builds).
    """
    key = job_key(kind, scope)
    existing = Job.objects.filter(unique_key=key, status__in=OPEN_STATUSES).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            job = Job.objects.create(kind=kind, unique_key=key, requested_by=requested_by, message="Queued")
            if create_subject is not None:
                create_subject(job)
    except IntegrityError:
        existing = Job.objects.filter(unique_key=key, status__in=OPEN_STATUSES).first()
        if existing is None:
            raise
        return existing, False
    transaction.on_commit(lambda: job_dispatch(job.pk))
    return job, True


def job_start(job_id: int, *, steps_total: int | None = None, message: str = "Running") -> Job | None:
    """Mark the job running (one more attempt); None when it is finished or cancelled (nothing to do)."""
    with transaction.atomic():
        job = Job.objects.select_for_update().filter(pk=job_id).first()
        if job is None or not job.is_open:
            return None
        if job.cancel_requested_at is not None:
            _close(job, JobStatus.CANCELLED, "Cancelled")
            return None
        now = timezone.now()
        job.status = JobStatus.RUNNING
        job.attempts += 1
        job.started_at = job.started_at or now
        job.heartbeat_at = now
        job.message = message[:200]
        fields = ["status", "attempts", "started_at", "heartbeat_at", "message"]
        if steps_total is not None:
            job.steps_total = steps_total
            job.steps_done = 0
            fields += ["steps_total", "steps_done"]
        job.save(update_fields=fields)
        return job


def job_step_done(job_id: int, *, message: str = "") -> None:
    """One more step done (safe from parallel workers: an increment in the database)."""
    updates = {"steps_done": F("steps_done") + 1, "heartbeat_at": timezone.now()}
    if message:
        updates["message"] = message[:200]
    Job.objects.filter(pk=job_id, steps_done__lt=F("steps_total")).update(**updates)


def job_heartbeat(job_id: int, *, message: str = "") -> None:
    updates = {"heartbeat_at": timezone.now()}
    if message:
        updates["message"] = message[:200]
    Job.objects.filter(pk=job_id).update(**updates)


def job_cancelled(job_id: int) -> bool:
    return Job.objects.filter(pk=job_id, cancel_requested_at__isnull=False).exists()


def _close(job: Job, status: str, message: str, error: str = "") -> None:
    job.status = status
    job.finished_at = timezone.now()
    job.message = message[:200]
    fields = ["status", "finished_at", "message"]
    if status == JobStatus.DONE:
        job.steps_done = job.steps_total
        fields.append("steps_done")
    if error:
        job.last_error = error[:4000]
        fields.append("last_error")
    job.save(update_fields=fields)


def job_finish(job_id: int, *, message: str = "Done", on_done=None) -> bool:
    """Mark the job done; ``on_done(job)`` runs in the same transaction, only for the call that closed it (so a
    notice is sent once even when a redelivered copy finishes too). True for that call."""
    with transaction.atomic():
        job = Job.objects.select_for_update().filter(pk=job_id).first()
        if job is None or not job.is_open:
            return False
        _close(job, JobStatus.DONE, message)
        if on_done is not None:
            on_done(job)
        return True


def job_fail(job_id: int, *, error: str, message: str = "Failed") -> bool:
    with transaction.atomic():
        job = Job.objects.select_for_update().filter(pk=job_id).first()
        if job is None or not job.is_open:
            return False
        _close(job, JobStatus.FAILED, message, error or message)
        return True


def job_cancel(*, job: Job, by) -> Job:
    """Ask the workers to stop; a queued job stops at once, a running one at its next step."""
    if not job.is_open:
        raise ValidationError("Only a queued or running job can be cancelled.")
    if by.pk != job.requested_by_id and not getattr(by, "is_superuser", False):
        raise ValidationError("Only the person who asked for the job can cancel it.")
    with transaction.atomic():
        locked = Job.objects.select_for_update().get(pk=job.pk)
        locked.cancel_requested_at = timezone.now()
        locked.save(update_fields=["cancel_requested_at"])
        if locked.status == JobStatus.QUEUED:
            _close(locked, JobStatus.CANCELLED, "Cancelled")
    locked.refresh_from_db()
    return locked


def jobs_sweep(*, queued_after: int = 120) -> dict:
    """Send again the jobs left queued longer than ``queued_after`` seconds and the running ones whose workers
    stopped reporting progress (their kind's ``stale_after``). Idempotent: the task bodies skip finished work."""
    now = timezone.now()
    resent = []
    for job in Job.objects.filter(status__in=OPEN_STATUSES).only(
        "pk", "kind", "status", "created_at", "dispatched_at", "heartbeat_at"
    ):
        kind = get_job_kind(job.kind)
        if kind is None:
            continue
        if job.status == JobStatus.QUEUED:
            since = job.dispatched_at or job.created_at
            due = since < now - datetime.timedelta(seconds=queued_after)
        else:
            since = job.heartbeat_at or job.created_at
            due = since < now - datetime.timedelta(seconds=kind.stale_after)
        if due:
            job_dispatch(job.pk)
            resent.append(job.pk)
    return {"resent": resent}


def job_cancel_confirm(job_id: int) -> bool:
    """A worker saw the cancellation: the job ends as cancelled (once). True if this call closed it."""
    with transaction.atomic():
        job = Job.objects.select_for_update().filter(pk=job_id).first()
        if job is None or not job.is_open or job.cancel_requested_at is None:
            return False
        _close(job, JobStatus.CANCELLED, "Cancelled")
        return True


def job_progress_set(job_id: int, *, total: int, done: int, message: str = "") -> None:
    updates = {"steps_total": total, "steps_done": min(done, total), "heartbeat_at": timezone.now()}
    if message:
        updates["message"] = message[:200]
    Job.objects.filter(pk=job_id).update(**updates)

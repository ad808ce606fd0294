"""The evidence-pack job on the ``pdf`` queue: plan → one task per part (in parallel) → assemble.

Every task is idempotent (``acks_late``; a copy redelivered after a worker died, or re-sent by the sweeper,
finds its work done): a part is marked rendered once, the PDF is assembled under a lock and recorded in the
transaction that closes the job, so a pack ends with exactly one artefact and its requester gets one notice.
Child tasks go to the queue their parent came from (``pdf`` in production).
"""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError, transaction
from django.utils import timezone

from ims.jobs.services import (
    job_cancel_confirm,
    job_cancelled,
    job_fail,
    job_finish,
    job_heartbeat,
    job_progress_set,
    job_start,
    job_step_done,
)
from ims.locks import held_alone

log = logging.getLogger("ims.evidence")

PDF_QUEUE = "pdf"
TASK_OPTIONS = {
    "bind": True,
    "acks_late": True,
    "reject_on_worker_lost": True,
    "soft_time_limit": 600,
    "time_limit": 900,
    "autoretry_for": (OperationalError, InterfaceError),
    "retry_backoff": True,
    "retry_backoff_max": 120,
    "max_retries": 5,
}


def _queue(task) -> str:
    info = getattr(task.request, "delivery_info", None) or {}
    return info.get("routing_key") or PDF_QUEUE


def pack_dispatch(job_id: int, queue: str = PDF_QUEUE) -> None:
    pack_build.apply_async((job_id,), queue=queue)


@shared_task(**TASK_OPTIONS)
def pack_build(self, job_id: int) -> dict:
    from .build import pack_plan
    from .models import ChunkStatus, EvidencePack

    job = job_start(job_id, message="Planning the parts")
    if job is None:
        return {"skipped": True}
    pack = EvidencePack.objects.get(job_id=job_id)
    try:
        chunks = pack_plan(pack)
    except Exception as error:  # noqa: BLE001 - a section that cannot plan fails the job, with the reason
        log.exception("evidence pack %s could not be planned", pack.number)
        job_fail(job_id, error=f"{type(error).__name__}: {error}", message="Planning failed")
        return {"failed": True}
    limit = settings.IMS_PACK_MAX_PARTS
    if len(chunks) > limit:
        job_fail(
            job_id,
            error=f"The scope holds {len(chunks)} parts (about {len(chunks) * 250:,} table rows); a pack holds at "
            f"most {limit}. Choose a shorter period, fewer sections or fewer sites.",
            message="Too large for one pack",
        )
        return {"failed": "too large"}
    pending = [c for c in chunks if c.status != ChunkStatus.DONE]
    job_progress_set(
        job_id, total=len(chunks) + 1, done=len(chunks) - len(pending), message=f"Rendering {len(chunks)} parts"
    )
    queue = _queue(self)
    for chunk in pending:
        pack_chunk_render.apply_async((chunk.pk,), queue=queue)
    if not pending:
        pack_assemble.apply_async((job_id,), queue=queue)
    return {"parts": len(chunks)}


@shared_task(**TASK_OPTIONS)
def pack_chunk_render(self, chunk_id: int) -> dict:
    from .build import chunk_render
    from .models import ChunkStatus, PackChunk

    chunk = PackChunk.objects.select_related("pack__job").get(pk=chunk_id)
    job = chunk.pack.job
    if not job.is_open:
        return {"skipped": True}
    if job_cancelled(job.pk):
        job_cancel_confirm(job.pk)
        return {"cancelled": True}
    try:
        if chunk_render(chunk):
            chunk.refresh_from_db(fields=["title"])
            job_step_done(job.pk, message=f"Rendered {chunk.title}")
    except Exception as error:
        if isinstance(error, (OperationalError, InterfaceError)):
            raise
        log.exception("part %s of evidence pack %s failed", chunk.index, chunk.pack.number)
        job_fail(
            job.pk,
            error=f"{chunk.section} part {chunk.key}: {type(error).__name__}: {error}",
            message="A part failed to render",
        )
        return {"failed": True}
    if not PackChunk.objects.filter(pack_id=chunk.pack_id, status=ChunkStatus.PENDING).exists():
        pack_assemble.apply_async((job.pk,), queue=_queue(self))
    return {"chunk": chunk.index}


@shared_task(**TASK_OPTIONS)
def pack_assemble(self, job_id: int) -> dict:
    from .build import pack_assemble as assemble
    from .models import EvidencePack

    with held_alone(f"evidence-pack-assemble:{job_id}") as alone:
        if not alone:
            return {"skipped": "assembling elsewhere"}
        pack = EvidencePack.objects.select_related("job", "requested_by", "grant").get(job_id=job_id)
        if pack.built_at is not None or not pack.job.is_open:
            return {"skipped": True}
        job_heartbeat(job_id, message="Merging the parts, contents and footers")
        try:
            result = assemble(pack)
        except Exception as error:
            if isinstance(error, (OperationalError, InterfaceError)):
                raise
            log.exception("evidence pack %s could not be assembled", pack.number)
            job_fail(job_id, error=f"{type(error).__name__}: {error}", message="Assembling failed")
            return {"failed": True}

        def record(job):
            EvidencePack.objects.filter(pk=pack.pk, built_at__isnull=True).update(built_at=timezone.now(), **result)
            _notify_ready(pack, result)

        with transaction.atomic():
            job_finish(job_id, message=f"Built: {result['page_count']} pages", on_done=record)
    return {"pages": result["page_count"]}


def _notify_ready(pack, result) -> None:
    from django.urls import reverse

    from ims.notifications.services import notices_write

    notices_write(
        category="evidence-pack",
        on=timezone.localdate(),
        messages={
            pack.requested_by_id: (
                f"{pack.number} ({pack.title}) is built: {result['page_count']} pages, "
                f"{result['record_count']} records. Review and release it.",
                1,
            )
        },
        subject="Evidence pack ready for release (%(n)s)",
        url=reverse("evidence:pack_detail", args=[pack.pk]),
    )


def register() -> None:
    from ims.jobs.registry import register_job_kind

    from .services import PACK_JOB

    register_job_kind(PACK_JOB, dispatch=pack_dispatch, stale_after=900)

"""The management review pack job (``pdf`` queue): assemble each input with progress, render, store the PDF.

Idempotent (``acks_late``): a redelivered copy finds the job finished and does nothing; the file is written to a
temporary name and renamed, so a re-render replaces it rather than adding a second one.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from pathlib import Path

from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError, transaction
from django.utils import timezone

from ims.jobs.services import job_fail, job_finish, job_progress_set, job_start, job_step_done

log = logging.getLogger("ims.review")

PDF_QUEUE = "pdf"


def pack_path(pack) -> Path:
    return Path(settings.MEDIA_ROOT) / "review" / pack.review.reference / f"pack-{pack.pk}.pdf"


def pack_file(pack) -> Path | None:
    """The built file of ``pack`` (under MEDIA_ROOT), or None."""
    if not pack.file:
        return None
    root = Path(settings.MEDIA_ROOT).resolve()
    path = (root / pack.file).resolve()
    if root not in path.parents or not path.is_file():
        return None
    return path


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def pack_dispatch(job_id: int, queue: str = PDF_QUEUE) -> None:
    review_pack_build.apply_async((job_id,), queue=queue)


def pack_build_now(job_id: int) -> dict:
    """The body of the job (also called directly by tests and the benchmark)."""
    from ims.indicators.review_inputs import inputs_all

    from .models import ReviewPack
    from .pdf import pack_pdf

    pack = ReviewPack.objects.select_related("review__site", "review__chair", "requested_by", "job").get(job_id=job_id)
    job = job_start(job_id, steps_total=len(inputs_all()) + 1, message="Assembling the inputs")
    if job is None:
        return {"skipped": True}
    try:
        pdf, pages = pack_pdf(
            pack.review,
            viewer=pack.requested_by,
            progress=lambda label: job_step_done(job_id, message=f"Assembled {label}"),
        )
        job_progress_set(job_id, total=job.steps_total, done=max(job.steps_total - 1, 0), message="Rendered the PDF")
        path = pack_path(pack)
        _write_atomic(path, pdf)
    except Exception as error:
        if isinstance(error, (OperationalError, InterfaceError)):
            raise
        log.exception("management review pack %s could not be built", pack.pk)
        job_fail(job_id, error=f"{type(error).__name__}: {error}", message="Building the pack failed")
        return {"failed": True}

    def record(_job):
        ReviewPack.objects.filter(pk=pack.pk).update(
            file=str(path.relative_to(Path(settings.MEDIA_ROOT))),
            sha256=hashlib.sha256(pdf).hexdigest(),
            page_count=pages,
            built_at=timezone.now(),
        )

    with transaction.atomic():
        job_finish(job_id, message=f"Built: {pages} pages", on_done=record)
    return {"pages": pages}


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=600,
    time_limit=900,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    max_retries=5,
)
def review_pack_build(self, job_id: int) -> dict:
    return pack_build_now(job_id)


def register() -> None:
    from ims.jobs.registry import register_job_kind

    from .services import PACK_JOB

    register_job_kind(PACK_JOB, dispatch=pack_dispatch, stale_after=900)

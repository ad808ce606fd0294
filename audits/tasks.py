"""Beat tasks of internal audits: thin, idempotent wrappers around the services."""

from celery import shared_task

from ims.locks import one_at_a_time

from . import scheduling


@shared_task(acks_late=True, soft_time_limit=600, time_limit=900)
@one_at_a_time
def programme_schedule() -> dict:
    """Nightly: plan the audits of the programme slots coming due (the next quarter); a re-run creates nothing."""
    return {"created": scheduling.programme_schedule()}

"""Beat task of the KPI app: a thin, idempotent wrapper around the computation."""

from celery import shared_task

from ims.locks import one_at_a_time


@shared_task(acks_late=True, soft_time_limit=900, time_limit=1200)
@one_at_a_time
def computed_readings_record() -> dict:
    """Daily: the last complete period of every computed KPI, one reading per KPI, site and period."""
    from .computation import computed_readings_record as record

    return record()

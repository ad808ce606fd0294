from celery import shared_task

from ims.locks import one_at_a_time


@shared_task(acks_late=True, soft_time_limit=50, time_limit=60)
@one_at_a_time
def jobs_sweep() -> dict:
    """Every minute: send again the jobs a broker outage or a dead worker left behind."""
    from .services import jobs_sweep as sweep

    return sweep()

"""The daily digest beat job."""

from celery import shared_task

from ims.locks import one_at_a_time

from . import services


@shared_task(acks_late=True, soft_time_limit=1200, time_limit=1500)
@one_at_a_time
def daily_sweep() -> dict:
    """Daily: every app writes the day's notices, then each person gets at most one digest e-mail."""
    return services.daily_sweep()


@shared_task(acks_late=True)
@one_at_a_time
def outbox_deliver() -> int:
    """Every 5 minutes: send what the outbox still holds (a digest whose sender died after claiming it, or one
    the mail server refused); each goes out with its own stable Message-ID."""
    return services.digests_deliver()

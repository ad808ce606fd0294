"""Beat tasks of document control: thin, idempotent wrappers around the services."""

from celery import shared_task

from ims.locks import one_at_a_time

from . import services


@shared_task(acks_late=True, soft_time_limit=600, time_limit=900)
@one_at_a_time
def versions_make_effective_due() -> int:
    """Hourly: approved versions whose effective date has come become effective (a re-run finds none)."""
    return len(services.versions_make_effective_due())


@shared_task(acks_late=True, soft_time_limit=600, time_limit=900)
@one_at_a_time
def review_reminders_send() -> int:
    """Daily: one e-mail per owner about periodic reviews due soon or overdue, once per due date."""
    return services.review_reminders_send()

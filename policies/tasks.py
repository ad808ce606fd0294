"""Beat tasks of policies: thin, idempotent wrappers around the services."""

from celery import shared_task

from ims.locks import one_at_a_time

from . import distribution


@shared_task(acks_late=True, soft_time_limit=1200, time_limit=1500)
@one_at_a_time
def acknowledgements_reconcile() -> dict:
    """Nightly: memberships that start or end on a date move people into or out of documents' scope."""
    return distribution.acknowledgements_reconcile()

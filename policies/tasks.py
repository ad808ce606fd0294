"""Beat tasks of policies: thin, idempotent wrappers around the services."""

from celery import shared_task

from ims.locks import one_at_a_time

from . import distribution


@shared_task(acks_late=True, soft_time_limit=1200, time_limit=1500)
@one_at_a_time
def acknowledgements_reconcile() -> dict:
    """Nightly: memberships that start or end on a date move people into or out of documents' scope."""
    return distribution.acknowledgements_reconcile()


@shared_task(acks_late=True, soft_time_limit=900, time_limit=1200)
def acknowledgements_reconcile_people(person_ids: list[int]) -> dict:
    """After a large import: the acknowledgement tasks of the people whose roles changed (idempotent)."""
    from ims.audit.context import audit_context

    with audit_context(reason="Roles changed by an import"):
        return distribution.acknowledgements_reconcile(person_ids=person_ids)

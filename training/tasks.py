"""Beat tasks of training: thin, idempotent wrappers around the services."""

from celery import shared_task

from ims.locks import one_at_a_time

from . import assignments


@shared_task(acks_late=True, soft_time_limit=1800, time_limit=2400)
@one_at_a_time
def assignments_reconcile() -> dict:
    """Nightly: recurrence coming due, memberships that start or end on a date, requirements changed."""
    return assignments.assignments_reconcile()


@shared_task(acks_late=True, soft_time_limit=900, time_limit=1200)
def assignments_reconcile_people(person_ids: list[int]) -> dict:
    """After a large import: the assignments of the people whose roles changed (idempotent, safe to redeliver)."""
    from ims.audit.context import audit_context

    with audit_context(reason="Roles changed by an import"):
        return assignments.assignments_reconcile(person_ids=person_ids)


@shared_task(acks_late=True, soft_time_limit=900, time_limit=1200)
@one_at_a_time
def compliance_snapshot_take() -> int:
    """Nightly: the day's training compliance per site and function, for the trend chart."""
    from .matrix import compliance_snapshot_take as take

    return take()


@shared_task(acks_late=True, soft_time_limit=240, time_limit=300, expires=55)
def compliance_figures_refresh() -> int:
    """Every minute: recompute the compliance figures of the sites with a change since their last computation."""
    from .matrix import compliance_figures_refresh as refresh

    return len(refresh())

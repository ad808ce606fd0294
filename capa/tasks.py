"""Beat tasks of CAPA: thin, idempotent wrappers around the services."""

from celery import shared_task
from django.utils import timezone

from ims.locks import one_at_a_time


@shared_task(acks_late=True, soft_time_limit=900, time_limit=1200)
@one_at_a_time
def effectiveness_checks_evaluate() -> int:
    """Daily: evaluate the effectiveness checks due today or before (a re-run finds nothing pending)."""
    from ims.audit.context import audit_context

    from .services import checks_due

    with audit_context(reason="Effectiveness checks due"):
        return checks_due(on=timezone.localdate())

from celery import shared_task

from .sync import person_permissions_sync


@shared_task(acks_late=True)
def site_permissions_sync_due() -> dict:
    """Apply memberships that started or ended with the calendar (hourly; idempotent)."""
    added, removed = person_permissions_sync()
    return {"added": added, "removed": removed}

from celery import shared_task

from .integrity import audit_seal_pending, integrity_run


@shared_task(acks_late=True)
def audit_seal() -> int | None:
    """Every minute: seal the audit events of finished transactions."""
    seal = audit_seal_pending()
    return seal.pk if seal else None


@shared_task(acks_late=True, soft_time_limit=3000, time_limit=3600)
def integrity_verify_nightly() -> dict:
    """Nightly: verify the whole trail; a failure is shown on the admin page and e-mailed to administrators."""
    run = integrity_run(trigger="beat")
    if not run.ok:
        from django.core.mail import mail_admins

        mail_admins("Audit trail integrity problem", "\n".join(run.problems[:20]), fail_silently=True)
    return {"ok": run.ok, "problems": len(run.problems)}

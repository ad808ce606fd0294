from celery import shared_task

from ims.locks import one_at_a_time

from .integrity import SealRefused, audit_seal_pending, integrity_run
from .models import IntegrityRun


@shared_task(acks_late=True)
def audit_seal() -> int | None:
    """Every 5 seconds: seal the audit events of finished transactions.

    When the chain's head or the pending events fail their checks nothing is sealed, and the refusal is
    recorded as a failed integrity run (shown on the admin page, e-mailed to administrators) — once, not
    every run while the problem lasts.
    """
    try:
        seal = audit_seal_pending()
    except SealRefused as refused:
        problems = [f"sealing refused: {refused}"]
        latest = IntegrityRun.objects.order_by("-id").first()
        if latest is None or latest.ok or latest.problems != problems:
            from django.core.mail import mail_admins
            from django.utils import timezone

            IntegrityRun.objects.create(
                trigger="sealing", finished_at=timezone.now(), ok=False, problems=problems, seals_checked=1
            )
            mail_admins("Audit trail: sealing refused", problems[0], fail_silently=True)
        return None
    return seal.pk if seal else None


@shared_task(acks_late=True, soft_time_limit=3000, time_limit=3600)
@one_at_a_time
def integrity_verify_nightly() -> dict:
    """Nightly: verify the whole trail; a failure is shown on the admin page and e-mailed to administrators."""
    run = integrity_run(trigger="beat")
    if not run.ok:
        from django.core.mail import mail_admins

        mail_admins("Audit trail integrity problem", "\n".join(run.problems[:20]), fail_silently=True)
    return {"ok": run.ok, "problems": len(run.problems)}

"""Security alerts of the signing ceremony (Part 11 §11.300(d)): reported at once, by e-mail and in the log."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db.models import Q
from django.utils import timezone

from ims.org.choices import RoleCode

logger = logging.getLogger("ims.security")


def security_recipients() -> list[str]:
    """E-mail addresses of every active Global Admin (and superuser)."""
    from ims.org.models import Person

    today = timezone.localdate()
    current_admin = Q(memberships__role__code=RoleCode.GLOBAL_ADMIN, memberships__valid_from__lte=today) & (
        Q(memberships__valid_to__isnull=True) | Q(memberships__valid_to__gte=today)
    )
    people = Person.objects.filter(is_active=True).filter(current_admin | Q(is_superuser=True)).exclude(email="")
    return sorted(set(people.values_list("email", flat=True)))


def signing_lock_alert(*, lock) -> int:
    """Tell the administrators that ``lock.person``'s signing was locked; returns the number of e-mails sent."""
    person = lock.person
    logger.warning(
        "SECURITY e-signature locked: person=%s username=%s failed_attempts=%s ip=%s at=%s",
        person.pk,
        person.username,
        lock.failed_attempts,
        lock.ip or "-",
        lock.locked_at.isoformat(),
    )
    recipients = security_recipients()
    if not recipients:
        logger.error("SECURITY e-signature lock alert has no recipient: no active Global Admin has an e-mail address")
        return 0
    subject = f"[IMS Portal security] E-signature locked for {person.display_name} ({person.username})"
    body = (
        f"The electronic signature of {person.display_name} (user ID {person.username}, employee id "
        f"{person.employee_id}) was locked at {lock.locked_at.isoformat()} after {lock.failed_attempts} failed "
        f"signing attempts in a row (last from IP {lock.ip or 'unknown'}).\n\n"
        "This may be an attempt to sign in someone else's name. Contact the person, investigate, and unlock "
        "their signing in IMS Portal (E-signature locks) only when the cause is understood.\n"
    )
    try:
        return send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients, fail_silently=False)
    except Exception:  # the refusal stands even if the mail server is down; the log line is the fallback
        logger.exception("SECURITY e-signature lock alert e-mail could not be sent")
        return 0

"""Writing notices and sending the daily digest.

Idempotent by construction: a notice is unique per person, category and day, a digest per person and day.
Running the day's sweep twice therefore sends nothing new.
"""

from __future__ import annotations

import datetime
import logging
from collections import defaultdict

from django.conf import settings
from django.core.mail import get_connection, send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Digest, Notice
from .registry import producers

logger = logging.getLogger(__name__)


def notices_create(notices: list[Notice]) -> int:
    """Store new notices; one that already exists for its person, category and day is left as it is."""
    if not notices:
        return 0
    created = Notice.objects.bulk_create(notices, ignore_conflicts=True, batch_size=2000)
    return len(created)


def notice_mark_read(*, person, notice: Notice) -> Notice:
    if notice.person_id != person.pk:
        raise PermissionError("not your notice")
    if notice.read_at is None:
        notice.read_at = timezone.now()
        notice.save(update_fields=["read_at"])
    return notice


def _digest_text(person, notices: list[Notice]) -> str:
    base = getattr(settings, "IMS_BASE_URL", "").rstrip("/")
    parts = [_("Hello %(name)s,") % {"name": person.get_full_name() or person.get_username()}, ""]
    for notice in notices:
        parts.append(notice.subject)
        parts.append("-" * min(len(notice.subject), 70))
        parts.append(notice.body)
        if notice.url:
            parts.append(base + notice.url)
        parts.append("")
    parts.append(_("This is your daily summary from the IMS portal; you get at most one a day."))
    return "\n".join(parts)


def digests_send(*, on: datetime.date | None = None) -> int:
    """E-mail each person their notices not yet e-mailed, at most one e-mail per person per day."""
    on = on or timezone.localdate()
    pending: dict[int, list[Notice]] = defaultdict(list)
    for notice in (
        Notice.objects.filter(emailed_on__isnull=True, person__is_active=True)
        .exclude(person__email="")
        .exclude(person__digests__day=on)
        .select_related("person")
        .order_by("person_id", "category", "pk")
    ):
        pending[notice.person_id].append(notice)
    sent = 0
    mail = get_connection()  # one connection to the mail server for the whole sweep, not one per person
    for notices in pending.values():
        person = notices[0].person
        try:
            with transaction.atomic():
                Digest.objects.create(person=person, day=on, notice_count=len(notices))
                Notice.objects.filter(pk__in=[n.pk for n in notices]).update(emailed_on=on)
                subject = (
                    notices[0].subject
                    if len(notices) == 1
                    else _("IMS portal: %(n)s items need your attention")
                    % {"n": sum(n.item_count or 1 for n in notices)}
                )
                send_mail(subject, _digest_text(person, notices), None, [person.email], connection=mail)
        except IntegrityError:
            continue  # another run sent today's digest meanwhile
        sent += 1
    return sent


def daily_sweep(*, on: datetime.date | None = None) -> dict[str, int]:
    """Run every registered notice producer for the day, then send the digests."""
    on = on or timezone.localdate()
    figures: dict[str, int] = {}
    for name, produce in producers().items():
        figures[name] = produce(on)
    figures["digests"] = digests_send(on=on)
    logger.info("daily notice sweep %s: %s", on, figures)
    return figures

"""Writing notices and sending the daily digest.

Idempotent by construction: a notice is unique per person, category and day, a digest per person and day.
Running the day's sweep twice therefore sends nothing new.
"""

from __future__ import annotations

import datetime
import logging
from collections import defaultdict

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Digest, DigestStatus, Notice
from .registry import producers

logger = logging.getLogger(__name__)


def notices_create(notices: list[Notice]) -> int:
    """Store new notices; one that already exists for its person, category and day is left as it is."""
    if not notices:
        return 0
    created = Notice.objects.bulk_create(notices, ignore_conflicts=True, batch_size=2000)
    return len(created)


def notices_write(
    *, category: str, on: datetime.date, messages: dict[int, tuple[str, int]], subject: str, url: str
) -> int:
    """One notice per person for the day in ``category``; a person who has one already (an earlier run the same
    day) gets the new lines added, and it is e-mailed again (in the next digest) and unread again.

    ``messages``: person id → (body, number of items); ``subject`` has ``%(n)s`` for the number of items.
    Two statements, plus one update per notice that existed.
    """
    if not messages:
        return 0
    existing = {n.person_id: n for n in Notice.objects.filter(person_id__in=list(messages), category=category, day=on)}
    new = [
        Notice(
            person_id=person_id,
            category=category,
            day=on,
            subject=subject % {"n": count},
            body=body,
            url=url,
            item_count=count,
        )
        for person_id, (body, count) in messages.items()
        if person_id not in existing
    ]
    Notice.objects.bulk_create(new, ignore_conflicts=True, batch_size=2000)
    for person_id, notice in existing.items():
        body, count = messages[person_id]
        notice.body = f"{notice.body}\n{body}"
        notice.item_count += count
        notice.subject = subject % {"n": notice.item_count}
        notice.emailed_on = None
        notice.read_at = None
        notice.save(update_fields=["body", "item_count", "subject", "emailed_on", "read_at"])
    return len(messages)


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


def _claim_seconds() -> int:
    """A sender that claimed a digest and did not mark it sent within this time died: another one takes it over."""
    return settings.IMS_DIGEST_CLAIM_SECONDS


def _message_id(person, day: datetime.date) -> str:
    """Stable per person and day: a copy re-sent after a crash is the same message to mail servers."""
    domain = (getattr(settings, "DEFAULT_FROM_EMAIL", "") or "ims-portal").rsplit("@", 1)[-1].strip("> ") or "ims"
    return f"<digest-{person.pk}-{day.isoformat()}@{domain}>"


BATCH = 1000
CLAIM_BATCH = 200


def digests_write(*, on: datetime.date) -> int:
    """Write each person's digest of their notices not yet e-mailed into the outbox (one per person per day).

    A thousand people at a time, each batch one transaction: their digest rows (one statement; a person whose
    digest another run wrote meanwhile is skipped by the unique key) and the ``emailed_on`` of exactly the notices
    of the digests written. Nothing is sent here.
    """
    pending: dict[int, list[Notice]] = defaultdict(list)
    for notice in (
        Notice.objects.filter(emailed_on__isnull=True, person__is_active=True)
        .exclude(person__email="")
        .exclude(person__digests__day=on)
        .select_related("person")
        .order_by("person_id", "category", "pk")
    ):
        pending[notice.person_id].append(notice)
    people = list(pending)
    written = 0
    for start in range(0, len(people), BATCH):
        batch = {person_id: pending[person_id] for person_id in people[start : start + BATCH]}
        with transaction.atomic():
            created = _digests_insert(on, batch)
            notice_ids = [notice.pk for person_id in created for notice in batch[person_id]]
            Notice.objects.filter(pk__in=notice_ids).update(emailed_on=on)
        written += len(created)
    return written


_DIGEST_INSERT_SQL = """
INSERT INTO {table} (person_id, day, notice_count, status, recipient, subject, body, message_id, created_at)
SELECT person_id, %(day)s, notice_count, %(status)s, recipient, subject, body, message_id, now()
FROM unnest(%(people)s::bigint[], %(counts)s::integer[], %(recipients)s::text[], %(subjects)s::text[],
            %(bodies)s::text[], %(message_ids)s::text[])
     AS d(person_id, notice_count, recipient, subject, body, message_id)
ON CONFLICT (person_id, day) DO NOTHING
RETURNING person_id
"""


def _digests_insert(on: datetime.date, batch: dict[int, list[Notice]]) -> list[int]:
    """Insert the digests of ``batch`` (person id → notices) in one statement; returns whose digest was written."""
    columns: dict[str, list] = {
        name: [] for name in ("people", "counts", "recipients", "subjects", "bodies", "message_ids")
    }
    for person_id, notices in batch.items():
        person = notices[0].person
        subject = (
            notices[0].subject
            if len(notices) == 1
            else _("IMS portal: %(n)s items need your attention") % {"n": sum(n.item_count or 1 for n in notices)}
        )
        columns["people"].append(person_id)
        columns["counts"].append(len(notices))
        columns["recipients"].append(person.email)
        columns["subjects"].append(subject[:255])
        columns["bodies"].append(_digest_text(person, notices))
        columns["message_ids"].append(_message_id(person, on))
    with connection.cursor() as cursor:
        cursor.execute(
            _DIGEST_INSERT_SQL.format(table=Digest._meta.db_table),
            {"day": on, "status": DigestStatus.TO_SEND, **columns},
        )
        return [row[0] for row in cursor.fetchall()]


def digests_deliver() -> int:
    """Send every digest of the outbox: claim it, send it with its Message-ID, mark it sent. Returns how many.

    The outbox is read once; its digests are claimed 200 at a time, each claim its own committed transaction that
    skips rows another sender holds. Each digest is marked sent as soon as the mail server took it, so a sender
    that dies re-sends (with the same Message-ID) only the one it was sending.
    """
    stale = timezone.now() - datetime.timedelta(seconds=_claim_seconds())
    claimable = Q(status=DigestStatus.TO_SEND) | Q(status=DigestStatus.SENDING, claimed_at__lt=stale)
    sent = 0
    mail = get_connection()  # one connection to the mail server for the whole run, not one per person
    outbox = list(Digest.objects.filter(claimable).order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(outbox), CLAIM_BATCH):
        with transaction.atomic():
            claimed = list(
                Digest.objects.select_for_update(skip_locked=True)
                .filter(claimable, pk__in=outbox[start : start + CLAIM_BATCH])
                .values_list("pk", flat=True)
            )
            Digest.objects.filter(pk__in=claimed).update(status=DigestStatus.SENDING, claimed_at=timezone.now())
        for digest in Digest.objects.filter(pk__in=claimed).order_by("pk"):
            message = EmailMessage(
                digest.subject, digest.body, None, [digest.recipient], connection=mail,
                headers={"Message-ID": digest.message_id},
            )  # fmt: skip
            try:
                message.send()
            except Exception:  # noqa: BLE001 - the mail server refused or is down: leave it for the next run
                Digest.objects.filter(pk=digest.pk, status=DigestStatus.SENDING).update(status=DigestStatus.TO_SEND)
                logger.warning("digest %s to person %s not sent; it stays in the outbox", digest.pk, digest.person_id)
                continue
            Digest.objects.filter(pk=digest.pk).update(status=DigestStatus.SENT, sent_at=timezone.now())
            sent += 1
    return sent


def digests_send(*, on: datetime.date | None = None) -> int:
    """Write the day's digests into the outbox, then send what the outbox holds. Returns how many were sent."""
    digests_write(on=on or timezone.localdate())
    return digests_deliver()


def daily_sweep(*, on: datetime.date | None = None) -> dict[str, int]:
    """Run every registered notice producer for the day, then send the digests."""
    on = on or timezone.localdate()
    figures: dict[str, int] = {}
    for name, produce in producers().items():
        figures[name] = produce(on)
    figures["digests"] = digests_send(on=on)
    logger.info("daily notice sweep %s: %s", on, figures)
    return figures

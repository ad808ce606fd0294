"""In-app notices and the record of the daily digest e-mails that carried them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Notice(models.Model):
    """One message to one person for one day and one subject area (e.g. "your open acknowledgements").

    At most one notice per person, category and day: a producer that runs twice on a day adds nothing.
    """

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="notices", verbose_name=_("person")
    )
    category = models.CharField(_("category"), max_length=40)
    day = models.DateField(_("day"))
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("message"))
    url = models.CharField(_("link"), max_length=300, blank=True)
    item_count = models.PositiveIntegerField(_("items"), default=0)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    emailed_on = models.DateField(_("e-mailed in the digest of"), null=True, blank=True)

    class Meta:
        ordering = ["-day", "-created_at"]
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        constraints = [
            models.UniqueConstraint(fields=["person", "category", "day"], name="notifications_notice_once_a_day")
        ]
        indexes = [
            models.Index(
                fields=["person"], condition=models.Q(emailed_on__isnull=True), name="notifications_notice_unsent"
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.person}: {self.subject}"


class DigestStatus(models.TextChoices):
    TO_SEND = "to_send", _("To send")
    SENDING = "sending", _("Being sent")
    SENT = "sent", _("Sent")


class Digest(models.Model):
    """The one digest e-mail a person gets on a day (the unique key makes a second one impossible).

    An outbox row: written "to send" with its subject, text and a stable Message-ID in the transaction that
    marks the notices e-mailed; a sender claims it, sends it and marks it sent. A sender that died after
    claiming is taken over after ``IMS_DIGEST_CLAIM_SECONDS``; a re-sent copy carries the same Message-ID, which mail
    servers and clients use to drop duplicates.
    """

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="digests", verbose_name=_("person")
    )
    day = models.DateField(_("day"))
    notice_count = models.PositiveIntegerField(_("notices"))
    status = models.CharField(_("status"), max_length=8, choices=DigestStatus.choices, default=DigestStatus.TO_SEND)
    recipient = models.EmailField(_("recipient"), blank=True, default="")
    subject = models.CharField(_("subject"), max_length=255, blank=True, default="")
    body = models.TextField(_("text"), blank=True, default="")
    message_id = models.CharField(_("Message-ID"), max_length=255, blank=True, default="")
    created_at = models.DateTimeField(_("written"), auto_now_add=True)
    claimed_at = models.DateTimeField(_("claimed"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        ordering = ["-day"]
        verbose_name = _("digest e-mail")
        verbose_name_plural = _("digest e-mails")
        constraints = [models.UniqueConstraint(fields=["person", "day"], name="notifications_digest_once_a_day")]
        indexes = [models.Index(fields=["id"], name="notif_digest_unsent_idx", condition=~models.Q(status="sent"))]

    def __str__(self) -> str:
        return f"{self.day} {self.person}"

"""Electronic signatures (Part 11 subpart C): signatures, certifications and the signing lockout.

Every table here is append-only: a signature, a certification, an attempt, a lock and an
unlock are facts that are recorded once and never changed.
"""

from __future__ import annotations

import hashlib
import hmac
import json

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from ims.audit.registry import append_only, audited

from .canonical import canonical_value
from .choices import SignatureChannel, SignatureMeaning, SigningFailure
from .constants import CERTIFICATION_STATEMENTS, statement_text
from .querysets import AppendOnlyModel, AppendOnlyQuerySet, SignatureQuerySet
from .registry import signable

HASH_LENGTH = 64


def signature_key() -> bytes:
    """The HMAC key of signature hashes, held outside the database (``IMS_SIGNATURE_KEY``)."""
    configured = getattr(settings, "IMS_SIGNATURE_KEY", "")
    if configured:
        return configured.encode("utf-8")
    return hmac.new(settings.SECRET_KEY.encode("utf-8"), b"ims-esign-signature", hashlib.sha256).digest()


@audited(site_sql="ARRAY(SELECT DISTINCT m.site_id FROM org_membership m WHERE m.person_id = r.signer_id)")
@append_only
class Signature(AppendOnlyModel):
    """One electronic signature: who signed which exact version of which record, when, and meaning what."""

    content_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, related_name="esignatures", verbose_name=_("record type")
    )
    object_pk = models.CharField(_("record id"), max_length=64)
    record_hash = models.CharField(
        _("record hash"), max_length=HASH_LENGTH, help_text=_("SHA-256 of the record's signed content at signing.")
    )
    meaning = models.CharField(_("meaning"), max_length=16, choices=SignatureMeaning.choices)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    signer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="esignatures", verbose_name=_("signer")
    )
    signer_name = models.CharField(_("printed name"), max_length=300, help_text=_("The signer's name at signing."))
    signer_username = models.CharField(_("user ID"), max_length=150)
    signed_at = models.DateTimeField(_("signed at"), help_text=_("The database server's clock, never the client's."))
    channel = models.CharField(_("channel"), max_length=8, choices=SignatureChannel.choices)
    signature_hash = models.CharField(_("signature hash"), max_length=HASH_LENGTH, unique=True)

    objects = SignatureQuerySet.as_manager()

    class Meta:
        ordering = ["signed_at", "pk"]
        verbose_name = _("electronic signature")
        verbose_name_plural = _("electronic signatures")
        indexes = [models.Index(fields=["content_type", "object_pk"], name="esign_signature_record_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(meaning__in=SignatureMeaning.values), name="esign_signature_meaning_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(channel__in=SignatureChannel.values), name="esign_signature_channel_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.signer_name} — {self.get_meaning_display()} — {self.signed_at:%Y-%m-%d %H:%M:%S %Z}"

    def hash_document(self) -> bytes:
        """The canonical bytes covered by ``signature_hash``: the record identity is inside, so a copy fails."""
        document = {
            "record": {"type": self.content_type.natural_key(), "pk": str(self.object_pk), "hash": self.record_hash},
            "signer": {"id": self.signer_id, "name": self.signer_name, "username": self.signer_username},
            "meaning": self.meaning,
            "reason": self.reason,
            "signed_at": canonical_value(self.signed_at),
            "channel": self.channel,
        }
        return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")

    def compute_hash(self) -> str:
        return hmac.new(signature_key(), self.hash_document(), hashlib.sha256).hexdigest()

    @property
    def hash_is_valid(self) -> bool:
        return hmac.compare_digest(self.signature_hash, self.compute_hash())


@audited(site_sql="ARRAY(SELECT DISTINCT m.site_id FROM org_membership m WHERE m.person_id = r.person_id)")
@append_only
@signable(fields=("person", "statement_version", "statement_sha256"), immutable=True, meanings=("acknowledged",))
class SignatureCertification(AppendOnlyModel):
    """A person's certification that their e-signature is the equivalent of a handwritten one (§11.100(c)).

    Signed by the person with the meaning "acknowledged"; the signature refers to this row.
    """

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="esign_certifications",
        verbose_name=_("person"),
    )
    statement_version = models.PositiveIntegerField(
        _("statement version"), choices=[(v, str(v)) for v in CERTIFICATION_STATEMENTS]
    )
    statement_sha256 = models.CharField(_("statement hash"), max_length=HASH_LENGTH)
    certified_at = models.DateTimeField(_("certified at"))

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["-certified_at", "pk"]
        verbose_name = _("e-signature certification")
        verbose_name_plural = _("e-signature certifications")
        permissions = [("view_certification_register", "Can review the e-signature certification register")]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "statement_version"], name="esign_signaturecertification_once_per_version"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} — statement v{self.statement_version}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("esign:certify")

    @property
    def statement_text(self) -> str:
        return statement_text(self.statement_version)


@append_only
class SigningAttempt(AppendOnlyModel):
    """A signing attempt that checked the signer's credentials: the lockout counts the failures."""

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="signing_attempts", verbose_name=_("person")
    )
    succeeded = models.BooleanField(_("succeeded"))
    failure = models.CharField(_("failure"), max_length=24, choices=SigningFailure.choices, blank=True)
    at = models.DateTimeField(_("at"))
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    channel = models.CharField(_("channel"), max_length=8, choices=SignatureChannel.choices)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("signing attempt")
        verbose_name_plural = _("signing attempts")
        indexes = [models.Index(fields=["person", "at"], name="esign_attempt_person_at_idx")]

    def __str__(self) -> str:
        outcome = _("succeeded") if self.succeeded else self.get_failure_display()
        return f"{self.person} — {outcome} — {self.at:%Y-%m-%d %H:%M:%S}"


@audited(site_sql="ARRAY(SELECT DISTINCT m.site_id FROM org_membership m WHERE m.person_id = r.person_id)")
@append_only
class SigningLock(AppendOnlyModel):
    """A person's signing locked after repeated failed attempts; open until a ``SigningUnlock`` refers to it."""

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="signing_locks", verbose_name=_("person")
    )
    locked_at = models.DateTimeField(_("locked at"))
    failed_attempts = models.PositiveIntegerField(_("failed attempts"))
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    class Meta:
        ordering = ["-locked_at", "-pk"]
        verbose_name = _("signing lock")
        verbose_name_plural = _("signing locks")

    def __str__(self) -> str:
        return f"{self.person} — locked {self.locked_at:%Y-%m-%d %H:%M:%S}"


@audited()
@append_only
class SigningUnlock(AppendOnlyModel):
    """A Global Admin (never the locked person) ending a signing lock."""

    lock = models.OneToOneField(SigningLock, on_delete=models.PROTECT, related_name="unlock", verbose_name=_("lock"))
    unlocked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="signing_unlocks_made",
        verbose_name=_("unlocked by"),
    )
    unlocked_at = models.DateTimeField(_("unlocked at"))
    reason = models.CharField(_("reason"), max_length=500)

    class Meta:
        ordering = ["-unlocked_at", "-pk"]
        verbose_name = _("signing unlock")
        verbose_name_plural = _("signing unlocks")

    def __str__(self) -> str:
        return f"{self.lock.person} — unlocked by {self.unlocked_by}"

"""Audit events (written only by database triggers), seals and integrity runs."""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _


class AuditAction(models.TextChoices):
    CREATE = "I", _("created")
    UPDATE = "U", _("changed")
    DELETE = "D", _("deleted")
    READ = "R", _("read")


class AuditEventQuerySet(models.QuerySet):
    def restrict(self, user, action: str = "view") -> AuditEventQuerySet:
        """Events of records at the user's sites, plus company-wide reference data; all for global holders."""
        from django.contrib.postgres.fields import ArrayField as Array

        from ims.access.permissions import has_global_permission, site_id_list

        if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        if action != "view":
            return self.none()
        if has_global_permission(user, "audit.view_auditevent"):
            return self
        # The user's sites as literal ids (read once per request with their other permissions), as for every
        # other list: the planner estimates the share of events from the array column's statistics.
        sites = site_id_list(user, "audit", "view_auditevent")
        if not sites:
            return self.none()
        return self.filter(
            models.Q(site_ids__overlap=models.Value(sites, output_field=Array(models.BigIntegerField())))
            | models.Q(site_ids__isnull=True)
            | self._people_visible_to(user)
        )

    @staticmethod
    def _people_visible_to(user) -> models.Q:
        """A person's events follow the person: whoever may view the person at any of their sites sees all of
        them, including those written before a membership existed (creation) or at a site they left."""
        from django.db.models.functions import Cast

        from ims.org.models import Person

        people = Person.objects.restrict(user, "view").annotate(pk_text=Cast("pk", models.CharField()))
        return models.Q(model_label="org.person", object_pk__in=people.values("pk_text"))

    def for_record(self, obj) -> AuditEventQuerySet:
        return self.filter(table_name=obj._meta.db_table, object_pk=str(obj.pk))

    def delete(self):
        raise PermissionError("The audit trail is append-only.")


class AuditEvent(models.Model):
    """One change of a regulated record (or a read of the trail by an inspector). Written by triggers only."""

    occurred_at = models.DateTimeField(_("when (UTC)"), db_default=Now(), db_index=True)
    table_name = models.CharField(_("table"), max_length=63)
    model_label = models.CharField(_("record type"), max_length=100)
    object_pk = models.CharField(_("record id"), max_length=64)
    action = models.CharField(_("action"), max_length=1, choices=AuditAction.choices)
    old = models.JSONField(_("old values"), null=True, blank=True)
    new = models.JSONField(_("new values"), null=True, blank=True)
    changed_fields = ArrayField(models.CharField(max_length=63), default=list, blank=True)
    actor = models.ForeignKey(
        "org.Person",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        null=True,
        blank=True,
        related_name="+",
    )  # indexed with the id (``audit_event_actor_idx``)
    actor_label = models.CharField(_("who"), max_length=150)
    token_id = models.BigIntegerField(_("API token"), null=True, blank=True)
    channel = models.CharField(_("channel"), max_length=16)
    reason = models.TextField(_("reason"), blank=True, default="")
    request_id = models.CharField(_("request id"), max_length=64, blank=True, default="")
    client_ip = models.GenericIPAddressField(_("client IP"), null=True, blank=True)
    site_ids = ArrayField(models.BigIntegerField(), null=True, blank=True)
    txid = models.BigIntegerField(_("transaction"))
    row_hash = models.CharField(max_length=64)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        # Every index is paid on each event written (a 10,000-row import writes 17,000): one per way the trail
        # is read, none twice (no separate index on the actor, no pattern index on the record type).
        indexes = [
            models.Index(fields=["table_name", "object_pk", "id"], name="audit_event_record_idx"),
            models.Index(fields=["model_label", "id"], name="audit_event_label_idx"),
            models.Index(fields=["actor", "id"], name="audit_event_actor_idx"),
            # Sealing reads the events of a transaction range; verification looks for impossible transaction ids.
            models.Index(fields=["txid", "id"], name="audit_event_txid_idx"),
            # A site user's trail: the events of their sites (array overlap) without reading every event.
            GinIndex(fields=["site_ids"], name="audit_event_sites_gin"),
        ]

    def __str__(self) -> str:
        return f"{self.model_label} {self.object_pk} {self.get_action_display()} by {self.actor_label}"

    def save(self, *args, **kwargs):
        raise PermissionError("Audit events are written by the database triggers only.")

    def delete(self, *args, **kwargs):
        raise PermissionError("The audit trail is append-only.")

    def diff(self) -> list[tuple[str, object, object]]:
        """(field, old, new) for each changed field, in a stable order."""
        old = self.old or {}
        new = self.new or {}
        fields = self.changed_fields or sorted(set(old) | set(new))
        return [(name, old.get(name), new.get(name)) for name in fields]


class AuditSeal(models.Model):
    """A sealed block of audit events: HMAC over the previous seal and the digest of the block's row hashes.

    Writers never touch a shared row: events are inserted freely and sealed afterwards in id order
    by one beat task, so concurrent transactions do not serialise on a chain head.
    """

    first_txid = models.BigIntegerField(help_text=_("first transaction id covered (inclusive)"))
    last_txid = models.BigIntegerField(unique=True, help_text=_("end of the covered transaction ids (exclusive)"))
    event_count = models.IntegerField()
    events_digest = models.CharField(max_length=64)
    previous_hmac = models.CharField(max_length=64)
    hmac = models.CharField(max_length=64)
    #: Per event of the block, in id order: its id (8 bytes) and the first 8 bytes of the SHA-256 of its row
    #: hash. Covered by the HMAC; names the event that was rewritten, deleted or inserted after sealing.
    leaves = models.BinaryField(default=b"", blank=True)
    sealed_at = models.DateTimeField(db_default=Now())

    class Meta:
        ordering = ["id"]
        verbose_name = _("audit seal")
        verbose_name_plural = _("audit seals")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(last_txid__gt=models.F("first_txid")), name="audit_auditseal_range"
            )
        ]

    def __str__(self) -> str:
        return f"seal {self.pk}: transactions {self.first_txid}–{self.last_txid}"


class IntegrityRun(models.Model):
    """One run of the integrity verification (nightly by beat, or ``manage.py verify_integrity``)."""

    started_at = models.DateTimeField(db_default=Now())
    finished_at = models.DateTimeField(null=True, blank=True)
    trigger = models.CharField(max_length=16, default="command")
    ok = models.BooleanField(default=False)
    events_checked = models.BigIntegerField(default=0)
    seals_checked = models.IntegerField(default=0)
    problems = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("integrity verification")
        verbose_name_plural = _("integrity verifications")

    def __str__(self) -> str:
        return f"integrity run {self.pk}: {'OK' if self.ok else 'PROBLEMS'}"

    @property
    def first_problem(self) -> str:
        return self.problems[0] if self.problems else ""

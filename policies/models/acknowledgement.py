"""Distribution of an effective document version and the read-and-acknowledge tasks it creates.

When a version of a document that must be acknowledged becomes effective, one ``Distribution`` records
it (the due date, the audience size at that moment) and one ``Acknowledgement`` is created for every
person whose current membership is in the document's scope (site, function, role). The person reads the
version and signs "I have read and understood version N" with an electronic signature. Tasks are never
deleted: a person who leaves the scope, a superseded or withdrawn version cancels the open task and the
reason is kept.
"""

from __future__ import annotations

from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ims.access.querysets import RestrictedManager, RestrictedQuerySet
from ims.access.registry import site_scoped
from ims.audit.registry import audited
from ims.documents.models import DOCUMENT_SITES_SQL
from ims.esign.registry import SignatureLink, signable
from ims.org.models import RegulatedModel


class AcknowledgementStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    CANCELLED = "cancelled", _("Cancelled")


class CancelReason(models.TextChoices):
    LEFT_SCOPE = "left_scope", _("No longer in the document's scope")
    SUPERSEDED = "superseded", _("A newer version became effective")
    WITHDRAWN = "withdrawn", _("The version was withdrawn")


@audited(
    ignored=("updated_at",),
    site_sql=DOCUMENT_SITES_SQL.format(
        "(SELECT v.document_id FROM documents_documentversion v WHERE v.id = r.version_id)"
    ),
)
@site_scoped(site_lookup="version__document__sites")
class Distribution(RegulatedModel):
    """An effective version sent out for reading: when, with which due date, to how many people at first."""

    version = models.OneToOneField(
        "documents.DocumentVersion",
        on_delete=models.PROTECT,
        related_name="distribution",
        verbose_name=_("version"),
    )
    due_date = models.DateField(_("due"))
    audience_count = models.PositiveIntegerField(_("people asked when distributed"), default=0)
    created_at = models.DateTimeField(_("distributed"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = RestrictedManager.from_queryset(RestrictedQuerySet)()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("distribution")
        verbose_name_plural = _("distributions")

    def __str__(self) -> str:
        return f"{self.version} → {self.audience_count}"


class AcknowledgementQuerySet(RestrictedQuerySet):
    def open(self) -> AcknowledgementQuerySet:
        return self.filter(status=AcknowledgementStatus.OPEN)

    def overdue(self, on=None) -> AcknowledgementQuerySet:
        return self.open().filter(due_date__lt=on or timezone.localdate())

    def counting(self) -> AcknowledgementQuerySet:
        """The tasks coverage counts: open and acknowledged (cancelled ones are history)."""
        return self.exclude(status=AcknowledgementStatus.CANCELLED)


@audited(ignored=("updated_at",), site_sql="ARRAY[r.site_id]")
@site_scoped(site_lookup="site")
@signable(
    fields=("version", "person"),
    immutable=True,
    meanings=("acknowledged",),
    workflow_meanings=("acknowledged",),
    link=SignatureLink(
        field="signature", signer="person", meanings=("acknowledged",), signed_when=(("status", "acknowledged"),)
    ),
)
class Acknowledgement(RegulatedModel):
    """One person's task to read one effective version and acknowledge it with an e-signature."""

    distribution = models.ForeignKey(
        Distribution, on_delete=models.PROTECT, related_name="acknowledgements", verbose_name=_("distribution")
    )
    version = models.ForeignKey(
        "documents.DocumentVersion",
        on_delete=models.PROTECT,
        related_name="acknowledgements",
        verbose_name=_("version"),
    )
    person = models.ForeignKey(
        "org.Person", on_delete=models.PROTECT, related_name="acknowledgements", verbose_name=_("person")
    )
    # Where the person is in scope (their earliest current membership in scope): the site and function
    # the task counts for in coverage, and whose quality manager sees it.
    site = models.ForeignKey("org.Site", on_delete=models.PROTECT, related_name="+", verbose_name=_("site"))
    function = models.ForeignKey("org.Function", on_delete=models.PROTECT, related_name="+", verbose_name=_("function"))
    status = models.CharField(
        _("status"), max_length=16, choices=AcknowledgementStatus.choices, default=AcknowledgementStatus.OPEN
    )
    due_date = models.DateField(_("due"))
    opened_at = models.DateTimeField(_("first read"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    signature = models.OneToOneField(
        "esign.Signature",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("signature"),
    )
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    cancel_reason = models.CharField(_("reason cancelled"), max_length=16, choices=CancelReason.choices, blank=True)
    cancel_note = models.CharField(_("note"), max_length=300, blank=True)
    escalated_at = models.DateTimeField(_("escalated to the manager"), null=True, blank=True)
    created_at = models.DateTimeField(_("asked"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = RestrictedManager.from_queryset(AcknowledgementQuerySet)()

    class Meta:
        ordering = ["due_date", "pk"]
        verbose_name = _("acknowledgement")
        verbose_name_plural = _("acknowledgements")
        permissions = []
        constraints = [
            # One live task per person and version; cancelled ones stay as history beside a new one.
            models.UniqueConstraint(
                fields=["version", "person"],
                condition=~models.Q(status="cancelled"),
                name="policies_acknowledgement_one_live",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="acknowledged")
                | (models.Q(acknowledged_at__isnull=False) & models.Q(signature__isnull=False)),
                name="policies_acknowledgement_signed",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="cancelled")
                | (models.Q(cancelled_at__isnull=False) & ~models.Q(cancel_reason="")),
                name="policies_acknowledgement_cancel_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["person", "status"], name="policies_ack_person_status"),
            models.Index(fields=["version", "site", "function", "status"], name="policies_ack_coverage"),
            models.Index(fields=["status", "due_date"], name="policies_ack_status_due"),
            models.Index(fields=["site", "status", "due_date"], name="policies_ack_site_status"),
            # The lists' default order: a page is read from the index, not sorted from every visible row.
            models.Index(fields=["due_date", "id"], name="policies_ack_due_id"),
            models.Index(fields=["site", "due_date", "id"], name="policies_ack_site_due_id"),
        ]

    def __str__(self) -> str:
        return f"{self.version} · {self.person}"

    def get_absolute_url(self) -> str:
        return reverse("policies:task_detail", args=[self.pk])

    @property
    def is_overdue(self) -> bool:
        return self.status == AcknowledgementStatus.OPEN and self.due_date < timezone.localdate()

    @property
    def state(self) -> str:
        """acknowledged / overdue / in progress (read, not yet signed) / not started / cancelled."""
        if self.status == AcknowledgementStatus.ACKNOWLEDGED:
            return "acknowledged"
        if self.status == AcknowledgementStatus.CANCELLED:
            return "cancelled"
        if self.is_overdue:
            return "overdue"
        return "in_progress" if self.opened_at else "not_started"

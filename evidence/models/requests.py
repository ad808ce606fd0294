"""The request board of an inspection: the inspector asks for records, the quality team provides them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ims.access.querysets import RestrictedManager
from ims.access.registry import site_scoped
from ims.audit.registry import audited

GRANT_SITES_SQL = "ARRAY(SELECT s.site_id FROM access_inspectorgrant_sites s WHERE s.inspectorgrant_id = r.grant_id)"


class RequestStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    IN_PREPARATION = "in_preparation", _("In preparation")
    PROVIDED = "provided", _("Provided")


@audited(ignored=("updated_at",), site_sql=GRANT_SITES_SQL)
@site_scoped(site_lookup="grant__sites")
class InspectionRequest(models.Model):
    """One ask of the inspector ("CAPA log 2025 for Basel"), moved requested → in preparation → provided."""

    grant = models.ForeignKey(
        "access.InspectorGrant", on_delete=models.PROTECT, related_name="requests", verbose_name=_("inspection")
    )
    number = models.PositiveIntegerField(_("number"))
    subject = models.CharField(_("request"), max_length=300)
    detail = models.TextField(_("detail"), blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=RequestStatus.choices, default=RequestStatus.REQUESTED
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("requested by")
    )
    requested_at = models.DateTimeField(_("requested"), default=timezone.now, editable=False)
    preparing_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("prepared by"),
    )
    preparing_at = models.DateTimeField(_("preparation started"), null=True, blank=True)
    provided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("provided by"),
    )
    provided_at = models.DateTimeField(_("provided"), null=True, blank=True)
    answer = models.TextField(_("answer"), blank=True)
    #: Links to records in the portal the answer points to: [{"label": ..., "url": ...}] (paths only).
    links = models.JSONField(_("records"), default=list, blank=True)
    packs = models.ManyToManyField(
        "evidence.EvidencePack", blank=True, related_name="requests", verbose_name=_("evidence packs")
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["grant_id", "number"]
        verbose_name = _("inspection request")
        verbose_name_plural = _("inspection requests")
        constraints = [
            models.UniqueConstraint(fields=["grant", "number"], name="evidence_request_number_unique"),
        ]

    def __str__(self) -> str:
        return f"R{self.number}: {self.subject}"

    def get_absolute_url(self) -> str:
        return reverse("evidence:request_detail", args=[self.pk])

    @staticmethod
    def inspector_q(grant_ids: list[int]) -> models.Q:
        """An inspector reads the requests of their own inspection."""
        return models.Q(grant_id__in=grant_ids)

    def delete(self, *args, **kwargs):
        from ims.access.querysets import RegulatedRecordDeletion

        raise RegulatedRecordDeletion("Inspection requests are never deleted.")

"""The records a procedure produces (ISO 9001/14001/45001 7.5.3, 21 CFR 820.180): name, form, retention, place.

A procedure is a controlled document; the records it produces are declared here, one row per record, so that
the procedure page, the IMS manual and an inspector see what evidence the procedure leaves behind and how long
it is kept. Rows belong to the sites of their procedure; they are retired, never deleted.
"""

from __future__ import annotations

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ims.access.querysets import RestrictedManager, RestrictedQuerySet
from ims.access.registry import site_scoped
from ims.audit.registry import audited
from ims.documents.models import DOCUMENT_SITES_SQL
from ims.org.models import RegulatedModel


@audited(ignored=("updated_at",), site_sql=DOCUMENT_SITES_SQL.format("r.document_id"))
@site_scoped(site_lookup="document__sites")
class ProcedureRecord(RegulatedModel):
    """One record a procedure produces: what it is, the form it is made on, how long and where it is kept."""

    document = models.ForeignKey(
        "documents.ControlledDocument",
        on_delete=models.PROTECT,
        related_name="produced_records",
        limit_choices_to={"doc_type": "procedure"},
        verbose_name=_("procedure"),
    )
    name = models.CharField(_("record"), max_length=200, help_text=_("e.g. CAPA record, risk assessment."))
    form_document = models.ForeignKey(
        "documents.ControlledDocument",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="form_of_records",
        verbose_name=_("form or template"),
        help_text=_("The controlled form or template the record is made on, if any."),
    )
    retention = models.CharField(
        _("retention period"), max_length=120, help_text=_("e.g. 10 years after closure; product expiry + 1 year.")
    )
    location = models.CharField(
        _("kept in"), max_length=200, help_text=_("Where the record is kept, e.g. the IMS portal, the QA archive.")
    )
    is_active = models.BooleanField(_("active"), default=True, help_text=_("Retired records stay listed."))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = RestrictedManager.from_queryset(RestrictedQuerySet)()

    class Meta:
        ordering = ["document__number", "name"]
        verbose_name = _("procedure record")
        verbose_name_plural = _("procedure records")
        constraints = [
            models.UniqueConstraint(
                fields=["document", "name"],
                condition=models.Q(is_active=True),
                name="framework_procedurerecord_name_once",
            ),
            models.CheckConstraint(
                condition=~models.Q(form_document=models.F("document")), name="framework_procedurerecord_form_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.document.number} · {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("framework:procedurerecord_detail", args=[self.pk])

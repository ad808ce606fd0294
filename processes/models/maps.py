"""The rendered view of a process-map version.

A process map is a controlled document of type "process map"; each ``DocumentVersion`` holds the map's
BPMN 2.0 XML as its (signed) content. ``MapDiagram`` keeps what is derived from that XML when it is saved:
a sanitised SVG (for viewers without JavaScript, PDFs and the manual) and the steps table (lane, step,
type, next steps) for the PDF, accessibility, search and the diff between versions.
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

VERSION_DOCUMENT_SQL = "(SELECT v.document_id FROM documents_documentversion v WHERE v.id = r.version_id)"


class DiagramSource(models.TextChoices):
    MODELER = "modeler", _("Saved from the modeler")
    SERVER = "server", _("Drawn by the server from the BPMN diagram")


@audited(ignored=("updated_at",), site_sql=DOCUMENT_SITES_SQL.format(VERSION_DOCUMENT_SQL))
@site_scoped(site_lookup="version__document__sites")
class MapDiagram(RegulatedModel):
    """The SVG and steps table of one process-map version (derived from its BPMN XML)."""

    version = models.OneToOneField(
        "documents.DocumentVersion", on_delete=models.PROTECT, related_name="diagram", verbose_name=_("version")
    )
    svg = models.TextField(_("diagram (SVG)"))
    svg_source = models.CharField(_("drawn by"), max_length=10, choices=DiagramSource.choices)
    steps = models.JSONField(
        _("steps"), default=list, help_text=_("[{id, lane, name, type, next: [names]}] in the order of the flow.")
    )
    bpmn_sha256 = models.CharField(_("BPMN SHA-256"), max_length=64)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = RestrictedManager.from_queryset(RestrictedQuerySet)()

    class Meta:
        verbose_name = _("process-map diagram")
        verbose_name_plural = _("process-map diagrams")

    def __str__(self) -> str:
        return f"{self.version} diagram"

    def get_absolute_url(self) -> str:
        return reverse("documents:version_detail", args=[self.version_id])

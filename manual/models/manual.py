"""The content of a manual version: sections on the harmonized clauses, their live blocks, the site annexes, and
the snapshot fixed on approval.

The manual itself is a ``ControlledDocument`` of type manual; every row here belongs to one of its versions. Rows
of a draft change through ``manual.services``; once the version leaves draft they never change again (the
services refuse, and the compiled text of the sections is the version's signed body). The snapshot is
append-only: the database refuses to update or delete it.
"""

from __future__ import annotations

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ims.access.querysets import RestrictedManager, RestrictedQuerySet
from ims.access.registry import site_scoped
from ims.audit.registry import append_only, audited
from ims.esign.querysets import AppendOnlyViolation
from ims.org.models import RegulatedModel

from ..choices import SLOT_ORDER, SectionSlot

VERSION_SITES_SQL = (
    "(SELECT ARRAY(SELECT s.site_id FROM documents_controlleddocument_sites s "
    "JOIN documents_documentversion v ON v.document_id = s.controlleddocument_id WHERE v.id = {}))"
)
SECTION_SITES_SQL = (
    "(SELECT ARRAY(SELECT s.site_id FROM documents_controlleddocument_sites s "
    "JOIN documents_documentversion v ON v.document_id = s.controlleddocument_id "
    "JOIN manual_manualsection m ON m.version_id = v.id WHERE m.id = {}))"
)


@audited(ignored=("updated_at",), site_sql=VERSION_SITES_SQL.format("r.version_id"))
@site_scoped(site_lookup="version__document__sites")
class ManualSection(RegulatedModel):
    """One section of a manual version: our text (Markdown) under a harmonized clause, with its live blocks."""

    version = models.ForeignKey(
        "documents.DocumentVersion", on_delete=models.PROTECT, related_name="manual_sections", verbose_name=_("version")
    )
    slot = models.CharField(_("clause"), max_length=8, choices=SectionSlot.choices)
    order = models.PositiveIntegerField(_("order"), default=0)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text (Markdown)"), blank=True)
    mandatory = models.BooleanField(
        _("mandatory"), default=False, help_text=_("A mandatory section must have text before the manual is approved.")
    )
    is_active = models.BooleanField(_("active"), default=True, help_text=_("Removed sections are kept, not deleted."))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["version", "order", "pk"]
        verbose_name = _("manual section")
        verbose_name_plural = _("manual sections")
        indexes = [models.Index(fields=["version", "order"], name="manual_section_order_idx")]

    def __str__(self) -> str:
        return f"{self.version} · {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("manual:manual_detail", args=[self.version.document_id]) + f"?version={self.version_id}"

    @property
    def anchor(self) -> str:
        return f"section-{self.pk}"

    @property
    def slot_rank(self) -> int:
        return SLOT_ORDER.get(self.slot, 99)


@audited(ignored=("updated_at",), site_sql=SECTION_SITES_SQL.format("r.section_id"))
@site_scoped(site_lookup="section__version__document__sites")
class SectionBlock(RegulatedModel):
    """A live block placed in a section: a key of the block registry and its parameters."""

    section = models.ForeignKey(
        ManualSection, on_delete=models.PROTECT, related_name="blocks", verbose_name=_("section")
    )
    order = models.PositiveIntegerField(_("order"), default=0)
    block_key = models.CharField(_("block"), max_length=60)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    is_active = models.BooleanField(_("active"), default=True, help_text=_("Removed blocks are kept, not deleted."))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["section", "order", "pk"]
        verbose_name = _("live block")
        verbose_name_plural = _("live blocks")

    def __str__(self) -> str:
        return f"{self.section.title} · {self.block_key}"

    def get_absolute_url(self) -> str:
        return self.section.get_absolute_url()

    @property
    def ref(self) -> str:
        """The block's name in the snapshot's sources (stable across versions: the key, its position, its params)."""
        param = ",".join(f"{k}={v}" for k, v in sorted((self.params or {}).items()))
        return f"{self.block_key}[{param}]"


@audited(ignored=("updated_at",), site_sql="ARRAY[r.site_id]")
@site_scoped(site_lookup="site")
class SiteAnnex(RegulatedModel):
    """What holds at one site only: its local scope, local regulations and local roles (Markdown).

    The manual for site X is the core plus annex X; only the people of site X see it.
    """

    version = models.ForeignKey(
        "documents.DocumentVersion", on_delete=models.PROTECT, related_name="manual_annexes", verbose_name=_("version")
    )
    site = models.ForeignKey(
        "org.Site", on_delete=models.PROTECT, related_name="manual_annexes", verbose_name=_("site")
    )
    local_scope = models.TextField(_("local scope"), blank=True)
    local_regulations = models.TextField(_("local regulations"), blank=True)
    local_roles = models.TextField(_("local roles"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["version", "site__code"]
        verbose_name = _("site annex")
        verbose_name_plural = _("site annexes")
        constraints = [models.UniqueConstraint(fields=["version", "site"], name="manual_siteannex_once_per_site")]

    def __str__(self) -> str:
        return f"{self.version} · annex {self.site.code}"

    def get_absolute_url(self) -> str:
        return reverse("manual:annex_detail", args=[self.pk])

    @property
    def anchor(self) -> str:
        return f"annex-{self.site.code.lower()}"


class SnapshotQuerySet(RestrictedQuerySet):
    def update(self, **kwargs):
        raise AppendOnlyViolation("Manual snapshots are append-only and never changed.")

    update.queryset_only = True

    def delete(self):
        raise AppendOnlyViolation("Manual snapshots are append-only and never deleted.")

    delete.queryset_only = True


@append_only
@site_scoped(site_lookup="version__document__sites")
class ManualSnapshot(models.Model):
    """The manual as approved: the rendered HTML of the core and of each site annex, the sources of every live
    block, and a SHA-256 over all of it. Written once, on approval; an effective version always shows it."""

    version = models.OneToOneField(
        "documents.DocumentVersion", on_delete=models.PROTECT, related_name="manual_snapshot", verbose_name=_("version")
    )
    core_html = models.TextField(_("core (HTML)"))
    #: ``{"<site id>": {"code": …, "name": …, "html": …}}``
    annexes = models.JSONField(_("site annexes (HTML)"), default=dict)
    #: ``[{"section": …, "block": …, "label": …, "sources": [{"ref", "label", "digest"}, …]}, …]``
    sources = models.JSONField(_("sources of the live blocks"), default=list)
    toc = models.JSONField(_("table of contents"), default=list)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    rendered_at = models.DateTimeField(_("rendered"), auto_now_add=True)
    rendered_by = models.ForeignKey(
        "org.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("rendered for")
    )

    objects = SnapshotQuerySet.as_manager()

    class Meta:
        ordering = ["-rendered_at"]
        verbose_name = _("manual snapshot")
        verbose_name_plural = _("manual snapshots")

    def __str__(self) -> str:
        return f"{self.version} · snapshot"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyViolation("Manual snapshots are append-only and never changed.")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("manual:manual_detail", args=[self.version.document_id]) + f"?version={self.version_id}"

    def delete(self, *args, **kwargs):
        raise AppendOnlyViolation("Manual snapshots are append-only and never deleted.")

"""Evidence packs: a PDF of the chosen sections for sites and a period, with a manifest that verifies.

A pack is built by one job (``ims.jobs``): its parts render in parallel on the ``pdf`` queue (``PackChunk``
rows, one artefact each), then one task merges them with a cover, a table of contents and bookmarks, stamps the
footer (pack number, page N of M, the manifest's short hash) and writes the manifest. A quality manager then
releases it with an e-signature; the release seals the manifest (HMAC) and writes the bundle (ZIP).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _

from ims.access.querysets import RestrictedManager
from ims.access.registry import site_scoped
from ims.audit.registry import audited
from ims.esign.registry import signable

PACK_SITES_SQL = "ARRAY(SELECT s.site_id FROM evidence_evidencepack_sites s WHERE s.evidencepack_id = r.id)"


class PackStatus(models.TextChoices):
    BUILDING = "building", _("Building")
    BUILT = "built", _("Built — awaiting release")
    RELEASED = "released", _("Released")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


@audited(ignored=("updated_at",), site_sql=PACK_SITES_SQL)
@site_scoped(site_lookup="sites", extra_actions=("release",))
@signable(
    fields=("number", "site_codes", "period_start", "period_end", "sections", "contents_sha256", "pdf_sha256"),
    immutable=True,
    meanings=("approved",),
    workflow_meanings=("approved",),
)
class EvidencePack(models.Model):
    number = models.CharField(_("number"), max_length=24, unique=True)
    job = models.OneToOneField("jobs.Job", on_delete=models.PROTECT, related_name="evidence_pack")
    title = models.CharField(_("title"), max_length=200)
    sites = models.ManyToManyField("org.Site", related_name="evidence_packs", verbose_name=_("sites"))
    site_codes = models.CharField(_("site codes"), max_length=400)
    period_start = models.DateField(_("records from"))
    period_end = models.DateField(_("records to"))
    sections = ArrayField(models.CharField(max_length=40), verbose_name=_("sections"))
    options = models.JSONField(_("choices"), default=dict, blank=True)
    grant = models.ForeignKey(
        "access.InspectorGrant",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="packs",
        verbose_name=_("for the inspection"),
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("requested by")
    )
    created_at = models.DateTimeField(_("requested"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    # Set once by the build (in the transaction that closes the job): never changed afterwards.
    built_at = models.DateTimeField(_("built"), null=True, blank=True)
    page_count = models.PositiveIntegerField(_("pages"), null=True, blank=True)
    record_count = models.PositiveIntegerField(_("records"), null=True, blank=True)
    pdf_file = models.CharField(_("PDF"), max_length=255, blank=True)
    pdf_sha256 = models.CharField(_("PDF SHA-256"), max_length=64, blank=True)
    manifest = models.JSONField(_("manifest"), default=dict, blank=True)
    contents_sha256 = models.CharField(_("manifest digest"), max_length=64, blank=True)
    # Set by the release (e-signed): the sealed manifest and the bundle.
    released_at = models.DateTimeField(_("released"), null=True, blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("released by"),
    )
    seal_hmac = models.CharField(_("seal"), max_length=64, blank=True)
    bundle_file = models.CharField(_("bundle"), max_length=255, blank=True)
    bundle_sha256 = models.CharField(_("bundle SHA-256"), max_length=64, blank=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("evidence pack")
        verbose_name_plural = _("evidence packs")
        permissions = [("release_evidencepack", "Can release an evidence pack (e-signed)")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")), name="evidence_pack_period_order"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} — {self.title}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("evidence:pack_detail", args=[self.pk])

    def delete(self, *args, **kwargs):
        from ims.access.querysets import RegulatedRecordDeletion

        raise RegulatedRecordDeletion("Evidence packs are never deleted.")

    @property
    def status(self) -> str:
        from ims.jobs.models import JobStatus

        if self.released_at:
            return PackStatus.RELEASED
        if self.built_at:
            return PackStatus.BUILT
        job_status = self.job.status
        if job_status == JobStatus.FAILED:
            return PackStatus.FAILED
        if job_status == JobStatus.CANCELLED:
            return PackStatus.CANCELLED
        return PackStatus.BUILDING

    def get_status_display(self) -> str:
        return PackStatus(self.status).label

    @staticmethod
    def inspector_q(grant_ids: list[int]) -> models.Q:
        """An inspector reads the packs released to their inspection, nothing else."""
        return models.Q(grant_id__in=grant_ids, released_at__isnull=False)

    @property
    def short_hash(self) -> str:
        return self.contents_sha256[:12]


class ChunkStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    DONE = "done", _("Done")


class PackChunk(models.Model):
    """One part of a pack's sections, rendered by one task to one PDF file (re-rendering overwrites it)."""

    pack = models.ForeignKey(EvidencePack, on_delete=models.CASCADE, related_name="chunks")
    index = models.PositiveIntegerField()
    section = models.CharField(max_length=40)
    key = models.CharField(max_length=120)
    first_of_section = models.BooleanField(default=False)
    status = models.CharField(max_length=8, choices=ChunkStatus.choices, default=ChunkStatus.PENDING)
    title = models.CharField(max_length=200, blank=True)
    file = models.CharField(max_length=255, blank=True)
    pages = models.PositiveIntegerField(null=True, blank=True)
    records = models.JSONField(default=list, blank=True)
    attachments = models.JSONField(default=list, blank=True)
    rendered_at = models.DateTimeField(null=True, blank=True)
    seconds = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["pack_id", "index"]
        constraints = [models.UniqueConstraint(fields=["pack", "index"], name="evidence_chunk_index_unique")]

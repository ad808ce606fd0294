"""Controlled documents and their versions: the document-control kernel (policies, manual, procedures, …).

A ``ControlledDocument`` is the register entry (number, title, type, disciplines, owner, the sites and
functions in scope, the periodic-review interval). Its content lives in ``DocumentVersion`` rows that
move draft → in review → approved → effective → superseded / retired through ``ims.documents.services``.
Approved and later versions never change: a change is a new version with a change summary.
"""

from __future__ import annotations

import uuid

from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ims.access.registry import site_scoped
from ims.audit.registry import audited
from ims.esign.registry import signable
from ims.org.models import RegulatedModel

from .choices import OPEN_STATUSES, Discipline, DocumentType, VersionStatus
from .querysets import ControlledDocumentManager, DocumentVersionManager

number_validator = RegexValidator(
    r"^[A-Z0-9][A-Z0-9._/-]*$", _("Use capital letters, digits, '.', '_', '/' and '-' only, e.g. SOP-QA-001.")
)

DOCUMENT_SITES_SQL = (
    "ARRAY(SELECT s.site_id FROM documents_controlleddocument_sites s WHERE s.controlleddocument_id = {})"
)


def attachment_path(instance: DocumentVersion, filename: str) -> str:
    """A random stored name: the uploaded name is kept for the download only, never used on disk."""
    extension = ".pdf" if filename.lower().endswith(".pdf") else ".docx"
    return f"documents/{uuid.uuid4().hex}{extension}"


@audited(ignored=("updated_at",), site_sql=DOCUMENT_SITES_SQL.format("r.id"))
@site_scoped(site_lookup="sites", extra_actions=("review",))
class ControlledDocument(RegulatedModel):
    """A document under document control: its identity, owner, scope and periodic-review schedule."""

    number = models.CharField(_("number"), max_length=40, unique=True, validators=[number_validator])
    title = models.CharField(_("title"), max_length=200)
    doc_type = models.CharField(_("type"), max_length=20, choices=DocumentType.choices)
    disciplines = ArrayField(
        models.CharField(max_length=16, choices=Discipline.choices),
        verbose_name=_("disciplines"),
        help_text=_("The management systems the document serves; an integrated document serves several."),
    )
    owner = models.ForeignKey(
        "org.Person", on_delete=models.PROTECT, related_name="owned_documents", verbose_name=_("owner")
    )
    sites = models.ManyToManyField("org.Site", related_name="controlled_documents", verbose_name=_("sites"))
    functions = models.ManyToManyField(
        "org.Function",
        related_name="controlled_documents",
        blank=True,
        verbose_name=_("functions"),
        help_text=_("Leave empty for every function at the sites in scope."),
    )
    roles = models.ManyToManyField(
        "org.Role",
        related_name="controlled_documents",
        blank=True,
        verbose_name=_("roles"),
        help_text=_("Leave empty for every role."),
    )
    requires_acknowledgement = models.BooleanField(
        _("read and acknowledge"),
        default=False,
        help_text=_(
            "When a version becomes effective, everyone in scope is asked to read it and acknowledge it "
            "with an electronic signature."
        ),
    )
    acknowledgement_days = models.PositiveSmallIntegerField(
        _("days to acknowledge"), default=14, validators=[MinValueValidator(1), MaxValueValidator(365)]
    )
    review_interval_months = models.PositiveSmallIntegerField(
        _("review interval (months)"), default=24, validators=[MinValueValidator(1), MaxValueValidator(120)]
    )
    review_due = models.DateField(
        _("periodic review due"),
        null=True,
        blank=True,
        help_text=_("Set when a version becomes effective or a periodic review is recorded."),
    )
    review_reminder_sent_for = models.DateField(_("reminder sent for due date"), null=True, blank=True)
    is_active = models.BooleanField(
        _("active"), default=True, help_text=_("Retired documents are kept, never deleted.")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ControlledDocumentManager()

    class Meta:
        ordering = ["number"]
        verbose_name = _("controlled document")
        verbose_name_plural = _("controlled documents")
        permissions = [("review_controlleddocument", "Can record the periodic review of a controlled document")]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(disciplines=[]), name="documents_controlleddocument_has_discipline"
            ),
        ]
        indexes = [models.Index(fields=["review_due"], name="documents_doc_review_due_idx")]

    def __str__(self) -> str:
        return f"{self.number} · {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("documents:document_detail", args=[self.pk])

    def discipline_labels(self) -> list[str]:
        labels = dict(Discipline.choices)
        return [str(labels.get(d, d)) for d in self.disciplines]


@audited(ignored=("updated_at",), site_sql=DOCUMENT_SITES_SQL.format("r.document_id"))
@site_scoped(site_lookup="document__sites", extra_actions=("review", "approve"))
@signable(
    fields=("document", "number", "body", "attachment", "attachment_sha256", "change_summary", "effective_date"),
    immutable=True,
    meanings=("reviewed", "approved"),
    workflow_meanings=("reviewed", "approved"),
)
class DocumentVersion(RegulatedModel):
    """One version of a controlled document: its content (Markdown and/or a PDF/DOCX file) and lifecycle."""

    document = models.ForeignKey(
        ControlledDocument, on_delete=models.PROTECT, related_name="versions", verbose_name=_("document")
    )
    number = models.PositiveIntegerField(_("version"))
    status = models.CharField(_("status"), max_length=16, choices=VersionStatus.choices, default=VersionStatus.DRAFT)
    body = models.TextField(_("content (Markdown)"), blank=True)
    attachment = models.FileField(_("file"), upload_to=attachment_path, blank=True, max_length=200)
    attachment_name = models.CharField(_("file name"), max_length=200, blank=True)
    attachment_type = models.CharField(_("file type"), max_length=100, blank=True)
    attachment_size = models.PositiveIntegerField(_("file size (bytes)"), null=True, blank=True)
    attachment_sha256 = models.CharField(_("file SHA-256"), max_length=64, blank=True)
    change_summary = models.TextField(_("change summary"), blank=True)
    effective_date = models.DateField(_("effective date"), null=True, blank=True)
    author = models.ForeignKey(
        "org.Person", on_delete=models.PROTECT, related_name="authored_document_versions", verbose_name=_("author")
    )
    submitted_at = models.DateTimeField(_("submitted for review"), null=True, blank=True)
    approved_by = models.ForeignKey(
        "org.Person",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="approved_document_versions",
        verbose_name=_("approved by"),
    )
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    effective_at = models.DateTimeField(_("made effective"), null=True, blank=True)
    superseded_at = models.DateTimeField(_("superseded"), null=True, blank=True)
    retired_at = models.DateTimeField(_("retired"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = DocumentVersionManager()

    class Meta:
        ordering = ["document__number", "-number"]
        verbose_name = _("document version")
        verbose_name_plural = _("document versions")
        permissions = [
            ("review_documentversion", "Can sign a document version as reviewed"),
            ("approve_documentversion", "Can approve a document version"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["document", "number"], name="documents_documentversion_unique_number"),
            models.UniqueConstraint(
                fields=["document"],
                condition=models.Q(status=VersionStatus.EFFECTIVE),
                name="documents_documentversion_one_effective",
            ),
            models.UniqueConstraint(
                fields=["document"],
                condition=models.Q(status__in=[s.value for s in OPEN_STATUSES]),
                name="documents_documentversion_one_open",
            ),
            models.CheckConstraint(
                condition=models.Q(number=1) | ~models.Q(change_summary=""),
                name="documents_documentversion_change_summary",
            ),
        ]
        indexes = [models.Index(fields=["status", "effective_date"], name="documents_ver_status_eff_idx")]

    def __str__(self) -> str:
        return f"{self.document.number} v{self.number}"

    def get_absolute_url(self) -> str:
        return reverse("documents:version_detail", args=[self.pk])

    @property
    def is_editable(self) -> bool:
        return self.status == VersionStatus.DRAFT

    @property
    def has_file(self) -> bool:
        return bool(self.attachment)

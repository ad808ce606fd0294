"""An internal audit at one site: scope, team, checklist, findings and the signed report.

planned → in progress → completed (report authored, signed by the lead auditor) → acknowledged (by an auditee)
→ approved (by the quality manager, closed); a planned or running audit may be cancelled with a reason.
"""

from __future__ import annotations

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ims.access.querysets import RestrictedManager, RestrictedQuerySet
from ims.access.registry import site_scoped
from ims.audit.registry import audited
from ims.esign.registry import signable
from ims.org.models import RegulatedModel

from ..choices import AuditStatus, ChecklistResult, FindingGrade, FindingStatus
from ..constants import INTERNAL_AUDIT_DUTY

AUDIT_SITE_SQL = "(SELECT ARRAY[a.site_id] FROM audits_audit a WHERE a.id = {})"
REPORT_MEANINGS = ("authored", "acknowledged", "approved")


class AuditQuerySet(RestrictedQuerySet):
    def open(self) -> AuditQuerySet:
        return self.exclude(status__in=(AuditStatus.APPROVED, AuditStatus.CANCELLED))


@audited(ignored=("updated_at", "reminded_days"), site_sql="ARRAY[r.site_id]")
@site_scoped(site_lookup="site", extra_actions=("conduct", "approve"))
@signable(
    fields=("reference", "title", "report_digest"),
    immutable=False,
    meanings=REPORT_MEANINGS,
    workflow_meanings=REPORT_MEANINGS,
)
class Audit(RegulatedModel):
    """One internal audit of a site's processes and clauses, planned by a programme or on its own."""

    #: The training kernel asks signers of this record for a current internal-auditor course.
    qualification_duty = INTERNAL_AUDIT_DUTY
    qualification_meanings = ("authored",)

    reference = models.CharField(_("reference"), max_length=40, unique=True)
    title = models.CharField(_("title"), max_length=200)
    programme = models.ForeignKey(
        "audits.AuditProgramme",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audits",
        verbose_name=_("programme"),
    )
    area = models.ForeignKey(
        "audits.ProgrammeArea",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audits",
        verbose_name=_("audited area"),
    )
    period_start = models.DateField(
        _("programme period"), null=True, blank=True, help_text=_("First day of the programme slot.")
    )
    site = models.ForeignKey("org.Site", on_delete=models.PROTECT, related_name="audits", verbose_name=_("site"))
    processes = models.ManyToManyField(
        "processes.Process", related_name="audits", blank=True, verbose_name=_("processes audited")
    )
    clauses = models.ManyToManyField("processes.Clause", related_name="audits", blank=True, verbose_name=_("clauses"))
    scope_note = models.TextField(_("scope"), blank=True)
    planned_date = models.DateField(_("planned date"))
    planned_end = models.DateField(_("planned end"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=14, choices=AuditStatus.choices, default=AuditStatus.PLANNED)
    lead_auditor = models.ForeignKey(
        "org.Person",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="led_audits",
        verbose_name=_("lead auditor"),
    )
    auditors = models.ManyToManyField(
        "org.Person", related_name="audits_as_auditor", blank=True, verbose_name=_("co-auditors")
    )
    auditees = models.ManyToManyField(
        "org.Person", related_name="audits_as_auditee", blank=True, verbose_name=_("auditees")
    )
    cancel_reason = models.TextField(_("reason for cancelling"), blank=True)
    summary = models.TextField(_("summary and conclusion"), blank=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    report_digest = models.CharField(
        _("report digest"), max_length=64, blank=True, help_text=_("SHA-256 of the checklist and findings.")
    )
    acknowledged_by = models.ForeignKey(
        "org.Person",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="acknowledged_audits",
        verbose_name=_("acknowledged by"),
    )
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    approved_by = models.ForeignKey(
        "org.Person",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="approved_audits",
        verbose_name=_("approved by"),
    )
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    reminded_days = models.PositiveSmallIntegerField(_("reminded (days before)"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = RestrictedManager.from_queryset(AuditQuerySet)()

    class Meta:
        ordering = ["planned_date", "reference"]
        verbose_name = _("audit")
        verbose_name_plural = _("audits")
        permissions = [
            ("conduct_audit", "Can conduct an audit (checklist, findings)"),
            ("approve_audit", "Can approve an audit report"),
        ]
        constraints = [
            # One audit per programme slot, whatever the number of beat runs, workers or restarts.
            models.UniqueConstraint(
                fields=["programme", "area", "site", "period_start"], name="audits_audit_slot_once"
            ),
            models.CheckConstraint(
                condition=models.Q(planned_end__isnull=True) | models.Q(planned_end__gte=models.F("planned_date")),
                name="audits_audit_dates",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="cancelled") | ~models.Q(cancel_reason=""),
                name="audits_audit_cancel_reasoned",
            ),
        ]
        indexes = [
            models.Index(fields=["site", "planned_date"], name="audits_audit_site_date"),
            models.Index(fields=["planned_date", "id"], name="audits_audit_date_id"),
            models.Index(fields=["lead_auditor", "status"], name="audits_audit_lead_status"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} · {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("audits:audit_detail", args=[self.pk])


@audited(ignored=("updated_at",), site_sql=AUDIT_SITE_SQL.format("r.audit_id"))
@site_scoped(site_lookup="audit__site")
class ChecklistItem(RegulatedModel):
    """One question of an audit's checklist and the auditor's answer (result, notes, evidence files)."""

    audit = models.ForeignKey(Audit, on_delete=models.PROTECT, related_name="items", verbose_name=_("audit"))
    position = models.PositiveIntegerField(_("position"))
    clause = models.ForeignKey(
        "processes.Clause",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audit_checklist_items",
        verbose_name=_("clause"),
    )
    process = models.ForeignKey(
        "processes.Process",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audit_checklist_items",
        verbose_name=_("process"),
    )
    question = models.TextField(_("question"))
    result = models.CharField(
        _("result"), max_length=16, choices=ChecklistResult.choices, blank=True, default=ChecklistResult.NOT_CHECKED
    )
    notes = models.TextField(_("notes"), blank=True)
    answered_by = models.ForeignKey(
        "org.Person",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="answered_checklist_items",
        verbose_name=_("answered by"),
    )
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = RestrictedManager.from_queryset(RestrictedQuerySet)()

    class Meta:
        ordering = ["audit", "position"]
        verbose_name = _("checklist question")
        verbose_name_plural = _("checklist questions")
        constraints = [models.UniqueConstraint(fields=["audit", "position"], name="audits_checklistitem_position_once")]

    def __str__(self) -> str:
        return f"{self.audit.reference} Q{self.position}"

    def get_absolute_url(self) -> str:
        return reverse("audits:checklist", args=[self.audit_id]) + f"?q={self.position}"


@audited(
    ignored=(),
    site_sql="(SELECT ARRAY[a.site_id] FROM audits_checklistitem i JOIN audits_audit a ON a.id = i.audit_id "
    "WHERE i.id = r.item_id)",
)
class EvidenceFile(RegulatedModel):
    """A file the auditor attached to a checklist answer (photo, record, PDF); read through its audit."""

    item = models.ForeignKey(ChecklistItem, on_delete=models.PROTECT, related_name="files", verbose_name=_("question"))
    file = models.FileField(_("file"), upload_to="audits/evidence/")
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=120)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        "org.Person", on_delete=models.PROTECT, related_name="audit_evidence_files", verbose_name=_("uploaded by")
    )
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        ordering = ["item", "pk"]
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")

    def __str__(self) -> str:
        return self.original_name

    def get_absolute_url(self) -> str:
        return reverse("audits:evidence_download", args=[self.pk])


class FindingQuerySet(RestrictedQuerySet):
    def counted(self) -> FindingQuerySet:
        return self.exclude(status=FindingStatus.CANCELLED)


@audited(ignored=("updated_at",), site_sql="ARRAY[r.site_id]")
@site_scoped(site_lookup="site")
class Finding(RegulatedModel):
    """What an audit found: a major or minor nonconformity, an observation or an opportunity for improvement,
    against a clause of the audit's scope, in a process, with the evidence seen; it may raise a CAPA."""

    audit = models.ForeignKey(Audit, on_delete=models.PROTECT, related_name="findings", verbose_name=_("audit"))
    site = models.ForeignKey(
        "org.Site", on_delete=models.PROTECT, related_name="audit_findings", verbose_name=_("site")
    )
    reference = models.CharField(_("reference"), max_length=50, unique=True)
    grade = models.CharField(_("grade"), max_length=12, choices=FindingGrade.choices)
    clause = models.ForeignKey(
        "processes.Clause", on_delete=models.PROTECT, related_name="audit_findings", verbose_name=_("clause")
    )
    process = models.ForeignKey(
        "processes.Process",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audit_findings",
        verbose_name=_("process"),
    )
    checklist_item = models.ForeignKey(
        ChecklistItem,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="findings",
        verbose_name=_("checklist question"),
    )
    statement = models.TextField(_("finding"))
    evidence_reference = models.CharField(
        _("evidence"), max_length=500, help_text=_("The records, documents or observations the finding rests on.")
    )
    raised_on = models.DateField(_("raised on"))
    raised_by = models.ForeignKey(
        "org.Person", on_delete=models.PROTECT, related_name="raised_audit_findings", verbose_name=_("raised by")
    )
    status = models.CharField(_("status"), max_length=10, choices=FindingStatus.choices, default=FindingStatus.OPEN)
    action_kind = models.CharField(_("action kind"), max_length=40, blank=True)
    action_ref = models.CharField(_("action"), max_length=80, blank=True, help_text=_("The raised CAPA or action."))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = RestrictedManager.from_queryset(FindingQuerySet)()

    class Meta:
        ordering = ["-raised_on", "reference"]
        verbose_name = _("finding")
        verbose_name_plural = _("findings")
        indexes = [
            models.Index(fields=["site", "raised_on"], name="audits_finding_site_day"),
            models.Index(fields=["clause", "raised_on"], name="audits_finding_clause_day"),
            models.Index(fields=["raised_on", "id"], name="audits_finding_day_id"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} · {self.get_grade_display()}"

    def get_absolute_url(self) -> str:
        return reverse("audits:finding_detail", args=[self.pk])

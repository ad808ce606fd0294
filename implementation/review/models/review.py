"""The management review (ISO 9001 / 14001 / 45001 clause 9.3): the meeting, the inputs fixed when it was held,
its decisions and actions, and the pack built for it.

A review belongs to one site, or to the whole company (no site: only people who hold the permission company-wide
see it, since its inputs cover every site). Planned → held (the inputs are fixed in append-only snapshots) →
minutes signed by the chair, after which nothing of the review changes.
"""

from __future__ import annotations

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ims.access.querysets import RestrictedManager, RestrictedQuerySet
from ims.access.registry import site_scoped
from ims.audit.registry import append_only, audited
from ims.esign.choices import SignatureMeaning
from ims.esign.querysets import AppendOnlyViolation
from ims.esign.registry import signable
from ims.org.models import RegulatedModel

from ..choices import ReviewActionStatus, ReviewStatus

REVIEW_SITE_SQL = "CASE WHEN r.site_id IS NULL THEN NULL ELSE ARRAY[r.site_id] END"
CHILD_SITE_SQL = (
    "(SELECT CASE WHEN m.site_id IS NULL THEN NULL ELSE ARRAY[m.site_id] END "
    "FROM review_managementreview m WHERE m.id = r.review_id)"
)
MINUTES_MEANING = SignatureMeaning.APPROVED


@audited(ignored=("updated_at",), site_sql=REVIEW_SITE_SQL)
@site_scoped(site_lookup="site")
@signable(
    fields=("reference", "title", "period_start", "period_end", "minutes", "content_digest"),
    immutable=True,
    meanings=(MINUTES_MEANING,),
    workflow_meanings=(MINUTES_MEANING,),
)
class ManagementReview(RegulatedModel):
    """A management review meeting of a site (or of the company) for a period."""

    reference = models.CharField(_("reference"), max_length=40, unique=True)
    title = models.CharField(_("title"), max_length=200)
    site = models.ForeignKey(
        "org.Site",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="management_reviews",
        verbose_name=_("site"),
        help_text=_("Empty for a company-wide review covering every site."),
    )
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period to"))
    meeting_date = models.DateField(_("meeting date"))
    chair = models.ForeignKey(
        "org.Person", on_delete=models.PROTECT, related_name="chaired_reviews", verbose_name=_("chair")
    )
    attendees = models.ManyToManyField(
        "org.Person", related_name="attended_reviews", blank=True, verbose_name=_("attendees")
    )
    status = models.CharField(_("status"), max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.PLANNED)
    minutes = models.TextField(_("minutes"), blank=True, help_text=_("Discussion and conclusions of the meeting."))
    held_at = models.DateTimeField(_("held"), null=True, blank=True)
    signed_at = models.DateTimeField(_("minutes signed"), null=True, blank=True)
    #: SHA-256 over the snapshot, decisions and actions, fixed when the minutes are signed.
    content_digest = models.CharField(_("content digest"), max_length=64, blank=True)
    created_by = models.ForeignKey(
        "org.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = RestrictedManager.from_queryset(RestrictedQuerySet)()

    class Meta:
        ordering = ["-meeting_date", "-pk"]
        verbose_name = _("management review")
        verbose_name_plural = _("management reviews")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")), name="review_managementreview_period"
            ),
        ]
        indexes = [models.Index(fields=["site", "status"], name="review_mr_site_status_idx")]

    def __str__(self) -> str:
        return f"{self.reference} · {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("review:review_detail", args=[self.pk])

    @property
    def company_wide(self) -> bool:
        return self.site_id is None

    @property
    def is_signed(self) -> bool:
        return self.status == ReviewStatus.SIGNED


class SnapshotQuerySet(RestrictedQuerySet):
    def update(self, **kwargs):
        raise AppendOnlyViolation("Review input snapshots are append-only and never changed.")

    update.queryset_only = True

    def delete(self):
        raise AppendOnlyViolation("Review input snapshots are append-only and never deleted.")

    delete.queryset_only = True


@append_only
@site_scoped(site_lookup="review__site")
class ReviewInputSnapshot(models.Model):
    """One input of a review as it stood when the meeting was held: written once, never changed."""

    review = models.ForeignKey(
        ManagementReview, on_delete=models.PROTECT, related_name="snapshots", verbose_name=_("review")
    )
    key = models.CharField(_("input"), max_length=64)
    label = models.CharField(_("label"), max_length=200)
    order = models.PositiveIntegerField(_("order"))
    summary = models.TextField(_("summary"), blank=True)
    figures = models.JSONField(_("figures"), default=dict)
    html = models.TextField(_("content (HTML)"), blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    captured_at = models.DateTimeField(_("captured"), auto_now_add=True)

    objects = SnapshotQuerySet.as_manager()

    class Meta:
        ordering = ["review", "order", "label"]
        verbose_name = _("review input snapshot")
        verbose_name_plural = _("review input snapshots")
        constraints = [
            models.UniqueConstraint(fields=["review", "key"], name="review_reviewinputsnapshot_one_per_key"),
        ]

    def __str__(self) -> str:
        return f"{self.review.reference} · {self.label}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyViolation("Review input snapshots are append-only and never changed.")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return self.review.get_absolute_url() + f"#input-{self.key}"

    def delete(self, *args, **kwargs):
        raise AppendOnlyViolation("Review input snapshots are append-only and never deleted.")


@audited(ignored=("updated_at",), site_sql=CHILD_SITE_SQL)
@site_scoped(site_lookup="review__site")
class ReviewDecision(RegulatedModel):
    """A decision of the review (9.3.3): improvement, change to the IMS, resources."""

    review = models.ForeignKey(
        ManagementReview, on_delete=models.PROTECT, related_name="decisions", verbose_name=_("review")
    )
    text = models.TextField(_("decision"))
    recorded_by = models.ForeignKey(
        "org.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("recorded by")
    )
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = RestrictedManager.from_queryset(RestrictedQuerySet)()

    class Meta:
        ordering = ["review", "created_at", "pk"]
        verbose_name = _("review decision")
        verbose_name_plural = _("review decisions")

    def __str__(self) -> str:
        return self.text[:80]

    def get_absolute_url(self) -> str:
        return self.review.get_absolute_url() + f"#decision-{self.pk}"


@audited(ignored=("updated_at",), site_sql=CHILD_SITE_SQL)
@site_scoped(site_lookup="review__site")
class ReviewAction(RegulatedModel):
    """An action of the review with its owner and due date, raised as a tracked action (``/actions/``)."""

    review = models.ForeignKey(
        ManagementReview, on_delete=models.PROTECT, related_name="actions", verbose_name=_("review")
    )
    decision = models.ForeignKey(
        ReviewDecision,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="actions",
        verbose_name=_("decision"),
    )
    title = models.CharField(_("action"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    owner = models.ForeignKey("org.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("owner"))
    due_date = models.DateField(_("due"))
    site = models.ForeignKey(
        "org.Site", on_delete=models.PROTECT, related_name="+", verbose_name=_("site of the action")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ReviewActionStatus.choices, default=ReviewActionStatus.OPEN
    )
    action_kind = models.CharField(_("tracked as"), max_length=40, blank=True)
    action_reference = models.CharField(_("tracked action"), max_length=40, blank=True)
    created_at = models.DateTimeField(_("raised"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = RestrictedManager.from_queryset(RestrictedQuerySet)()

    class Meta:
        ordering = ["review", "due_date", "pk"]
        verbose_name = _("review action")
        verbose_name_plural = _("review actions")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return self.review.get_absolute_url() + f"#action-{self.pk}"


@site_scoped(site_lookup="review__site")
class ReviewPack(models.Model):
    """The management review pack PDF of a review, built by a background job."""

    review = models.ForeignKey(
        ManagementReview, on_delete=models.PROTECT, related_name="packs", verbose_name=_("review")
    )
    job = models.OneToOneField("jobs.Job", on_delete=models.PROTECT, related_name="review_pack", verbose_name=_("job"))
    requested_by = models.ForeignKey("org.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("by"))
    file = models.CharField(_("file"), max_length=300, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    page_count = models.PositiveIntegerField(_("pages"), default=0)
    built_at = models.DateTimeField(_("built"), null=True, blank=True)
    created_at = models.DateTimeField(_("requested"), auto_now_add=True)

    objects = RestrictedManager.from_queryset(RestrictedQuerySet)()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("management review pack")
        verbose_name_plural = _("management review packs")

    def __str__(self) -> str:
        return f"{self.review.reference} · pack #{self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("review:pack_detail", args=[self.review_id, self.pk])

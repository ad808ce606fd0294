"""A piece of employee feedback (ISO 45001 5.4 worker participation): a suggestion, a concern, a near miss or an
unsafe condition at a site, named or anonymous, and what the site's quality manager made of it.

An anonymous item stores no person, session, address or browser: ``submitter`` is empty and nothing else that
identifies the reporter exists on the row (its audit event is written without an actor either).
"""

from __future__ import annotations

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ims.access.querysets import RestrictedManager, RestrictedQuerySet
from ims.access.registry import site_scoped
from ims.audit.registry import audited
from ims.org.models import RegulatedModel

from ..choices import OPEN_STATUSES, FeedbackKind, FeedbackStatus


class FeedbackQuerySet(RestrictedQuerySet):
    def open(self) -> FeedbackQuerySet:
        return self.filter(status__in=OPEN_STATUSES)


@audited(ignored=("updated_at",), site_sql="ARRAY[r.site_id]")
@site_scoped(site_lookup="site", extra_actions=("triage",))
class FeedbackItem(RegulatedModel):
    """One suggestion, concern, near miss or unsafe condition reported by an employee at a site."""

    reference = models.CharField(_("reference"), max_length=20, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=FeedbackKind.choices)
    site = models.ForeignKey(
        "org.Site", on_delete=models.PROTECT, related_name="feedback_items", verbose_name=_("site")
    )
    function = models.ForeignKey(
        "org.Function",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="feedback_items",
        verbose_name=_("function"),
    )
    location = models.CharField(_("where"), max_length=200, blank=True, help_text=_("Building, line, room…"))
    description = models.TextField(_("what happened or what could be better"))
    submitter = models.ForeignKey(
        "org.Person",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="feedback_items",
        verbose_name=_("submitted by"),
        help_text=_("Empty for an anonymous submission."),
    )
    status = models.CharField(_("status"), max_length=20, choices=FeedbackStatus.choices, default=FeedbackStatus.NEW)
    outcome = models.TextField(_("outcome"), blank=True, help_text=_("What the reporter is told."))
    triaged_by = models.ForeignKey(
        "org.Person",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="triaged_feedback",
        verbose_name=_("triaged by"),
    )
    triaged_at = models.DateTimeField(_("triaged"), null=True, blank=True)
    action_kind = models.CharField(_("raised as"), max_length=20, blank=True)
    action_reference = models.CharField(_("action or CAPA"), max_length=40, blank=True)
    submitted_at = models.DateTimeField(_("submitted"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = RestrictedManager.from_queryset(FeedbackQuerySet)()

    class Meta:
        ordering = ["-submitted_at", "-id"]
        verbose_name = _("feedback")
        verbose_name_plural = _("feedback")
        permissions = [("triage_feedbackitem", "Can triage feedback")]
        indexes = [models.Index(fields=["site", "submitted_at"], name="feedback_item_site_time")]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status__in=[FeedbackStatus.ACCEPTED, FeedbackStatus.CAPA_OPENED])
                | ~models.Q(action_reference=""),
                name="%(app_label)s_%(class)s_action_has_reference",
            ),
            models.CheckConstraint(
                condition=~models.Q(status=FeedbackStatus.REJECTED) | ~models.Q(outcome=""),
                name="%(app_label)s_%(class)s_rejection_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} · {self.get_kind_display()}"

    def get_absolute_url(self) -> str:
        return reverse("feedback:feedback_detail", args=[self.pk])

    @property
    def is_anonymous(self) -> bool:
        return self.submitter_id is None

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

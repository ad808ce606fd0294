"""A background job the people who asked for it can watch: status, progress, cancellation, attempts.

A ``Job`` row is written in the request's transaction and its Celery task is sent after commit (an outbox): a
broker that is down leaves the row queued, and the sweeper (``ims.jobs.tasks.jobs_sweep``) sends it again. The
``unique_key`` (a hash of the kind and the scope) admits one queued or running job per key, so a second
identical request returns the job already under way.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_STATUSES = (JobStatus.QUEUED, JobStatus.RUNNING)


class Job(models.Model):
    kind = models.CharField(_("kind"), max_length=64)
    unique_key = models.CharField(_("unique key"), max_length=64, help_text=_("SHA-256 of the kind and the scope"))
    status = models.CharField(_("status"), max_length=12, choices=JobStatus.choices, default=JobStatus.QUEUED)
    steps_total = models.PositiveIntegerField(_("steps"), default=0)
    steps_done = models.PositiveIntegerField(_("steps done"), default=0)
    message = models.CharField(_("message"), max_length=200, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("requested by")
    )
    created_at = models.DateTimeField(_("requested"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("last progress"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    cancel_requested_at = models.DateTimeField(_("cancellation requested"), null=True, blank=True)
    dispatched_at = models.DateTimeField(_("sent to the workers"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("job")
        verbose_name_plural = _("jobs")
        constraints = [
            models.UniqueConstraint(
                fields=["unique_key"],
                condition=models.Q(status__in=["queued", "running"]),
                name="jobs_job_one_open_per_key",
            ),
            models.CheckConstraint(condition=models.Q(steps_done__lte=models.F("steps_total")), name="jobs_job_steps"),
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="jobs_job_status_idx")]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def percent(self) -> int:
        if self.status == JobStatus.DONE:
            return 100
        if not self.steps_total:
            return 0
        return min(99, int(100 * self.steps_done / self.steps_total))

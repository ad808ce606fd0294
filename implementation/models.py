"""Rollout plans: how a site puts the IMS into practice, and the go-live gate that says it is ready.

A site has one active ``RolloutPlan``; its ``Phase``s follow the six IMS steps by default (renamed, added, reordered
as the site needs); each phase holds ``Task``s with an owner, a due date, dependencies and evidence. The plan's
``PlanCriterion``s say when the site is ready: a criterion registered by the app that owns the data (computed live)
or a manual one (met by a person, with evidence). The ``GoLiveGate`` is the site quality manager's e-signed
go-live; a mandatory criterion that fails needs a ``Waiver`` e-signed by a Global Admin first.
"""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ims.access.querysets import RestrictedManager
from ims.access.registry import site_scoped
from ims.audit.registry import audited
from ims.esign.registry import signable
from ims.org.models import RegulatedModel

from .choices import PlanStatus, TaskStatus

PLAN_SITE_SQL = "ARRAY(SELECT p.site_id FROM implementation_rolloutplan p WHERE p.id = r.plan_id)"
STEP = [MinValueValidator(1), MaxValueValidator(6)]


@audited(ignored=("updated_at",), site_sql="ARRAY[r.site_id]")
@site_scoped(site_lookup="site", extra_actions=("golive",))
class RolloutPlan(RegulatedModel):
    """The rollout of the IMS at one site: phases, tasks, readiness criteria and the go-live gate."""

    site = models.ForeignKey("org.Site", on_delete=models.PROTECT, related_name="rollout_plans", verbose_name=_("site"))
    title = models.CharField(_("title"), max_length=200)
    status = models.CharField(_("status"), max_length=12, choices=PlanStatus.choices, default=PlanStatus.PLANNED)
    owner = models.ForeignKey(
        "org.Person",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="rollout_plans",
        verbose_name=_("owner"),
    )
    start_date = models.DateField(_("start"), null=True, blank=True)
    target_go_live = models.DateField(_("target go-live"), null=True, blank=True)
    live_since = models.DateField(_("live since"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True, help_text=_("A replaced plan is kept, inactive."))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["site__code", "-created_at"]
        verbose_name = _("rollout plan")
        verbose_name_plural = _("rollout plans")
        permissions = [("golive_rolloutplan", "Sign the go-live gate of a rollout plan")]
        constraints = [
            models.UniqueConstraint(
                fields=["site"], condition=models.Q(is_active=True), name="implementation_rolloutplan_one_active"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("implementation:plan_detail", args=[self.pk])


@audited(ignored=("updated_at",), site_sql=PLAN_SITE_SQL)
@site_scoped(site_lookup="plan__site")
class Phase(RegulatedModel):
    """A phase of a rollout plan, by default one of the six IMS steps."""

    plan = models.ForeignKey(RolloutPlan, on_delete=models.PROTECT, related_name="phases", verbose_name=_("plan"))
    name = models.CharField(_("name"), max_length=120)
    step = models.PositiveSmallIntegerField(
        _("IMS step"), null=True, blank=True, validators=STEP, help_text=_("The IMS step (1–6) it puts in place.")
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["plan", "position", "pk"]
        verbose_name = _("phase")
        verbose_name_plural = _("phases")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("implementation:plan_detail", args=[self.plan_id]) + f"#phase-{self.pk}"


@audited(ignored=("updated_at",), site_sql=PLAN_SITE_SQL)
@site_scoped(site_lookup="plan__site")
class Task(RegulatedModel):
    """A task of a phase: who does it by when, what it waits for, and the evidence that it is done."""

    plan = models.ForeignKey(RolloutPlan, on_delete=models.PROTECT, related_name="tasks", verbose_name=_("plan"))
    phase = models.ForeignKey(Phase, on_delete=models.PROTECT, related_name="tasks", verbose_name=_("phase"))
    title = models.CharField(_("title"), max_length=200)
    owner = models.ForeignKey(
        "org.Person",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="rollout_tasks",
        verbose_name=_("owner"),
    )
    start_date = models.DateField(_("start"), null=True, blank=True)
    due_date = models.DateField(_("due"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    depends_on = models.ManyToManyField(
        "self",
        symmetrical=False,
        through="TaskDependency",
        related_name="dependents",
        blank=True,
        verbose_name=_("depends on"),
    )
    evidence = models.TextField(_("evidence"), blank=True)
    evidence_url = models.URLField(_("evidence link"), blank=True)
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["plan", "due_date", "pk"]
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        indexes = [models.Index(fields=["plan", "status", "due_date"], name="implementation_task_due")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("implementation:plan_detail", args=[self.plan_id]) + f"#task-{self.pk}"


@audited(site_sql="ARRAY(SELECT p.site_id FROM implementation_task t JOIN implementation_rolloutplan p "
                  "ON p.id = t.plan_id WHERE t.id = r.task_id)", block_delete=False)  # fmt: skip
@site_scoped(site_lookup="task__plan__site")
class TaskDependency(models.Model):
    """Task ``task`` starts only when ``depends_on`` (of the same plan) is done."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="dependency_links")
    depends_on = models.ForeignKey(Task, on_delete=models.PROTECT, related_name="dependent_links")

    objects = RestrictedManager()

    class Meta:
        ordering = ["task", "depends_on"]
        verbose_name = _("task dependency")
        verbose_name_plural = _("task dependencies")
        constraints = [
            models.UniqueConstraint(fields=["task", "depends_on"], name="implementation_taskdependency_once"),
            models.CheckConstraint(
                condition=~models.Q(task=models.F("depends_on")), name="implementation_taskdependency_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.task_id} → {self.depends_on_id}"


@audited(ignored=("updated_at",), site_sql=PLAN_SITE_SQL)
@site_scoped(site_lookup="plan__site")
class PlanCriterion(RegulatedModel):
    """A readiness criterion of a plan: a registered one (computed from the data) or a manual one (met by hand)."""

    plan = models.ForeignKey(RolloutPlan, on_delete=models.PROTECT, related_name="criteria", verbose_name=_("plan"))
    key = models.CharField(
        _("registered criterion"), max_length=60, blank=True, help_text=_("Empty for a manual criterion.")
    )
    description = models.CharField(_("description"), max_length=300, blank=True)
    step = models.PositiveSmallIntegerField(_("IMS step"), null=True, blank=True, validators=STEP)
    threshold = models.FloatField(_("threshold"), null=True, blank=True)
    mandatory = models.BooleanField(_("mandatory"), default=True)
    met = models.BooleanField(_("met"), default=False, help_text=_("Manual criteria only."))
    met_by = models.ForeignKey(
        "org.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("met by")
    )
    met_at = models.DateTimeField(_("met at"), null=True, blank=True)
    evidence = models.TextField(_("evidence"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["plan", "step", "pk"]
        verbose_name = _("readiness criterion")
        verbose_name_plural = _("readiness criteria")
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "key"],
                condition=models.Q(is_active=True) & ~models.Q(key=""),
                name="implementation_plancriterion_key_once",
            ),
            models.CheckConstraint(
                condition=~models.Q(key="", description=""), name="implementation_plancriterion_described"
            ),
        ]

    @property
    def is_manual(self) -> bool:
        return not self.key

    def __str__(self) -> str:
        return self.description or self.key

    def get_absolute_url(self) -> str:
        return reverse("implementation:plan_detail", args=[self.plan_id]) + f"#criterion-{self.pk}"


@audited(site_sql=PLAN_SITE_SQL)
@site_scoped(site_lookup="plan__site")
@signable(fields=("plan", "criterion", "justification"), immutable=True, meanings=("approved",),
          workflow_meanings=("approved",))  # fmt: skip
class Waiver(RegulatedModel):
    """A Global Admin's e-signed, justified permission to go live although a mandatory criterion fails."""

    plan = models.ForeignKey(RolloutPlan, on_delete=models.PROTECT, related_name="waivers", verbose_name=_("plan"))
    criterion = models.ForeignKey(
        PlanCriterion, on_delete=models.PROTECT, related_name="waivers", verbose_name=_("criterion")
    )
    justification = models.TextField(_("justification"))
    signed_by = models.ForeignKey("org.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("signed by"))
    signed_at = models.DateTimeField(_("signed at"))

    objects = RestrictedManager()

    class Meta:
        ordering = ["plan", "-signed_at"]
        verbose_name = _("waiver")
        verbose_name_plural = _("waivers")

    def __str__(self) -> str:
        return f"Waiver: {self.criterion}"

    def get_absolute_url(self) -> str:
        return reverse("implementation:plan_detail", args=[self.plan_id]) + f"#criterion-{self.criterion_id}"


@audited(site_sql=PLAN_SITE_SQL)
@site_scoped(site_lookup="plan__site")
@signable(fields=("plan", "readiness"), immutable=True, meanings=("approved",), workflow_meanings=("approved",))
class GoLiveGate(RegulatedModel):
    """The site quality manager's e-signed go-live, with the readiness the signer saw (values and waivers)."""

    plan = models.OneToOneField(
        RolloutPlan, on_delete=models.PROTECT, related_name="go_live_gate", verbose_name=_("plan")
    )
    readiness = models.JSONField(_("readiness at signing"), default=list)
    signed_by = models.ForeignKey("org.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("signed by"))
    signed_at = models.DateTimeField(_("signed at"))

    objects = RestrictedManager()

    class Meta:
        ordering = ["-signed_at"]
        verbose_name = _("go-live gate")
        verbose_name_plural = _("go-live gates")

    def __str__(self) -> str:
        return f"Go-live: {self.plan}"

    def get_absolute_url(self) -> str:
        return reverse("implementation:plan_detail", args=[self.plan_id])

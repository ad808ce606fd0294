"""Rollout plans: every change, with the acting person (``actor=None`` is the trusted command-line channel).

Who may (``ims.org.roles``: quality managers and compliance officers manage plans at their sites):
* plans, phases, tasks and criteria are added and changed with the add/change permission at the plan's site;
* the go-live gate is signed ("approved") by a quality manager of the site holding ``golive`` there; it is refused
  while a mandatory criterion fails unless a waiver of that criterion exists;
* a waiver is justified and signed ("approved") by a Global Admin.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ims.access.permissions import user_can, user_can_at_site
from ims.audit.context import audit_context
from ims.audit.context import current as current_audit_context
from ims.esign.choices import SignatureChannel, SignatureMeaning
from ims.esign.models import Signature
from ims.esign.services import signature_create_for_new_record
from ims.indicators.readiness import criteria_all, criterion_get
from ims.org.choices import RoleCode
from ims.org.models import Membership

from .choices import IMS_STEPS, PlanStatus, TaskStatus
from .models import GoLiveGate, Phase, PlanCriterion, RolloutPlan, Task, TaskDependency, Waiver
from .selectors import plan_readiness

TASK_FIELDS = ("title", "owner", "start_date", "due_date", "status", "evidence", "evidence_url", "phase")


def _reason(default: str):
    return audit_context(reason=current_audit_context().get("reason") or default)


def _require_site(actor, perm: str, site) -> None:
    if actor is not None and not user_can_at_site(actor, perm, site):
        raise PermissionDenied(_("You may not do this at site %(site)s.") % {"site": site.code})


def _require(actor, action: str, obj) -> None:
    if actor is not None and not user_can(actor, action, obj):
        thing = obj._meta.verbose_name
        raise PermissionDenied(_("You may not %(action)s this %(thing)s.") % {"action": action, "thing": thing})


def _lock(plan: RolloutPlan) -> RolloutPlan:
    return RolloutPlan._base_manager.select_for_update().get(pk=plan.pk)


def _holds_role(person, role: str, site=None) -> bool:
    if person is None or not getattr(person, "is_authenticated", False) or not person.is_active:
        return False
    memberships = Membership.objects.filter(person_id=person.pk, role__code=role).current()
    if site is not None:
        memberships = memberships.filter(site=site)
    return memberships.exists()


# --- plans ------------------------------------------------------------------------------------------------------


@transaction.atomic
def plan_create(
    *,
    actor,
    site,
    title: str,
    owner=None,
    start_date: datetime.date | None = None,
    target_go_live: datetime.date | None = None,
    default_phases: bool = True,
    default_criteria: bool = True,
) -> RolloutPlan:
    """A new plan for a site without an active one: the six IMS steps as phases and every registered criterion."""
    _require_site(actor, "implementation.add_rolloutplan", site)
    if RolloutPlan._base_manager.filter(site=site, is_active=True).exists():
        raise ValidationError({"site": _("Site %(site)s already has an active rollout plan.") % {"site": site.code}})
    plan = RolloutPlan(site=site, title=title, owner=owner, start_date=start_date, target_go_live=target_go_live)
    plan.full_clean()
    try:
        with transaction.atomic():
            plan.save()
    except IntegrityError:
        raise ValidationError({"site": _("Site %(site)s already has an active rollout plan.") % {"site": site.code}})
    if default_phases:
        Phase.objects.bulk_create(
            [Phase(plan=plan, name=str(name), step=step, position=step * 10) for step, name in IMS_STEPS.items()]
        )
    if default_criteria:
        PlanCriterion.objects.bulk_create(
            [PlanCriterion(plan=plan, key=c.key, step=c.step, threshold=c.threshold) for c in criteria_all()]
        )
    return plan


@transaction.atomic
def plan_update(*, actor, plan: RolloutPlan, data: dict) -> RolloutPlan:
    _require(actor, "change", plan)
    locked = _lock(plan)
    for name in ("title", "owner", "start_date", "target_go_live"):
        if name in data:
            setattr(locked, name, data[name])
    if "status" in data and data["status"] != locked.status:
        if data["status"] == PlanStatus.LIVE or locked.status == PlanStatus.LIVE:
            raise ValidationError({"status": _("A plan goes live only through its signed go-live gate.")})
        locked.status = data["status"]
    locked.full_clean()
    with _reason(_("Rollout plan changed")):
        locked.save()
    return locked


@transaction.atomic
def plan_retire(*, actor, plan: RolloutPlan) -> RolloutPlan:
    """A replaced plan is kept, inactive (its site may then start a new one); a live plan stays."""
    _require(actor, "delete", plan)
    locked = _lock(plan)
    if locked.status == PlanStatus.LIVE:
        raise ValidationError(_("A live site's plan is the record of its go-live; it is kept active."))
    locked.is_active = False
    with _reason(_("Rollout plan retired")):
        locked.save(update_fields=["is_active", "updated_at"])
    return locked


@transaction.atomic
def part_deactivate(*, actor, part: Phase | Task | PlanCriterion) -> Phase | Task | PlanCriterion:
    """A phase, task or criterion is kept, inactive (never deleted); a phase with active tasks stays."""
    _require(actor, "change", part.plan)
    _lock(part.plan)
    if isinstance(part, Phase) and part.tasks.filter(is_active=True).exists():
        raise ValidationError(_("Move or deactivate the phase's tasks first."))
    locked = type(part)._base_manager.select_for_update().get(pk=part.pk)
    locked.is_active = False
    with _reason(_("Deactivated")):
        locked.save(update_fields=["is_active", "updated_at"])
    return locked


# --- phases -----------------------------------------------------------------------------------------------------


@transaction.atomic
def phase_save(*, actor, plan: RolloutPlan, name: str, step: int | None = None, position: int | None = None,
               phase: Phase | None = None) -> Phase:  # fmt: skip
    """Add a phase (``phase=None``) or rename / renumber / reorder one."""
    _require(actor, "change", plan)
    _lock(plan)
    if phase is None:
        if position is None:
            last = plan.phases.order_by("-position").values_list("position", flat=True).first()
            position = (last or 0) + 10
        phase = Phase(plan=plan, name=name, step=step, position=position)
    else:
        if phase.plan_id != plan.pk:
            raise ValidationError(_("The phase belongs to another plan."))
        phase.name, phase.step = name, step
        if position is not None:
            phase.position = position
    phase.full_clean()
    with _reason(_("Phase saved")):
        phase.save()
    return phase


@transaction.atomic
def phases_reorder(*, actor, plan: RolloutPlan, order: list[int]) -> None:
    """Put the plan's active phases in the order of ``order`` (phase ids, each exactly once)."""
    _require(actor, "change", plan)
    _lock(plan)
    phases = {p.pk: p for p in plan.phases.filter(is_active=True)}
    if sorted(order) != sorted(phases):
        raise ValidationError(_("Name every active phase of the plan exactly once."))
    with _reason(_("Phases reordered")):
        for index, pk in enumerate(order, start=1):
            phase = phases[pk]
            if phase.position != index * 10:
                phase.position = index * 10
                phase.save(update_fields=["position", "updated_at"])


# --- tasks ------------------------------------------------------------------------------------------------------


def _check_dependencies(task: Task, depends_on: list[Task]) -> None:
    for other in depends_on:
        if other.plan_id != task.plan_id:
            raise ValidationError({"depends_on": _("“%(task)s” belongs to another plan.") % {"task": other}})
        if task.pk and other.pk == task.pk:
            raise ValidationError({"depends_on": _("A task cannot depend on itself.")})
    if task.pk is None:
        return
    # A cycle: the task would wait, through the chain, for itself.
    edges: dict[int, set[int]] = {}
    for src, dst in TaskDependency.objects.filter(task__plan_id=task.plan_id).values_list("task_id", "depends_on_id"):
        edges.setdefault(src, set()).add(dst)
    edges[task.pk] = {o.pk for o in depends_on}
    seen, stack = set(), list(edges[task.pk])
    while stack:
        current = stack.pop()
        if current == task.pk:
            raise ValidationError({"depends_on": _("These dependencies would make the task wait for itself.")})
        if current not in seen:
            seen.add(current)
            stack.extend(edges.get(current, ()))


@transaction.atomic
def task_save(*, actor, plan: RolloutPlan, data: dict, task: Task | None = None) -> Task:
    """Add (``task=None``) or change a task; ``data`` holds ``TASK_FIELDS`` and ``depends_on`` (tasks of the plan)."""
    _require(actor, "change", plan)
    _lock(plan)
    task = task or Task(plan=plan)
    if task.plan_id != plan.pk:
        raise ValidationError(_("The task belongs to another plan."))
    for name in TASK_FIELDS:
        if name in data:
            setattr(task, name, data[name])
    if task.phase_id and task.phase.plan_id != plan.pk:
        raise ValidationError({"phase": _("Choose a phase of this plan.")})
    depends_on = list(data["depends_on"]) if "depends_on" in data else None
    if depends_on is not None:
        _check_dependencies(task, depends_on)
    if task.status == TaskStatus.DONE:
        waiting = [d for d in (depends_on if depends_on is not None else task.depends_on.all())
                   if d.status not in (TaskStatus.DONE, TaskStatus.CANCELLED)]  # fmt: skip
        if waiting:
            raise ValidationError({"status": _("Still waiting for: %(tasks)s.") % {
                "tasks": ", ".join(str(t) for t in waiting)}})  # fmt: skip
        task.completed_on = task.completed_on or timezone.localdate()
    else:
        task.completed_on = None
    if task.due_date and task.start_date and task.due_date < task.start_date:
        raise ValidationError({"due_date": _("The due date cannot be before the start.")})
    task.full_clean()
    with _reason(_("Task saved")):
        task.save()
        if depends_on is not None:
            wanted = {d.pk for d in depends_on}
            current = set(task.dependency_links.values_list("depends_on_id", flat=True))
            TaskDependency._base_manager.filter(task=task, depends_on_id__in=current - wanted).delete()
            TaskDependency.objects.bulk_create(
                [TaskDependency(task=task, depends_on_id=pk) for pk in sorted(wanted - current)]
            )
    if plan.status == PlanStatus.PLANNED and task.status in (TaskStatus.IN_PROGRESS, TaskStatus.DONE):
        locked = _lock(plan)
        locked.status = PlanStatus.IN_PROGRESS
        with _reason(_("Rollout started: a task is under way")):
            locked.save(update_fields=["status", "updated_at"])
    return task


# --- criteria ---------------------------------------------------------------------------------------------------


@transaction.atomic
def criterion_add(*, actor, plan: RolloutPlan, key: str = "", description: str = "", step: int | None = None,
                  threshold: float | None = None, mandatory: bool = True) -> PlanCriterion:  # fmt: skip
    """A registered criterion (``key``) or a manual one (``description``, no key)."""
    _require(actor, "change", plan)
    _lock(plan)
    if key:
        registered = criterion_get(key)
        step = step or registered.step
        threshold = registered.threshold if threshold is None else threshold
        if plan.criteria.filter(key=key, is_active=True).exists():
            raise ValidationError({"key": _("The plan already has this criterion.")})
    elif not description.strip():
        raise ValidationError({"description": _("Describe the manual criterion.")})
    criterion = PlanCriterion(plan=plan, key=key, description=description.strip(), step=step, threshold=threshold,
                              mandatory=mandatory)  # fmt: skip
    criterion.full_clean()
    criterion.save()
    return criterion


@transaction.atomic
def criterion_update(*, actor, criterion: PlanCriterion, data: dict) -> PlanCriterion:
    """Change a criterion's threshold, mandatory flag, step or description; mark a manual one met (with evidence)."""
    _require(actor, "change", criterion.plan)
    _lock(criterion.plan)
    locked = PlanCriterion._base_manager.select_for_update().get(pk=criterion.pk)
    for name in ("description", "step", "threshold", "mandatory", "evidence"):
        if name in data:
            setattr(locked, name, data[name])
    if "met" in data and bool(data["met"]) != locked.met:
        if locked.key:
            raise ValidationError({"met": _("A registered criterion is computed from the data, not marked by hand.")})
        if data["met"] and not (locked.evidence or "").strip():
            raise ValidationError({"evidence": _("Say what shows that the criterion is met.")})
        locked.met = bool(data["met"])
        locked.met_by = actor if locked.met else None
        locked.met_at = timezone.now() if locked.met else None
    locked.full_clean()
    with _reason(_("Readiness criterion changed")):
        locked.save()
    return locked


# --- waiver and go-live gate ----------------------------------------------------------------------------------


def may_waive(actor) -> bool:
    return _holds_role(actor, RoleCode.GLOBAL_ADMIN)


def waiver_sign(*, actor, criterion: PlanCriterion, justification: str, password: str | None,
                username: str | None = None, reason: str = "", session=None,
                channel: str = SignatureChannel.WEB, ip: str | None = None) -> Signature:  # fmt: skip
    """A Global Admin waives a mandatory criterion for the go-live, with a justification, signed "approved"."""
    justification = (justification or "").strip()
    if not _holds_role(actor, RoleCode.GLOBAL_ADMIN):
        raise PermissionDenied(_("Only a Global Admin may waive a readiness criterion."))
    if not justification:
        raise ValidationError({"justification": _("Justify the waiver; it is part of the signed record.")})
    plan = criterion.plan
    if plan.status == PlanStatus.LIVE:
        raise ValidationError(_("The site is live already."))

    def create(now):
        _lock(plan)
        waiver = Waiver(plan=plan, criterion=criterion, justification=justification, signed_by=actor, signed_at=now)
        with _reason(reason or _("Waiver signed")):
            waiver.save()
        return waiver

    return signature_create_for_new_record(
        signer=actor, model=Waiver, create_record=create, meaning=SignatureMeaning.APPROVED, password=password,
        username=username, reason=reason or _("Waiver of a readiness criterion"), session=session, channel=channel,
        ip=ip,
    )  # fmt: skip


def may_sign_go_live(actor, plan: RolloutPlan) -> bool:
    """A quality manager of the plan's site who holds ``golive`` there."""
    return user_can(actor, "golive", plan) and _holds_role(actor, RoleCode.QUALITY_MANAGER, plan.site)


def go_live_blockers(plan: RolloutPlan) -> str | None:
    """Why the plan cannot go live now, whoever signs (``None`` when it can)."""
    if plan.status == PlanStatus.LIVE:
        return _("The site is live already.")
    blocking = plan_readiness(plan).blocking
    if blocking:
        return _("Mandatory criteria not met and not waived: %(list)s.") % {
            "list": "; ".join(f"{s.label} ({s.value.detail})" for s in blocking)
        }
    return None


def go_live_sign(*, actor, plan: RolloutPlan, password: str | None, username: str | None = None, reason: str = "",
                 session=None, channel: str = SignatureChannel.WEB, ip: str | None = None) -> Signature:  # fmt: skip
    """The site QM signs the go-live ("approved"); the readiness they saw is kept in the gate; the plan is live.

    Refused, with nothing signed, while a mandatory criterion fails and no waiver covers it."""
    if not may_sign_go_live(actor, plan):
        raise PermissionDenied(
            _("Only a quality manager of site %(site)s signs its go-live.") % {"site": plan.site.code}
        )
    if refusal := go_live_blockers(plan):
        raise ValidationError(refusal, code="not_ready")

    def create(now):
        locked = _lock(plan)
        readiness = plan_readiness(locked)
        if readiness.blocking or locked.status == PlanStatus.LIVE:
            raise ValidationError(_("The readiness changed while signing; nothing was signed."), code="not_ready")
        snapshot = [
            {"criterion": s.criterion.pk, "label": s.label, "value": s.value.value, "passed": s.value.passed,
             "detail": s.value.detail, "mandatory": s.criterion.mandatory, "waived": s.waived}
            for s in readiness.states
        ]  # fmt: skip
        gate = GoLiveGate(plan=locked, readiness=snapshot, signed_by=actor, signed_at=now)
        with _reason(reason or _("Go-live gate signed")):
            gate.save()
            locked.status = PlanStatus.LIVE
            locked.live_since = timezone.localdate(now)
            locked.save(update_fields=["status", "live_since", "updated_at"])
        return gate

    return signature_create_for_new_record(
        signer=actor, model=GoLiveGate, create_record=create, meaning=SignatureMeaning.APPROVED, password=password,
        username=username, reason=reason or _("Go-live of the site"), session=session, channel=channel, ip=ip,
    )  # fmt: skip

"""Reads of rollout plans: live readiness of plans (every criterion for every plan in a few queries), the plan list
figures and the heat map grid."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Min, Prefetch, Q, QuerySet
from django.utils import timezone

from ims.indicators.readiness import CriterionValue, criteria_all, criterion_get

from .choices import IMS_STEPS, PlanStatus, Readiness, TaskStatus
from .models import PlanCriterion, RolloutPlan, Task, Waiver

OPEN_TASKS = Q(status__in=[TaskStatus.OPEN, TaskStatus.IN_PROGRESS], is_active=True)


@dataclass
class CriterionState:
    """A plan criterion with its live value (computed, or the manual flag) and whether a waiver covers it."""

    criterion: PlanCriterion
    label: str
    step: int | None
    value: CriterionValue
    waived: bool = False

    @property
    def blocks_go_live(self) -> bool:
        return self.criterion.mandatory and not self.value.passed and not self.waived


@dataclass
class PlanReadiness:
    plan: RolloutPlan
    states: list[CriterionState] = field(default_factory=list)

    @property
    def percent(self) -> float | None:
        if not self.states:
            return None
        return round(100.0 * sum(1 for s in self.states if s.value.passed) / len(self.states), 1)

    @property
    def blocking(self) -> list[CriterionState]:
        return [s for s in self.states if s.blocks_go_live]


def _manual_value(criterion: PlanCriterion) -> CriterionValue:
    if criterion.met:
        who = criterion.met_by.display_name if criterion.met_by_id else ""
        when = timezone.localtime(criterion.met_at).date().isoformat() if criterion.met_at else ""
        return CriterionValue(1.0, True, f"Met — confirmed by {who} on {when}.".replace(" by  on", ""),
                              criterion.get_absolute_url())  # fmt: skip
    return CriterionValue(0.0, False, "Not confirmed as met yet.", criterion.get_absolute_url())


def plans_readiness(plans: list[RolloutPlan], *, on: datetime.date | None = None) -> dict[int, PlanReadiness]:
    """Readiness of every plan: its active criteria with live values, each registered criterion evaluated once for
    all the plans' sites (threshold groups evaluated apart). Plans must come with ``criteria`` prefetched
    (``with_criteria``)."""
    on = on or timezone.localdate()
    out = {plan.pk: PlanReadiness(plan=plan) for plan in plans}
    wanted: dict[tuple[str, float | None], set[int]] = defaultdict(set)
    for plan in plans:
        for criterion in plan.active_criteria:
            if criterion.key:
                wanted[(criterion.key, criterion.threshold)].add(plan.site_id)
    values: dict[tuple[str, float | None], dict[int, CriterionValue]] = {}
    for (key, threshold), site_ids in wanted.items():
        registered = criterion_get(key)
        limit = registered.threshold if threshold is None else threshold
        values[(key, threshold)] = registered.evaluate(site_ids=sorted(site_ids), on=on, threshold=limit)
    for plan in plans:
        waived = {w.criterion_id for w in plan.active_waivers}
        for criterion in plan.active_criteria:
            if criterion.key:
                registered = criterion_get(criterion.key)
                value = values[(criterion.key, criterion.threshold)].get(
                    plan.site_id, CriterionValue(None, False, "No value.")
                )
                label, step = registered.label, criterion.step or registered.step
            else:
                value, label, step = _manual_value(criterion), criterion.description, criterion.step
            out[plan.pk].states.append(
                CriterionState(criterion=criterion, label=label, step=step, value=value,
                               waived=criterion.pk in waived)
            )  # fmt: skip
    return out


def with_criteria(queryset: QuerySet) -> QuerySet:
    return queryset.select_related("site", "owner").prefetch_related(
        Prefetch(
            "criteria",
            queryset=PlanCriterion.objects.filter(is_active=True).select_related("met_by"),
            to_attr="active_criteria",
        ),
        Prefetch("waivers", queryset=Waiver.objects.all(), to_attr="active_waivers"),
    )


def plan_readiness(plan: RolloutPlan, *, on: datetime.date | None = None) -> PlanReadiness:
    fresh = with_criteria(RolloutPlan._base_manager.filter(pk=plan.pk)).get()
    return plans_readiness([fresh], on=on)[fresh.pk]


def next_tasks(plan_ids: list[int]) -> dict[int, Task]:
    """Per plan, its open task due first (one query)."""
    tasks = (
        Task.objects.filter(OPEN_TASKS, plan__in=plan_ids, due_date__isnull=False)
        .order_by("plan_id", "due_date", "pk")
        .distinct("plan_id")
    )
    return {task.plan_id: task for task in tasks}


@dataclass
class HeatCell:
    colour: str
    detail: str
    url: str


@dataclass
class HeatRow:
    plan: RolloutPlan
    cells: dict[int, HeatCell]


def heatmap_rows(*, user, on: datetime.date | None = None) -> list[HeatRow]:
    """Site × IMS step: green when every criterion of the step passes; amber when one fails while the step's tasks
    are on time; red when one fails and a task of the step is overdue (or the plan's go-live date has passed)."""
    on = on or timezone.localdate()
    plans = list(
        with_criteria(RolloutPlan.objects.restrict(user, "view").filter(is_active=True)).order_by("site__code")
    )
    readiness = plans_readiness(plans, on=on)
    overdue = set(
        Task.objects.filter(OPEN_TASKS, plan__in=[p.pk for p in plans], due_date__lt=on, phase__step__isnull=False)
        .values_list("plan_id", "phase__step")
        .distinct()
    )
    rows = []
    for plan in plans:
        cells = {}
        late_plan = plan.status != PlanStatus.LIVE and plan.target_go_live is not None and plan.target_go_live < on
        by_step: dict[int, list[CriterionState]] = defaultdict(list)
        for state in readiness[plan.pk].states:
            if state.step:
                by_step[state.step].append(state)
        for step in IMS_STEPS:
            states = by_step.get(step, [])
            failing = [s for s in states if not s.value.passed and not s.waived]
            if not states:
                cells[step] = HeatCell(Readiness.NONE, "No criterion for this step.", plan.get_absolute_url())
            elif not failing:
                cells[step] = HeatCell(Readiness.GREEN, "; ".join(s.label for s in states) + ": met.",
                                       plan.get_absolute_url())  # fmt: skip
            else:
                first = failing[0]
                late = late_plan or (plan.pk, step) in overdue
                colour = Readiness.RED if late else Readiness.AMBER
                url = first.criterion.get_absolute_url()  # the criterion on the plan: its value and its records
                cells[step] = HeatCell(colour, f"{first.label}: {first.value.detail}", url)
        rows.append(HeatRow(plan=plan, cells=cells))
    return rows


def timeline(plan: RolloutPlan) -> list[dict]:
    """The plan's phases with their tasks and date span, for the Gantt-like timeline."""
    phases = list(
        plan.phases.filter(is_active=True)
        .order_by("position", "pk")
        .prefetch_related(Prefetch("tasks", queryset=Task.objects.filter(is_active=True).order_by("due_date", "pk")))
        .annotate(first_due=Min("tasks__due_date"))
    )
    return [{"phase": phase, "tasks": list(phase.tasks.all())} for phase in phases]


def registered_criteria_choices() -> list[tuple[str, str]]:
    return [(c.key, f"Step {c.step} · {c.label}") for c in criteria_all()]

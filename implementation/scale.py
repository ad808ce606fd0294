"""Scale data of rollout plans (``manage.py seed_scale``, through ``ImplementationConfig.scale_seed``).

Per scale site (40 at the large size): one plan with the six default phases, every registered criterion, two
manual criteria and 30 tasks (five a phase, chained within the phase, a third done, some overdue), so the heat map
and the plan list evaluate every criterion for every site. Bulk inserts in one transaction; idempotent (a scale site
that has a plan is skipped).
"""

from __future__ import annotations

import datetime
import random
import time
from collections.abc import Callable

from django.db import transaction
from django.utils import timezone

from ims.audit.context import audit_context
from ims.audit.database import tables_analyze
from ims.indicators.readiness import criteria_all
from ims.org.models import Site

from .choices import IMS_STEPS, PlanStatus, TaskStatus
from .models import Phase, PlanCriterion, RolloutPlan, Task, TaskDependency

SITE_PREFIX = "SC"
TASKS_PER_PHASE = 5


def scale_rollout_seed(size_name: str, seed: int = 2026, log: Callable[[str], None] = print) -> str:
    sites = list(
        Site.objects.filter(code__regex=rf"^{SITE_PREFIX}[0-9]+$", rollout_plans__isnull=True).order_by("code")
    )
    if not sites:
        return "every scale site has a rollout plan (or there is none); nothing changed"
    rng = random.Random(seed * 17 + 5)
    today = timezone.localdate()
    started = time.monotonic()
    registered = criteria_all()
    with transaction.atomic(), audit_context(channel="command", actor_label="seed_scale", reason="Scale seed"):
        plans = RolloutPlan.objects.bulk_create(
            [
                RolloutPlan(
                    site=site,
                    title=f"IMS rollout {site.code}",
                    status=rng.choice(list(PlanStatus)[:2]),
                    start_date=today - datetime.timedelta(days=rng.randint(60, 300)),
                    target_go_live=today + datetime.timedelta(days=rng.randint(-20, 300)),
                )  # fmt: skip
                for site in sites
            ]
        )
        phases = Phase.objects.bulk_create(
            [
                Phase(plan=plan, name=str(name), step=step, position=step * 10)
                for plan in plans
                for step, name in IMS_STEPS.items()
            ]  # fmt: skip
        )
        PlanCriterion.objects.bulk_create(
            [PlanCriterion(plan=plan, key=c.key, step=c.step, threshold=c.threshold)
             for plan in plans for c in registered]
            + [PlanCriterion(plan=plan, description=text, step=step, met=rng.random() < 0.5)
               for plan in plans for text, step in (("Site kick-off held", 1), ("Emergency drill done", 5))]
        )  # fmt: skip
        tasks = []
        for phase in phases:
            plan = next(p for p in plans if p.pk == phase.plan_id)
            for index in range(TASKS_PER_PHASE):
                due = plan.start_date + datetime.timedelta(days=phase.step * 40 + index * 8)
                done = due < today and rng.random() < 0.7
                tasks.append(Task(plan=plan, phase=phase, title=f"{phase.name}: task {index + 1}",
                                  start_date=due - datetime.timedelta(days=7), due_date=due,
                                  status=TaskStatus.DONE if done else TaskStatus.OPEN,
                                  completed_on=due if done else None))  # fmt: skip
        tasks = Task.objects.bulk_create(tasks)
        TaskDependency.objects.bulk_create(
            [
                TaskDependency(task=later, depends_on=earlier)
                for earlier, later in zip(tasks, tasks[1:], strict=False)
                if earlier.phase_id == later.phase_id
            ]  # fmt: skip
        )
    tables_analyze("implementation_rolloutplan", "implementation_phase", "implementation_task",
                   "implementation_plancriterion", "implementation_taskdependency")  # fmt: skip
    log(f"  rollout plans: {len(plans)} sites")
    return f"{len(plans)} rollout plans with {len(tasks):,} tasks in {time.monotonic() - started:.1f} s"

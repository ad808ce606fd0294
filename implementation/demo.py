"""Demo rollout plans for ``manage.py seed_demo`` (idempotent: a site that has a plan is left alone).

- Basel (BSL): live — every task done; the mandatory criteria its data does not meet yet are waived by the Global
  Admin with a justification, and the Basel quality manager signed the go-live gate.
- Cork (CRK): mid-rollout — steps 1–3 done, training under way; its criteria are computed from the demo data (training
  compliance is far under 90 %, so step 4 is amber while its tasks are on time).
- Raleigh (RDU) and Singapore (SIN): planned, tasks dated ahead.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.utils import timezone

from ims.audit.context import audit_context
from ims.esign import services as esign_services
from ims.org.models import Person, Site

from . import services
from .choices import TaskStatus
from .models import RolloutPlan
from .selectors import plan_readiness

#: Per step: the demo tasks (title, days after the plan's start it is due, days it takes).
TASKS: dict[int, tuple[tuple[str, int, int], ...]] = {
    1: (("Distribute the IMS policy to every employee", 14, 14), ("Confirm site objectives and owners", 28, 14)),
    2: (("Map the site's core processes in BPMN", 60, 30), ("Run the gap assessment against 9001/14001/45001", 90, 30)),
    3: (("Write and approve the site annex of the IMS manual", 120, 30),),
    4: (("Assign IMS awareness training", 130, 10), ("Reach 90 % training compliance", 180, 50)),
    5: (("Switch the site's procedures to the integrated set", 200, 20), ("Collect first employee feedback", 220, 20)),
    6: (("First internal audit of the integrated system", 250, 30), ("Raise CAPAs for major findings", 265, 15)),
}
PLANS = (
    # site, start offset (days from today), target go-live offset, steps done (all tasks), owner username
    ("BSL", -400, -90, 6, "qm.basel"),
    ("CRK", -150, 120, 3, None),
    ("RDU", 30, 330, 0, None),
    ("SIN", 60, 365, 0, None),
)


def _certified(person: Person) -> None:
    if esign_services.certification_current(person) is None:
        esign_services.certification_create(
            person=person, password=settings.IMS_DEMO_PASSWORD, username=person.username, session=None
        )


def _plan(site: Site, start: datetime.date, go_live: datetime.date, done_steps: int, owner) -> RolloutPlan:
    plan = services.plan_create(
        actor=None, site=site, title=f"IMS rollout {site.name}", owner=owner, start_date=start, target_go_live=go_live
    )
    today = timezone.localdate()
    phases = {phase.step: phase for phase in plan.phases.all()}
    previous = None
    for step, tasks in TASKS.items():
        for title, due_in, takes in tasks:
            due = start + datetime.timedelta(days=due_in)
            status = TaskStatus.DONE if step <= done_steps else TaskStatus.OPEN
            if step == done_steps + 1 and done_steps and due - datetime.timedelta(days=takes) <= today:
                status = TaskStatus.IN_PROGRESS
            data = {"title": title, "phase": phases[step], "owner": owner, "status": status, "due_date": due,
                    "start_date": due - datetime.timedelta(days=takes),
                    "depends_on": [previous] if previous else []}  # fmt: skip
            if status == TaskStatus.DONE:
                data["evidence"] = "Recorded in the portal."
            previous = services.task_save(actor=None, plan=plan, data=data)
    return plan


def rollout_demo_seed() -> str:
    today = timezone.localdate()
    made = []
    with audit_context(reason="Demo rollout plans"):
        for code, start_in, live_in, done_steps, owner_name in PLANS:
            site = Site.objects.filter(code=code).first()
            if site is None or RolloutPlan._base_manager.filter(site=site).exists():
                continue
            owner = Person.objects.filter(username=owner_name).first() if owner_name else None
            start = today + datetime.timedelta(days=start_in)
            plan = _plan(site, start, today + datetime.timedelta(days=live_in), done_steps, owner)
            if code == "BSL":
                _go_live(plan)
            made.append(code)
    return f"rollout plans: {', '.join(made) or 'none new'}"


def _go_live(plan: RolloutPlan) -> None:
    admin = Person.objects.filter(username="admin.global").first()
    qm = Person.objects.filter(username="qm.basel").first()
    if admin is None or qm is None:
        return
    _certified(admin)
    _certified(qm)
    for state in plan_readiness(plan).blocking:
        services.waiver_sign(
            actor=admin,
            criterion=state.criterion,
            justification=f"Go-live approved with a recovery plan: {state.value.detail} To be met within 90 days, "
            "tracked in the management review.",
            password=settings.IMS_DEMO_PASSWORD,
            username=admin.username,
            reason="Waiver for the Basel go-live",
        )
    services.go_live_sign(actor=qm, plan=plan, password=settings.IMS_DEMO_PASSWORD, username=qm.username,
                          reason="Basel is ready to run the IMS")  # fmt: skip

"""Demo objectives of Helvetia Biologics: a company → site → function cascade with readings.

``objectives_demo_seed()`` runs from ``manage.py seed_demo`` after the demo organisation exists.
It goes through the services (as the trusted command line) and is idempotent: an objective is
found again by its title and site, a reading by its objective and period.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction

from ims.org.models import Function, Person, Site

from . import services
from .choices import Direction, Discipline, ObjectiveStatus
from .models import Objective, ObjectiveReading

START, DUE = datetime.date(2026, 1, 1), datetime.date(2026, 12, 31)
PERIODS = (
    datetime.date(2026, 3, 31),
    datetime.date(2026, 6, 30),
    datetime.date(2026, 9, 30),
    datetime.date(2026, 10, 31),
)


@dataclass(frozen=True)
class DemoObjective:
    title: str
    kpi: str
    unit: str
    direction: str
    target: str | tuple[str, str]
    owner: str  # employee id
    discipline: str = Discipline.QUALITY
    site: str = ""
    function: str = ""
    readings: tuple[str, ...] = ()
    status: str = ObjectiveStatus.ACTIVE
    baseline: str | None = None
    children: tuple[DemoObjective, ...] = field(default_factory=tuple)


Q, E, S = Discipline.QUALITY, Discipline.ENVIRONMENT, Discipline.OHS
HIGHER, LOWER, RANGE = Direction.HIGHER, Direction.LOWER, Direction.RANGE

OBJECTIVES: tuple[DemoObjective, ...] = (
    DemoObjective(
        "Right-first-time batch release ≥ 98 %",
        "Batches released without a deviation or rework",
        "%",
        HIGHER,
        "98",
        "HB-1001",
        Q,
        readings=("96.8", "97.5", "97.9", "98.1"),
        baseline="96.5",
        children=(
            DemoObjective(
                "Basel: right-first-time batch release ≥ 98 %",
                "Basel batches released right first time",
                "%",
                HIGHER,
                "98",
                "HB-1002",
                Q,
                site="BSL",
                readings=("97.9", "98.4", "98.6", "98.8"),
                children=(
                    DemoObjective(
                        "Basel Production: batch record errors ≤ 2 per month",
                        "Batch record errors per month",
                        "per month",
                        LOWER,
                        "2",
                        "HB-1005",
                        Q,
                        site="BSL",
                        function="PROD",
                        readings=("4", "3", "2.5", "2.2"),
                        baseline="5",
                    ),
                ),
            ),
            DemoObjective(
                "Cork: right-first-time batch release ≥ 98 %",
                "Cork batches released right first time",
                "%",
                HIGHER,
                "98",
                "HB-2001",
                Q,
                site="CRK",
                readings=("95.2", "96.0", "96.4", "96.9"),
            ),
            DemoObjective(
                "Raleigh: deviations closed within 30 days ≥ 90 %",
                "Deviations closed within 30 days",
                "%",
                HIGHER,
                "90",
                "HB-3001",
                Q,
                site="RDU",
                status=ObjectiveStatus.DRAFT,
            ),
        ),
    ),
    DemoObjective(
        "Lost-time injury rate ≤ 0.5",
        "Lost-time injuries per 200,000 hours worked",
        "per 200,000 h",
        LOWER,
        "0.5",
        "HB-1001",
        S,
        readings=("0.8", "0.7", "0.6", "0.55"),
        baseline="0.9",
        children=(
            DemoObjective(
                "Cork: lost-time injury rate ≤ 0.4",
                "Cork lost-time injuries per 200,000 hours",
                "per 200,000 h",
                LOWER,
                "0.4",
                "HB-2004",
                S,
                site="CRK",
                readings=("0.9", "0.8", "0.7", "0.75"),
                children=(
                    DemoObjective(
                        "Cork EHS: safety walk-throughs completed ≥ 95 %",
                        "Planned safety walk-throughs done",
                        "%",
                        HIGHER,
                        "95",
                        "HB-2007",
                        S,
                        site="CRK",
                        function="EHS",
                        readings=("88", "92", "96", "97"),
                    ),
                ),
            ),
        ),
    ),
    DemoObjective(
        "Scope 1+2 CO2e −10 % vs 2025",
        "Scope 1 and 2 emissions against 2025",
        "% vs 2025",
        LOWER,
        "-10",
        "HB-1001",
        E,
        readings=("-2.5", "-4.8", "-6.9", "-8.1"),
        baseline="0",
        children=(
            DemoObjective(
                "Basel: steam and electricity CO2e −12 % vs 2025",
                "Basel scope 1+2 emissions against 2025",
                "% vs 2025",
                LOWER,
                "-12",
                "HB-1014",
                E,
                site="BSL",
                readings=("-5", "-8", "-11", "-12.4"),
            ),
        ),
    ),
    DemoObjective(
        "Singapore: finished goods 20–30 days of cover",
        "Finished-goods inventory in days of cover",
        "days",
        RANGE,
        ("20", "30"),
        "HB-4003",
        Q,
        site="SIN",
        readings=("34", "31", "28", "26"),
    ),
)


def _targets(spec: DemoObjective) -> dict:
    if spec.direction == RANGE:
        low, high = spec.target
        return {"target_min": Decimal(low), "target_max": Decimal(high)}
    return {"target": Decimal(spec.target)}


def _seed(spec: DemoObjective, parent: Objective | None, counts: dict[str, int]) -> None:
    site = Site.objects.get(code=spec.site) if spec.site else None
    function = Function.objects.get(code=spec.function) if spec.function else None
    owner = Person.objects.get(employee_id=spec.owner)
    objective = Objective.objects.filter(title=spec.title, site=site).first()
    if objective is None:
        objective = services.objective_create(
            actor=None,
            title=spec.title,
            kpi=spec.kpi,
            unit=spec.unit,
            direction=spec.direction,
            owner=owner,
            site=site,
            function=function,
            parent=parent,
            discipline=spec.discipline,
            start_date=START,
            due_date=DUE,
            baseline=Decimal(spec.baseline) if spec.baseline is not None else None,
            status=spec.status,
            **_targets(spec),
        )
        counts["objectives"] += 1
    for period, value in zip(PERIODS, spec.readings, strict=False):
        if not ObjectiveReading.objects.filter(objective=objective, period_end=period, is_void=False).exists():
            services.reading_record(
                actor=None, objective=objective, period_end=period, value=Decimal(value), recorded_by=owner
            )
            counts["readings"] += 1
    for child in spec.children:
        _seed(child, objective, counts)


@transaction.atomic
def objectives_demo_seed() -> str:
    """Create the demo objectives and readings (idempotent); returns a one-line summary."""
    counts = {"objectives": 0, "readings": 0}
    for spec in OBJECTIVES:
        _seed(spec, None, counts)
    return f"objectives {counts['objectives']} created, readings {counts['readings']} created"


# --- Acknowledgements of the demo IMS policy ---------------------------------------------------------------------

DEMO_READERS = ("compliance.basel", "owner.basel", "head.basel", "auditor.basel", "trainer.basel")
DEMO_OPENED = 4  # people at Cork who opened the policy but have not signed yet


def acknowledgements_demo_seed() -> str:
    """Some demo logins read and acknowledge the IMS policy with their e-signature (idempotent)."""
    from django.conf import settings

    from ims.esign import services as esign_services
    from ims.org.models import Person

    from . import distribution
    from .models import Acknowledgement, AcknowledgementStatus

    signed = 0
    for username in DEMO_READERS:
        person = Person.objects.filter(username=username).first()
        task = (
            Acknowledgement._base_manager.filter(person=person, status=AcknowledgementStatus.OPEN)
            .select_related("version__document")
            .first()
            if person
            else None
        )
        if task is None:
            continue
        if esign_services.certification_current(person) is None:
            esign_services.certification_create(
                person=person, password=settings.IMS_DEMO_PASSWORD, username=person.username, session=None
            )
        distribution.acknowledgement_open(actor=person, acknowledgement=task)
        distribution.acknowledgement_sign(
            actor=person, acknowledgement=task, password=settings.IMS_DEMO_PASSWORD, username=person.username
        )
        signed += 1
    opened = 0
    for task in (
        Acknowledgement._base_manager.filter(
            status=AcknowledgementStatus.OPEN, site__code="CRK", opened_at__isnull=True
        )
        .exclude(person__username="employee.cork")
        .select_related("person")
        .order_by("pk")[:DEMO_OPENED]
    ):
        distribution.acknowledgement_open(actor=task.person, acknowledgement=task)
        opened += 1
    return f"acknowledgements {signed} signed, {opened} opened"


#: Who does what for the IMS policy (the RACI matrix of the demo).
DEMO_RACI = {
    "global_admin": "A",
    "quality_manager": "R",
    "compliance_officer": "C",
    "department_head": "R",
    "process_owner": "C",
    "internal_auditor": "I",
    "trainer": "I",
    "employee": "I",
}


def responsibilities_demo_seed() -> str:
    """The RACI of the IMS policy, once (a matrix people have edited is left as it is)."""
    from ims.documents.models import ControlledDocument
    from ims.org.models import Role

    from .models import Responsibility
    from .services import CellChange, responsibilities_save

    document = ControlledDocument.objects.filter(number="POL-IMS-001").first()
    if document is None or Responsibility.objects.filter(document=document).exists():
        return "responsibilities unchanged"
    roles = {role.code: role for role in Role.objects.filter(code__in=DEMO_RACI)}
    changes = [CellChange(document.pk, roles[code].pk, value) for code, value in DEMO_RACI.items() if code in roles]
    written = responsibilities_save(actor=None, changes=changes, reason="Demo: responsibilities for the IMS policy")
    return f"responsibilities {len(written)} set"

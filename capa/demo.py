"""Demo CAPAs for ``manage.py seed_demo``: five CAPAs at Basel, one in each stage of the workflow (open,
investigation, implementation, effectiveness check, closed with both signatures).

Idempotent: nothing changes once the demo CAPAs exist. Everything goes through the services (signatures with the
demo password). If the audits demo has findings at Basel, one CAPA is raised from a finding through the action
registry (looked up at runtime: capa imports no audits code); otherwise it comes from employee feedback.
"""

from __future__ import annotations

import datetime

from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ims.actions.registry import action_raise
from ims.audit.context import audit_context
from ims.esign import services as esign_services
from ims.org.models import Person, Site

from . import services
from .choices import ActionKind, CapaSource, CapaState, CheckCriterion
from .models import Capa

OPEN_TITLE = "Cold room 2: temperature excursion during the weekend"


def _certified(person) -> None:
    if esign_services.certification_current(person) is None:
        esign_services.certification_create(
            person=person, password=settings.IMS_DEMO_PASSWORD, username=person.username, session=None
        )


def _sign(service, capa, qm, reason: str) -> None:
    service(actor=qm, capa=capa, password=settings.IMS_DEMO_PASSWORD, username=qm.username, reason=reason,
            session=None)  # fmt: skip


def _clause():
    from processes.models import Clause

    return (
        Clause.objects.filter(standard__code__startswith="ISO 9001", number__in=["8.5.1", "8.7", "10.2"])
        .order_by("number")
        .first()
    )


def _finding(basel):
    """A finding at Basel not linked to a CAPA yet (``None`` without the audits app or its demo)."""
    try:
        finding_model = apps.get_model("audits", "Finding")
    except LookupError:
        return None
    from django.contrib.contenttypes.models import ContentType

    linked = Capa._base_manager.filter(source_type=ContentType.objects.get_for_model(finding_model)).values_list(
        "source_id", flat=True
    )
    return (
        finding_model._base_manager.filter(site=basel)
        .exclude(pk__in=[int(pk) for pk in linked if pk.isdigit()])
        .order_by("pk")
        .first()
    )


#: Each demo CAPA's own investigation: the 5 Whys, the fishbone, the root cause and the planned actions
#: (kind, what, owner "owner" or "head", due in days).
STORIES: dict[str, dict] = {
    "vials": {
        "whys": [
            "Caps of lot 24-117 leak",
            "The crimping force was low",
            "The crimper head was worn",
            "Wear is not measured",
            "The maintenance plan has no check of the crimper head",
        ],
        "fishbone": {
            "machine": ["Worn crimper head"],
            "method": ["No crimping-force check at line start"],
            "material": ["New cap supplier since March"],
        },
        "root_cause": "The maintenance plan has no check of the crimper head's wear.",
        "actions": [],
    },
    "finding": {
        "whys": [
            "Two near misses were not investigated within 10 days",
            "The EHS coordinator was on leave",
            "Nobody stood in",
            "The SOP names one person only",
            "Deputies were never defined for EHS roles",
        ],
        "fishbone": {"man": ["No deputy for the EHS coordinator"], "method": ["SOP names one investigator"]},
        "root_cause": "The incident SOP names one investigator and no deputy.",
        "actions": [
            (ActionKind.CORRECTION, "Investigate the two open near misses", "head", 7),
            (ActionKind.CORRECTIVE, "Name a deputy investigator in the incident SOP", "owner", 30),
            (ActionKind.PREVENTIVE, "Review every EHS role for a named deputy", "owner", 60),
        ],
    },
    "monitoring": {
        "whys": [
            "EM excursions were not trended",
            "The monthly trend report was not produced",
            "The report was built by hand",
            "Its author left in January",
            "No procedure says who trends EM data",
        ],
        "fishbone": {
            "man": ["Author left, no handover"],
            "method": ["No SOP for EM trending"],
            "measurement": ["Alert limits not reviewed since 2023"],
        },
        "root_cause": "No procedure assigns the monthly trending of environmental-monitoring data.",
        "actions": [
            (ActionKind.CORRECTION, "Trend the last twelve months of EM data", "head", 7),
            (ActionKind.CORRECTIVE, "Write the EM trending SOP with a named owner", "owner", 30),
            (ActionKind.PREVENTIVE, "Add EM trends to the monthly quality review", "owner", 60),
        ],
    },
    "review": {
        "whys": [
            "Environmental objectives were missing from the review",
            "The review template predates ISO 14001",
            "The EHS team did not know the template",
            "The template was never part of their training",
            "Management-review training covers quality only",
        ],
        "fishbone": {"man": ["EHS team not trained on the review"], "method": ["Template lists quality inputs only"]},
        "root_cause": "Management-review training and template cover quality inputs only.",
        "actions": [
            (ActionKind.CORRECTION, "Add the environmental objectives to this year's review", "head", 7),
            (ActionKind.CORRECTIVE, "Extend the review template to ISO 14001 and 45001 inputs", "owner", 30),
            (ActionKind.PREVENTIVE, "Train the EHS team on the management review", "owner", 60),
        ],
    },
}


def _actions(capa, qm, people, today, story: str) -> None:
    owner, head = people
    for kind, title, who, days in STORIES[story]["actions"]:
        services.capa_action_add(
            actor=qm, capa=capa, kind=kind, title=title, owner=owner if who == "owner" else head,
            due_date=today + datetime.timedelta(days=days),
        )  # fmt: skip


def _investigate(capa, owner, story: str, *, category: str = "procedure"):
    capa = services.capa_investigate(actor=owner, capa=capa)
    told = STORIES[story]
    return services.capa_rca_record(
        actor=owner, capa=capa, whys=told["whys"], fishbone=told["fishbone"], root_cause=told["root_cause"],
        root_cause_category=category,
    )  # fmt: skip


def _implemented(capa, qm, owner, head, today, story: str):
    _actions(capa, qm, (owner, head), today, story)
    _sign(services.capa_plan_approve, capa, qm, "Root cause and plan adequate")
    capa = services.capa_implement(actor=owner, capa=capa)
    for action in capa.actions.order_by("pk"):
        services.capa_action_complete(
            actor=action.owner, action=action, evidence_note=f"Done on {today:%Y-%m-%d}; record in the logbook."
        )
    return capa


@transaction.atomic
def capa_demo_seed() -> str:
    basel = Site.objects.filter(code="BSL").first()
    if basel is None:
        return "no Basel site"
    if Capa._base_manager.filter(site=basel, title=OPEN_TITLE).exists():
        return "CAPAs unchanged"
    people = {p.username: p for p in Person.objects.filter(username__in=["qm.basel", "owner.basel", "head.basel"])}
    if len(people) < 3:
        return "demo people missing"
    qm, owner, head = people["qm.basel"], people["owner.basel"], people["head.basel"]
    _certified(qm)
    today = timezone.localdate()
    clause = _clause()
    with audit_context(reason="Demo data"):
        base = {"actor": qm, "site": basel, "owner": owner}
        services.capa_create(
            **base, title=OPEN_TITLE, source=CapaSource.DEVIATION, severity=4, occurrence=2,
            impact_quality="Product stored above 8 °C for up to 6 hours.", containment="Batches on hold.",
        )  # fmt: skip
        complaint = services.capa_create(
            **base, title="Customer complaint: leaking vial caps (lot 24-117)", source=CapaSource.COMPLAINT,
            severity=3, occurrence=3, impact_quality="Sterility assurance of the lot in doubt.",
            impact_safety="Possible contamination of the product.",
        )  # fmt: skip
        _investigate(complaint, owner, "vials")

        finding = _finding(basel)
        if finding is not None:
            ref = action_raise(
                "capa", actor=qm, source=finding, title=f"Audit finding {getattr(finding, 'reference', finding.pk)}",
                description=getattr(finding, "description", "") or "", owner=owner,
                due_date=today + datetime.timedelta(days=90), site=basel,
            )  # fmt: skip
            linked = Capa._base_manager.get(reference=ref.reference)
        else:
            linked = services.capa_create(
                **base, title="Employee feedback: line clearance checklist is ambiguous", source=CapaSource.FEEDBACK,
                clause=clause, severity=2, occurrence=4,
            )  # fmt: skip
        _implemented(_investigate(linked, owner, "finding"), qm, owner, head, today, "finding")

        checked = services.capa_create(
            **base, title="FDA 483 observation 2: environmental monitoring trend not reviewed",
            source=CapaSource.INSPECTION_FDA_483, source_label="FDA 483 (2026), observation 2", clause=clause,
            severity=5, occurrence=2, impact_quality="EM excursions not trended.",
        )  # fmt: skip
        checked = _implemented(_investigate(checked, owner, "monitoring"), qm, owner, head, today, "monitoring")
        if checked.clause_id or checked.process_id:
            services.capa_effectiveness_plan(
                actor=qm, capa=checked, criterion=CheckCriterion.NO_RECURRENCE, months=6, window_start=today
            )

        closed = services.capa_create(
            **base, title="Gap: management review inputs incomplete", source=CapaSource.GAP_RESULT, clause=clause,
            severity=2, occurrence=2, impact_environment="Environmental objectives missing from the review.",
        )  # fmt: skip
        closed = _implemented(
            _investigate(closed, owner, "review", category="training"), qm, owner, head, today, "review"
        )
        if closed.clause_id:
            start = today - datetime.timedelta(days=200)
            check = services.capa_effectiveness_plan(
                actor=qm, capa=closed, criterion=CheckCriterion.NO_RECURRENCE, months=3, window_start=start
            )
            services.check_evaluate(check=check)
            closed.refresh_from_db()
            if closed.state == CapaState.EFFECTIVENESS_CHECK:
                _sign(services.capa_close, closed, qm, "Effective: no recurrence in three months")
    states = sorted(Capa._base_manager.filter(site=basel).values_list("state", flat=True))
    return f"{len(states)} CAPAs at Basel ({', '.join(states)})"

"""Demo feedback for ``manage.py seed_demo``: 15 reports across the demo sites over the last months, some anonymous,
some triaged to an improvement action, one to a CAPA, some rejected, some still open. Idempotent: a database that
holds feedback already is left as it is."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from ims.audit.context import audit_context
from ims.org.choices import RoleCode
from ims.org.models import Membership, Site

from . import services
from .models import FeedbackItem

#: site, kind, anonymous?, days ago, location, description, (decision, outcome, days to response) or None
REPORTS = (
    ("BSL", "near_miss", True, 150, "Building 2, cold room", "A pallet jack rolled on the ramp; nobody was hurt.",
     ("accept", "A wheel stop is fitted at the ramp.", 3)),
    ("BSL", "suggestion", False, 130, "QC lab", "Colour-code the sample racks per product to avoid mix-ups.",
     ("accept", "Colour codes introduced with the next rack order.", 6)),
    ("BSL", "unsafe_condition", True, 110, "Utility corridor", "Cable across the walkway to the compressor room.",
     ("accept", "Cable re-routed into a floor duct.", 1)),
    ("BSL", "concern", False, 90, "Filling line 1", "Line clearance checklist differs from the SOP revision.",
     ("capa", "A CAPA investigates why the checklist was not revised.", 2)),
    ("BSL", "suggestion", True, 60, "Canteen", "Offer the safety briefing in German and English.",
     ("reject", "The briefing is bilingual since March; see the notice board.", 9)),
    ("BSL", "near_miss", False, 20, "Warehouse", "Forklift reversed without a banksman at gate 4.", None),
    ("BSL", "concern", True, 3, "Changing rooms", "Gowning mirrors are missing in the new changing room.", None),
    ("CRK", "unsafe_condition", True, 140, "Vial washer", "Guard interlock can be bypassed with a screwdriver.",
     ("accept", "Interlock replaced with a coded switch.", 2)),
    ("CRK", "suggestion", False, 100, "Visual inspection", "Rotate inspectors every 30 minutes to keep focus.",
     ("accept", "Rotation trialled on line 2.", 12)),
    ("CRK", "concern", True, 75, "Night shift", "Training records are signed before the session ends.",
     ("reject", "Checked: the sign-off screen opens only after attendance; raised at the shift briefing.", 5)),
    ("CRK", "near_miss", False, 40, "Chemical store", "Acid and caustic drums stored side by side.",
     ("accept", "Segregated bunds installed.", 4)),
    ("CRK", "suggestion", True, 10, "Car park", "Light the footpath to the staff entrance.", None),
    ("RDU", "suggestion", False, 80, "Analytical lab", "Share one LIMS template across the HPLC methods.",
     ("accept", "Template harmonisation added to the LIMS roadmap.", 15)),
    ("RDU", "concern", True, 30, "Stability chambers", "Alarm calls go to a phone nobody answers on weekends.", None),
    ("SIN", "unsafe_condition", False, 15, "Dispatch dock", "Dock leveller lip does not lock.", None),
)  # fmt: skip


def _person(site, role: str):
    membership = (
        Membership._base_manager.filter(site=site, role__code=role, person__is_active=True)
        .select_related("person")
        .order_by("person__employee_id")
        .first()
    )
    return membership.person if membership else None


@transaction.atomic
def seed() -> str:
    if FeedbackItem._base_manager.exists():
        return "feedback: kept"
    sites = {s.code: s for s in Site._base_manager.filter(code__in={r[0] for r in REPORTS})}
    now = timezone.now()
    made = decided = 0
    for code, kind, anonymous, days_ago, location, description, triage in REPORTS:
        site = sites.get(code)
        if site is None:
            continue
        reporter = None if anonymous else (_person(site, RoleCode.EMPLOYEE) or _person(site, RoleCode.QUALITY_MANAGER))
        with override_settings(FEEDBACK_ANONYMOUS_LIMIT=10**6):
            item = services.feedback_submit(
                actor=reporter, site=site, kind=kind, description=description, location=location,
                anonymous=reporter is None,
            )  # fmt: skip
        made += 1
        submitted = now - datetime.timedelta(days=days_ago)
        triaged_at = None
        manager = _person(site, RoleCode.QUALITY_MANAGER)
        if triage is not None and manager is not None:
            decision, outcome, days = triage
            with audit_context(reason="Demo feedback triaged"):
                services.feedback_triage(
                    actor=manager, item=item, decision=decision, outcome=outcome, owner=manager,
                    due_date=(submitted + datetime.timedelta(days=days + 30)).date(),
                )  # fmt: skip
            triaged_at = submitted + datetime.timedelta(days=days)
            decided += 1
        with audit_context(reason="Demo data: reports spread over the past months"):
            FeedbackItem._base_manager.filter(pk=item.pk).update(submitted_at=submitted, triaged_at=triaged_at)
    return f"feedback: {made} reports, {decided} triaged"

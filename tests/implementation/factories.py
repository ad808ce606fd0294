"""Rollout plans for tests, made through the services."""

from __future__ import annotations

import datetime

from implementation import services
from implementation.models import RolloutPlan
from ims.esign import services as esign_services


def plan_for(site, *, criteria: bool = False, title: str | None = None) -> RolloutPlan:
    """A plan with the six default phases; the registered criteria only when asked (they read much data)."""
    return services.plan_create(
        actor=None,
        site=site,
        title=title or f"IMS rollout {site.code}",
        start_date=datetime.date(2026, 1, 5),
        target_go_live=datetime.date(2027, 6, 30),
        default_criteria=criteria,
    )


def certify(org, *people) -> None:
    for person in people:
        esign_services.certification_create(person=person, password=org.password, username=person.username, session={})

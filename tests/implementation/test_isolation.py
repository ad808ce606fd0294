"""The generic isolation kit for rollout plans: a site-B person sees none of site A's plan (404), lists and exports
hold their own sites' plans only, an Employee changes nothing."""

from __future__ import annotations

from implementation.models import RolloutPlan
from ims.testing.kit import ScopedModelCase, SiteIsolationTests

from .factories import plan_for


class TestRolloutPlanIsolation(SiteIsolationTests):
    case = ScopedModelCase(
        model=RolloutPlan,
        create=lambda site: plan_for(site),
        more=lambda site: _replaced(site),
        list_url="implementation:plan_list",
        detail_url="implementation:plan_detail",
        api="implementation-plan",
        edit_url="implementation:plan_edit",
        edit_data=lambda plan: {"title": "Changed title", "status": "planned"},
        api_change=lambda plan: {"title": "Changed title"},
        api_create=lambda site: {"site": site.pk, "title": "Second rollout"},
    )


def _replaced(site) -> RolloutPlan:
    """Another visible plan at ``site``: the active one is retired first (one active plan per site)."""
    from implementation import services

    current = RolloutPlan._base_manager.filter(site=site, is_active=True).first()
    if current is not None:
        services.plan_retire(actor=None, plan=current)
    return plan_for(site)

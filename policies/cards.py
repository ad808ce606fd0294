"""Dashboard cards of policies: the person's own read-and-acknowledge tasks, and coverage for those who follow it."""

from __future__ import annotations

from ims.access.permissions import user_can_any_site
from ims.web.cards import dashboard_card

from . import coverage


@dashboard_card(order=10)
def my_tasks_card(user) -> dict | None:
    """Everyone with open tasks sees them first (1 query)."""
    tasks = list(coverage.my_tasks(person=user)[:50])
    if not tasks:
        return None
    return {
        "template": "policies/cards/my_tasks.html",
        "tasks": tasks[:4],
        "count": len(tasks),
        "overdue": sum(1 for t in tasks if t.is_overdue),
    }


@dashboard_card(order=20)
def coverage_card(user) -> dict | None:
    """Quality managers, compliance officers, inspectors: % acknowledged over their sites (2 queries)."""
    if not user_can_any_site(user, "policies.view_acknowledgement"):
        return None
    totals = coverage.coverage_totals(coverage.coverage_tasks(user=user))
    if not totals["total"]:
        return None
    return {"template": "policies/cards/coverage.html", "totals": totals}

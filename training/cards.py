"""Dashboard cards of training: the person's own open training, and compliance for those who follow it."""

from __future__ import annotations

from ims.access.permissions import user_can_any_site
from ims.web.cards import dashboard_card

from . import matrix


@dashboard_card(order=15)
def my_training_card(user) -> dict | None:
    """Everyone with open training sees it (1 query)."""
    assignments = list(matrix.my_open_assignments(person=user)[:50])
    if not assignments:
        return None
    return {
        "template": "training/cards/my_training.html",
        "assignments": assignments[:4],
        "count": len(assignments),
        "overdue": sum(1 for a in assignments if a.is_overdue),
    }


@dashboard_card(order=25)
def compliance_card(user) -> dict | None:
    """People who may view training at some site: % of required trainings current over their sites, from the
    stored figures (recomputed every minute; never a live scan over every site: the compliance page is exact)."""
    if not user_can_any_site(user, matrix.VIEW_PERMISSION):
        return None
    totals, as_of = matrix.compliance_totals_latest(site_ids=matrix.compliance_site_ids(user=user))
    if not totals or not totals.get("required"):
        return None
    return {"template": "training/cards/compliance.html", "totals": totals, "as_of": as_of}

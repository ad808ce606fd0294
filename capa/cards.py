"""Dashboard card of CAPA: the person's own open CAPA actions (1 query)."""

from __future__ import annotations

from django.utils import timezone

from ims.web.cards import dashboard_card

from .choices import ActionStatus, CapaState
from .models import CapaAction


@dashboard_card(order=18)
def my_capa_actions_card(user) -> dict | None:
    if not getattr(user, "pk", None):
        return None
    actions = list(
        CapaAction._base_manager.filter(owner=user, status=ActionStatus.OPEN)
        .exclude(capa__state=CapaState.CLOSED)
        .select_related("capa")
        .order_by("due_date", "pk")[:50]
    )
    if not actions:
        return None
    today = timezone.localdate()
    return {
        "template": "capa/cards/my_actions.html",
        "actions": actions[:4],
        "count": len(actions),
        "overdue": sum(1 for a in actions if a.due_date < today),
        "today": today,
    }

"""The document-control card of the dashboard: periodic reviews overdue in the user's sites."""

from __future__ import annotations

from django.utils import timezone

from ims.web.cards import dashboard_card

from .models import ControlledDocument


@dashboard_card(order=30)
def overdue_reviews_card(user) -> dict | None:
    """Shown to people who may record periodic reviews somewhere; lists the five most overdue (2 queries)."""
    from ims.access.permissions import user_can_any_site

    if not user_can_any_site(user, "documents.review_controlleddocument"):
        return None
    overdue = ControlledDocument.objects.restrict(user, "view").review_overdue().select_related("owner")
    documents = list(overdue.order_by("review_due", "number")[:5])
    return {
        "template": "documents/cards/overdue_reviews.html",
        "count": overdue.count() if len(documents) == 5 else len(documents),
        "documents": documents,
        "today": timezone.localdate(),
    }

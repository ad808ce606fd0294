"""Dashboard card of audits: the person's own audits to run (as lead or co-auditor), for their tasks."""

from __future__ import annotations

from ims.web.cards import dashboard_card

from . import selectors


@dashboard_card(order=18)
def my_audits_card(user) -> dict | None:
    """Auditors see their planned and running audits (1 query)."""
    audits = list(selectors.my_open_audits(person=user)[:20])
    if not audits:
        return None
    return {"template": "audits/cards/my_audits.html", "audits": audits[:5], "count": len(audits)}

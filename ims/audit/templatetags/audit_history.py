"""``{% record_history object %}``: the history card of a regulated record's page."""

from __future__ import annotations

from django import template

from ..selectors import record_history

register = template.Library()


@register.inclusion_tag("audit/includes/history.html", takes_context=True, name="record_history")
def record_history_card(context, obj):
    """The newest events of ``obj`` (and of its related rows) for viewers who may read the trail."""
    request = context.get("request")
    return {
        "history": record_history(obj=obj, user=getattr(request, "user", None)),
        "object_table": obj._meta.db_table,
    }

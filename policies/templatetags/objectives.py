"""Template filters of the objective pages: health and status as badges."""

from django import template

from ..tables import health_pill, status_pill_of

register = template.Library()


@register.filter(name="health_pill")
def health_pill_filter(health: str):
    return health_pill(health)


@register.filter(name="objective_status_pill")
def objective_status_pill(status: str):
    return status_pill_of(status)

"""Reminder steps: the days before a record's date (a due date, a planned date) at which its owner is reminded,
each step once.

A record is reminded when it reaches a step (days left ≤ step, above the next smaller step) it was not reminded
at; the record keeps the step sent (``reminded_days``), so a re-run the same day — or the next day within the same
step — sends nothing new, and a date moved later starts the steps again.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db.models import Q


def steps_setting(name: str, default: tuple[int, ...], *, due_day: bool = True) -> tuple[int, ...]:
    """The steps of setting ``name`` (days, negative ones ignored), largest first; with ``due_day`` the date itself
    (0, and every day after it) is always a step."""
    steps = {int(d) for d in getattr(settings, name, default) if int(d) >= 0}
    if due_day:
        steps.add(0)
    return tuple(sorted(steps, reverse=True))


def step_reached(
    on: datetime.date, steps: tuple[int, ...], *, date_field: str = "due_date", reminded_field: str = "reminded_days"
) -> Q:
    """The records that reached a step on ``on`` they were not reminded at yet."""
    ascending = sorted(steps)
    condition = Q(pk__in=[])
    for index, step in enumerate(ascending):
        window = Q(**{f"{date_field}__lte": on + datetime.timedelta(days=step)})
        if index:
            window &= Q(**{f"{date_field}__gt": on + datetime.timedelta(days=ascending[index - 1])})
        condition |= window & (Q(**{f"{reminded_field}__isnull": True}) | Q(**{f"{reminded_field}__gt": step}))
    return condition


def step_of(date: datetime.date, on: datetime.date, steps: tuple[int, ...]) -> int:
    """The step a record dated ``date`` is at on ``on`` (one that ``step_reached`` selected)."""
    left = (date - on).days
    return min(step for step in steps if step >= left)

"""Reads spanning objectives and readings: the list, the roll-up tree, an objective's readings.

Each starts from ``restrict(user, "view")`` and runs a fixed number of queries, however many
objectives there are (the tree is built in Python from one query).
"""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone

from ims.org.models import Site

from .choices import Health, ObjectiveLevel, ObjectiveStatus
from .health import worst
from .models import Objective, ObjectiveReading

#: Statuses whose health counts in a parent's roll-up.
COUNTED = (ObjectiveStatus.ACTIVE, ObjectiveStatus.ACHIEVED, ObjectiveStatus.NOT_ACHIEVED)
LEVEL_ORDER = {ObjectiveLevel.COMPANY: 0, ObjectiveLevel.SITE: 1, ObjectiveLevel.FUNCTION: 2}


def objective_queryset(*, user):
    """Visible objectives with what a list row shows (site, function, owner, latest reading)."""
    return (
        Objective.objects.restrict(user, "view")
        .select_related("site", "function", "owner", "parent")
        .with_latest_reading()
    )


@dataclass
class ObjectiveNode:
    objective: Objective
    health: Health
    children: list[ObjectiveNode] = field(default_factory=list)
    rolled_up: Health = Health.NOT_MEASURED
    counts: Counter = field(default_factory=Counter)

    @property
    def counted(self) -> bool:
        return self.objective.status in COUNTED

    @property
    def level(self) -> ObjectiveLevel:
        return self.objective.level


def _roll_up(node: ObjectiveNode) -> None:
    """Fill ``rolled_up`` (worst of itself and its counted descendants) and the health ``counts`` below it."""
    healths = [node.health] if node.counted else []
    for child in node.children:
        _roll_up(child)
        node.counts.update(child.counts)
        if child.counted:
            node.counts[child.health] += 1
        if child.counted or child.children:
            healths.append(child.rolled_up)
    node.rolled_up = worst(healths)


def objective_tree(
    *, user, site: Site | None = None, include_closed: bool = False, today: datetime.date | None = None
) -> list[ObjectiveNode]:
    """The cascade as a forest: company objectives, their site objectives, their function objectives.

    With ``site``: the company objectives and that site's objectives only. An objective whose parent
    is not shown (not visible, filtered out or none) is a root.
    """
    today = today or timezone.localdate()
    objectives = objective_queryset(user=user).order_by("title", "pk")
    if site is not None:
        objectives = objectives.filter(Q(site__isnull=True) | Q(site=site))
    if not include_closed:
        objectives = objectives.exclude(status=ObjectiveStatus.CANCELLED)
    nodes = {o.pk: ObjectiveNode(o, o.health_on(latest_value=o.latest_value, today=today)) for o in objectives}
    roots = []
    for node in nodes.values():
        parent = nodes.get(node.objective.parent_id)
        (parent.children if parent is not None else roots).append(node)
    for node in roots:
        _roll_up(node)

    def key(node: ObjectiveNode):
        o = node.objective
        return (LEVEL_ORDER[o.level], o.site.code if o.site else "", o.function.name if o.function else "", o.title)

    def sort(level: list[ObjectiveNode]) -> None:
        level.sort(key=key)
        for node in level:
            sort(node.children)

    sort(roots)
    return roots


def objective_readings(*, user, objective: Objective, include_void: bool = True) -> list[ObjectiveReading]:
    """The readings of ``objective`` the user may see, oldest first."""
    readings = (
        ObjectiveReading.objects.restrict(user, "view")
        .filter(objective=objective)
        .select_related("recorded_by")
        .order_by("period_end", "pk")
    )
    if not include_void:
        readings = readings.filter(is_void=False)
    return list(readings)


def objective_ancestors(*, user, objective: Objective) -> list[Objective]:
    """The visible chain above ``objective`` (company first); at most two queries: the cascade has three levels."""
    chain = []
    visible = Objective.objects.restrict(user, "view")
    current = objective
    while current.parent_id is not None:
        current = visible.filter(pk=current.parent_id).first()
        if current is None:
            break
        chain.insert(0, current)
    return chain

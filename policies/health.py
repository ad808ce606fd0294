"""The health of an objective: the rule, in one place, and the words that explain it on the page.

Health is computed from the latest (non-voided) reading, the target and the time left; it is
never stored, so it cannot go stale. The rule:

1. No reading yet → *not measured*.
2. The latest value meets the target (≥ target, ≤ target, or inside the range) → *on track*.
3. It misses the target and the due date has passed → *off track*.
4. It misses the target by at most 10 % of the target (or of the range's width; one unit when the
   target is 0), or at least half of the period from start to due date is still left → *at risk*.
5. Otherwise (a larger miss with less than half of the period left) → *off track*.

A parent's *rolled-up* health is the worst health among itself and its active descendants
(off track > at risk > on track); objectives that are not measured, drafts and cancelled ones do
not count.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from .choices import Direction, Health

#: A miss within this share of the target is "at risk", not "off track".
TOLERANCE = Decimal("0.10")
#: With at least this share of the period left, a larger miss is still only "at risk".
RUNWAY = Decimal("0.5")

RULE_TEXT = (
    _("On track: the latest reading meets the target."),
    _(
        "At risk: it misses the target by at most 10 % of the target, or at least half of the period "
        "from start to due date is still left."
    ),
    _(
        "Off track: it misses the target after the due date, or by more than 10 % with less than half "
        "of the period left."
    ),
    _("Not measured: no reading has been recorded yet."),
    _("A parent objective's roll-up shows the worst health among itself and its active sub-objectives."),
)

#: Worst first, for the roll-up.
SEVERITY = {Health.OFF_TRACK: 3, Health.AT_RISK: 2, Health.ON_TRACK: 1, Health.NOT_MEASURED: 0}


def meets_target(
    *, direction: str, value: Decimal, target: Decimal | None, target_min: Decimal | None, target_max: Decimal | None
) -> bool:
    if direction == Direction.HIGHER:
        return value >= target
    if direction == Direction.LOWER:
        return value <= target
    return target_min <= value <= target_max


def relative_gap(
    *, direction: str, value: Decimal, target: Decimal | None, target_min: Decimal | None, target_max: Decimal | None
) -> Decimal:
    """How far ``value`` misses the target, as a share of the target (or of the range's width)."""
    if direction == Direction.RANGE:
        bound = target_min if value < target_min else target_max
        scale = abs(target_max - target_min)
    else:
        bound = target
        scale = abs(target)
    return abs(value - bound) / (scale or Decimal(1))


def time_left_share(*, start: datetime.date, due: datetime.date, today: datetime.date) -> Decimal:
    """The share of the period from ``start`` to ``due`` that is still left on ``today`` (0 to 1)."""
    total = (due - start).days
    if total <= 0:
        return Decimal(0) if today >= due else Decimal(1)
    left = (due - today).days
    return max(Decimal(0), min(Decimal(1), Decimal(left) / Decimal(total)))


def objective_health(
    *,
    direction: str,
    target: Decimal | None,
    target_min: Decimal | None,
    target_max: Decimal | None,
    start: datetime.date,
    due: datetime.date,
    latest_value: Decimal | None,
    today: datetime.date,
) -> Health:
    if latest_value is None:
        return Health.NOT_MEASURED
    targets = {
        "direction": direction,
        "value": latest_value,
        "target": target,
        "target_min": target_min,
        "target_max": target_max,
    }
    if meets_target(**targets):
        return Health.ON_TRACK
    if today > due:
        return Health.OFF_TRACK
    if relative_gap(**targets) <= TOLERANCE or time_left_share(start=start, due=due, today=today) >= RUNWAY:
        return Health.AT_RISK
    return Health.OFF_TRACK


def worst(healths: Iterable[str]) -> Health:
    """The worst health among ``healths``; *not measured* only when nothing was measured."""
    found = [Health(h) for h in healths]
    if not found:
        return Health.NOT_MEASURED
    return max(found, key=SEVERITY.__getitem__)

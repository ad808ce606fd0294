"""The health rule (policies.health): value vs target, and the time left."""

from __future__ import annotations

import datetime
from decimal import Decimal as D

import pytest

from policies.choices import Direction, Health
from policies.health import objective_health, worst

pytestmark = pytest.mark.req("ISO9001-6.2")

START, DUE = datetime.date(2026, 1, 1), datetime.date(2026, 12, 31)
EARLY, LATE, AFTER = datetime.date(2026, 3, 1), datetime.date(2026, 11, 1), datetime.date(2027, 1, 15)


def health(value, today, direction=Direction.HIGHER, target=D("98"), low=None, high=None):
    return objective_health(
        direction=direction,
        target=target,
        target_min=low,
        target_max=high,
        start=START,
        due=DUE,
        latest_value=None if value is None else D(value),
        today=today,
    )


@pytest.mark.parametrize(
    ("value", "today", "expected"),
    [
        (None, EARLY, Health.NOT_MEASURED),
        ("98", LATE, Health.ON_TRACK),  # meeting the target exactly counts
        ("99.5", AFTER, Health.ON_TRACK),
        ("80", EARLY, Health.AT_RISK),  # a large miss, but most of the year is left
        ("80", LATE, Health.OFF_TRACK),  # a large miss with little time left
        ("85", LATE, Health.OFF_TRACK),
        ("96", LATE, Health.AT_RISK),  # within 10 % of the target
        ("97.9", AFTER, Health.OFF_TRACK),  # any miss after the due date
    ],
)
def test_higher_is_better(value, today, expected):
    assert health(value, today) == expected


def test_lower_is_better_and_a_zero_target():
    assert health("0.5", LATE, Direction.LOWER, D("0.5")) == Health.ON_TRACK
    assert health("0.55", LATE, Direction.LOWER, D("0.5")) == Health.AT_RISK
    assert health("0.7", LATE, Direction.LOWER, D("0.5")) == Health.OFF_TRACK
    # Zero harm: a miss is measured in units when the target is 0.
    assert health("0", LATE, Direction.LOWER, D("0")) == Health.ON_TRACK
    assert health("2", LATE, Direction.LOWER, D("0")) == Health.OFF_TRACK
    assert health("-9.5", LATE, Direction.LOWER, D("-10")) == Health.AT_RISK


def test_within_a_range():
    def ranged(value, today=LATE):
        return health(value, today, Direction.RANGE, None, D("20"), D("30"))

    assert ranged("20") == ranged("30") == ranged("25") == Health.ON_TRACK
    assert ranged("31") == Health.AT_RISK  # 1 beyond a 10-wide range
    assert ranged("15") == Health.OFF_TRACK
    assert ranged("15", EARLY) == Health.AT_RISK


def test_worst_ignores_not_measured():
    assert worst([Health.ON_TRACK, Health.AT_RISK, Health.NOT_MEASURED]) == Health.AT_RISK
    assert worst([Health.ON_TRACK, Health.OFF_TRACK, Health.AT_RISK]) == Health.OFF_TRACK
    assert worst([Health.NOT_MEASURED]) == Health.NOT_MEASURED
    assert worst([]) == Health.NOT_MEASURED

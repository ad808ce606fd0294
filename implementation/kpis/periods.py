"""Reading periods: a KPI's frequency decides the calendar period a date falls in."""

from __future__ import annotations

import calendar
import datetime

from .choices import Frequency


def period_bounds(frequency: str, on: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The first and last day of the monthly or quarterly period containing ``on``."""
    if frequency == Frequency.QUARTERLY:
        first_month = 3 * ((on.month - 1) // 3) + 1
        start = on.replace(month=first_month, day=1)
        last_month = first_month + 2
    else:
        start = on.replace(day=1)
        last_month = on.month
    end = datetime.date(on.year, last_month, calendar.monthrange(on.year, last_month)[1])
    return start, end


def previous_period(frequency: str, today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The last complete period before ``today`` (what the scheduled computation records)."""
    start, _end = period_bounds(frequency, today)
    return period_bounds(frequency, start - datetime.timedelta(days=1))


def month_starts(first: datetime.date, count: int) -> list[datetime.date]:
    """``count`` consecutive month starts from the month of ``first``."""
    year, month = first.year, first.month
    out = []
    for _ in range(count):
        out.append(datetime.date(year, month, 1))
        month += 1
        if month > 12:
            year, month = year + 1, 1
    return out

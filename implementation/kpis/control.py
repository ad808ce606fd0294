"""Control limits and Western Electric / Nelson rules: pure functions over a series, no database.

- XmR (individuals / moving range): centre = mean of the baseline, σ = mean moving range / 1.128.
- p-chart (readings with a denominator): p̄ = Σ defectives / Σ units of the baseline, σᵢ = √(p̄(1 − p̄)/nᵢ); a
  value given in % is read as a percentage of its denominator.
The rules are judged on each point's distance from the centre in σ (its z), so both charts share them.
"""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass, field

from .choices import ChartKind, SignalRule

D2 = 1.128  # the bias constant d₂ for moving ranges of two
MIN_BASELINE = 6  # fewer baseline points give limits too loose to judge


@dataclass(frozen=True)
class SeriesPoint:
    period: datetime.date
    value: float
    denominator: int | None = None
    reading_id: int | None = None


@dataclass
class ChartPoint:
    period: datetime.date
    value: float
    centre: float
    ucl: float
    lcl: float
    sigma: float
    reading_id: int | None = None
    rules: list[str] = field(default_factory=list)

    @property
    def z(self) -> float:
        return 0.0 if self.sigma == 0 else (self.value - self.centre) / self.sigma

    @property
    def out_of_control(self) -> bool:
        return bool(self.rules)


@dataclass
class ControlChart:
    kind: str
    points: list[ChartPoint]
    centre: float | None
    baseline_count: int
    unit: str = ""
    title: str = ""

    @property
    def has_limits(self) -> bool:
        return self.centre is not None

    @property
    def signals(self) -> list[ChartPoint]:
        return [p for p in self.points if p.rules]


def chart_kind(points: list[SeriesPoint]) -> str:
    """A p-chart when every reading carries its denominator, else XmR."""
    return ChartKind.P if points and all(p.denominator for p in points) else ChartKind.XMR


def _baseline(points: list[SeriesPoint], start, end) -> list[SeriesPoint]:
    if start or end:
        chosen = [p for p in points if (not start or p.period >= start) and (not end or p.period <= end)]
    else:
        chosen = points[:12]
    return chosen


def control_chart(
    points: list[SeriesPoint], *, baseline_start=None, baseline_end=None, percent: bool = False, unit: str = "",
    title: str = "",
) -> ControlChart:  # fmt: skip
    """The chart of a series (ordered by period): limits from the baseline, each point's rules flagged."""
    points = sorted(points, key=lambda p: p.period)
    kind = chart_kind(points)
    base = _baseline(points, baseline_start, baseline_end)
    if len(base) < MIN_BASELINE:
        return ControlChart(kind=kind, points=[_flat(p) for p in points], centre=None, baseline_count=len(base),
                            unit=unit, title=title)  # fmt: skip
    if kind == ChartKind.P:
        chart_points = _p_points(points, base, percent=percent)
    else:
        chart_points = _xmr_points(points, base)
    rules_flag(chart_points)
    return ControlChart(
        kind=kind, points=chart_points, centre=chart_points[0].centre, baseline_count=len(base), unit=unit, title=title
    )


def _flat(p: SeriesPoint) -> ChartPoint:
    return ChartPoint(period=p.period, value=p.value, centre=p.value, ucl=p.value, lcl=p.value, sigma=0.0,
                      reading_id=p.reading_id)  # fmt: skip


def xmr_limits(values: list[float]) -> tuple[float, float]:
    """(centre, σ) of individuals: the mean and the mean moving range / d₂."""
    centre = sum(values) / len(values)
    ranges = [abs(b - a) for a, b in zip(values, values[1:], strict=False)]
    sigma = (sum(ranges) / len(ranges)) / D2 if ranges else 0.0
    return centre, sigma


def _xmr_points(points: list[SeriesPoint], base: list[SeriesPoint]) -> list[ChartPoint]:
    centre, sigma = xmr_limits([p.value for p in base])
    return [
        ChartPoint(
            period=p.period,
            value=p.value,
            centre=centre,
            ucl=centre + 3 * sigma,
            lcl=centre - 3 * sigma,
            sigma=sigma,
            reading_id=p.reading_id,
        )  # fmt: skip
        for p in points
    ]


def _p_points(points: list[SeriesPoint], base: list[SeriesPoint], *, percent: bool) -> list[ChartPoint]:
    scale = 100.0 if percent else 1.0
    units = sum(p.denominator for p in base)
    p_bar = sum(p.value / scale * p.denominator for p in base) / units
    out = []
    for p in points:
        sigma = math.sqrt(max(p_bar * (1 - p_bar), 0.0) / p.denominator) * scale
        centre = p_bar * scale
        out.append(
            ChartPoint(
                period=p.period,
                value=p.value,
                centre=centre,
                ucl=min(centre + 3 * sigma, scale),
                lcl=max(centre - 3 * sigma, 0.0),
                sigma=sigma,
                reading_id=p.reading_id,
            )  # fmt: skip
        )
    return out


def rules_flag(points: list[ChartPoint]) -> None:
    """Flag on each point the rules whose window ends there (rule 1: beyond 3σ; 2: 2 of 3 beyond 2σ on one side;
    3: 4 of 5 beyond 1σ on one side; 4: 8 in a row on one side of the centre)."""
    zs = [p.z for p in points]
    for i, point in enumerate(points):
        if point.sigma == 0:
            continue
        z = zs[i]
        if abs(z) > 3:
            point.rules.append(SignalRule.BEYOND_3_SIGMA)
        for sign in (1, -1):
            if sign * z > 2 and i >= 2 and sum(1 for v in zs[i - 2 : i + 1] if sign * v > 2) >= 2:
                point.rules.append(SignalRule.TWO_OF_THREE_2_SIGMA)
            if sign * z > 1 and i >= 4 and sum(1 for v in zs[i - 4 : i + 1] if sign * v > 1) >= 4:
                point.rules.append(SignalRule.FOUR_OF_FIVE_1_SIGMA)
            if i >= 7 and all(sign * v > 0 for v in zs[i - 7 : i + 1]):
                point.rules.append(SignalRule.EIGHT_ON_ONE_SIDE)

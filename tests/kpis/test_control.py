"""Control limits and the Western Electric / Nelson rules on known series (pure functions, no database)."""

import datetime

import pytest

from implementation.kpis.chart_svg import chart_svg
from implementation.kpis.control import SeriesPoint, control_chart, xmr_limits
from implementation.kpis.periods import month_starts

BASE = [10, 12, 11, 13, 10, 12, 11, 13, 10, 12, 11, 13]


def series(values, denominators=None):
    months = month_starts(datetime.date(2023, 1, 1), len(values))
    return [
        SeriesPoint(m, float(v), denominators[i] if denominators else None, i + 1)
        for i, (m, v) in enumerate(zip(months, values, strict=True))
    ]


def test_xmr_limits_from_the_baseline():
    centre, sigma = xmr_limits([float(v) for v in BASE])
    assert centre == pytest.approx(11.5)
    # moving ranges: 2,1,2,3,2,1,2,3,2,1,2 → mean 21/11; σ = MR̄ / 1.128
    assert sigma == pytest.approx((21 / 11) / 1.128)
    chart = control_chart(series(BASE))
    assert chart.kind == "xmr"
    assert chart.points[0].ucl == pytest.approx(11.5 + 3 * sigma)
    assert chart.points[0].lcl == pytest.approx(11.5 - 3 * sigma)
    assert chart.signals == []


def test_rule_1_a_point_beyond_3_sigma():
    chart = control_chart(series([*BASE, 30]))
    assert chart.points[-1].rules == ["rule1"]


def test_rule_2_two_of_three_beyond_2_sigma():
    sigma = (21 / 11) / 1.128
    high = 11.5 + 2.5 * sigma
    chart = control_chart(series([*BASE, high, 11.5, high]))
    assert "rule2" in chart.points[-1].rules
    assert "rule1" not in chart.points[-1].rules


def test_rule_3_four_of_five_beyond_1_sigma():
    sigma = (21 / 11) / 1.128
    v = 11.5 + 1.5 * sigma
    chart = control_chart(series([*BASE, v, v, 11.0, v, v]))
    assert "rule3" in chart.points[-1].rules


def test_rule_4_eight_in_a_row_on_one_side():
    chart = control_chart(series([*BASE, 11.0, *[11.8] * 8]))
    assert "rule4" in chart.points[-1].rules
    assert "rule4" not in chart.points[-2].rules


def test_p_chart_when_readings_carry_a_denominator():
    values = [95.0] * 12 + [80.0]
    chart = control_chart(series(values, [200] * 13), percent=True)
    assert chart.kind == "p"
    p = chart.points[0]
    assert p.centre == pytest.approx(95.0)
    assert p.sigma == pytest.approx(100 * (0.95 * 0.05 / 200) ** 0.5)
    assert chart.points[-1].rules == ["rule1"]


def test_too_short_a_baseline_has_no_limits():
    chart = control_chart(series([1, 2, 3]))
    assert not chart.has_limits and chart.signals == []


def test_the_svg_flags_the_signal_and_escapes_text():
    chart = control_chart(series([*BASE, 30]), title="<b>KPI</b>")
    svg = chart_svg(chart)
    assert svg.startswith("<svg") and "<script" not in svg
    assert "&lt;b&gt;KPI&lt;/b&gt;" in svg
    assert svg.count('class="signal"') == 1
    assert chart_svg(chart) == svg  # pure: the same drawing every time (page and PDF)

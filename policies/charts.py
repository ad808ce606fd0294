"""Server-rendered SVG charts of objective readings (no JavaScript, so they pass the strict CSP and
render the same in a PDF).

``readings_chart()`` draws the readings as a line with points, the target as a dashed line (or the
target range as a band), and labels the first and last periods.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from .choices import Direction

WIDTH, HEIGHT = 560, 180
PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 48, 16, 14, 26
COLOURS = {
    "line": "#2f6fdf",
    "point": "#2f6fdf",
    "miss": "#b42318",
    "target": "#079455",
    "grid": "#d0d5dd",
    "band": "#dcfae6",
    "text": "#475467",
}


def _num(value: Decimal | float) -> str:
    return format(Decimal(value).normalize(), "f") if isinstance(value, Decimal) else f"{value:g}"


def readings_chart(objective, readings: Sequence) -> SafeString:
    """An SVG line chart of ``readings`` (oldest first, not voided) against the objective's target."""
    if not readings:
        return SafeString("")
    values = [float(r.value) for r in readings]
    references = [float(v) for v in (objective.target, objective.target_min, objective.target_max) if v is not None]
    low, high = min(values + references), max(values + references)
    if high == low:
        high, low = high + 1, low - 1
    margin = (high - low) * 0.1
    low, high = low - margin, high + margin
    inner_w, inner_h = WIDTH - PAD_LEFT - PAD_RIGHT, HEIGHT - PAD_TOP - PAD_BOTTOM

    def x(i: int) -> float:
        return PAD_LEFT + (inner_w / 2 if len(readings) == 1 else inner_w * i / (len(readings) - 1))

    def y(v: float) -> float:
        return PAD_TOP + inner_h * (high - v) / (high - low)

    parts: list[SafeString] = []
    # Axis labels: top and bottom of the scale.
    for value in (high, low):
        parts.append(
            format_html(
                '<text x="{}" y="{}" text-anchor="end" font-size="11" fill="{}">{}</text>',
                PAD_LEFT - 6,
                f"{y(value) + 4:.1f}",
                COLOURS["text"],
                f"{value:.3g}",
            )
        )
        parts.append(
            format_html(
                '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="{}" stroke-width="1"/>',
                PAD_LEFT,
                WIDTH - PAD_RIGHT,
                f"{y(value):.1f}",
                f"{y(value):.1f}",
                COLOURS["grid"],
            )
        )
    if objective.direction == Direction.RANGE:
        top, bottom = y(float(objective.target_max)), y(float(objective.target_min))
        parts.append(
            format_html(
                '<rect class="target-band" x="{}" y="{}" width="{}" height="{}" fill="{}"><title>{}</title></rect>',
                PAD_LEFT,
                f"{top:.1f}",
                inner_w,
                f"{max(bottom - top, 1):.1f}",
                COLOURS["band"],
                _("Target range %(range)s") % {"range": objective.target_display()},
            )
        )
    else:
        ty = y(float(objective.target))
        parts.append(
            format_html(
                '<line class="target-line" x1="{}" x2="{}" y1="{}" y2="{}" stroke="{}" stroke-width="1.5" '
                'stroke-dasharray="5 4"><title>{}</title></line>',
                PAD_LEFT,
                WIDTH - PAD_RIGHT,
                f"{ty:.1f}",
                f"{ty:.1f}",
                COLOURS["target"],
                _("Target %(target)s") % {"target": objective.target_display()},
            )
        )
        parts.append(
            format_html(
                '<text x="{}" y="{}" text-anchor="end" font-size="11" fill="{}">{}</text>',
                WIDTH - PAD_RIGHT,
                f"{ty - 4:.1f}",
                COLOURS["target"],
                _("target"),
            )
        )
    points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(values))
    parts.append(
        format_html('<polyline points="{}" fill="none" stroke="{}" stroke-width="2"/>', points, COLOURS["line"])
    )
    parts.append(
        format_html_join(
            "",
            ('<circle class="reading-point" cx="{}" cy="{}" r="4" fill="{}"><title>{}: {}</title></circle>'),
            (
                (
                    f"{x(i):.1f}",
                    f"{y(float(r.value)):.1f}",
                    COLOURS["point"] if objective.health_on(latest_value=r.value) == "on_track" else COLOURS["miss"],
                    r.period_end.isoformat(),
                    _num(r.value),
                )
                for i, r in enumerate(readings)
            ),
        )
    )
    first, last = readings[0].period_end.isoformat(), readings[-1].period_end.isoformat()
    parts.append(
        format_html(
            '<text x="{}" y="{}" font-size="11" fill="{}">{}</text>', PAD_LEFT, HEIGHT - 6, COLOURS["text"], first
        )
    )
    if len(readings) > 1:
        parts.append(
            format_html(
                '<text x="{}" y="{}" text-anchor="end" font-size="11" fill="{}">{}</text>',
                WIDTH - PAD_RIGHT,
                HEIGHT - 6,
                COLOURS["text"],
                last,
            )
        )
    label = _("Readings of %(kpi)s from %(first)s to %(last)s against the target %(target)s") % {
        "kpi": objective.kpi,
        "first": first,
        "last": last,
        "target": objective.target_display(),
    }
    return format_html(
        '<svg class="objective-chart" viewBox="0 0 {} {}" width="100%" role="img" aria-label="{}" '
        'xmlns="http://www.w3.org/2000/svg">{}</svg>',
        WIDTH,
        HEIGHT,
        label,
        SafeString("".join(parts)),
    )


COVERAGE_COLOURS = {
    "acknowledged": "#079455",
    "in_progress": "#2f6fdf",
    "not_started": "#98a2b3",
    "overdue": "#d92d20",
}


def coverage_chart(rows: Sequence[dict], label_key: str, states: Sequence[tuple[str, str]]) -> SafeString:
    """A horizontal stacked bar per row (site, function or document): the share of each state, 0–100 %.

    Each bar segment carries a ``<title>`` with the figures and the HTML legend names the colours, so the
    chart reads without colour too; the table below it holds the same numbers. The chart keeps its natural
    size (at most 640 px wide) so its text stays the size of the page's text.
    """
    rows = [r for r in rows if r["total"]]
    if not rows:
        return SafeString("")
    bar_h, gap, label_w, width = 18, 8, 120, 640
    plot_w = width - label_w - 64
    height = len(rows) * (bar_h + gap)
    parts = []
    for index, row in enumerate(rows):
        y = index * (bar_h + gap)
        label = str(row[label_key])[:18]
        parts.append(
            format_html(
                '<text x="{}" y="{}" text-anchor="end" font-size="12" fill="{}">{}</text>',
                label_w - 8,
                y + bar_h - 5,
                COLOURS["text"],
                label,
            )
        )
        x = float(label_w)
        for key, state_label in states:
            share = row[key] / row["total"]
            if share <= 0:
                continue
            w = share * plot_w
            parts.append(
                format_html(
                    '<rect x="{}" y="{}" width="{}" height="{}" fill="{}" data-state="{}">'
                    "<title>{}: {} {} ({} %)</title></rect>",
                    f"{x:.1f}",
                    y,
                    f"{w:.1f}",
                    bar_h,
                    COVERAGE_COLOURS[key],
                    key,
                    label,
                    row[key],
                    state_label,
                    f"{share * 100:.1f}",
                )
            )
            x += w
        parts.append(
            format_html(
                '<text x="{}" y="{}" font-size="12" fill="{}">{}</text>',
                label_w + plot_w + 6,
                y + bar_h - 5,
                COLOURS["text"],
                "—" if row["percent"] is None else f"{row['percent']:.1f} %",
            )
        )
    legend = format_html_join(
        "",
        '<span class="me-3 text-nowrap"><span class="d-inline-block align-middle me-1" '
        'style="width:.75rem;height:.75rem;background:{}"></span>{}</span>',
        ((COVERAGE_COLOURS[key], label) for key, label in states),
    )
    return format_html(
        '<div class="small text-body-secondary mb-2" data-chart-legend>{}</div>'
        '<svg class="coverage-chart" width="{}" height="{}" viewBox="0 0 {} {}" role="img" aria-label="{}" '
        'style="max-width:100%;height:auto" xmlns="http://www.w3.org/2000/svg">{}</svg>',
        legend,
        width,
        height,
        width,
        height,
        _("Acknowledgement coverage"),
        SafeString("".join(parts)),
    )

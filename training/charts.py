"""Server-rendered SVG charts of training compliance (no JavaScript: they pass the strict CSP and print as is).

``compliance_trend_chart()`` draws the daily % current as a line over a 0–100 % scale with the share overdue
as a second line; every point carries a ``<title>`` with the figures, and the page's table holds the same numbers.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

WIDTH, HEIGHT = 640, 200
PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 44, 16, 12, 26
COLOURS = {"current": "#079455", "overdue": "#d92d20", "grid": "#d0d5dd", "text": "#475467"}


def compliance_trend_chart(points: Sequence[dict]) -> SafeString:
    """A line chart of the % current (and % overdue) per day, oldest first; empty without history."""
    points = [p for p in points if p["required"]]
    if not points:
        return SafeString("")
    inner_w, inner_h = WIDTH - PAD_LEFT - PAD_RIGHT, HEIGHT - PAD_TOP - PAD_BOTTOM

    def x(i: int) -> float:
        return PAD_LEFT + (inner_w / 2 if len(points) == 1 else inner_w * i / (len(points) - 1))

    def y(percent: float) -> float:
        return PAD_TOP + inner_h * (100 - percent) / 100

    parts: list[SafeString] = []
    for level in (0, 50, 100):
        parts.append(
            format_html(
                '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="{}" stroke-width="1"/>'
                '<text x="{}" y="{}" text-anchor="end" font-size="11" fill="{}">{} %</text>',
                PAD_LEFT,
                WIDTH - PAD_RIGHT,
                f"{y(level):.1f}",
                f"{y(level):.1f}",
                COLOURS["grid"],
                PAD_LEFT - 6,
                f"{y(level) + 4:.1f}",
                COLOURS["text"],
                level,
            )
        )
    series = (
        ("current", [100.0 * p["current"] / p["required"] for p in points], _("current")),
        ("overdue", [100.0 * p["overdue"] / p["required"] for p in points], _("overdue")),
    )
    for key, values, label in series:
        line = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(values))
        parts.append(
            format_html(
                '<polyline class="trend-{}" points="{}" fill="none" stroke="{}" stroke-width="2"/>',
                key,
                line,
                COLOURS[key],
            )
        )
        parts.append(
            format_html_join(
                "",
                '<circle class="trend-point" data-series="{}" cx="{}" cy="{}" r="3" fill="{}">'
                "<title>{}: {} % {} ({} / {})</title></circle>",
                (
                    (
                        key,
                        f"{x(i):.1f}",
                        f"{y(v):.1f}",
                        COLOURS[key],
                        p["day"].isoformat(),
                        f"{v:.1f}",
                        label,
                        p[key],
                        p["required"],
                    )
                    for i, (p, v) in enumerate(zip(points, values, strict=True))
                ),
            )
        )
    first, last = points[0]["day"].isoformat(), points[-1]["day"].isoformat()
    parts.append(
        format_html(
            '<text x="{}" y="{}" font-size="11" fill="{}">{}</text>', PAD_LEFT, HEIGHT - 6, COLOURS["text"], first
        )
    )
    if len(points) > 1:
        parts.append(
            format_html(
                '<text x="{}" y="{}" text-anchor="end" font-size="11" fill="{}">{}</text>',
                WIDTH - PAD_RIGHT,
                HEIGHT - 6,
                COLOURS["text"],
                last,
            )
        )
    legend = format_html_join(
        "",
        '<span class="me-3 text-nowrap"><span class="d-inline-block align-middle me-1" '
        'style="width:.75rem;height:.2rem;background:{}"></span>{}</span>',
        ((COLOURS[key], label) for key, _values, label in series),
    )
    return format_html(
        '<div class="small text-body-secondary mb-2" data-chart-legend>{}</div>'
        '<svg class="compliance-trend" viewBox="0 0 {} {}" width="100%" role="img" aria-label="{}" '
        'style="max-width:{}px;height:auto" xmlns="http://www.w3.org/2000/svg">{}</svg>',
        legend,
        WIDTH,
        HEIGHT,
        _("Training compliance from %(first)s to %(last)s: share of required trainings current and overdue")
        % {"first": first, "last": last},
        WIDTH,
        SafeString("".join(parts)),
    )

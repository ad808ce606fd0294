"""A control chart as SVG, drawn on the server by one pure function: the same drawing on the page and in a PDF.

Points are joined by a line; the centre line is solid, the ±3σ limits dashed (stepped for a p-chart); a point that
breaks a rule is drawn red with the rules in its ``<title>`` (a tooltip, read by screen readers). Every text is
escaped; no script and no external reference.
"""

from __future__ import annotations

from html import escape

from .choices import ChartKind, SignalRule
from .control import ControlChart

RULE_LABELS = dict(SignalRule.choices)
OK = "#0969da"
SIGNAL = "#d1242f"
LIMIT = "#8c959f"


def _fmt(value: float) -> str:
    return f"{value:.4g}"


def chart_svg(chart: ControlChart, *, width: int = 720, height: int = 260, small: bool = False) -> str:
    """The chart as an ``<svg>`` string; ``small`` drops the axes' labels (dashboard tiles)."""
    left, right, top, bottom = (8, 8, 8, 8) if small else (56, 16, 24, 40)
    plot_w, plot_h = width - left - right, height - top - bottom
    title = escape(chart.title or "Control chart")
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img" aria-label="{title}" font-family="sans-serif" font-size="11">'
        f"<title>{title}</title>"
    )
    if not chart.points:
        return head + f'<text x="{width / 2}" y="{height / 2}" text-anchor="middle">No readings yet</text></svg>'
    values = [p.value for p in chart.points]
    if chart.has_limits:
        values += [p.ucl for p in chart.points] + [p.lcl for p in chart.points]
    low, high = min(values), max(values)
    if high == low:
        high, low = high + 1, low - 1
    pad = (high - low) * 0.08
    low, high = low - pad, high + pad
    n = len(chart.points)

    def x(i: int) -> float:
        return left + (plot_w * (i + 0.5) / n)

    def y(v: float) -> float:
        return top + plot_h * (high - v) / (high - low)

    parts = [head, f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="#ffffff" stroke="#d0d7de"/>']
    if chart.has_limits:
        parts.append(_limit_path(chart, x, y, "centre", "#1a7f37", ""))
        parts.append(_limit_path(chart, x, y, "ucl", LIMIT, ' stroke-dasharray="5,3"'))
        parts.append(_limit_path(chart, x, y, "lcl", LIMIT, ' stroke-dasharray="5,3"'))
        if not small:
            last = chart.points[-1]
            for name, value in (("UCL", last.ucl), ("CL", last.centre), ("LCL", last.lcl)):
                parts.append(
                    f'<text x="{left + plot_w - 2}" y="{y(value) - 3:.1f}" text-anchor="end" fill="#57606a">'
                    f"{name} {_fmt(value)}</text>"
                )
    line = " ".join(f"{x(i):.1f},{y(p.value):.1f}" for i, p in enumerate(chart.points))
    parts.append(f'<polyline points="{line}" fill="none" stroke="{OK}" stroke-width="1.5"/>')
    radius = 2.5 if small else 3.5
    for i, p in enumerate(chart.points):
        if small and not p.rules:
            continue  # a tile shows the line and its signals; the values are on the KPI's page
        colour = SIGNAL if p.rules else OK
        rules = "; ".join(str(RULE_LABELS.get(r, r)) for r in p.rules)
        tip = f"{p.period:%Y-%m}: {_fmt(p.value)}{(' ' + chart.unit) if chart.unit else ''}"
        if rules:
            tip += f" — out of control: {rules}"
        parts.append(
            f'<circle cx="{x(i):.1f}" cy="{y(p.value):.1f}" r="{radius}" fill="{colour}"'
            f' class="{"signal" if p.rules else "point"}"><title>{escape(tip)}</title></circle>'
        )
    if not small:
        for value in (low + pad, (low + high) / 2, high - pad):
            parts.append(f'<text x="{left - 4}" y="{y(value) + 4:.1f}" text-anchor="end">{_fmt(value)}</text>')
        step = max(1, n // 8)
        for i in range(0, n, step):
            parts.append(
                f'<text x="{x(i):.1f}" y="{height - bottom + 16}" text-anchor="middle">'
                f"{chart.points[i].period:%Y-%m}</text>"
            )
        kind = "p-chart" if chart.kind == ChartKind.P else "XmR chart"
        note = "" if chart.has_limits else " — too few baseline readings for control limits"
        parts.append(f'<text x="{left}" y="{top - 8}">{escape(kind + note)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _limit_path(chart: ControlChart, x, y, attr: str, colour: str, dash: str) -> str:
    values = {round(getattr(p, attr), 9) for p in chart.points}
    if len(values) == 1:  # XmR: one straight line
        level = y(getattr(chart.points[0], attr))
        x1, x2 = x(0) - 4, x(len(chart.points) - 1) + 4
        return f'<line x1="{x1:.1f}" y1="{level:.1f}" x2="{x2:.1f}" y2="{level:.1f}" stroke="{colour}"{dash}/>'
    coords = []
    for i, p in enumerate(chart.points):
        half = (x(1) - x(0)) / 2 if len(chart.points) > 1 else 4
        value = y(getattr(p, attr))
        coords.append(f"{x(i) - half:.1f},{value:.1f} {x(i) + half:.1f},{value:.1f}")
    return f'<polyline points="{" ".join(coords)}" fill="none" stroke="{colour}"{dash}/>'

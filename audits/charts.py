"""Server-rendered SVG charts of audit findings (no JavaScript): the same markup on the page and in the PDF.

``pareto_chart`` draws findings per clause as bars, most first, with the cumulative % as a line; ``quarter_chart``
stacks each quarter's findings by grade. Every text is escaped by ``format_html``; every bar has a ``<title>``.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from .choices import FindingGrade

WIDTH, HEIGHT = 720, 260
PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 44, 44, 14, 60
#: Room under the Pareto bars for the clause labels, written at 45 degrees.
PARETO_BOTTOM = 96
GRADE_COLOURS = {
    FindingGrade.MAJOR: "#b42318",
    FindingGrade.MINOR: "#f79009",
    FindingGrade.OBSERVATION: "#1570ef",
    FindingGrade.OPPORTUNITY: "#079455",
}
TEXT, GRID, LINE = "#475467", "#d0d5dd", "#101828"


def _join(parts: Sequence[SafeString]) -> SafeString:
    return mark_safe("".join(parts))  # noqa: S308 - every part built by format_html


def _frame(title: str, body: Sequence[SafeString]) -> SafeString:
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {} {}" width="100%" role="img" aria-label="{}">'
        "<title>{}</title>{}</svg>",
        WIDTH,
        HEIGHT,
        title,
        title,
        _join(body),
    )


def _axis(maximum: int, bottom: int = PAD_BOTTOM) -> list[SafeString]:
    inner_h = HEIGHT - PAD_TOP - bottom
    parts = []
    for fraction in (0, 0.5, 1):
        y = PAD_TOP + inner_h * (1 - fraction)
        parts.append(
            format_html(
                '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="{}"/>'
                '<text x="{}" y="{}" text-anchor="end" font-size="11" fill="{}">{}</text>',
                PAD_LEFT,
                WIDTH - PAD_RIGHT,
                round(y, 1),
                round(y, 1),
                GRID,
                PAD_LEFT - 4,
                round(y + 4, 1),
                TEXT,
                round(maximum * fraction),
            )  # fmt: skip
        )
    return parts


def pareto_chart(rows: Sequence[dict], *, title: str) -> SafeString:
    """Bars of findings per clause (most first) and the cumulative % line (right axis, 0–100 %)."""
    if not rows:
        return SafeString("")
    maximum = max(r["count"] for r in rows) or 1
    inner_w, inner_h = WIDTH - PAD_LEFT - PAD_RIGHT, HEIGHT - PAD_TOP - PARETO_BOTTOM
    slot = inner_w / len(rows)
    parts = _axis(maximum, PARETO_BOTTOM)
    points = []
    for i, row in enumerate(rows):
        h = inner_h * row["count"] / maximum
        x = PAD_LEFT + i * slot
        parts.append(
            format_html(
                '<rect x="{}" y="{}" width="{}" height="{}" fill="#1570ef"><title>{}: {}</title></rect>'
                '<text x="{}" y="{}" font-size="10" fill="{}" text-anchor="end" '
                'transform="rotate(-45 {} {})">{}</text>',
                round(x + slot * 0.1, 1),
                round(PAD_TOP + inner_h - h, 1),
                round(slot * 0.8, 1),
                round(h, 1),
                row["label"],
                row["count"],
                round(x + slot / 2, 1),
                HEIGHT - PARETO_BOTTOM + 14,
                TEXT,
                round(x + slot / 2, 1),
                HEIGHT - PARETO_BOTTOM + 14,
                row["label"],
            )  # fmt: skip
        )
        points.append(f"{round(x + slot / 2, 1)},{round(PAD_TOP + inner_h * (1 - row['cumulative'] / 100), 1)}")
    parts.append(
        format_html('<polyline points="{}" fill="none" stroke="{}" stroke-width="2"/>', " ".join(points), LINE)
    )
    parts.append(
        format_html(
            '<text x="{}" y="{}" font-size="11" fill="{}">100 %</text>', WIDTH - PAD_RIGHT + 4, PAD_TOP + 4, TEXT
        )
    )
    return _frame(title, parts)


def quarter_chart(rows: Sequence[dict], *, title: str) -> SafeString:
    """One stacked bar per quarter, a segment per grade (major at the bottom)."""
    if not rows:
        return SafeString("")
    grades = list(FindingGrade.values)
    maximum = max(sum(r[g] for g in grades) for r in rows) or 1
    inner_w, inner_h = WIDTH - PAD_LEFT - PAD_RIGHT, HEIGHT - PAD_TOP - PAD_BOTTOM
    slot = inner_w / len(rows)
    parts = _axis(maximum)
    for i, row in enumerate(rows):
        x = PAD_LEFT + i * slot
        base = PAD_TOP + inner_h
        for grade in grades:
            h = inner_h * row[grade] / maximum
            if h:
                parts.append(
                    format_html(
                        '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"><title>{} {}: {}</title></rect>',
                        round(x + slot * 0.15, 1),
                        round(base - h, 1),
                        round(slot * 0.7, 1),
                        round(h, 1),
                        GRADE_COLOURS[grade],
                        row["quarter"],
                        FindingGrade(grade).label,
                        row[grade],
                    )  # fmt: skip
                )
                base -= h
        parts.append(
            format_html(
                '<text x="{}" y="{}" font-size="11" fill="{}" text-anchor="middle">{}</text>',
                round(x + slot / 2, 1),
                HEIGHT - PAD_BOTTOM + 16,
                TEXT,
                row["quarter"],
            )  # fmt: skip
        )
    left = PAD_LEFT
    for grade in grades:
        label = str(FindingGrade(grade).label)
        parts.append(
            format_html(
                '<rect x="{}" y="{}" width="10" height="10" fill="{}"/>'
                '<text x="{}" y="{}" font-size="11" fill="{}">{}</text>',
                left,
                HEIGHT - 18,
                GRADE_COLOURS[grade],
                left + 14,
                HEIGHT - 9,
                TEXT,
                label,
            )  # fmt: skip
        )
        left += 14 + round(len(label) * 6.2) + 18
    return _frame(title, parts)

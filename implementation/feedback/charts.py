"""Feedback per month, stacked by kind, as SVG drawn on the server (the same drawing on the page and in PDFs).
Every text is escaped; no script, no external reference."""

from __future__ import annotations

from html import escape

from django.utils.safestring import SafeString, mark_safe

from .selectors import KIND_COLOURS, KIND_LABELS, FeedbackStatistics

BAR_W = 26
GAP = 8
LEFT = 40
TOP = 16
HEIGHT = 160
BOTTOM = 60


def monthly_chart_svg(stats: FeedbackStatistics) -> SafeString:
    months = list(stats.by_month.items())
    top = max((sum(kinds.values()) for _m, kinds in months), default=0) or 1
    width = LEFT + max(1, len(months)) * (BAR_W + GAP) + 20
    total_h = TOP + HEIGHT + BOTTOM
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {width} {total_h}" width="{width}" '
        f'height="{total_h}" class="feedback-chart" font-family="sans-serif" font-size="10">',
        "<title>Feedback per month, by kind</title>",
        f'<line x1="{LEFT}" y1="{TOP + HEIGHT}" x2="{width - 10}" y2="{TOP + HEIGHT}" stroke="#8c959f"/>',
        f'<text x="{LEFT - 6}" y="{TOP + 4}" text-anchor="end">{top}</text>',
        f'<text x="{LEFT - 6}" y="{TOP + HEIGHT}" text-anchor="end">0</text>',
    ]
    for index, (month, kinds) in enumerate(months):
        x = LEFT + GAP + index * (BAR_W + GAP)
        y = TOP + HEIGHT
        for kind, colour in KIND_COLOURS.items():
            count = kinds.get(kind, 0)
            if not count:
                continue
            h = HEIGHT * count / top
            y -= h
            label = escape(f"{month:%b %Y} · {KIND_LABELS[kind]}: {count}")
            rect = f'<rect x="{x}" y="{y:.1f}" width="{BAR_W}" height="{h:.1f}" fill="{colour}">'
            parts.append(f"{rect}<title>{label}</title></rect>")
        parts.append(
            f'<text x="{x + BAR_W / 2}" y="{TOP + HEIGHT + 14}" text-anchor="middle">{escape(f"{month:%m/%y}")}</text>'
        )
    legend_y = TOP + HEIGHT + 34
    for index, (kind, colour) in enumerate(KIND_COLOURS.items()):
        x = LEFT + index * 110
        parts.append(f'<rect x="{x}" y="{legend_y}" width="10" height="10" fill="{colour}"/>')
        parts.append(f'<text x="{x + 14}" y="{legend_y + 9}">{escape(str(KIND_LABELS[kind]))}</text>')
    if not months:
        parts.append(f'<text x="{LEFT + 10}" y="{TOP + HEIGHT / 2}">No feedback in this period.</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped

"""Server-rendered SVG charts of the CAPA trends (no JavaScript: they pass the strict CSP and print as is in the
PDF). Every bar carries a ``<title>`` with its figure; the page's tables hold the same numbers."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

WIDTH, HEIGHT = 640, 200
PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 44, 16, 12, 34
COLOURS = ("#1570ef", "#079455", "#f79009", "#d92d20")
GRID, TEXT = "#d0d5dd", "#475467"


def bar_chart(
    points: Sequence[tuple[str, Sequence[float | None]]],
    *,
    title: str,
    series: Sequence[str] = ("",),
    unit: str = "",
    top: float | None = None,
) -> SafeString:
    """Grouped bars: ``points`` are (label, one value per series); an empty chart without points."""
    if not points:
        return SafeString("")
    values = [v or 0 for _label, row in points for v in row]
    top = top or max([*values, 1])
    inner_w, inner_h = WIDTH - PAD_LEFT - PAD_RIGHT, HEIGHT - PAD_TOP - PAD_BOTTOM
    slot = inner_w / len(points)
    bar = max(2.0, slot * 0.8 / max(1, len(series)))

    def y(value: float) -> float:
        return PAD_TOP + inner_h * (1 - min(value, top) / top)

    parts: list[SafeString] = []
    for level in (0, top / 2, top):
        parts.append(
            format_html(
                '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="{}" stroke-width="1"/>'
                '<text x="{}" y="{}" text-anchor="end" font-size="11" fill="{}">{}{}</text>',
                PAD_LEFT,
                WIDTH - PAD_RIGHT,
                f"{y(level):.1f}",
                f"{y(level):.1f}",
                GRID,
                PAD_LEFT - 6,
                f"{y(level) + 4:.1f}",
                TEXT,
                f"{level:g}",
                unit,
            )  # fmt: skip
        )
    for index, (label, row) in enumerate(points):
        x0 = PAD_LEFT + slot * index + slot * 0.1
        for s, value in enumerate(row):
            if value is None:
                continue
            name = f"{series[s]} " if series[s] else ""
            parts.append(
                format_html(
                    '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"><title>{}{}: {}{}</title></rect>',
                    f"{x0 + s * bar:.1f}",
                    f"{y(value):.1f}",
                    f"{bar - 1:.1f}",
                    f"{PAD_TOP + inner_h - y(value):.1f}",
                    COLOURS[s % len(COLOURS)],
                    name,
                    label,
                    f"{value:g}",
                    unit,
                )  # fmt: skip
            )
        parts.append(
            format_html(
                '<text x="{}" y="{}" text-anchor="middle" font-size="10" fill="{}">{}</text>',
                f"{PAD_LEFT + slot * index + slot / 2:.1f}",
                HEIGHT - PAD_BOTTOM + 14,
                TEXT,
                label,
            )  # fmt: skip
        )
    legend = format_html_join(
        "",
        '<rect x="{}" y="{}" width="10" height="10" fill="{}"/><text x="{}" y="{}" font-size="10" fill="{}">{}</text>',
        (
            (
                PAD_LEFT + i * 110,
                HEIGHT - 12,
                COLOURS[i % len(COLOURS)],
                PAD_LEFT + i * 110 + 14,
                HEIGHT - 3,
                TEXT,
                name,
            )
            for i, name in enumerate(series)
            if name
        ),
    )
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {} {}" width="100%" role="img" aria-label="{}">'
        "<title>{}</title>{}{}</svg>",
        WIDTH, HEIGHT, title, title, SafeString("".join(parts)), legend,
    )  # fmt: skip

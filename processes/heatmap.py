"""The gap heatmap as SVG, drawn on the server: one pure function, the same drawing on the page and in the PDF.

Rows are sites, columns the top-level clauses of each standard (grouped under the standard's name); a cell's
colour is its conformity score, the score is written in the cell and its counts are in the cell's ``<title>``
(shown as a tooltip and read by screen readers). Every text is escaped; no script, no external reference.
"""

from __future__ import annotations

from html import escape

from .gap_selectors import Heatmap, Tally

CELL_W = 46
CELL_H = 28
LEFT = 90
TOP = 58
LEGEND_H = 44

#: (lowest score, fill, text colour, label): the colour bands of the legend, best first.
BANDS: tuple[tuple[float, str, str, str], ...] = (
    (90.0, "#1a7f37", "#ffffff", "≥ 90 %"),
    (75.0, "#7bc96f", "#0b2e13", "75–89 %"),
    (50.0, "#f2c94c", "#3d2e00", "50–74 %"),
    (0.0, "#d1242f", "#ffffff", "< 50 %"),
)
NO_DATA = ("#eef0f2", "#57606a", "no result")


def band(score: float | None) -> tuple[str, str]:
    """The fill and text colour of a score (``None``: no judged result)."""
    if score is None:
        return NO_DATA[0], NO_DATA[1]
    for lowest, fill, text, _label in BANDS:
        if score >= lowest:
            return fill, text
    return BANDS[-1][1], BANDS[-1][2]


def cell_title(row_title: str, column_title: str, tally: Tally | None) -> str:
    if tally is None or tally.total == 0:
        return f"{row_title} · {column_title}: no result"
    score = "—" if tally.score is None else f"{tally.score:g} %"
    return (
        f"{row_title} · {column_title}: score {score}; {tally.conforming} conforming, {tally.partial} partial, "
        f"{tally.gap} gap, {tally.not_applicable} not applicable, {tally.unanswered} unanswered"
    )


#: What every text of the drawing shares, set once on the drawing's root group (inherited by each ``<text>``).
TEXT_DEFAULTS = {"size": 11, "anchor": "middle", "fill": "#1f2328", "weight": "normal"}


def _text(
    x: float,
    y: float,
    content: str,
    *,
    size: int = 11,
    anchor: str = "middle",
    fill: str = "#1f2328",
    weight: str = "normal",
) -> str:
    """A ``<text>`` with only the attributes that differ from ``TEXT_DEFAULTS`` (40 sites × 20 groups stay small)."""
    extra = ""
    if size != TEXT_DEFAULTS["size"]:
        extra += f' font-size="{size}"'
    if anchor != TEXT_DEFAULTS["anchor"]:
        extra += f' text-anchor="{anchor}"'
    if fill != TEXT_DEFAULTS["fill"]:
        extra += f' fill="{fill}"'
    if weight != TEXT_DEFAULTS["weight"]:
        extra += f' font-weight="{weight}"'
    return f'<text x="{x:g}" y="{y:g}"{extra}>{escape(content)}</text>'


def heatmap_svg(heatmap: Heatmap, *, title: str = "Gap heatmap") -> str:
    """The SVG document (a string) of ``heatmap``."""
    columns, rows = heatmap.columns, heatmap.rows
    width = LEFT + max(len(columns), 1) * CELL_W + 10
    height = TOP + max(len(rows), 1) * CELL_H + LEGEND_H
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" aria-labelledby="heatmap-title">',
        f'<title id="heatmap-title">{escape(title)}</title>',
        '<g font-family="Helvetica, Arial, sans-serif" font-size="11" text-anchor="middle" fill="#1f2328">',
    ]
    # Standard names above their groups of columns.
    start = 0
    while start < len(columns):
        end = start
        while end + 1 < len(columns) and columns[end + 1].standard == columns[start].standard:
            end += 1
        x0 = LEFT + start * CELL_W
        span = (end - start + 1) * CELL_W
        parts.append(f'<rect x="{x0 + 1}" y="6" width="{span - 2}" height="18" fill="#f6f8fa" stroke="#d0d7de"/>')
        label = columns[start].standard
        parts.append(
            _text(x0 + span / 2, 19, label if len(label) * 6 < span else label.split(":")[0], size=10, weight="bold")
        )
        start = end + 1
    for i, column in enumerate(columns):
        x = LEFT + i * CELL_W + CELL_W / 2
        parts.append(f"<g><title>{escape(column.title)}</title>{_text(x, TOP - 10, column.label, size=11)}</g>")
    for j, row in enumerate(rows):
        y = TOP + j * CELL_H
        parts.append(
            f"<g><title>{escape(row.title)}</title>"
            f"{_text(LEFT - 8, y + CELL_H / 2 + 4, row.label, anchor='end', weight='bold')}</g>"
        )
        for i, column in enumerate(columns):
            x = LEFT + i * CELL_W
            tally = heatmap.cell(row.key, column.key)
            score = tally.score if tally is not None else None
            fill, ink = band(score)
            shown = "–" if score is None else f"{score:.0f}"
            parts.append(
                f"<g><title>{escape(cell_title(row.title, column.title, tally))}</title>"
                f'<rect x="{x + 1}" y="{y + 1}" width="{CELL_W - 2}" height="{CELL_H - 2}" rx="3" fill="{fill}"/>'
                f"{_text(x + CELL_W / 2, y + CELL_H / 2 + 4, shown, fill=ink)}</g>"
            )
    legend_y = TOP + max(len(rows), 1) * CELL_H + 14
    x = 8
    for _lowest, fill, _ink, label in (*BANDS, (None, NO_DATA[0], NO_DATA[1], NO_DATA[2])):
        parts.append(f'<rect x="{x}" y="{legend_y}" width="14" height="14" rx="2" fill="{fill}" stroke="#d0d7de"/>')
        parts.append(_text(x + 18, legend_y + 11, label, size=10, anchor="start"))
        x += 26 + len(label) * 6
    parts.append(
        _text(
            x + 4, legend_y + 11, "score = (conforming + ½ partial) ÷ judged", size=10, anchor="start", fill="#57606a"
        )
    )
    parts.append("</g></svg>")
    return "".join(parts)

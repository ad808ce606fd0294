"""The register heat map as SVG, drawn on the server: one pure function, the same drawing on the page, in the
manual and in its PDF.

Rows are severity (highest at the top), columns likelihood (or probability); a cell holds the number of active
entries scored there. A cell with entries takes the colour of its worst band; an empty cell is tinted with the
band of its position. Counts and bands are in each cell's ``<title>``. Every text is escaped; no script, no
external reference.
"""

from __future__ import annotations

from html import escape

from .selectors import HeatGrid

CELL = 34
LEFT = 56
TOP = 40
LEGEND_H = 40
#: band → (fill of a cell with entries, text colour, tint of an empty cell, legend label)
COLOURS: dict[str, tuple[str, str, str, str]] = {
    "low": ("#1a7f37", "#ffffff", "#dafbe1", "Low"),
    "medium": ("#d4a72c", "#1f2328", "#fff8c5", "Medium"),
    "high": ("#cf222e", "#ffffff", "#ffebe9", "High"),
}


def _text(x: float, y: float, content: str, **attrs: str) -> str:
    extra = "".join(f' {name.replace("_", "-")}="{value}"' for name, value in attrs.items())
    return f'<text x="{x:g}" y="{y:g}"{extra}>{escape(content)}</text>'


def heatmap_svg(grid: HeatGrid, *, title: str | None = None, element_id: str = "") -> str:
    """The SVG document (a string) of one site's heat map for one discipline."""
    method = grid.method
    rows, columns = method.severity_max, method.likelihood_max
    heading = f"{grid.site_code} · {grid.discipline_label}"
    # Wide enough for the heading (bold 11 px: about 6.6 px a character), which is centred over the whole drawing.
    width = max(LEFT + columns * CELL + 12, round(len(heading) * 6.6) + 16)
    height = TOP + rows * CELL + 30 + LEGEND_H
    likelihood = "probability" if method.uses_detectability else "likelihood"
    title = title or f"{grid.site_code} · {grid.discipline_label}: {grid.total} entries ({grid.basis} scores)"
    ident = escape(element_id or f"heatmap-{grid.site_code}-{grid.discipline}".lower())
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" aria-labelledby="{ident}-title" data-heatmap="{escape(grid.discipline)}">',
        f'<title id="{ident}-title">{escape(title)}</title>',
        '<g font-family="Helvetica, Arial, sans-serif" font-size="11" text-anchor="middle" fill="#1f2328">',
        _text(width / 2, 14, heading, font_weight="bold"),
        _text(14, TOP + rows * CELL / 2, "severity", transform=f"rotate(-90 14 {TOP + rows * CELL / 2:g})"),
    ]
    for r in range(rows):
        severity = rows - r
        y = TOP + r * CELL
        parts.append(_text(LEFT - 10, y + CELL / 2 + 4, str(severity)))
        for c in range(columns):
            like = c + 1
            x = LEFT + c * CELL
            count = grid.counts.get((severity, like), 0)
            if count:
                band = grid.worst.get((severity, like), "low")
                fill, ink = COLOURS[band][0], COLOURS[band][1]
            else:
                band = grid.background(severity, like)
                fill, ink = COLOURS[band][2], "#57606a"
            tip = f"severity {severity} × {likelihood} {like}: {count} entr{'y' if count == 1 else 'ies'}"
            if count:
                tip += f", worst band {band}"
            parts.append(
                f'<g data-cell="{severity}-{like}" data-count="{count}"><title>{escape(tip)}</title>'
                f'<rect x="{x + 1}" y="{y + 1}" width="{CELL - 2}" height="{CELL - 2}" rx="3" fill="{fill}"/>'
                + (_text(x + CELL / 2, y + CELL / 2 + 4, str(count), fill=ink, font_weight="bold") if count else "")
                + "</g>"
            )
    axis_y = TOP + rows * CELL + 14
    for c in range(columns):
        parts.append(_text(LEFT + c * CELL + CELL / 2, axis_y, str(c + 1)))
    parts.append(_text(LEFT + columns * CELL / 2, axis_y + 14, likelihood))
    legend_y = axis_y + 24
    x = 6
    for band in ("low", "medium", "high"):
        fill, _ink, _tint, label = COLOURS[band]
        parts.append(f'<rect x="{x}" y="{legend_y}" width="12" height="12" rx="2" fill="{fill}"/>')
        parts.append(_text(x + 16, legend_y + 10, label, text_anchor="start", font_size="10"))
        x += 24 + len(label) * 6
    parts.append("</g></svg>")
    return "".join(parts)

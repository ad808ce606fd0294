"""The process landscape as SVG, drawn on the server: the same drawing on the page and in the PDF.

A pure function of plain data (``Box``, ``Link``): three bands — management processes on top, the core
processes in the middle as a value chain (chevrons, left to right), support processes at the bottom — each a
grid of boxes with the process code and name, linked to the process page; and a curved arrow for every active
interaction, whose label shows on hover (``<title>``, also read by screen readers). Every text is escaped;
the drawing holds no script and loads nothing.

Readable at 30 processes of one site (six boxes a row); the company-wide view widens the grid instead of
shrinking the text, and stays one pass over the data (1,200 processes: a few milliseconds).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

BANDS: tuple[tuple[str, str, str, str], ...] = (
    # process type, heading, band fill, box fill
    ("management", "Management processes", "#eef3fb", "#ffffff"),
    ("core", "Core processes — value chain", "#eaf6ee", "#ffffff"),
    ("support", "Support processes", "#f6f1e8", "#ffffff"),
)
BOX_W, BOX_H = 196, 62
GAP_X, GAP_Y = 30, 30
BAND_HEAD = 34
BAND_PAD = 18
MARGIN = 12
COLUMNS = 6
NAME_WIDTH = 30
CHEVRON = 14
STYLE = (
    ".lsc-box text{font-family:Helvetica,Arial,sans-serif;fill:#212529}"
    ".lsc-code{font-size:12px;font-weight:700}.lsc-name{font-size:11px}"
    ".lsc-band{font-family:Helvetica,Arial,sans-serif;font-size:13px;font-weight:700;fill:#495057}"
    ".lsc-link .lsc-line{fill:none;stroke:#6c7a89;stroke-width:1.4;stroke-linejoin:round}"
    ".lsc-link .lsc-hit{fill:none;stroke:transparent;stroke-width:10}"
    ".lsc-link:hover .lsc-line,.lsc-link:focus .lsc-line{stroke:#0b5ed7;stroke-width:3}"
    ".lsc-box a:hover .lsc-shape,.lsc-box a:focus .lsc-shape{stroke:#0b5ed7;stroke-width:2.5}"
    ".lsc-empty{font-family:Helvetica,Arial,sans-serif;font-size:12px;fill:#6c757d;font-style:italic}"
)


@dataclass(frozen=True)
class Box:
    key: int
    code: str
    name: str
    band: str
    url: str = ""


@dataclass(frozen=True)
class Link:
    source: int
    target: int
    label: str = ""
    count: int = 1  # how many interactions it stands for (company-wide: one per site)


@dataclass
class _Placed:
    box: Box
    x: float
    y: float
    row: int
    band: int
    column: int = 0
    line: int = 0  # the row counted over all bands, top to bottom

    @property
    def cx(self) -> float:
        return self.x + BOX_W / 2

    @property
    def cy(self) -> float:
        return self.y + BOX_H / 2


def _e(value) -> str:
    return escape(str(value), quote=True)


def _num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def columns_for(boxes: Sequence[Box]) -> int:
    """Six a row for a site; wider for the company-wide view so that it grows in both directions."""
    largest = max((sum(1 for b in boxes if b.band == band) for band, *_ in BANDS), default=0)
    if largest <= 4 * COLUMNS:
        return COLUMNS
    return max(COLUMNS, math.ceil(math.sqrt(largest * 2)))


def _name_lines(name: str) -> list[str]:
    """At most two lines of ``NAME_WIDTH`` characters, split at spaces; a longer name ends in "…"."""
    lines: list[str] = []
    current = ""
    for word in name.split():
        while len(word) > NAME_WIDTH:  # a very long word is cut
            if current:
                lines.append(current)
                current = ""
            lines.append(word[:NAME_WIDTH])
            word = word[NAME_WIDTH:]
        if not current:
            current = word
        elif len(current) + 1 + len(word) <= NAME_WIDTH:
            current = f"{current} {word}"
        else:
            lines.append(current)
            current = word
    if current:
        lines.append(current)
    if len(lines) > 2:
        lines = [lines[0], lines[1][: NAME_WIDTH - 1].rstrip() + "…"]
    return lines or [""]


def _shape(x: float, y: float, core: bool, fill: str) -> str:
    if core:
        points = [
            (x, y),
            (x + BOX_W - CHEVRON, y),
            (x + BOX_W, y + BOX_H / 2),
            (x + BOX_W - CHEVRON, y + BOX_H),
            (x, y + BOX_H),
            (x + CHEVRON, y + BOX_H / 2),
        ]
        coords = " ".join(f"{_num(px)},{_num(py)}" for px, py in points)
        return f'<polygon class="lsc-shape" points="{coords}" fill="{fill}" stroke="#2f7d4f" stroke-width="1.3"/>'
    return (
        f'<rect class="lsc-shape" x="{_num(x)}" y="{_num(y)}" width="{BOX_W}" height="{BOX_H}" rx="8" '
        f'fill="{fill}" stroke="#4a6fa5" stroke-width="1.3"/>'
    )


def _box(placed: _Placed, fill: str) -> str:
    box = placed.box
    core = box.band == "core"
    x, y = placed.x, placed.y
    inset = CHEVRON + 6 if core else 10
    parts = [f'<g class="lsc-box" data-process="{_e(box.code)}">']
    if box.url:
        parts.append(f'<a href="{_e(box.url)}">')
    parts.append(f"<title>{_e(box.code)} · {_e(box.name)}</title>")
    parts.append(_shape(x, y, core, fill))
    parts.append(f'<text class="lsc-code" x="{_num(x + inset)}" y="{_num(y + 19)}">{_e(box.code)}</text>')
    for index, line in enumerate(_name_lines(box.name)):
        parts.append(f'<text class="lsc-name" x="{_num(x + inset)}" y="{_num(y + 36 + 14 * index)}">{_e(line)}</text>')
    if box.url:
        parts.append("</a>")
    parts.append("</g>")
    return "".join(parts)


def _curve(source: _Placed, target: _Placed, spread: tuple[float, float], shift: float = 0.0) -> str:
    """The path of an arrow: sideways within a row, a curve across the gap between two neighbouring rows, and
    otherwise orthogonal through the gap below (above) the source row, the free gutter between two columns and
    the gap above (below) the target row, so that it never crosses a box."""
    offset_s, offset_t = spread
    if source.line == target.line:
        if abs(source.column - target.column) == 1:
            left = source.x < target.x
            sx = source.x + BOX_W if left else source.x
            tx = target.x if left else target.x + BOX_W
            sy, ty = source.cy + offset_s / 3, target.cy + offset_t / 3
            return f"M{_num(sx)},{_num(sy)} L{_num(tx)},{_num(ty)}"
        # Farther along the same row: arc under the boxes in between, within the gap below the row (the band
        # heading sits above a band's first row).
        sx, tx = source.cx + offset_s, target.cx + offset_t
        sy = ty = source.y + BOX_H
        low = sy + (GAP_Y - 6) / 0.75
        return f"M{_num(sx)},{_num(sy)} C{_num(sx)},{_num(low)} {_num(tx)},{_num(low)} {_num(tx)},{_num(ty)}"
    down = target.line > source.line
    sx, tx = source.cx + offset_s, target.cx + offset_t
    sy = source.y + BOX_H if down else source.y
    ty = target.y if down else target.y + BOX_H
    if abs(target.line - source.line) == 1:
        bend = max(12.0, abs(ty - sy) / 2)
        c1y = sy + bend if down else sy - bend
        c2y = ty - bend if down else ty + bend
        return f"M{_num(sx)},{_num(sy)} C{_num(sx)},{_num(c1y)} {_num(tx)},{_num(c2y)} {_num(tx)},{_num(ty)}"
    lane = 8 + shift / 2  # close to the boxes: clear of the band heading above a first row
    y1 = sy + lane if down else sy - lane
    y2 = ty - lane if down else ty + lane
    gutter = (
        target.x - GAP_X / 2 + shift / 2 if target.column <= source.column else target.x + BOX_W + GAP_X / 2 + shift / 2
    )
    return f"M{_num(sx)},{_num(sy)} V{_num(y1)} H{_num(gutter)} V{_num(y2)} H{_num(tx)} V{_num(ty)}"


def _spreads(links: Sequence[Link], placed: dict[int, _Placed]) -> list[tuple[float, float]]:
    """Arrows leaving or reaching the same box fan out along its side instead of meeting in one point."""
    ends: dict[int, list[int]] = {}
    for index, link in enumerate(links):
        ends.setdefault(link.source, []).append(index)
        ends.setdefault(link.target, []).append(index)
    slot: dict[tuple[int, int], float] = {}
    for key, indexes in ends.items():
        count = len(indexes)
        step = min(14.0, (BOX_W - 40) / max(count, 1))
        for position, index in enumerate(indexes):
            slot[(key, index)] = (position - (count - 1) / 2) * step
    return [(slot[(link.source, i)], slot[(link.target, i)]) for i, link in enumerate(links)]


def draw(boxes: Sequence[Box], links: Sequence[Link], *, title: str = "Process landscape") -> str:
    """The landscape as one ``<svg>`` element (a string safe to embed: every text escaped, no script)."""
    columns = columns_for(boxes)
    width = MARGIN * 2 + BAND_PAD * 2 + columns * BOX_W + (columns - 1) * GAP_X
    placed: dict[int, _Placed] = {}
    band_parts: list[str] = []
    box_parts: list[str] = []
    y = MARGIN
    line = 0
    for band_index, (band, heading, band_fill, box_fill) in enumerate(BANDS):
        members = [box for box in boxes if box.band == band]
        rows = max(1, math.ceil(len(members) / columns))
        height = BAND_HEAD + rows * BOX_H + (rows - 1) * GAP_Y + BAND_PAD
        band_parts.append(
            f'<g class="lsc-band-group" data-band="{band}">'
            f'<rect x="{MARGIN}" y="{_num(y)}" width="{width - 2 * MARGIN}" height="{_num(height)}" rx="10" '
            f'fill="{band_fill}" stroke="#ced4da"/>'
            f'<text class="lsc-band" x="{MARGIN + BAND_PAD}" y="{_num(y + 22)}">{_e(heading)}</text>'
        )
        if not members:
            band_parts.append(
                f'<text class="lsc-empty" x="{MARGIN + BAND_PAD}" y="{_num(y + BAND_HEAD + 24)}">'
                "No processes of this type.</text>"
            )
        band_parts.append("</g>")
        for index, box in enumerate(members):
            row, column = divmod(index, columns)
            spot = _Placed(
                box=box,
                x=MARGIN + BAND_PAD + column * (BOX_W + GAP_X),
                y=y + BAND_HEAD + row * (BOX_H + GAP_Y),
                row=row,
                band=band_index,
                column=column,
                line=line + row,
            )
            placed[box.key] = spot
            box_parts.append(_box(spot, box_fill))
        y += height + GAP_Y
        line += rows
    height = y - GAP_Y + MARGIN
    drawn = [link for link in links if link.source in placed and link.target in placed and link.source != link.target]
    link_parts = []
    for index, (link, spread) in enumerate(zip(drawn, _spreads(drawn, placed), strict=True)):
        source, target = placed[link.source], placed[link.target]
        path = _curve(source, target, spread, shift=(index % 5 - 2) * 3.0)
        label = f"{source.box.code} → {target.box.code}" + (f": {link.label}" if link.label else "")
        link_parts.append(
            f'<g class="lsc-link" tabindex="0" data-from="{_e(source.box.code)}" data-to="{_e(target.box.code)}">'
            f"<title>{_e(label)}</title>"
            f'<path class="lsc-hit" d="{path}"/>'
            f'<path class="lsc-line" d="{path}" marker-end="url(#lsc-arrow)"/></g>'
        )
    # A site's landscape scales to the page; the company-wide one keeps its size (the page scrolls) to stay legible.
    fit = ' style="max-width:100%;height:auto"' if columns == COLUMNS else ""
    return "".join(
        [
            f'<svg xmlns="http://www.w3.org/2000/svg" class="process-landscape" viewBox="0 0 {_num(width)} '
            f'{_num(height)}" width="{_num(width)}" height="{_num(height)}"{fit} role="group" '
            'aria-labelledby="lsc-title">',  # a group, not an image: its boxes are links
            f'<title id="lsc-title">{_e(title)}</title>',
            f"<style>{STYLE}</style>",
            '<defs><marker id="lsc-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
            'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#6c7a89"/></marker></defs>',
            *band_parts,
            *box_parts,
            *link_parts,
            "</svg>",
        ]
    )

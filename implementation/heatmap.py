"""The rollout heat map and the plan timeline as SVG, drawn on the server by pure functions: the same drawing on the
page and in the PDF. Every text is escaped; the only links are the drill-downs (``<a href>``); no script."""

from __future__ import annotations

import datetime
import textwrap
from dataclasses import dataclass
from html import escape

from .choices import IMS_STEPS, Readiness

CELL_W, CELL_H, LEFT, TOP = 130, 30, 200, 64
FILL = {
    Readiness.GREEN: ("#1a7f37", "#ffffff", "met"),
    Readiness.AMBER: ("#f2c94c", "#3d2e00", "not yet"),
    Readiness.RED: ("#d1242f", "#ffffff", "overdue"),
    Readiness.NONE: ("#eef0f2", "#57606a", "—"),
}


@dataclass(frozen=True)
class Cell:
    colour: str
    detail: str
    url: str


@dataclass(frozen=True)
class Row:
    label: str  # the site ("BSL · Basel")
    status: str
    url: str
    cells: dict[int, Cell]


def _text(x: float, y: float, content: str, **attrs) -> str:
    extra = "".join(f' {k.replace("_", "-")}="{escape(str(v))}"' for k, v in attrs.items())
    return f'<text x="{x:g}" y="{y:g}"{extra}>{escape(content)}</text>'


def rollout_heatmap_svg(rows: list[Row], *, title: str = "Rollout heat map") -> str:
    """Rows are sites, columns the six IMS steps; a cell is green, amber, red or grey and links to the failing
    criterion's records (its ``<title>`` says which criterion and its live value)."""
    steps = list(IMS_STEPS.items())
    width = LEFT + len(steps) * CELL_W + 10
    height = TOP + max(len(rows), 1) * CELL_H + 40
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img" aria-labelledby="rollout-heatmap-title" font-family="sans-serif" font-size="11">',
        f'<title id="rollout-heatmap-title">{escape(title)}</title>',
    ]
    for index, (step, name) in enumerate(steps):
        x = LEFT + index * CELL_W + CELL_W / 2
        out.append(_text(x, 22, f"Step {step}", text_anchor="middle", font_weight="bold"))
        # The step's name on at most two lines that fit the column (10 px text: about 6 px a character).
        for line_no, line in enumerate(textwrap.wrap(str(name), 20)[:2]):
            out.append(_text(x, 38 + 12 * line_no, line, text_anchor="middle", font_size=10))
    if not rows:
        out.append(_text(LEFT, TOP + 20, "No rollout plan to show."))
    for r, row in enumerate(rows):
        y = TOP + r * CELL_H
        out.append(f'<a href="{escape(row.url)}">{_text(8, y + 19, row.label[:32])}</a>')
        for index, (step, name) in enumerate(steps):
            cell = row.cells.get(step) or Cell(Readiness.NONE, "No criterion for this step.", row.url)
            fill, ink, word = FILL.get(cell.colour, FILL[Readiness.NONE])
            x = LEFT + index * CELL_W
            out.append(
                f'<a href="{escape(cell.url)}" data-cell="{escape(cell.colour)}">'
                f'<rect x="{x + 1}" y="{y + 1}" width="{CELL_W - 2}" height="{CELL_H - 2}" rx="3" fill="{fill}">'
                f"<title>{escape(f'{row.label} · step {step} {name}: {cell.detail}')}</title></rect>"
                f"{_text(x + CELL_W / 2, y + 19, word, text_anchor='middle', fill=ink)}</a>"
            )
    legend_y = TOP + max(len(rows), 1) * CELL_H + 24
    for index, colour in enumerate((Readiness.GREEN, Readiness.AMBER, Readiness.RED, Readiness.NONE)):
        fill, _ink, _word = FILL[colour]
        x = 8 + index * 170
        out.append(f'<rect x="{x}" y="{legend_y - 10}" width="12" height="12" fill="{fill}"/>')
        out.append(_text(x + 18, legend_y, str(colour.label)))
    out.append("</svg>")
    return "".join(out)


@dataclass(frozen=True)
class Bar:
    label: str
    start: datetime.date
    end: datetime.date
    done: bool
    late: bool
    is_phase: bool = False


def timeline_svg(bars: list[Bar], *, today: datetime.date, title: str = "Rollout timeline") -> str:
    """A Gantt-like chart: one bar per phase (its span) and per task (start → due), a line for today."""
    label_w, row_h, width = 230, 20, 900
    if not bars:
        return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} 40" role="img"><title>{escape(title)}'
                f'</title>{_text(8, 24, "No dated task yet.", font_size=12)}</svg>')  # fmt: skip
    first = min(min(b.start for b in bars), today)
    last = max(max(b.end for b in bars), today)
    span = max((last - first).days, 1)
    scale = (width - label_w - 20) / span

    def x_of(day: datetime.date) -> float:
        return label_w + (day - first).days * scale

    height = 40 + len(bars) * row_h + 10
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img" font-family="sans-serif" font-size="11"><title>{escape(title)}</title>'
    ]
    month = first.replace(day=1)
    while month <= last:
        if month >= first:
            out.append(f'<line x1="{x_of(month):.1f}" y1="26" x2="{x_of(month):.1f}" y2="{height - 6}" '
                       f'stroke="#d0d7de" stroke-width="0.5"/>')  # fmt: skip
            out.append(_text(x_of(month) + 2, 20, month.strftime("%b %y"), font_size=9, fill="#57606a"))
        month = (month + datetime.timedelta(days=32)).replace(day=1)
    for index, bar in enumerate(bars):
        y = 34 + index * row_h
        fill = "#1a7f37" if bar.done else "#d1242f" if bar.late else "#0969da"
        if bar.is_phase:
            fill = "#57606a"
        x1, x2 = x_of(bar.start), x_of(bar.end)
        weight = "bold" if bar.is_phase else "normal"
        out.append(_text(8 if bar.is_phase else 18, y + 12, bar.label[:34], font_weight=weight))
        out.append(
            f'<rect x="{x1:.1f}" y="{y + (4 if bar.is_phase else 2)}" width="{max(x2 - x1, 3):.1f}" '
            f'height="{8 if bar.is_phase else 13}" rx="2" fill="{fill}"><title>{escape(bar.label)}: '
            f"{bar.start.isoformat()} → {bar.end.isoformat()}</title></rect>"
        )
    out.append(f'<line x1="{x_of(today):.1f}" y1="26" x2="{x_of(today):.1f}" y2="{height - 6}" stroke="#d1242f" '
               f'stroke-dasharray="3 2"><title>Today {today.isoformat()}</title></line>')  # fmt: skip
    out.append("</svg>")
    return "".join(out)

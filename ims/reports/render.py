"""Rendering helpers for evidence sections: tables in the pack's house style, and one part as PDF."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.template.loader import render_to_string

#: Table rows per part: a part of this many rows renders in about a second and holds little memory.
ROWS_PER_PART = 250


EMPTY = "—"


def local_time(value, tz) -> str:
    """A date-time as evidence shows it: the wall time at the site and the zone's name; "—" for none."""
    from ims.esign.selectors import local_text

    return local_text(value, tz) or EMPTY


def yes_no(value: bool) -> str:
    from django.utils.translation import gettext as _

    return _("Yes") if value else _("No")


def part_title(label: str, window: slice, count: int) -> str:
    """The bookmark of a part of a table: "Findings 251–500"."""
    return f"{label} {window.start + 1}–{window.start + count}" if count else label


def column_widths(columns: Sequence[str], rows: Sequence[Sequence], *, line: int = 115) -> list[float]:
    """Percent widths from what the columns hold: each column first gets its longest word (header or cells, at
    most 10 characters, so short values never break inside), then the rest of the line (``line`` characters) is
    shared by the mean length of the cells. The pack's tables use the fixed table layout, several times faster to
    render than the automatic one; these widths give it the proportions the automatic layout would find."""
    sample = rows[:200]
    floors, means = [], []
    for index, label in enumerate(columns):
        cells = [str(row[index]) for row in sample if index < len(row)]
        word = max((len(w) for text in (str(label), *cells) for w in text.split()), default=1)
        floors.append(min(word, 10) + 1.0)
        means.append(sum(len(cell) for cell in cells) / len(cells) if cells else 1.0)
    rest = max(line - sum(floors), 0.0)
    share = sum(means) or 1.0
    widths = [floor + rest * mean / share for floor, mean in zip(floors, means, strict=True)]
    total = sum(widths) or 1.0
    return [round(100 * width / total, 2) for width in widths]


def table_html(*, title: str = "", lead: str = "", columns: Sequence, rows: Iterable[Sequence], empty: str = "") -> str:
    """``columns``: labels, or (label, numeric) pairs. Cells are escaped."""
    columns = [(c, False) if isinstance(c, str) else tuple(c) for c in columns]
    rows = [list(r) for r in rows]
    return render_to_string(
        "reports/table.html",
        {
            "title": title,
            "lead": lead,
            "columns": columns,
            "rows": rows,
            "empty": empty,
            "widths": column_widths([label for label, _numeric in columns], rows),
            "numeric": {i for i, (_label, numeric) in enumerate(columns) if numeric},
        },
    )


def render_by_prefix(renderers, scope, key: str, *, section: str):
    """Render the part ``key`` (e.g. ``"findings3"``) with the renderer of its prefix (``"findings"``)."""
    try:
        renderer = renderers[key.rstrip("0123456789")]
    except KeyError:
        raise ValueError(f"Unknown part {key!r} of the {section} section") from None
    return renderer(scope, key)


def paged_keys(count: int, *, per_part: int = ROWS_PER_PART, prefix: str = "") -> list[str]:
    """Part keys ``prefix0``, ``prefix1``, … covering ``count`` rows (at least one part, for an empty table)."""
    parts = max(1, -(-count // per_part))
    return [f"{prefix}{i}" for i in range(parts)]


def page_slice(key: str, *, per_part: int = ROWS_PER_PART, prefix: str = "") -> slice:
    index = int(key.removeprefix(prefix) or 0)
    return slice(index * per_part, (index + 1) * per_part)


def part_document(*, section_title: str, body: str, first_part: bool) -> str:
    return render_to_string(
        "reports/part.html", {"section_title": section_title, "body": body, "first_part": first_part}
    )


def html_to_pdf(html: str) -> bytes:
    """WeasyPrint with the locked fetcher (no file, network or relative URL is ever loaded)."""
    from weasyprint import HTML

    from ims.documents.pdf import LockedURLFetcher

    return HTML(string=html, base_url=None, url_fetcher=LockedURLFetcher()).write_pdf()

"""Small helpers for live blocks: escaped tables, a digest of what a block showed, parameter checks."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence

from django.core.exceptions import ValidationError
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from .blocks import Source


def digest(*values) -> str:
    """A short stable digest of what a block showed of a record."""
    text = json.dumps([str(v) for v in values], ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def source(ref: str, label: str, *values) -> Source:
    return Source(ref=ref, label=label, digest=digest(*values))


def table(columns: Sequence[str], rows: Iterable[Sequence], *, caption: str = "", empty: str = "") -> SafeString:
    """An escaped ``<table class="manual-table">``; a row cell that is already safe HTML is kept as it is."""
    rows = list(rows)
    if not rows:
        return format_html('<p class="manual-empty">{}</p>', empty or _("Nothing to show for the sites in scope."))
    head = format_html_join("", "<th>{}</th>", ((c,) for c in columns))
    body = mark_safe(  # noqa: S308 - every row is built with format_html
        "".join(format_html("<tr>{}</tr>", format_html_join("", "<td>{}</td>", ((c,) for c in row))) for row in rows)
    )
    cap = format_html("<caption>{}</caption>", caption) if caption else ""
    return format_html(
        '<table class="manual-table">{}<thead><tr>{}</tr></thead><tbody>{}</tbody></table>', cap, head, body
    )


def int_param(params: dict, name: str, *, label: str, required: bool = False) -> int | None:
    """The integer parameter ``name``, or None when absent and optional; a clear error otherwise."""
    value = (params or {}).get(name)
    if value in (None, ""):
        if required:
            raise ValidationError({"params": _("Choose the %(what)s this block shows.") % {"what": label}})
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValidationError({"params": _("“%(v)s” is not a valid %(what)s.") % {"v": value, "what": label}}) from None


def not_visible(label: str) -> ValidationError:
    return ValidationError(
        {"params": _("The %(what)s chosen for this block does not exist or you may not see it.") % {"what": label}}
    )

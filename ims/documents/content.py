"""The content of a version: Markdown rendered to sanitised HTML, uploaded files checked, versions compared.

- ``render_markdown``: Markdown → HTML through an allow-list sanitiser (nh3); no script, event handler
  or ``javascript:`` URL survives, whatever the author typed.
- ``attachment_check``: a PDF or DOCX by extension *and* by its bytes (magic numbers, the DOCX package
  structure), within the size limit; returns the detected type, size and SHA-256.
- ``diff_unified`` / ``diff_side_by_side``: a readable, escaped HTML diff of two versions' Markdown.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

import markdown
import nh3
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from .uploads import upload_check

MARKDOWN_EXTENSIONS = ("extra", "sane_lists", "toc")
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}


def render_markdown(text: str) -> SafeString:
    """Sanitised HTML of the Markdown ``text`` (safe to insert into a page)."""
    html = markdown.markdown(text or "", extensions=list(MARKDOWN_EXTENSIONS), output_format="html")
    clean = nh3.clean(
        html,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
    return mark_safe(clean)  # noqa: S308 - the sanitiser's output


def attachment_check(upload) -> CheckedAttachment:
    """Raise ``ValidationError`` (field ``attachment``) unless ``upload`` is a PDF or DOCX within the limit
    (the portal's upload rules, ``ims.documents.uploads``)."""
    checked = upload_check(upload, allowed=("pdf", "docx"), field="attachment")
    return CheckedAttachment(
        content_type=checked.content_type, size=checked.size, sha256=checked.sha256, name=checked.name
    )


@dataclass(frozen=True)
class CheckedAttachment:
    content_type: str
    size: int
    sha256: str
    name: str


# --- Comparing versions ---------------------------------------------------------------------------------------


def _lines(text: str) -> list[str]:
    return (text or "").replace("\r\n", "\n").split("\n")


def diff_unified(old: str, new: str, *, old_label: str, new_label: str, context: int = 3) -> SafeString:
    """A unified diff as an escaped ``<pre>`` with one ``<span>`` per line (added / removed / context)."""
    lines = list(
        difflib.unified_diff(_lines(old), _lines(new), fromfile=old_label, tofile=new_label, lineterm="", n=context)
    )
    if not lines:
        return format_html('<p class="text-body-secondary">{}</p>', _("The two versions have the same content."))
    rows = []
    for line in lines:
        if line.startswith(("+++", "---")):
            css = "diff-file"
        elif line.startswith("@@"):
            css = "diff-hunk"
        elif line.startswith("+"):
            css = "diff-add"
        elif line.startswith("-"):
            css = "diff-del"
        else:
            css = "diff-ctx"
        rows.append((css, line))
    body = format_html_join("\n", '<span class="{}">{}</span>', rows)
    return format_html('<pre class="diff diff-unified">{}</pre>', body)


def diff_side_by_side(old: str, new: str, *, old_label: str, new_label: str) -> SafeString:
    """A two-column table: the old version's lines on the left, the new version's on the right."""
    a, b = _lines(old), _lines(new)
    rows: list[str] = []
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        left, right = a[i1:i2], b[j1:j2]
        for k in range(max(len(left), len(right))):
            old_line = left[k] if k < len(left) else None
            new_line = right[k] if k < len(right) else None
            if tag == "equal":
                css_old = css_new = "diff-ctx"
            else:
                css_old = "diff-del" if old_line is not None else "diff-empty"
                css_new = "diff-add" if new_line is not None else "diff-empty"
            rows.append(
                format_html(
                    '<tr><td class="diff-no">{}</td><td class="{}">{}</td><td class="diff-no">{}</td>'
                    '<td class="{}">{}</td></tr>',
                    i1 + k + 1 if old_line is not None else "",
                    css_old,
                    old_line if old_line is not None else "",
                    j1 + k + 1 if new_line is not None else "",
                    css_new,
                    new_line if new_line is not None else "",
                )
            )
    header = format_html('<thead><tr><th colspan="2">{}</th><th colspan="2">{}</th></tr></thead>', old_label, new_label)
    return format_html(
        '<table class="table table-sm diff diff-side">{}<tbody>{}</tbody></table>',
        header,
        mark_safe("\n".join(rows)),  # noqa: S308 - every row was built with format_html
    )

"""Content kinds: document types whose version content is not Markdown (e.g. a process map's BPMN XML).

An app registers a kind for a document type from its ``AppConfig.ready()``; the kernel then asks the
kind how to show a version (detail page, signing page, PDF), what to compare between two versions, and
whether new content is acceptable. The version's content stays in ``DocumentVersion.body`` (the signed
field), and the lifecycle (review, approval, effective dates, retire) is the kernel's as for any document.
The kernel never imports the apps that register kinds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.safestring import SafeString

from .content import render_markdown


@dataclass(frozen=True)
class ContentKind:
    #: HTML of a version's content (detail, signing and document pages), already safe.
    render: Callable[..., SafeString]
    #: The lines compared between two versions.
    diff_lines: Callable[..., list[str]]
    #: Extra context for the version's PDF (``body_html`` replaces the rendered Markdown).
    pdf_context: Callable[..., dict]
    #: Raise ``ValidationError`` (field ``body``) unless the text is acceptable content of this kind.
    validate: Callable[[str], None]
    #: Called after a version's content was saved (inside the transaction), e.g. to derive a diagram.
    saved: Callable[..., None] | None = None
    #: The page where a draft's content is edited (instead of the Markdown form), or None.
    edit_url: Callable[..., str | None] | None = None
    #: Raise ``ValidationError`` when a version may not be approved yet (e.g. an empty mandatory section);
    #: called before the signature ceremony and again on the locked row inside it.
    approval_check: Callable[..., None] | None = None
    #: Called inside the approval's transaction once the version is approved (``version``, ``actor``), before it
    #: may become effective, e.g. to fix a rendering of what was signed.
    approved: Callable[..., None] | None = None


_KINDS: dict[str, ContentKind] = {}


def content_kind_register(
    doc_type: str,
    *,
    render: Callable[..., SafeString],
    diff_lines: Callable[..., list[str]],
    pdf_context: Callable[..., dict],
    validate: Callable[[str], None],
    saved: Callable[..., None] | None = None,
    edit_url: Callable[..., str | None] | None = None,
    approval_check: Callable[..., None] | None = None,
    approved: Callable[..., None] | None = None,
) -> None:
    """Register (or replace: ``ready()`` may run more than once in tests) the content kind of ``doc_type``."""
    _KINDS[str(doc_type)] = ContentKind(
        render=render,
        diff_lines=diff_lines,
        pdf_context=pdf_context,
        validate=validate,
        saved=saved,
        edit_url=edit_url,
        approval_check=approval_check,
        approved=approved,
    )


def content_kind_for(doc_type: str) -> ContentKind | None:
    return _KINDS.get(str(doc_type))


def is_markdown(doc_type: str) -> bool:
    """Is the content of this document type edited as Markdown (no kind registered)?"""
    return str(doc_type) not in _KINDS


def version_content_html(version) -> SafeString:
    kind = content_kind_for(version.document.doc_type)
    return kind.render(version) if kind else render_markdown(version.body)


def version_diff_text(version) -> str:
    kind = content_kind_for(version.document.doc_type)
    return "\n".join(kind.diff_lines(version)) if kind else version.body


def version_pdf_extra(version) -> dict:
    kind = content_kind_for(version.document.doc_type)
    return kind.pdf_context(version) if kind else {}


def content_validate(doc_type: str, body: str | None) -> None:
    kind = content_kind_for(doc_type)
    if kind and body:
        kind.validate(body)


def content_saved(version) -> None:
    kind = content_kind_for(version.document.doc_type)
    if kind and kind.saved:
        kind.saved(version)


def content_approval_check(version) -> None:
    kind = content_kind_for(version.document.doc_type)
    if kind and kind.approval_check:
        kind.approval_check(version)


def content_approved(version, *, actor) -> None:
    kind = content_kind_for(version.document.doc_type)
    if kind and kind.approved:
        kind.approved(version, actor=actor)


def version_edit_url(version) -> str | None:
    kind = content_kind_for(version.document.doc_type)
    if kind and kind.edit_url:
        return kind.edit_url(version)
    return None

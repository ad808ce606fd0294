"""The manual as a content kind of the document-control kernel: how a manual version is shown, compared, printed,
checked before approval and fixed into its snapshot on approval."""

from __future__ import annotations

from django.urls import reverse
from django.utils.safestring import SafeString

from ims.documents.choices import DocumentType, VersionStatus
from ims.documents.content import render_markdown
from ims.documents.content_kinds import content_kind_register


def version_html(version) -> SafeString:
    """The core of the snapshot once approved; before, the signed text itself (sections and the live blocks they
    name). Site annexes are left out: the kernel's pages do not know the reader's site, and an annex is shown only
    to the people of its site (on the manual's own page, which also shows a draft's live blocks)."""
    from .rendering import from_snapshot
    from .selectors import snapshot_of

    snapshot = snapshot_of(version)
    if snapshot is not None:
        return from_snapshot(snapshot).core_html
    return render_markdown(version.body)


def diff_lines(version) -> list[str]:
    return (version.body or "").splitlines()


def pdf_context(version) -> dict:
    return {"body_html": version_html(version)}


def body_validate(text: str) -> None:
    """The body of a manual is compiled from its sections; any text is accepted and then recompiled."""


def saved(version) -> None:
    from .services import content_start

    content_start(version)


def edit_url(version) -> str | None:
    if version.status != VersionStatus.DRAFT:
        return None
    return reverse("manual:section_editor", args=[version.pk])


def approved(version, *, actor) -> None:
    from .services import snapshot_create

    snapshot_create(version, actor=actor)


def approval_check(version) -> None:
    from .services import approval_check as check

    check(version)


def manual_kind_register() -> None:
    content_kind_register(
        DocumentType.MANUAL,
        render=version_html,
        diff_lines=diff_lines,
        pdf_context=pdf_context,
        validate=body_validate,
        saved=saved,
        edit_url=edit_url,
        approval_check=approval_check,
        approved=approved,
    )

"""Pages the apps add about a controlled document (the kernel imports no app): e.g. step 2's page of the clauses
a document addresses. The document page shows a button for each one the user may open (``may_open``)."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse

from ims.web.links import may_open


@dataclass(frozen=True)
class RelatedPage:
    label: str
    url_name: str  # takes the document's pk
    icon: str


_pages: dict[str, RelatedPage] = {}


def related_page_register(*, label: str, url_name: str, icon: str = "link-45deg") -> None:
    _pages[url_name] = RelatedPage(label=label, url_name=url_name, icon=icon)


def related_pages(user, document) -> list[tuple[str, str, str]]:
    """(label, URL, icon) of the registered pages about ``document`` that ``user`` may open."""
    return [
        (str(page.label), reverse(page.url_name, args=[document.pk]), page.icon)
        for page in _pages.values()
        if may_open(user, page.url_name, document.pk)
    ]

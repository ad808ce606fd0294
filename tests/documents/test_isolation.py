"""Site isolation of controlled documents and their versions, through the generic kit (ims.testing.kit)."""

from __future__ import annotations

import datetime

from django.utils import timezone

from ims.documents.models import ControlledDocument, DocumentVersion
from ims.documents.querysets import RELEASED_STATUSES
from ims.testing.kit import ScopedModelCase, SiteIsolationTests

from .factories import document_at, document_registrar, draft_at


def in_a_week() -> str:
    return (timezone.localdate() + datetime.timedelta(days=7)).isoformat()


def document_form(document: ControlledDocument) -> dict:
    return {
        "number": document.number,
        "title": f"{document.title} (revised)",
        "doc_type": document.doc_type,
        "disciplines": list(document.disciplines),
        "owner": document.owner_id,
        "sites": list(document.sites.values_list("pk", flat=True)),
        "review_interval_months": 12,
    }


def new_document_form(site) -> dict:
    return {
        "number": "SOP-NEW-001",
        "title": "New procedure",
        "doc_type": "procedure",
        "disciplines": ["quality"],
        "owner": document_registrar().pk,
        "sites": [site.pk],
        "review_interval_months": 24,
        "body": "# New",
        "effective_date": in_a_week(),
    }


class TestControlledDocumentIsolation(SiteIsolationTests):
    case = ScopedModelCase(
        model=ControlledDocument,
        create=lambda site: document_at(site),
        list_url="documents:document_list",
        detail_url="documents:document_detail",
        api="controlleddocument",
        edit_url="documents:document_edit",
        edit_data=document_form,
        api_change=lambda document: {"title": "Renamed through the API"},
        add_url="documents:document_add",
        add_data=new_document_form,
        api_create=lambda site: {
            "number": "SOP-API-001",
            "title": "Created through the API",
            "doc_type": "procedure",
            "disciplines": ["quality", "environment"],
            "owner": document_registrar().pk,
            "sites": [site.pk],
        },
        deactivate_url="documents:document_retire",
        export_key="id",
    )


class TestDocumentVersionIsolation(SiteIsolationTests):
    case = ScopedModelCase(
        model=DocumentVersion,
        create=lambda site: draft_at(site),
        list_url="documents:version_list",
        detail_url="documents:version_detail",
        api="documentversion",
        edit_url="documents:version_edit",
        edit_data=lambda version: {
            "change_summary": version.change_summary,
            "body": "# Changed on the page",
            "effective_date": in_a_week(),
        },
        api_change=lambda version: {"body": "# Changed through the API"},
        deactivate_url="documents:version_retire",
        export_key="id",
        # A read-only inspector sees released versions only: the drafts made here are hidden from them.
        inspector_sees=lambda version: version.status in RELEASED_STATUSES,
    )

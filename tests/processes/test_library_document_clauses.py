"""Which clauses a controlled document addresses: set by whoever may change the document, at its sites only; the
links are site-scoped records (the isolation kit below), deactivated with a reason, never deleted."""

from __future__ import annotations

import itertools

import pytest
from django.urls import reverse

from ims.audit.models import AuditEvent
from ims.testing.kit import ScopedModelCase, SiteIsolationTests
from processes import library
from processes.models import Clause, DocumentClause, Standard, StandardKind
from tests.documents.factories import document_at

pytestmark = pytest.mark.django_db
API = "/api/v1/processes/document-clauses/"
_numbers = itertools.count(1)


def a_clause() -> Clause:
    standard, _created = Standard.objects.get_or_create(
        code="CS-LINK", edition="1", defaults={"title": "Linking standard", "kind": StandardKind.COMPANY}
    )
    n = next(_numbers)
    return Clause.objects.create(standard=standard, number=f"{n}", title=f"Requirement {n}", position=n)


def link_at(site) -> DocumentClause:
    return library.document_clause_add(actor=None, document=document_at(site), clause=a_clause())


def more_at(site) -> DocumentClause:
    """Another link of a document of ``site`` (the same document: the query count is about links)."""
    existing = DocumentClause.objects.filter(document__sites=site).order_by("pk").first()
    document = existing.document if existing else document_at(site)
    return library.document_clause_add(actor=None, document=document, clause=a_clause())


class TestDocumentClauseIsolation(SiteIsolationTests):
    case = ScopedModelCase(
        model=DocumentClause,
        create=link_at,
        more=more_at,
        list_url="processes:documentclause_list",
        detail_url="processes:documentclause_detail",
        api="processes-documentclause",
        api_change=lambda link: {"note": "Section 4 of the procedure"},
        api_create=lambda site: {"document": document_at(site).pk, "clause": a_clause().pk},
        deactivate_url="processes:documentclause_deactivate",
    )


def test_the_quality_manager_sets_the_clauses_of_a_document(org, client_for):
    document = document_at(org.site_a)
    clause, other = a_clause(), a_clause()
    client = client_for(org.qm_a)
    url = reverse("processes:document_clauses", args=[document.pk])
    assert client.get(url).status_code == 200
    added = client.post(url, {"clause": clause.pk, "note": "Section 5"})
    assert added.status_code == 302
    link = DocumentClause.objects.get(document=document, clause=clause)
    assert link.is_active and link.note == "Section 5"
    again = client.post(url, {"clause": clause.pk})
    assert again.status_code == 400 and "already addresses" in again.content.decode()
    assert client.post(url, {"clause": other.pk}).status_code == 302
    deactivate = reverse("processes:documentclause_deactivate", args=[link.pk])
    assert client.post(deactivate, {}).status_code == 400  # a reason for change is required
    done = client.post(deactivate, {"change_reason": "The procedure no longer covers it"})
    assert done.status_code == 302 and done["Location"] == url
    link.refresh_from_db()
    assert not link.is_active
    event = AuditEvent.objects.for_record(link).order_by("-id").first()
    assert event.reason == "The procedure no longer covers it"
    html = client.get(url).content.decode()
    assert f'data-link="{link.pk}"' in html and "removed" in html


def test_an_employee_reads_but_may_not_set_clauses_and_another_sites_document_is_not_found(org, client_for):
    document = document_at(org.site_a)
    clause = a_clause()
    employee = client_for(org.emp_a)
    url = reverse("processes:document_clauses", args=[document.pk])
    page = employee.get(url)
    assert page.status_code == 200 and 'id="document-clause-add"' not in page.content.decode()
    assert employee.post(url, {"clause": clause.pk}).status_code == 403
    assert client_for(org.qm_b).get(url).status_code == 404
    assert client_for(org.qm_b).post(url, {"clause": clause.pk}).status_code == 404
    assert not DocumentClause.objects.exists()


def test_the_api_links_and_deactivates_with_a_reason(org, client_for):
    document = document_at(org.site_b)
    clause = a_clause()
    client = client_for(org.qm_b)
    created = client.post(API, {"document": document.pk, "clause": clause.pk}, content_type="application/json")
    assert created.status_code == 201, created.content
    duplicate = client.post(API, {"document": document.pk, "clause": clause.pk}, content_type="application/json")
    assert duplicate.status_code == 400 and "already addresses" in str(duplicate.json())
    url = f"{API}{created.json()['id']}/"
    assert client.post(f"{url}deactivate/", {}, content_type="application/json").status_code == 400
    done = client.post(f"{url}deactivate/", {"change_reason": "Merged into SOP-2"}, content_type="application/json")
    assert done.status_code == 200 and done.json()["is_active"] is False
    listed = client.get(API, {"document": document.pk}).json()
    assert [row["id"] for row in listed["results"]] == [created.json()["id"]]


def test_the_api_does_not_link_another_sites_document(org, client_for):
    document = document_at(org.site_b)
    response = client_for(org.qm_a).post(
        API, {"document": document.pk, "clause": a_clause().pk}, content_type="application/json"
    )
    assert response.status_code == 400 and "document" in response.json()
    assert not DocumentClause.objects.exists()

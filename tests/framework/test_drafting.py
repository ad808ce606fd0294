"""A draft integrated procedure from a requirement group: one document, the group's disciplines, every clause
linked; refused as a whole when something is wrong."""

from __future__ import annotations

import pytest
from django.urls import reverse

from ims.documents.choices import DocumentType, VersionStatus
from ims.documents.models import ControlledDocument
from manual.framework.drafting import integrated_procedure_draft
from processes import library
from processes.models import DocumentClause
from tests.framework.helpers import standard_with

pytestmark = pytest.mark.django_db


@pytest.fixture
def group(org):
    """Clause 10.2 of a quality and of an environmental standard, mapped to each other."""
    quality, q = standard_with(["10", "10.2"], code="CS-QMS")
    environment, e = standard_with(["10", "10.2"], code="CS-EMS")
    environment.disciplines = ["environment"]
    environment.save()
    library.clause_mapping_create(actor=None, source=q["10.2"], target=e["10.2"], relation="equal")
    return [quality, environment], q["10.2"], e["10.2"]


def test_the_draft_has_the_groups_disciplines_skeleton_and_links(org, group):
    standards, q, e = group
    document = integrated_procedure_draft(
        actor=org.qm_a, standards=standards, clause=q, number="sop-ims-900", title="Nonconformity",
        sites=[org.site_a],
    )  # fmt: skip
    assert document.number == "SOP-IMS-900" and document.doc_type == DocumentType.PROCEDURE
    assert sorted(document.disciplines) == ["environment", "quality"]
    version = document.versions.get()
    assert version.status == VersionStatus.DRAFT
    for heading in ("## 1. Purpose", "## 2. Scope", "## 3. Responsibilities", "Quality impact",
                    "Environmental impact", "Records", "| CS-QMS:1 | 10.2 |", "| CS-EMS:1 | 10.2 |"):  # fmt: skip
        assert heading in version.body, heading
    assert "health and safety impact" not in version.body
    linked = set(DocumentClause.objects.filter(document=document, is_active=True).values_list("clause_id", flat=True))
    assert linked == {q.pk, e.pk}


def test_a_bad_draft_changes_nothing(org, group):
    standards, q, _e = group
    before = ControlledDocument.objects.count(), DocumentClause.objects.count()
    with pytest.raises(Exception, match="SITEB|may not"):
        integrated_procedure_draft(actor=org.qm_a, standards=standards, clause=q, number="SOP-X-1", title="X",
                                   sites=[org.site_b])  # fmt: skip
    with pytest.raises(Exception, match="number|Use capital"):
        integrated_procedure_draft(actor=org.qm_a, standards=standards, clause=q, number="bad number!", title="X",
                                   sites=[org.site_a])  # fmt: skip
    _other, c = standard_with(["1"])
    with pytest.raises(Exception, match="chosen standards"):
        integrated_procedure_draft(actor=org.qm_a, standards=standards, clause=c["1"], number="SOP-X-2", title="X",
                                   sites=[org.site_a])  # fmt: skip
    assert (ControlledDocument.objects.count(), DocumentClause.objects.count()) == before


def test_the_pages_list_groups_and_create_the_draft(org, client_for, group):
    standards, q, e = group
    client = client_for(org.qm_a)
    query = {"standards": [s.pk for s in standards]}
    response = client.get(reverse("framework:procedure_drafts"), query)
    assert response.status_code == 200 and "Draft integrated procedure" in response.content.decode()
    url = reverse("framework:procedure_draft")
    assert client.get(url, {**query, "clause": q.pk}).status_code == 200
    response = client.post(url, {**query, "clause": q.pk, "number": "SOP-IMS-901", "title": "Integrated NC",
                                 "sites": [org.site_a.pk]})  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    document = ControlledDocument.objects.get(number="SOP-IMS-901")
    assert response.url == reverse("framework:procedure_detail", args=[document.pk])
    assert document.clause_links.count() == 2
    assert client_for(org.emp_a).get(reverse("framework:procedure_drafts")).status_code == 403


def test_the_api_drafts_the_procedure(org, client_for, group):
    standards, q, e = group
    client = client_for(org.qm_a)
    body = {"standards": [s.pk for s in standards], "clause": e.pk, "number": "SOP-IMS-902", "title": "Integrated NC",
            "sites": ["SITEA"]}  # fmt: skip
    response = client.post("/api/v1/framework/procedure-drafts/", body, content_type="application/json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["number"] == "SOP-IMS-902" and sorted(data["clauses"]) == sorted([q.pk, e.pk])
    again = client.post("/api/v1/framework/procedure-drafts/", body, content_type="application/json")
    assert again.status_code == 400
    body_b = {**body, "number": "SOP-IMS-903", "sites": ["SITEB"]}
    assert (
        client.post("/api/v1/framework/procedure-drafts/", body_b, content_type="application/json").status_code == 400
    )
    employee = client_for(org.emp_a).post(
        "/api/v1/framework/procedure-drafts/", {**body, "number": "SOP-IMS-904"}, content_type="application/json"
    )
    assert employee.status_code == 403

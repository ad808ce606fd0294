"""Site isolation of audit programmes, audits, checklist questions and findings (the kit)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from audits.models import Audit, AuditProgramme, ChecklistItem, Finding
from ims.testing.kit import ScopedModelCase, SiteIsolationTests, snapshot, with_reason
from tests.audits.auditkit import clause
from tests.policies.test_acknowledgement_isolation import ApiIsolationTests

from .isolation_rows import audit_for, finding_for, item_for, programme_at

NO_PAGE = ""


class TestAuditProgrammeIsolation(SiteIsolationTests):
    case = ScopedModelCase(
        model=AuditProgramme,
        create=programme_at,
        list_url="audits:programme_list",
        detail_url="audits:programme_detail",
        api="audits-auditprogramme",
        edit_url="audits:programme_edit",
        edit_data=lambda p: {"year": 2026, "title": "Changed title", "sites": [s.pk for s in p.sites.all()]},
        api_change=lambda p: {"title": "Changed title"},
        add_url="audits:programme_add",
        add_data=lambda site: {"year": 2027, "title": "Page programme", "sites": [site.pk]},
        api_create=lambda site: {"year": 2027, "title": "API programme", "sites": [site.code]},
    )


class TestAuditIsolation(SiteIsolationTests):
    case = ScopedModelCase(
        model=Audit,
        create=audit_for,
        list_url="audits:audit_list",
        detail_url="audits:audit_detail",
        api="audits-audit",
        edit_url="audits:audit_edit",
        edit_data=lambda audit: {"title": "Changed title", "scope_note": ""},
        api_change=lambda audit: {"title": "Changed title"},
        add_url="audits:audit_add",
        add_data=lambda site: {
            "site": site.pk,
            "title": "Page audit",
            "planned_date": "2026-12-01",
            "clauses": [clause("9").pk],
        },  # fmt: skip
        api_create=lambda site: {
            "site": site.code,
            "title": "API audit",
            "planned_date": "2026-12-01",
            "clauses": [clause("9").pk],
        },  # fmt: skip
    )


class TestChecklistItemIsolation(ApiIsolationTests):
    case = ScopedModelCase(
        model=ChecklistItem,
        create=item_for,
        list_url=NO_PAGE,
        detail_url=NO_PAGE,
        api="audits-checklistitem",
    )

    def test_employee_cannot_deactivate(self, world, client_for):
        """Employees read their site's audits: their answers are refused (403) and change nothing."""
        row = world.row_a
        before = snapshot(row)
        client = client_for(world.org.emp_a)
        body = with_reason({"result": "nonconforming"})
        assert client.patch(self.api_detail(row), body, content_type="application/json").status_code == 403
        assert client.post(reverse("audits:item_answer", args=[row.pk]), {"result": "conforming"}).status_code == 403
        answer = reverse("audits-checklistitem-answer", args=[row.pk])
        assert client.post(answer, {"result": "conforming"}, content_type="application/json").status_code == 403
        assert snapshot(row) == before

    def test_other_sites_question_is_not_found(self, world, client_for):
        row = world.row_b
        before = snapshot(row)
        client = client_for(world.org.qm_a)
        assert client.post(reverse("audits:item_answer", args=[row.pk]), {"result": "conforming"}).status_code == 404
        answer = reverse("audits-checklistitem-answer", args=[row.pk])
        assert client.post(answer, {"result": "conforming"}, content_type="application/json").status_code == 404
        assert snapshot(row) == before


class TestFindingIsolation(SiteIsolationTests):
    case = ScopedModelCase(
        model=Finding,
        create=finding_for,
        list_url="audits:finding_list",
        detail_url="audits:finding_detail",
        api="audits-finding",
        edit_url="audits:finding_edit",
        edit_data=lambda f: {
            "grade": "major",
            "clause": f.clause_id,
            "statement": "Changed",
            "evidence_reference": "Record 2",
        },  # fmt: skip
        api_change=lambda f: {"statement": "Changed"},
    )


@pytest.fixture(autouse=True)
def _library(db):
    from tests.audits.auditkit import standard

    standard()

"""Site isolation of gap assessments, clause results, statements of applicability and their entries (the kit)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from ims.org.choices import RoleCode
from ims.org.models import Person
from ims.testing.factories import PersonFactory
from ims.testing.kit import ScopedModelCase, SiteIsolationTests, snapshot, with_reason
from processes import applicability, gaps
from processes.models import (
    ApplicabilityEntry,
    ApplicabilityStatement,
    Clause,
    ClauseResult,
    GapAssessment,
    Standard,
    StatementStatus,
)
from tests.policies.test_acknowledgement_isolation import ApiIsolationTests

from .gapkit import TODAY, small_standards

NO_PAGE = ""


def kit_standards() -> tuple[Standard, Standard]:
    existing = Standard.objects.filter(code__in=["KIT-A", "KIT-B"]).order_by("code")
    return tuple(existing) if existing.count() == 2 else small_standards("KIT")


def one_clause_standard() -> Standard:
    """A standard of one clause: one result (or entry) per assessment (or statement) at a site."""
    standard, created = Standard.objects.get_or_create(
        code="KIT-ONE", edition="2026", defaults={"title": "One clause", "kind": "company"}
    )
    if created:
        Clause.objects.create(standard=standard, number="1", title="The one requirement", position=1)
    return standard


def manager_at(site) -> Person:
    """The site's quality manager for creating its records (one is made for the kit if none exists)."""
    found = Person.objects.filter(
        memberships__site=site, memberships__role__code=RoleCode.QUALITY_MANAGER, is_active=True
    ).first()
    return found or PersonFactory(site=site, site__role=RoleCode.QUALITY_MANAGER)


def assessment_at(site, standard: Standard | None = None) -> GapAssessment:
    a = standard or kit_standards()[0]
    manager = manager_at(site)
    return gaps.assessment_create(
        actor=manager, title="Kit check", sites=[site], standards=[a], lead_assessor=manager, planned_start=TODAY
    )


def result_at(site) -> ClauseResult:
    return assessment_at(site, one_clause_standard()).results.get()


def statement_at(site) -> ApplicabilityStatement:
    """A draft at ``site`` if it has none, else an older (superseded) version: one draft per site at a time."""
    if not ApplicabilityStatement._base_manager.filter(site=site, status=StatementStatus.DRAFT).exists():
        return applicability.statement_draft_create(
            actor=manager_at(site), site=site, standards=[one_clause_standard()]
        )
    number = ApplicabilityStatement._base_manager.filter(site=site).count() + 1
    return ApplicabilityStatement._base_manager.create(site=site, number=number, status=StatementStatus.SUPERSEDED)


def entry_at(site) -> ApplicabilityEntry:
    statement = statement_at(site)
    if not statement.entries.exists():
        ApplicabilityEntry._base_manager.create(statement=statement, clause=one_clause_standard().clauses.get())
    return statement.entries.get()


class TestGapAssessmentIsolation(SiteIsolationTests):
    case = ScopedModelCase(
        model=GapAssessment,
        create=assessment_at,
        list_url="processes:assessment_list",
        detail_url="processes:assessment_detail",
        api="processes-gapassessment",
        api_change=lambda assessment: {"title": "Changed title"},
        add_url="processes:assessment_create",
        add_data=lambda site: {
            "title": "Page plan",
            "sites": [site.pk],
            "standards": [kit_standards()[0].pk],
            "lead_assessor": manager_at(site).pk,
            "planned_start": "2026-11-02",
        },
        api_create=lambda site: {
            "title": "API plan",
            "sites": [site.code],
            "standards": [kit_standards()[0].pk],
            "lead_assessor": manager_at(site).pk,
            "planned_start": "2026-11-02",
        },
    )


class TestClauseResultIsolation(ApiIsolationTests):
    case = ScopedModelCase(
        model=ClauseResult,
        create=result_at,
        list_url=NO_PAGE,
        detail_url="processes:result_edit",
        api="processes-clauseresult",
    )

    def test_employee_cannot_deactivate(self, world, client_for):
        """Employees read their site's results: their writes are refused (403) and change nothing."""
        row = world.row_a
        gaps.assessment_start(actor=manager_at(row.site), assessment=row.assessment)
        before = snapshot(row)
        client = client_for(world.org.emp_a)
        assert client.post(f"{self.api_detail(row)}deactivate/", with_reason({})).status_code == 403
        raise_action = reverse("processes-clauseresult-raise-action", args=[row.pk])
        assert client.post(raise_action, {}, content_type="application/json").status_code == 403
        body = with_reason({"status": "gap"})
        assert client.patch(self.api_detail(row), body, content_type="application/json").status_code == 403
        assert client.post(reverse("processes:result_edit", args=[row.pk]), {"status": "gap"}).status_code == 403
        assert snapshot(row) == before

    def test_other_sites_result_pages_are_not_found(self, world, client_for):
        row = world.row_b
        before = snapshot(row)
        client = client_for(world.org.qm_a)
        for url in (
            reverse("processes:result_edit", args=[row.pk]),
            reverse("processes:result_action", args=[row.pk]),
            reverse("processes-clauseresult-raise-action", args=[row.pk]),
        ):
            assert client.post(url, {"status": "gap"}).status_code == 404, url
        assert snapshot(row) == before


class TestApplicabilityStatementIsolation(SiteIsolationTests):
    case = ScopedModelCase(
        model=ApplicabilityStatement,
        create=statement_at,
        list_url="processes:statement_list",
        detail_url="processes:statement_detail",
        api="processes-applicabilitystatement",
        api_change=lambda statement: {"change_summary": "Changed summary"},
        api_create=lambda site: {"site": site.code, "standards": [kit_standards()[0].pk]},
    )


class TestApplicabilityEntryIsolation(ApiIsolationTests):
    case = ScopedModelCase(
        model=ApplicabilityEntry,
        create=entry_at,
        list_url=NO_PAGE,
        detail_url=NO_PAGE,
        api="processes-applicabilityentry",
    )

    def test_employee_cannot_deactivate(self, world, client_for):
        """Employees read their site's statements: their writes are refused (403) and change nothing."""
        row = world.row_a
        before = snapshot(row)
        client = client_for(world.org.emp_a)
        assert client.post(f"{self.api_detail(row)}deactivate/", with_reason({})).status_code == 403
        body = with_reason({"applicable": False, "justification": "x"})
        assert client.patch(self.api_detail(row), body, content_type="application/json").status_code == 403
        page = client.post(reverse("processes:entry_edit", args=[row.pk]), {"applicable": "0", "justification": "x"})
        assert page.status_code == 403
        assert snapshot(row) == before

    def test_other_sites_entry_page_is_not_found(self, world, client_for):
        row = world.row_b
        before = snapshot(row)
        response = client_for(world.org.qm_a).post(
            reverse("processes:entry_edit", args=[row.pk]), {"applicable": "0", "justification": "x"}
        )
        assert response.status_code == 404
        assert snapshot(row) == before


@pytest.fixture(autouse=True)
def _standards(db):
    kit_standards()

"""The overlap and redundancy view: requirement groups joined through mappings (transitively), who addresses each
group (restricted to the user's sites), gap and redundancy flags, and a query count that does not grow."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ims.documents.choices import DocumentType
from ims.testing.kit import csv_rows
from processes import library
from processes.models import Clause, ClauseMapping, Process, Standard, StandardKind
from processes.overlap import ONLY_GAPS, ONLY_REDUNDANCY, overlap_compute
from tests.documents.factories import document_at

pytestmark = pytest.mark.django_db


def process_at(site, owner, code: str, clauses, *, active: bool = True) -> Process:
    process = Process.objects.create(code=code, name=f"Process {code}", process_type="core", owner=owner,
                                     is_active=active)  # fmt: skip
    process.sites.add(site)
    process.clauses.add(*clauses)
    return process


@pytest.fixture
def world(org):
    """Standards A, B, C. Mappings a1–b1 and b1–c1 join {a1, b1, c1}; a2–b2 is deactivated; a3 stands alone.

    - P-A (site A) addresses a1; P-OLD (site A, retired) addresses a2; P-B (site B) addresses b2.
    - Two procedures of site A address a1 and c1 (redundancy); a form of site B addresses a3.
    """
    standards = {}
    clauses = {}
    for code, numbers in (("STD-A", ("1", "2", "3")), ("STD-B", ("1", "2")), ("STD-C", ("1",))):
        standard = Standard.objects.create(code=code, edition="1", title=code, kind=StandardKind.COMPANY,
                                           disciplines=["quality"] if code != "STD-C" else ["environment"])  # fmt: skip
        standards[code] = standard
        for position, number in enumerate(numbers, start=1):
            key = code[-1].lower() + number
            clauses[key] = Clause.objects.create(standard=standard, number=number, title=f"{code} {number}",
                                                 position=position)  # fmt: skip
    ClauseMapping.objects.create(source=clauses["a1"], target=clauses["b1"], relation="equal")
    ClauseMapping.objects.create(source=clauses["c1"], target=clauses["b1"], relation="overlaps")
    ClauseMapping.objects.create(source=clauses["a2"], target=clauses["b2"], relation="equal", is_active=False)
    process_at(org.site_a, org.qm_a, "P-A", [clauses["a1"]])
    process_at(org.site_a, org.qm_a, "P-OLD", [clauses["a2"]], active=False)
    process_at(org.site_b, org.qm_b, "P-B", [clauses["b2"]])
    sop1 = document_at(org.site_a, number="SOP-OV-1", doc_type=DocumentType.PROCEDURE)
    sop2 = document_at(org.site_a, number="SOP-OV-2", doc_type=DocumentType.PROCEDURE)
    form = document_at(org.site_b, number="FRM-OV-1", doc_type=DocumentType.FORM)
    library.document_clause_add(actor=None, document=sop1, clause=clauses["a1"])
    library.document_clause_add(actor=None, document=sop2, clause=clauses["c1"])
    library.document_clause_add(actor=None, document=form, clause=clauses["a3"])
    return org, standards, clauses


def by_clauses(overlap) -> dict[frozenset, object]:
    return {frozenset(f"{c.standard.split(':')[0]}/{c.number}" for c in g.clauses): g for g in overlap.groups}


def chosen(standards):
    return [standards["STD-A"], standards["STD-B"], standards["STD-C"]]


def test_groups_join_clauses_transitively_through_active_mappings_only(world):
    org, standards, _clauses = world
    overlap = overlap_compute(user=org.admin, standards=chosen(standards))
    groups = by_clauses(overlap)
    assert set(groups) == {
        frozenset({"STD-A/1", "STD-B/1", "STD-C/1"}),
        frozenset({"STD-A/2"}),
        frozenset({"STD-B/2"}),
        frozenset({"STD-A/3"}),
    }
    assert overlap.total_groups == 4 and overlap.total_clauses == 6 and overlap.shared == 1
    assert [g.number for g in overlap.groups] == [1, 2, 3, 4]


def test_gap_and_redundancy_flags_for_a_global_reader(world):
    org, standards, _clauses = world
    overlap = overlap_compute(user=org.admin, standards=chosen(standards))
    groups = by_clauses(overlap)
    shared = groups[frozenset({"STD-A/1", "STD-B/1", "STD-C/1"})]
    assert [p.code for p in shared.processes] == ["P-A"]
    assert [d.number for d in shared.documents] == ["SOP-OV-1", "SOP-OV-2"]
    assert shared.redundancy and shared.redundant_types == ["procedure"] and not shared.gap
    assert groups[frozenset({"STD-A/2"})].gap  # only a retired process addresses it
    assert not groups[frozenset({"STD-B/2"})].gap
    single = groups[frozenset({"STD-A/3"})]
    assert not single.gap and not single.redundancy
    assert (overlap.gaps, overlap.redundancies, overlap.addressed) == (1, 1, 3)
    assert [g.number for g in overlap_compute(user=org.admin, standards=chosen(standards), only=ONLY_GAPS).groups] == [
        2
    ]
    only_redundant = overlap_compute(user=org.admin, standards=chosen(standards), only=ONLY_REDUNDANCY)
    assert [g.number for g in only_redundant.groups] == [1] and only_redundant.total_groups == 4


def test_what_addresses_a_group_is_restricted_to_the_users_sites(world):
    org, standards, _clauses = world
    groups = by_clauses(overlap_compute(user=org.qm_a, standards=chosen(standards)))
    assert groups[frozenset({"STD-B/2"})].gap  # P-B is at site B
    assert groups[frozenset({"STD-A/3"})].gap  # the form is at site B
    assert groups[frozenset({"STD-A/1", "STD-B/1", "STD-C/1"})].redundancy
    groups_b = by_clauses(overlap_compute(user=org.qm_b, standards=chosen(standards)))
    shared = groups_b[frozenset({"STD-A/1", "STD-B/1", "STD-C/1"})]
    assert shared.gap and not shared.documents and not shared.processes


def test_site_and_discipline_filters(world):
    org, standards, _clauses = world
    at_b = by_clauses(overlap_compute(user=org.admin, standards=chosen(standards), site=org.site_b))
    assert at_b[frozenset({"STD-A/1", "STD-B/1", "STD-C/1"})].gap
    assert not at_b[frozenset({"STD-A/3"})].gap
    quality = overlap_compute(user=org.admin, standards=chosen(standards), discipline="quality")
    assert [str(s) for s in quality.standards] == ["STD-A:1", "STD-B:1"]
    assert frozenset({"STD-A/1", "STD-B/1"}) in by_clauses(quality)  # C is not chosen: it joins nothing


def test_the_query_count_does_not_grow_with_clauses_mappings_processes_and_documents(world):
    org, standards, clauses = world

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            overlap_compute(user=org.qm_a, standards=chosen(standards))
        return len(captured)

    queries()  # the user's permissions are read once per request
    before = queries()
    assert before == 6  # clauses, mappings, the links of processes and documents, their names
    for n in range(30):
        a = Clause.objects.create(standard=standards["STD-A"], number=f"9.{n}", title="More", position=100 + n)
        b = Clause.objects.create(standard=standards["STD-B"], number=f"9.{n}", title="More", position=100 + n)
        ClauseMapping.objects.create(source=a, target=b, relation="equal")
        process_at(org.site_a, org.qm_a, f"P-X{n}", [a, b])
    for n in range(5):
        document = document_at(org.site_a, number=f"SOP-OVX-{n}")
        library.document_clause_add(actor=None, document=document, clause=clauses["b2"])
    assert queries() == before


def test_the_page_renders_for_a_quality_manager_and_exports_csv(world, client_for):
    org, standards, _clauses = world
    client = client_for(org.qm_a)
    params = {"standards": [s.pk for s in chosen(standards)]}
    response = client.get(reverse("processes:overlap"), params)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-count="gaps">3<' in html and 'data-count="redundancies">1<' in html
    assert "SOP-OV-2" in html and "FRM-OV-1" not in html
    rows = csv_rows(client.get(reverse("processes:overlap"), {**params, "export": "csv"}))
    assert len(rows) == 4
    first = rows[0]
    assert first["redundancy"] == "yes" and first["documents"] == "SOP-OV-1; SOP-OV-2" and first["processes"] == "P-A"
    gaps = csv_rows(client.get(reverse("processes:overlap"), {**params, "only": "gaps", "export": "csv"}))
    assert {row["gap"] for row in gaps} == {"yes"} and len(gaps) == 3


def test_the_page_defaults_to_the_three_management_system_standards(org, client_for):
    for code in ("ISO 9001", "ISO 14001", "ISO 45001", "ISO 13485"):
        standard = Standard.objects.create(code=code, edition="2015", title=code, kind=StandardKind.ISO)
        Clause.objects.create(standard=standard, number="4.1", title="Context", position=1)
    response = client_for(org.emp_a).get(reverse("processes:overlap"))
    assert response.status_code == 200
    assert [s.code for s in response.context["overlap"].standards] == ["ISO 14001", "ISO 45001", "ISO 9001"]
    assert response.context["overlap"].total_groups == 3


def test_the_demo_links_show_addressed_groups_gaps_and_a_redundancy(org):
    from processes import demo_library

    types = {"POL": DocumentType.POLICY, "SOP": DocumentType.PROCEDURE, "FRM": DocumentType.FORM,
             "WI-": DocumentType.WORK_INSTRUCTION}  # fmt: skip
    for number in demo_library.LINKS:
        document_at(org.site_a, number=number, doc_type=types[number[:3]])
    assert demo_library.seed() == "15 document–clause links"
    assert demo_library.seed() == ""  # idempotent
    overlap = overlap_compute(user=org.admin)
    assert [s.code for s in overlap.standards] == ["ISO 14001", "ISO 45001", "ISO 9001"]
    assert overlap.gaps > 0 and overlap.addressed >= 5
    redundant = [group for group in overlap.groups if group.redundancy]
    assert len(redundant) == 1
    assert {d.number for d in redundant[0].documents} >= {"SOP-PRD-004", "SOP-EHS-003"}
    policy = next(g for g in overlap.groups if any(d.number == "POL-IMS-001" for d in g.documents))
    assert set(policy.standards) == {"ISO 9001:2015", "ISO 14001:2015", "ISO 45001:2018"}


def test_the_page_and_the_standard_detail_ask_the_same_number_of_queries_for_more_rows(world, client_for):
    org, standards, clauses = world
    client = client_for(org.qm_a)
    overlap_url = reverse("processes:overlap")
    params = {"standards": [s.pk for s in chosen(standards)]}
    detail_url = reverse("processes:standard_detail", args=[standards["STD-A"].pk])

    def counts() -> tuple[int, int]:
        found = []
        for url, query in ((overlap_url, params), (detail_url, {})):
            client.get(url, query)
            with CaptureQueriesContext(connection) as captured:
                assert client.get(url, query).status_code == 200
            found.append(len(captured))
        return tuple(found)

    before = counts()
    for n in range(20):
        a = Clause.objects.create(standard=standards["STD-A"], number=f"8.{n}", title="More", position=50 + n)
        b = Clause.objects.create(standard=standards["STD-B"], number=f"8.{n}", title="More", position=50 + n)
        ClauseMapping.objects.create(source=a, target=b, relation="equal")
        process_at(org.site_a, org.qm_a, f"P-Y{n}", [a])
        library.document_clause_add(actor=None, document=document_at(org.site_a, number=f"SOP-OVY-{n}"), clause=a)
    assert counts() == before

"""The procedure × clause matrix: gaps, several procedures, procedures with no clause; page, CSV, API, scope."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from manual.framework.matrix import matrix_compute
from processes import library
from tests.framework.factories import procedure_at
from tests.framework.helpers import standard_with

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(org):
    s1, c1 = standard_with(["1", "1.1", "1.2", "2"])
    s2, c2 = standard_with(["1", "2"])
    p1 = procedure_at(org.site_a, number="SOP-FW-001")
    p2 = procedure_at(org.site_a, number="SOP-FW-002")
    p3 = procedure_at(org.site_a, number="SOP-FW-003")
    pb = procedure_at(org.site_b, number="SOP-FW-B01")
    for document, clause in ((p1, c1["1"]), (p2, c1["1.1"]), (p1, c2["1"]), (pb, c1["2"])):
        library.document_clause_add(actor=None, document=document, clause=clause)
    return org, (s1, c1), (s2, c2), (p1, p2, p3, pb)


def test_flags_count_leaf_clauses_and_parents_cover_their_children(world):
    org, (s1, _c1), (s2, _c2), (p1, p2, p3, _pb) = world
    matrix = matrix_compute(user=org.qm_a, standards=[s1, s2])
    rows = {(row.standard, row.number): row for row in matrix.rows}
    assert [row.number for row in matrix.rows] == ["1", "1.1", "1.2", "2", "1", "2"]
    assert not rows[(str(s1), "1")].is_leaf and not rows[(str(s1), "1")].gap
    assert rows[(str(s1), "1.1")].covering == [p1.pk, p2.pk] and rows[(str(s1), "1.1")].several
    assert rows[(str(s1), "1.2")].covering == [p1.pk] and not rows[(str(s1), "1.2")].gap
    assert rows[(str(s1), "2")].gap  # site B's procedure is not seen by site A's quality manager
    assert rows[(str(s2), "2")].gap
    assert (matrix.gaps, matrix.several, matrix.covered) == (2, 1, 3)
    assert [p.number for p in matrix.unlinked] == [p3.number]
    assert [p.number for p in matrix.integrated] == [p1.number]
    assert [p.number for p in matrix.linked_procedures] == [p1.number, p2.number]


def test_the_global_admin_sees_every_site(world):
    org, (s1, _c1), _s2, (_p1, _p2, _p3, pb) = world
    matrix = matrix_compute(user=org.admin, standards=[s1])
    row = next(row for row in matrix.rows if row.number == "2")
    assert row.covering == [pb.pk] and not row.gap


def test_filters_by_site_and_discipline(world):
    org, (s1, _c1), _s2, (p1, p2, p3, _pb) = world
    assert [p.pk for p in matrix_compute(user=org.admin, standards=[s1], site=org.site_b).procedures] == [
        world[3][3].pk
    ]
    assert matrix_compute(user=org.admin, standards=[s1], discipline="environment").procedures == []


def test_the_page_shows_counts_and_the_csv_holds_every_clause(world, client_for):
    org, (s1, _c1), (s2, _c2), _procedures = world
    client = client_for(org.qm_a)
    url = reverse("framework:matrix")
    query = {"standards": [s1.pk, s2.pk]}
    response = client.get(url, query)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-count="gaps">2<' in html and 'data-count="several">1<' in html and 'data-count="unlinked">1<' in html
    assert "SOP-FW-B01" not in html
    export = client.get(url, {**query, "export": "csv"})
    assert export.status_code == 200
    rows = list(csv.DictReader(io.StringIO(export.content.decode("utf-8-sig"))))
    assert len(rows) == 7  # six clauses, one procedure with no clause
    flags = {(r["standard"], r["clause"]): r["flag"] for r in rows if r["clause"]}
    assert flags[(str(s1), "1.1")] == "several procedures" and flags[(str(s2), "2")] == "no procedure"
    assert rows[-1]["flag"] == "procedure with no clause" and rows[-1]["procedures_linked"] == "SOP-FW-003"


def test_more_than_six_standards_is_a_clear_error(world, client_for):
    org = world[0]
    standards = [standard_with(["1"])[0].pk for _ in range(7)]
    response = client_for(org.qm_a).get(reverse("framework:matrix"), {"standards": standards})
    assert response.status_code == 400
    assert "at most 6" in response.content.decode()


def test_the_default_is_the_three_management_system_standards(world, client_for):
    from processes.library import standards_load

    standards_load()
    response = client_for(world[0].qm_a).get(reverse("framework:matrix"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "ISO 9001:2015" in html and "ISO 14001:2015" in html and "ISO 45001:2018" in html


def test_the_api_answers_the_matrix_in_json(world, client_for):
    org, (s1, _c1), (s2, _c2), (p1, _p2, p3, _pb) = world
    response = client_for(org.qm_a).get("/api/v1/framework/matrix/", {"standards": [s1.pk, s2.pk]})
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["counts"] == {
        "clauses": 5, "covered": 3, "no_procedure": 2, "several_procedures": 1, "procedures": 3,
        "procedures_with_no_clause": 1, "integrated_procedures": 1,
    }  # fmt: skip
    assert [p["number"] for p in data["unlinked"]] == [p3.number]
    assert client_for(org.qm_a).get("/api/v1/framework/matrix/", {"standards": [999999]}).status_code == 400


def test_the_matrix_runs_a_fixed_number_of_queries(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    org, (s1, c1), (s2, _c2), _procedures = world
    matrix_compute(user=org.admin, standards=[s1, s2])  # per-request caches (permissions)
    with CaptureQueriesContext(connection) as few:
        matrix_compute(user=org.admin, standards=[s1, s2])
    for _ in range(20):
        library.document_clause_add(actor=None, document=procedure_at(org.site_a), clause=c1["1.2"])
    with CaptureQueriesContext(connection) as many:
        matrix_compute(user=org.admin, standards=[s1, s2])
    assert len(few) == len(many) <= 6

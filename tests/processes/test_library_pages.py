"""The standards library's pages: every active user reads them; clauses show how they relate to other standards."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from processes.models import Standard

pytestmark = pytest.mark.django_db


@pytest.fixture
def library(db):
    call_command("load_standards", stdout=StringIO())


@pytest.mark.parametrize("who", ["emp_a", "qm_b", "admin"])
def test_everyone_reads_the_library_and_its_clauses(org, library, client_for, who):
    html = client_for(getattr(org, who)).get(reverse("processes:standard_list")).content.decode()
    assert "ISO 9001" in html and "21 CFR Part 11" in html and "EU GMP Part I" in html
    iso14001 = Standard.objects.get(code="ISO 14001")
    clauses = client_for(getattr(org, who)).get(
        reverse("processes:clause_list"), {"standard": iso14001.pk, "q": "6.1.2"}
    )
    page = clauses.content.decode()
    assert clauses.status_code == 200 and "Environmental aspects" in page
    assert "ISO 9001:2015" in page or "ISO 45001:2018" in page  # the clause's counterparts in the other systems


def test_the_clause_list_asks_the_same_number_of_queries_for_ten_or_a_hundred_clauses(org, library, client_for):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(org.qm_a)
    client.get(reverse("processes:clause_list"))
    counts = []
    for per_page in (10, 100):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("processes:clause_list"), {"per_page": per_page}).status_code == 200
        counts.append(len(queries.captured_queries))
    assert counts[0] == counts[1]


def test_the_navigation_opens_step_two_with_the_library(org, library, client_for):
    html = client_for(org.emp_a).get(reverse("web:dashboard")).content.decode()
    assert reverse("processes:standard_list") in html


def test_the_library_is_read_through_the_api_and_cannot_be_changed_there(org, library, client_for):
    client = client_for(org.emp_b)
    standards = client.get("/api/v1/processes/standards/", {"kind": "regulation"}).json()
    assert {row["code"] for row in standards["results"]} == {"21 CFR Part 11", "21 CFR Part 211", "21 CFR Part 820",
                                                              "EU GMP Part I"}  # fmt: skip
    part11 = next(row for row in standards["results"] if row["code"] == "21 CFR Part 11")
    clauses = client.get("/api/v1/processes/clauses/", {"standard": part11["id"], "q": "11.10"}).json()["results"]
    audit_trail = next(row for row in clauses if row["number"] == "11.10(e)")
    mappings = client.get("/api/v1/processes/clause-mappings/", {"clause": audit_trail["id"]}).json()["results"]
    assert mappings and all(audit_trail["id"] in (m["source"], m["target"]) for m in mappings)
    assert client.post("/api/v1/processes/standards/", {"code": "X"}).status_code == 405
    assert client.patch(f"/api/v1/processes/clauses/{audit_trail['id']}/", {"title": "x"}).status_code == 405
    assert client.delete(f"/api/v1/processes/standards/{part11['id']}/").status_code == 405

"""Each large list's default page is read from an index in its order: no sort of every visible row to return one
page, for the Global Admin and for a site's quality manager (the scale seed, statistics up to date, PostgreSQL's
own plan of the page query the list really ran)."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ims.org.choices import RoleCode
from ims.org.models import Person
from ims.testing.auth import signed_in_client

pytestmark = pytest.mark.django_db(transaction=True)

# (list, URL, the table its page reads). The document register is left out: a few dozen rows in the small seed,
# where reading the table and sorting it is the cheaper plan (its order has a unique index on the number); so are
# the acknowledgements (a site's few hundred tasks in the small seed: the planner's choice varies between runs).
LISTS = [
    ("people page", "/org/people/", "org_person"),
    ("people API", "/api/v1/people/", "org_person"),
    ("memberships API", "/api/v1/memberships/", "org_membership"),
    ("assignments page", "/training/assignments/", "training_assignment"),
    ("assignments API", "/api/v1/training/assignments/", "training_assignment"),
    ("records page", "/training/records/", "training_trainingrecord"),
    ("records API", "/api/v1/training/records/", "training_trainingrecord"),
    ("audit trail page", "/audit/", "audit_auditevent"),
    ("audit trail API", "/api/v1/audit/events/", "audit_auditevent"),
]
ANALYZED = (
    "org_person", "org_membership", "training_assignment", "training_trainingrecord",
    "policies_acknowledgement", "audit_auditevent",
)  # fmt: skip


def _nodes(plan: dict, top: bool = True):
    """The plan's nodes, leaving out init plans and sub plans (computed once, not per row of the list)."""
    if not top and plan.get("Parent Relationship") in ("InitPlan", "SubPlan"):
        return
    yield plan
    for child in plan.get("Plans", []):
        yield from _nodes(child, top=False)


def _page_query(queries, table: str) -> str:
    for query in queries:
        sql = query["sql"]
        if (
            sql.startswith("SELECT")
            and f'FROM "{table}"' in sql
            and " LIMIT " in sql
            and "COUNT(" not in sql
            and " IN (SELECT" not in sql.split(" WHERE ")[0]
        ):
            return sql
    raise AssertionError(f"no page query on {table} among {[q['sql'][:80] for q in queries]}")


@pytest.fixture
def scale(owner_cursor):
    call_command("seed_scale", "--size", "small", stdout=StringIO())
    for table in ANALYZED:
        owner_cursor.execute(f"ANALYZE {table}")
    admin = Person.objects.get(username="scale.admin")
    manager = (
        Person.objects.filter(
            employee_id__startswith="SC-",
            memberships__role__code=RoleCode.QUALITY_MANAGER,
            memberships__valid_to__isnull=True,
            is_active=True,
        )
        .order_by("pk")
        .first()
    )
    return {"Global Admin": admin, "quality manager": manager}


def test_the_default_page_of_every_large_list_is_an_index_scan_in_its_order(scale):
    failures = []
    for who, person in scale.items():
        client = signed_in_client(person)
        for label, url, table in LISTS:
            with CaptureQueriesContext(connection) as queries:
                response = client.get(url)
            assert response.status_code == 200, (label, who, response.status_code)
            sql = _page_query(queries.captured_queries, table)
            with connection.cursor() as cursor:
                cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}")
                row = cursor.fetchone()
            failures.extend(_check(row, table, f"{label} as {who}"))
    assert not failures, "\n".join(failures)


def _check(row, table: str, name: str) -> list[str]:
    raw = row[0]
    plan = (json.loads(raw) if isinstance(raw, str) else raw)[0]["Plan"]
    nodes = list(_nodes(plan))
    problems = []
    sorts = [n for n in nodes if n["Node Type"] == "Sort"]
    if sorts:
        problems.append(f"{name}: sorts {sorts[0].get('Sort Key')} instead of reading an index in order")
    scans = {n["Node Type"] for n in nodes if n.get("Relation Name") == table}
    if not scans & {"Index Scan", "Index Only Scan"}:
        problems.append(f"{name}: reads {table} by {sorted(scans) or 'nothing'}, not an index scan")
    return problems

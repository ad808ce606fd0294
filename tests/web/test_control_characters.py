"""Control characters (NUL and the other C0 characters but tab and newlines) are refused everywhere with a 400
naming the field, and change nothing: every create operation of the API, query strings, page forms, imports."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from ims.audit.models import AuditEvent
from ims.org.models import Membership, Person
from ims.web.input import control_character_error, first_control_character

pytestmark = pytest.mark.django_db

NUL = "Q\u0000A"


def _resolve(schema: dict, node: dict) -> dict:
    while "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        node = schema["components"]["schemas"][name]
    return node


def _create_operations(schema: dict):
    """(path, string properties) of every POST without path parameters that takes a JSON body."""
    for path, item in schema["paths"].items():
        operation = item.get("post")
        if not operation or "{" in path:
            continue
        body = operation.get("requestBody", {}).get("content", {}).get("application/json")
        if not body:
            continue
        properties = _resolve(schema, body["schema"]).get("properties", {})
        strings = [name for name, prop in properties.items() if _resolve(schema, prop).get("type") in ("string", None)]
        yield path, [name for name in strings if not properties[name].get("readOnly")]


def test_every_create_operation_refuses_a_nul_in_every_text_field(org, client_for):
    client = client_for(org.admin)
    schema = json.loads(client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").content)
    operations = list(_create_operations(schema))
    assert len(operations) >= 8, [path for path, _ in operations]
    cases = 0
    for path, fields in operations:
        for name in fields:
            before = AuditEvent.objects.count()
            response = client.post(path, json.dumps({name: NUL}), content_type="application/json")
            assert response.status_code == 400, (path, name, response.status_code, response.content[:300])
            assert name in response.json(), (path, name, response.json())
            assert "control character" in response.json()[name][0]
            assert AuditEvent.objects.count() == before
            cases += 1
    assert cases >= 30


def test_a_membership_with_a_nul_in_its_function_code_is_refused(org, client_for):
    client = client_for(org.admin)
    before = Membership.objects.count()
    response = client.post(
        "/api/v1/memberships/",
        json.dumps({"person": org.emp_a.pk, "site": org.site_a.code, "function": NUL, "role": "employee"}),
        content_type="application/json",
    )
    assert response.status_code == 400 and "function" in response.json()
    assert Membership.objects.count() == before


@pytest.mark.parametrize("path", ["/api/v1/people/", "/api/v1/sites/", "/api/v1/audit/events/"])
def test_a_nul_in_a_query_string_is_refused(org, client_for, path):
    response = client_for(org.admin).get(path, {"search": NUL})
    assert response.status_code == 400
    assert "search" in response.json()


@pytest.mark.parametrize("path", ["/org/people/", "/documents/", "/audit/"])
def test_a_nul_in_a_page_filter_is_refused_with_a_page(org, client_for, path):
    response = client_for(org.admin).get(path, {"q": NUL})
    assert response.status_code == 400
    assert "control character" in response.content.decode()


def test_a_page_form_with_a_control_character_changes_nothing(org, client_for):
    client = client_for(org.admin)
    person = org.emp_a
    response = client.post(
        reverse("org:person_edit", args=[person.pk]),
        {"first_name": "Bad\u0007Name", "last_name": person.last_name, "change_reason": "typo"},
    )
    assert response.status_code == 400
    assert "first_name" in response.content.decode()
    person.refresh_from_db()
    assert person.first_name != "Bad\u0007Name"


def test_an_import_row_with_a_control_character_is_reported_on_its_line(org):
    from ims.org.importer import org_import

    header = "employee_id,username,first_name,last_name,email,site,function,role\n"
    content = (header + f"E900,new.person,Ne{chr(7)}w,Person,new@example.com,SITEA,QA,Employee\n").encode()
    report = org_import(actor=org.admin, content=content, dry_run=False, source="test")
    assert not report.applied
    assert any(issue.line == 2 and "control character" in issue.message for issue in report.errors), report.errors
    assert not Person.objects.filter(username="new.person").exists()


def test_tabs_and_newlines_stay_allowed():
    assert control_character_error("line one\nline two\twith a tab\r\n") is None
    assert control_character_error("bell\u0007") is not None
    assert first_control_character({"a": ["ok", {"b": "x\u0000"}]}) == ("a[1].b", control_character_error("\u0000"))

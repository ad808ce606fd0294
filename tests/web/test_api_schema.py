"""The OpenAPI schema and the API docs: for signed-in people only, served without any other host."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from ims.access.services import api_token_create

pytestmark = pytest.mark.django_db

ORG_PATHS = [
    "/api/v1/sites/",
    "/api/v1/sites/{id}/",
    "/api/v1/sites/{id}/deactivate/",
    "/api/v1/functions/",
    "/api/v1/functions/{id}/deactivate/",
    "/api/v1/roles/",
    "/api/v1/roles/{id}/",
    "/api/v1/people/",
    "/api/v1/people/{id}/",
    "/api/v1/people/{id}/deactivate/",
    "/api/v1/memberships/",
    "/api/v1/memberships/{id}/deactivate/",
]


def schema_of(client: Client, **headers) -> dict:
    response = client.get(reverse("api-schema"), {"format": "json"}, **headers)
    assert response.status_code == 200
    return response.json()


@pytest.mark.parametrize("name", ["api-schema", "api-docs"])
def test_anonymous_cannot_read_the_schema_or_docs(db, name):
    response = Client().get(reverse(name))
    if response.status_code == 302:
        assert reverse("login") in response["Location"]
    else:
        assert response.status_code in (401, 403)
    assert b"/api/v1/people/" not in response.content


def test_signed_in_person_reads_the_docs_served_locally(org, client_for):
    response = client_for(org.emp_a).get(reverse("api-docs"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    references = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", html)
    assert references, "the docs page loads its scripts and styles"
    for reference in references:
        assert reference.startswith("/") and not reference.startswith("//"), reference
    assert not re.search(r"""["'](?:https?:)?//""", html), "no asset or schema from another host"


def test_schema_is_openapi_3_with_the_organisation(org, client_for):
    schema = schema_of(client_for(org.emp_a))
    assert schema["openapi"].startswith("3.")
    for path in ORG_PATHS:
        assert path in schema["paths"], path
    assert reverse("org-import") == "/api/v1/org/import/"


def test_schema_is_available_with_a_token(org):
    _, raw = api_token_create(person=org.qm_a, name="Client generator")
    schema = schema_of(Client(), HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert schema["components"]["securitySchemes"]["BearerAuth"]["scheme"] == "bearer"


def test_schema_describes_what_the_api_really_does(org, client_for):
    schema = schema_of(client_for(org.emp_a))
    paths, components = schema["paths"], schema["components"]["schemas"]

    # Regulated records are never deleted and roles are read-only.
    for path in ORG_PATHS:
        assert "delete" not in paths[path], path
    assert set(paths["/api/v1/roles/"]) - {"parameters"} == {"get"}
    assert set(paths["/api/v1/roles/{id}/"]) - {"parameters"} == {"get"}

    deactivate = paths["/api/v1/people/{id}/deactivate/"]["post"]
    assert "requestBody" not in deactivate
    assert deactivate["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/Person")

    # A person is created with their first membership; those fields are never read back.
    create = paths["/api/v1/people/"]["post"]
    request_ref = create["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    request = components[request_ref]
    assert {"site", "function", "role", "username", "employee_id"} <= set(request["required"])
    assert {"oneOf"} <= set(request["properties"]["site"])
    assert "password" not in request["properties"]
    person = components["Person"]["properties"]
    assert "site" not in person and "password" not in person
    assert person["id"]["readOnly"] is True
    assert person["memberships"]["type"] == "array"

    membership = components["Membership"]["properties"]
    assert membership["is_current"]["readOnly"] is True
    assert membership["site"]["type"] == "integer"

    # Filters and ordering are documented.
    parameters = {p["name"] for p in paths["/api/v1/people/"]["get"]["parameters"]}
    assert {"q", "site", "is_active", "ordering", "page", "page_size"} <= parameters
    tags = {tag for path in ORG_PATHS for op in paths[path].values() if isinstance(op, dict) for tag in op["tags"]}
    assert {"sites", "functions", "roles", "people", "memberships"} <= tags

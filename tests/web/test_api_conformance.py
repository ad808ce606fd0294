"""What the OpenAPI schema and OPTIONS say is what the API does (found by a schema-driven REST client)."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.django_db


def _schema(client) -> dict:
    return json.loads(client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").content)


@pytest.mark.parametrize("page", ["0", "-1", "abc", "1.5"])
def test_a_page_that_is_not_a_page_number_is_a_bad_request(org, client_for, page):
    response = client_for(org.admin).get("/api/v1/people/", {"page": page})
    assert response.status_code == 400
    assert "page" in response.json()


def test_a_page_past_the_end_is_not_found(org, client_for):
    response = client_for(org.admin).get("/api/v1/people/", {"page": "999"})
    assert response.status_code == 404


def test_options_and_the_schema_never_advertise_delete(org, client_for):
    client = client_for(org.admin)
    allow = client.options(f"/api/v1/people/{org.emp_a.pk}/")["Allow"]
    assert "DELETE" not in allow and "PATCH" in allow
    response = client.delete(f"/api/v1/people/{org.emp_a.pk}/")
    assert response.status_code == 405 and "never deleted" in response.json()["detail"]
    schema = _schema(client)
    assert not [path for path, item in schema["paths"].items() if "delete" in item]


def test_blank_and_null_values_are_in_the_schema(org, client_for):
    components = _schema(client_for(org.admin))["components"]["schemas"]

    def cancel_reason_allows_blank(name: str) -> bool:
        prop = components[name]["properties"]["cancel_reason"]
        variants = prop.get("oneOf") or prop.get("anyOf") or [prop]
        refs = [components[v["$ref"].rsplit("/", 1)[-1]] if "$ref" in v else v for v in variants]
        return any("" in (v.get("enum") or []) for v in refs)

    assert cancel_reason_allows_blank("Acknowledgement")
    assert cancel_reason_allows_blank("Assignment")
    objective = components["Objective"]["properties"]
    assert objective["site_code"].get("nullable") and objective["function_code"].get("nullable")

"""A create carries its reason for change (body field or header, every resource) into the trail, and a person's
events are visible to whoever may view the person, including the creation written before any membership."""

from __future__ import annotations

import json

import pytest

from ims.audit.models import AuditEvent
from ims.org.models import Person
from tests.org.test_api import new_person_payload as new_person

pytestmark = pytest.mark.django_db


def _insert_reason(label: str, pk) -> str:
    return AuditEvent.objects.get(model_label=label, object_pk=str(pk), action="I").reason


def test_a_create_takes_its_reason_from_the_body(org, client_for):
    client = client_for(org.qm_a)
    response = client.post(
        "/api/v1/people/",
        json.dumps(new_person(change_reason="New hire, HR ticket 4711")),
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    person = Person.objects.get(username="new_hire")
    assert _insert_reason("org.person", person.pk) == "New hire, HR ticket 4711"
    membership = person.memberships.get()
    assert _insert_reason("org.membership", membership.pk) == "New hire, HR ticket 4711"


def test_a_create_takes_its_reason_from_the_header(org, client_for):
    client = client_for(org.admin)
    response = client.post(
        "/api/v1/functions/",
        json.dumps({"code": "EHS", "name": "Environment, Health & Safety"}),
        content_type="application/json",
        HTTP_X_CHANGE_REASON="EHS becomes a function of its own",
    )
    assert response.status_code == 201, response.content
    assert _insert_reason("org.function", response.json()["id"]) == "EHS becomes a function of its own"


def test_the_quality_manager_who_created_a_person_sees_the_creation(org, client_for):
    qm = client_for(org.qm_a)
    response = qm.post("/api/v1/people/", json.dumps(new_person()), content_type="application/json")
    assert response.status_code == 201, response.content
    person = Person.objects.get(username="new_hire")
    creation = AuditEvent.objects.get(model_label="org.person", object_pk=str(person.pk), action="I")
    assert not creation.site_ids  # written before the membership existed

    events = qm.get("/api/v1/audit/events/", {"model_label": "org.person", "object_pk": person.pk}).json()
    assert creation.pk in [e["id"] for e in events["results"]]
    page = qm.get(f"/audit/?model_label=org.person&object_pk={person.pk}").content.decode()
    assert "Nora" in page or str(creation.pk) in page

    other = client_for(org.qm_b).get("/api/v1/audit/events/", {"model_label": "org.person", "object_pk": person.pk})
    assert other.json()["results"] == []  # not a person of site B

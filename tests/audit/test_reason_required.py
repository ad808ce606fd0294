"""A reason for change is mandatory on every update and deactivation, on the pages and in the API (A11-9).

Without one: 400 with a clear message, and nothing is changed (and no update event is written).
With one: the change is applied and its audit event carries the reason, word for word.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from ims.audit.models import AuditEvent
from ims.org.models import Person
from ims.testing.kit import if_match
from ims.web.views import REASON_REQUIRED

pytestmark = [pytest.mark.django_db, pytest.mark.req("A11-9", "P11-10e")]

REASON = "Job title corrected per HR letter 2026-114"


def person_form(person, **changes) -> dict:
    data = {
        "first_name": person.first_name,
        "last_name": person.last_name,
        "username": person.username,
        "employee_id": person.employee_id,
        "email": person.email,
        "job_title": person.job_title,
        "manager": person.manager_id or "",
    }
    return {**data, **changes}


@pytest.fixture
def mark(org) -> int:
    """The newest event id before the test acts (the ``org`` fixture's own writes come before it)."""
    return AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


def updates_of(person, since: int) -> list[AuditEvent]:
    return list(AuditEvent.objects.for_record(person).filter(action="U", id__gt=since).order_by("id"))


def fresh(person) -> Person:
    return Person.objects.get(pk=person.pk)


# --- the edit page ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("reason", ["", "   "])
def test_page_edit_without_a_reason_is_refused_and_changes_nothing(org, client_for, mark, reason):
    url = reverse("org:person_edit", args=[org.emp_a.pk])
    client = client_for(org.qm_a)
    assert "change_reason" in client.get(url).context["form"].fields
    response = client.post(url, person_form(org.emp_a, job_title="Operator", change_reason=reason))
    assert response.status_code == 400
    assert response.context["form"].errors["change_reason"] == [REASON_REQUIRED]
    assert REASON_REQUIRED in response.content.decode()
    assert fresh(org.emp_a).job_title == ""
    assert updates_of(org.emp_a, mark) == []


def test_page_edit_with_a_reason_records_it(org, client_for, mark):
    url = reverse("org:person_edit", args=[org.emp_a.pk])
    response = client_for(org.qm_a).post(url, person_form(org.emp_a, job_title="Operator", change_reason=REASON))
    assert response.status_code == 302
    assert fresh(org.emp_a).job_title == "Operator"
    [event] = updates_of(org.emp_a, mark)
    assert event.reason == REASON and event.changed_fields == ["job_title"]
    assert event.actor_id == org.qm_a.pk and event.channel == "web"


def test_creating_needs_no_reason(org, client_for):
    response = client_for(org.admin).post(
        reverse("org:function_add"), {"code": "EHS", "name": "Environment, Health & Safety", "description": ""}
    )
    assert response.status_code == 302


# --- deactivation on the page --------------------------------------------------------------------------------


def test_page_deactivation_without_a_reason_is_refused(org, client_for, mark):
    url = reverse("org:person_deactivate", args=[org.emp_a.pk])
    response = client_for(org.qm_a).post(url)
    assert response.status_code == 400
    assert REASON_REQUIRED in response.content.decode()
    assert fresh(org.emp_a).is_active
    assert updates_of(org.emp_a, mark) == []


def test_page_deactivation_with_a_reason_records_it(org, client_for, mark):
    url = reverse("org:person_deactivate", args=[org.emp_a.pk])
    response = client_for(org.qm_a).post(url, {"change_reason": "Left the company"})
    assert response.status_code == 302
    assert not fresh(org.emp_a).is_active
    [event] = updates_of(org.emp_a, mark)
    assert event.reason == "Left the company" and event.new["is_active"] is False and event.old["is_active"] is True


# --- the API --------------------------------------------------------------------------------------------------


def api_patch(client, person, body: dict, **headers):
    url = reverse("person-detail", args=[person.pk])
    return client.patch(url, body, content_type="application/json", **headers, **if_match(client, url))


def test_api_patch_without_a_reason_is_refused_and_changes_nothing(org, client_for, mark):
    response = api_patch(client_for(org.qm_a), org.emp_a, {"job_title": "Operator"})
    assert response.status_code == 400
    assert response.json() == {"change_reason": [REASON_REQUIRED]}
    assert fresh(org.emp_a).job_title == ""
    assert updates_of(org.emp_a, mark) == []


def test_api_put_without_a_reason_is_refused(org, client_for):
    client = client_for(org.qm_a)
    body = client.get(reverse("person-detail", args=[org.emp_a.pk])).json()
    payload = {k: body[k] for k in ("username", "employee_id", "first_name", "last_name", "email", "manager")}
    response = client.put(
        reverse("person-detail", args=[org.emp_a.pk]), {**payload, "job_title": "Lead"}, content_type="application/json"
    )
    assert response.status_code == 400 and "change_reason" in response.json()
    assert fresh(org.emp_a).job_title == ""


@pytest.mark.parametrize("how", ["body", "header"])
def test_api_patch_with_a_reason_records_it(org, client_for, mark, how):
    client = client_for(org.qm_a)
    if how == "body":
        response = api_patch(client, org.emp_a, {"job_title": "Operator", "change_reason": REASON})
    else:
        response = api_patch(client, org.emp_a, {"job_title": "Operator"}, HTTP_X_CHANGE_REASON=REASON)
    assert response.status_code == 200, response.json()
    assert "change_reason" not in response.json()
    assert fresh(org.emp_a).job_title == "Operator"
    [event] = updates_of(org.emp_a, mark)
    assert event.reason == REASON and event.channel == "api"


def test_api_deactivation_without_a_reason_is_refused(org, client_for, mark):
    response = client_for(org.qm_a).post(reverse("person-deactivate", args=[org.emp_a.pk]))
    assert response.status_code == 400
    assert response.json() == {"change_reason": [REASON_REQUIRED]}
    assert fresh(org.emp_a).is_active
    assert updates_of(org.emp_a, mark) == []


def test_api_deactivation_with_a_reason_records_it(org, client_for, mark):
    response = client_for(org.qm_a).post(
        reverse("person-deactivate", args=[org.emp_a.pk]),
        {"change_reason": "Left the company"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.json()
    assert not fresh(org.emp_a).is_active
    [event] = updates_of(org.emp_a, mark)
    assert event.reason == "Left the company"

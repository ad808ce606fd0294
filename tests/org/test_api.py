"""REST API of the organisation: CRUD through the services, site isolation, filters, pagination, limits."""

from __future__ import annotations

import datetime
import uuid

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.throttling import UserRateThrottle

from ims.org import services
from ims.org.choices import RoleCode
from ims.org.models import Function, Membership, Person, Site
from ims.testing.kit import if_match

pytestmark = pytest.mark.django_db


def url(name: str, *args) -> str:
    return reverse(name, args=args)


#: Updates and deactivations carry a reason for change (A11-9); tests/audit/test_reason_required.py checks it.
REASON = "Corrected per the HR record"
WITH_REASON = {"change_reason": REASON}


@pytest.fixture
def api(client_for):
    """``api(person)`` → a client whose post/patch/put send JSON; patch and put carry a reason for change."""

    class JsonClient:
        def __init__(self, person):
            self.client = client_for(person)

        def get(self, path, data=None):
            return self.client.get(path, data)

        def post(self, path, data=None):
            return self.client.post(path, data or {}, content_type="application/json")

        def patch(self, path, data):
            headers = if_match(self.client, path)
            return self.client.patch(path, {**data, **WITH_REASON}, content_type="application/json", **headers)

        def put(self, path, data):
            headers = if_match(self.client, path)
            return self.client.put(path, {**data, **WITH_REASON}, content_type="application/json", **headers)

        def delete(self, path):
            return self.client.delete(path)

    return JsonClient


def ids(response) -> set[int]:
    return {row["id"] for row in response.json()["results"]}


def new_person_payload(**extra) -> dict:
    return {
        "username": "new_hire",
        "employee_id": "E-1001",
        "first_name": "Nora",
        "last_name": "Hire",
        "email": "Nora.Hire@example.com",
        "job_title": "QA Specialist",
        "site": "SITEA",
        "function": "QA",
        "role": RoleCode.EMPLOYEE,
        **extra,
    }


# --- Sites ------------------------------------------------------------------------------------------


def test_site_list_shows_only_the_callers_sites(org, api):
    response = api(org.qm_a).get(url("site-list"))
    assert response.status_code == 200
    assert [row["code"] for row in response.json()["results"]] == ["SITEA"]
    assert {row["code"] for row in api(org.admin).get(url("site-list")).json()["results"]} == {"SITEA", "SITEB"}


def test_site_detail_of_another_site_is_not_found(org, api):
    assert api(org.qm_a).get(url("site-detail", org.site_b.pk)).status_code == 404
    body = api(org.qm_a).get(url("site-detail", org.site_a.pk)).json()
    assert body["code"] == "SITEA" and body["timezone"] == "Europe/Zurich"


def test_only_a_global_admin_creates_sites(org, api):
    payload = {"code": "sitec", "name": "Cork Plant", "country": "ie", "timezone": "Europe/Dublin"}
    denied = api(org.qm_a).post(url("site-list"), payload)
    assert denied.status_code == 403
    assert not Site.objects.filter(code="SITEC").exists()

    response = api(org.admin).post(url("site-list"), payload)
    assert response.status_code == 201, response.json()
    assert response.json()["code"] == "SITEC" and response.json()["country"] == "IE"
    assert Site.objects.get(code="SITEC").name == "Cork Plant"


def test_site_update_keeps_the_code(org, api):
    response = api(org.qm_a).patch(url("site-detail", org.site_a.pk), {"name": "Basel Works"})
    assert response.status_code == 200, response.json()
    assert Site.objects.get(pk=org.site_a.pk).name == "Basel Works"

    response = api(org.qm_a).patch(url("site-detail", org.site_a.pk), {"code": "BSL"})
    assert response.status_code == 400
    assert "never changes" in response.json()["code"][0]
    assert Site.objects.get(pk=org.site_a.pk).code == "SITEA"


def test_site_validation_errors_name_the_field(org, api):
    response = api(org.admin).post(
        url("site-list"), {"code": "SITEC", "name": "Cork", "country": "IE", "timezone": "Mars/Olympus"}
    )
    assert response.status_code == 400
    assert "timezone" in response.json()
    assert not Site.objects.filter(code="SITEC").exists()


def test_site_deactivation_needs_the_delete_permission(org, api):
    assert api(org.qm_a).post(url("site-deactivate", org.site_a.pk), WITH_REASON).status_code == 403
    assert Site.objects.get(pk=org.site_a.pk).is_active

    response = api(org.admin).post(url("site-deactivate", org.site_b.pk), WITH_REASON)
    assert response.status_code == 200
    assert response.json()["is_active"] is False
    assert not Site.objects.get(pk=org.site_b.pk).is_active


# --- Functions and roles ----------------------------------------------------------------------------


def test_functions_are_reference_data_written_by_the_admin(org, api):
    listed = api(org.emp_a).get(url("function-list"), {"ordering": "code"})
    assert [row["code"] for row in listed.json()["results"]] == ["PROD", "QA"]

    assert api(org.qm_a).post(url("function-list"), {"code": "EHS", "name": "EHS"}).status_code == 403
    created = api(org.admin).post(url("function-list"), {"code": "ehs", "name": "Environment, Health & Safety"})
    assert created.status_code == 201, created.json()
    function = Function.objects.get(code="EHS")

    patched = api(org.admin).patch(url("function-detail", function.pk), {"description": "ISO 14001 and 45001"})
    assert patched.status_code == 200
    assert Function.objects.get(pk=function.pk).description == "ISO 14001 and 45001"

    assert api(org.qm_a).patch(url("function-detail", function.pk), {"name": "X"}).status_code == 403
    deactivated = api(org.admin).post(url("function-deactivate", function.pk), WITH_REASON)
    assert deactivated.status_code == 200 and deactivated.json()["is_active"] is False


def test_duplicate_function_name_is_rejected(org, api):
    response = api(org.admin).post(url("function-list"), {"code": "QA2", "name": "Quality Assurance"})
    assert response.status_code == 400
    assert "name" in response.json()
    assert not Function.objects.filter(code="QA2").exists()


def test_roles_are_read_only_with_their_permissions(org, api):
    response = api(org.emp_a).get(url("role-list"), {"q": "quality"})
    assert response.status_code == 200
    [role] = response.json()["results"]
    assert role["code"] == RoleCode.QUALITY_MANAGER
    assert "org.change_person" in role["permissions"]
    assert "org.add_site" not in role["permissions"]

    inspector = api(org.emp_a).get(url("role-detail", org.roles[RoleCode.INSPECTOR].pk)).json()
    assert inspector["is_read_only"] is True
    assert all(p.split(".")[1].startswith("view_") for p in inspector["permissions"])

    role_url = url("role-detail", org.roles[RoleCode.EMPLOYEE].pk)
    assert api(org.admin).patch(role_url, {"name": "Staff"}).status_code == 405
    assert api(org.admin).post(url("role-list"), {"code": "x", "name": "X"}).status_code == 405
    assert api(org.admin).delete(role_url).status_code == 405


# --- People -----------------------------------------------------------------------------------------


def test_people_list_is_scoped_to_the_callers_sites(org, api):
    response = api(org.qm_a).get(url("person-list"))
    assert response.status_code == 200
    assert ids(response) == {org.qm_a.pk, org.emp_a.pk, org.inspector_a.pk, org.admin.pk}
    assert org.emp_b.pk not in ids(response) and org.nosite.pk not in ids(response)


def test_person_detail_shows_memberships_and_never_the_password(org, api):
    body = api(org.qm_a).get(url("person-detail", org.emp_a.pk)).json()
    assert body["employee_id"] == "EMP_A"
    assert body["sites"] == ["SITEA"]
    assert [(m["site"], m["function"], m["role"]) for m in body["memberships"]] == [
        ("SITEA", "PROD", RoleCode.EMPLOYEE)
    ]
    assert "password" not in body


def test_memberships_at_other_sites_are_not_shown(org, api):
    services.membership_create(person=org.emp_a, site=org.site_b, function=org.qa, role=org.roles[RoleCode.TRAINER])
    body = api(org.qm_a).get(url("person-detail", org.emp_a.pk)).json()
    assert body["sites"] == ["SITEA"]
    assert {m["site"] for m in body["memberships"]} == {"SITEA"}
    assert api(org.admin).get(url("person-detail", org.emp_a.pk)).json()["sites"] == ["SITEA", "SITEB"]


def test_person_of_another_site_is_not_found(org, api):
    assert api(org.qm_a).get(url("person-detail", org.emp_b.pk)).status_code == 404
    response = api(org.qm_a).patch(url("person-detail", org.emp_b.pk), {"job_title": "Hacked"})
    assert response.status_code == 404
    assert Person.objects.get(pk=org.emp_b.pk).job_title == ""


def test_employee_cannot_change_a_colleague(org, api):
    response = api(org.emp_a).patch(url("person-detail", org.qm_a.pk), {"job_title": "Intern"})
    assert response.status_code == 403
    assert "not change" in response.json()["detail"]
    assert Person.objects.get(pk=org.qm_a.pk).job_title == ""


def test_inspector_cannot_write(org, api):
    client = api(org.inspector_a)
    assert client.patch(url("person-detail", org.emp_a.pk), {"job_title": "X"}).status_code == 403
    assert client.post(url("person-list"), new_person_payload()).status_code == 403
    assert client.post(url("person-deactivate", org.emp_a.pk), WITH_REASON).status_code == 403
    membership = Membership.objects.get(person=org.emp_a)
    assert client.post(url("membership-deactivate", membership.pk), WITH_REASON).status_code == 403
    assert client.patch(url("site-detail", org.site_a.pk), {"name": "X"}).status_code == 403
    assert Person.objects.get(pk=org.emp_a.pk).is_active
    assert not Person.objects.filter(username="new_hire").exists()
    assert Membership.objects.get(pk=membership.pk).valid_to is None
    assert Site.objects.get(pk=org.site_a.pk).name == "Basel Plant"


def test_quality_manager_creates_a_person_with_the_first_membership(org, api):
    response = api(org.qm_a).post(url("person-list"), new_person_payload())
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["email"] == "nora.hire@example.com"
    assert body["sites"] == ["SITEA"]
    assert "site" not in body and "password" not in body
    person = Person.objects.get(username="new_hire")
    assert not person.has_usable_password()
    membership = Membership.objects.get(person=person)
    assert (membership.site, membership.function, membership.role.code) == (org.site_a, org.qa, RoleCode.EMPLOYEE)
    assert membership.valid_from == timezone.localdate()


def test_person_create_accepts_ids_as_well_as_codes(org, api):
    payload = new_person_payload(site=org.site_a.pk, function=org.prod.pk, role=org.roles[RoleCode.TRAINER].pk)
    assert api(org.qm_a).post(url("person-list"), payload).status_code == 201
    assert Membership.objects.get(person__username="new_hire").role.code == RoleCode.TRAINER


def test_person_create_needs_the_permission_at_that_site(org, api):
    response = api(org.emp_a).post(url("person-list"), new_person_payload())
    assert response.status_code == 403
    assert not Person.objects.filter(username="new_hire").exists()

    # qm_a manages SITEA only: SITEB is not theirs, and answers as if it did not exist.
    response = api(org.qm_a).post(url("person-list"), new_person_payload(site="SITEB"))
    assert response.status_code == 400
    assert "site" in response.json()
    assert not Person.objects.filter(username="new_hire").exists()


def test_person_create_refused_where_user_may_view_but_not_add(org, api):
    services.membership_create(person=org.qm_a, site=org.site_b, function=org.qa, role=org.roles[RoleCode.EMPLOYEE])
    response = api(org.qm_a).post(url("person-list"), new_person_payload(site="SITEB"))
    assert response.status_code == 403
    assert "SITEB" in response.json()["detail"]
    assert not Person.objects.filter(username="new_hire").exists()


def test_person_create_requires_the_first_membership(org, api):
    payload = new_person_payload()
    del payload["site"], payload["role"]
    response = api(org.qm_a).post(url("person-list"), payload)
    assert response.status_code == 400
    assert set(response.json()) == {"site", "role"}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"site": "NOPE"}, "site"),
        ({"function": "NOPE"}, "function"),
        ({"role": "chief_wizard"}, "role"),
        ({"employee_id": "emp_a"}, "employee_id"),  # taken, ignoring case
        ({"username": "QM_A"}, "username"),
        ({"email": "QM_A@example.com"}, "email"),
        ({"employee_id": "has space"}, "employee_id"),
    ],
)
def test_person_create_rejects_bad_data_and_writes_nothing(org, api, change, field):
    people, memberships = Person.objects.count(), Membership.objects.count()
    response = api(org.qm_a).post(url("person-list"), new_person_payload(**change))
    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert response.json()[field][0]
    assert (Person.objects.count(), Membership.objects.count()) == (people, memberships)


def test_person_create_at_a_deactivated_site_writes_nothing(org, api):
    services.site_deactivate(site=org.site_a)
    people = Person.objects.count()
    response = api(org.admin).post(url("person-list"), new_person_payload())
    assert response.status_code == 400
    assert "deactivated" in response.json()["site"][0]
    assert Person.objects.count() == people


@pytest.mark.parametrize("field", ["password", "is_superuser", "is_staff", "groups", "favourite_colour"])
def test_unknown_or_protected_fields_are_rejected(org, api, field):
    response = api(org.qm_a).post(url("person-list"), new_person_payload(**{field: "x"}))
    assert response.status_code == 400
    assert response.json() == {field: ["Unknown field."]}
    assert not Person.objects.filter(username="new_hire").exists()

    response = api(org.qm_a).patch(url("person-detail", org.emp_a.pk), {field: "x"})
    assert response.status_code == 400
    assert field in response.json()


def test_read_only_fields_are_ignored(org, api):
    response = api(org.qm_a).patch(
        url("person-detail", org.emp_a.pk), {"id": 999999, "is_active": False, "job_title": "Operator"}
    )
    assert response.status_code == 200
    person = Person.objects.get(pk=org.emp_a.pk)
    assert person.is_active and person.job_title == "Operator"


def test_person_update_goes_through_the_service_rules(org, api):
    client = api(org.qm_a)
    response = client.patch(url("person-detail", org.emp_a.pk), {"manager": org.qm_a.pk, "email": "EMP.A@Example.com"})
    assert response.status_code == 200, response.json()
    assert response.json()["manager"] == org.qm_a.pk
    person = Person.objects.get(pk=org.emp_a.pk)
    assert (person.manager, person.email) == (org.qm_a, "emp.a@example.com")

    # A management cycle is refused by the service and nothing changes.
    response = client.patch(url("person-detail", org.qm_a.pk), {"manager": org.emp_a.pk})
    assert response.status_code == 400
    assert "manager" in response.json()
    assert Person.objects.get(pk=org.qm_a.pk).manager is None

    # A manager outside the caller's sites is unknown to them.
    response = client.patch(url("person-detail", org.emp_a.pk), {"manager": org.qm_b.pk})
    assert response.status_code == 400 and "manager" in response.json()


def test_person_put_replaces_the_editable_fields(org, api):
    body = api(org.qm_a).get(url("person-detail", org.emp_a.pk)).json()
    payload = {k: body[k] for k in ("username", "employee_id", "first_name", "last_name", "email", "manager")}
    payload["job_title"] = "Line Lead"
    response = api(org.qm_a).put(url("person-detail", org.emp_a.pk), payload)
    assert response.status_code == 200, response.json()
    assert Person.objects.get(pk=org.emp_a.pk).job_title == "Line Lead"


def test_person_deactivation_ends_current_memberships(org, api):
    response = api(org.qm_a).post(url("person-deactivate", org.emp_a.pk), WITH_REASON)
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["is_active"] is False
    assert [m["valid_to"] for m in body["memberships"]] == [timezone.localdate().isoformat()]
    assert not Person.objects.get(pk=org.emp_a.pk).is_active
    assert Membership.objects.get(person=org.emp_a).valid_to == timezone.localdate()


def test_delete_is_refused_and_the_row_kept(org, api):
    membership = Membership.objects.get(person=org.emp_a)
    for name, pk in (
        ("person-detail", org.emp_a.pk),
        ("site-detail", org.site_a.pk),
        ("function-detail", org.qa.pk),
        ("membership-detail", membership.pk),
    ):
        response = api(org.admin).delete(url(name, pk))
        assert response.status_code == 405
        assert "deactivate" in response.json()["detail"]
    assert Person.objects.filter(pk=org.emp_a.pk, is_active=True).exists()
    assert Site.objects.filter(pk=org.site_a.pk).exists()
    assert Function.objects.filter(pk=org.qa.pk).exists()
    assert Membership.objects.filter(pk=membership.pk, valid_to__isnull=True).exists()


def test_anonymous_is_refused(org, client):
    for name in ("site-list", "function-list", "role-list", "person-list", "membership-list"):
        assert client.get(url(name)).status_code in (401, 403)
    response = client.post(url("person-list"), new_person_payload(), content_type="application/json")
    assert response.status_code in (401, 403)
    assert not Person.objects.filter(username="new_hire").exists()


# --- Filters, ordering, pagination ------------------------------------------------------------------


def test_people_filters(org, api):
    client = api(org.admin)
    assert ids(client.get(url("person-list"), {"q": "emp_"})) == {org.emp_a.pk, org.emp_b.pk}
    assert ids(client.get(url("person-list"), {"q": "QM_B@EXAMPLE"})) == {org.qm_b.pk}
    assert ids(client.get(url("person-list"), {"site": org.site_b.pk})) == {org.qm_b.pk, org.emp_b.pk}
    assert ids(client.get(url("person-list"), {"employee_id": "emp_b"})) == {org.emp_b.pk}

    services.person_deactivate(person=org.emp_b)
    assert ids(client.get(url("person-list"), {"is_active": "false"})) == {org.emp_b.pk}
    assert org.emp_b.pk not in ids(client.get(url("person-list"), {"is_active": "true"}))


def test_people_filter_by_function_and_role(org, api):
    client = api(org.admin)
    assert ids(client.get(url("person-list"), {"function": org.prod.pk})) == {org.emp_a.pk, org.emp_b.pk}
    employee = org.roles[RoleCode.EMPLOYEE].pk
    assert ids(client.get(url("person-list"), {"role": employee, "site": org.site_a.pk})) == {org.emp_a.pk}


def test_filtering_by_a_site_you_cannot_see_is_a_bad_request(org, api):
    response = api(org.qm_a).get(url("person-list"), {"site": org.site_b.pk})
    assert response.status_code == 400
    assert "site" in response.json()


def test_membership_filters(org, api):
    client = api(org.admin)
    ended = Membership.objects.get(person=org.emp_b)
    services.membership_update(membership=ended, data={"valid_from": datetime.date(2020, 1, 1)})
    services.membership_end(membership=ended, on=datetime.date(2021, 1, 1))

    current = client.get(url("membership-list"), {"current": "true"}).json()["results"]
    assert ended.pk not in {m["id"] for m in current}
    assert all(m["is_current"] for m in current)
    assert {m["id"] for m in client.get(url("membership-list"), {"current": "false"}).json()["results"]} == {ended.pk}
    at_b = client.get(url("membership-list"), {"site": org.site_b.pk}).json()["results"]
    assert {m["site_code"] for m in at_b} == {"SITEB"}
    assert {m["person"] for m in client.get(url("membership-list"), {"person": org.emp_a.pk}).json()["results"]} == {
        org.emp_a.pk
    }


def test_site_and_function_filters(org, api):
    client = api(org.admin)
    assert [s["code"] for s in client.get(url("site-list"), {"country": "us"}).json()["results"]] == ["SITEB"]
    services.function_deactivate(function=org.prod)
    assert [f["code"] for f in client.get(url("function-list"), {"is_active": "true"}).json()["results"]] == ["QA"]


def test_people_ordering(org, api):
    client = api(org.admin)
    rows = client.get(url("person-list"), {"ordering": "-employee_id"}).json()["results"]
    employee_ids = [row["employee_id"] for row in rows]
    assert employee_ids == sorted(employee_ids, reverse=True)
    rows = client.get(url("person-list"), {"ordering": "username"}).json()["results"]
    assert [row["username"] for row in rows] == sorted(row["username"] for row in rows)


def test_ordering_by_an_undeclared_field_is_ignored(org, api):
    response = api(org.admin).get(url("person-list"), {"ordering": "password"})
    assert response.status_code == 200
    assert [r["id"] for r in response.json()["results"]] == [
        p.pk for p in Person.objects.order_by("last_name", "first_name", "employee_id")
    ]


def _bulk_people(count: int, site: Site, function: Function, role) -> None:
    for n in range(count):
        person = services.person_create(username=f"bulk{n:03d}", employee_id=f"B{n:03d}", last_name=f"Bulk{n:03d}")
        services.membership_create(person=person, site=site, function=function, role=role)


def test_page_size_is_capped_at_100(org, api):
    _bulk_people(120, org.site_a, org.prod, org.roles[RoleCode.EMPLOYEE])
    response = api(org.qm_a).get(url("person-list"), {"page_size": 500})
    body = response.json()
    assert response.status_code == 200
    assert len(body["results"]) == 100
    assert body["count"] == 124
    assert body["next"] is not None
    assert len(api(org.qm_a).get(url("person-list")).json()["results"]) == 50


def test_page_past_the_end_is_a_clear_404(org, api):
    response = api(org.qm_a).get(url("person-list"), {"page": 9999})
    assert response.status_code == 404
    assert response.json()["detail"] == "That page is past the end of the list."


def test_people_list_query_count_is_the_same_for_1_and_50_rows(org, api):
    client = api(org.qm_a)
    role = org.roles[RoleCode.EMPLOYEE]

    def add_person(n: int) -> None:
        person = services.person_create(username=f"bulk{n:03d}", employee_id=f"B{n:03d}", manager=org.qm_a)
        services.membership_create(person=person, site=org.site_a, function=org.qa, role=role)
        services.membership_create(person=person, site=org.site_a, function=org.prod, role=role)

    def list_bulk() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url("person-list"), {"q": "bulk", "page_size": 100})
        assert response.status_code == 200
        return len(queries), len(response.json()["results"])

    add_person(0)
    one, rows = list_bulk()
    assert rows == 1
    for n in range(1, 50):
        add_person(n)
    fifty, rows = list_bulk()
    assert rows == 50
    assert fifty == one


def test_membership_list_query_count_does_not_grow_with_rows(org, api):
    client = api(org.qm_a)
    role = org.roles[RoleCode.EMPLOYEE]

    def count_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url("membership-list"), {"page_size": 100}).status_code == 200
        return len(queries)

    few = count_queries()
    _bulk_people(40, org.site_a, org.prod, role)
    assert count_queries() == few


# --- Memberships ------------------------------------------------------------------------------------


def test_membership_create_update_and_end(org, api):
    client = api(org.qm_a)
    response = client.post(
        url("membership-list"),
        {"person": org.emp_a.pk, "site": "SITEA", "function": "QA", "role": RoleCode.TRAINER},
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["site"], body["site_code"], body["role_code"]) == (org.site_a.pk, "SITEA", RoleCode.TRAINER)
    assert body["is_current"] is True
    membership = Membership.objects.get(pk=body["id"])

    later = (timezone.localdate() + datetime.timedelta(days=30)).isoformat()
    response = client.patch(url("membership-detail", membership.pk), {"valid_to": later})
    assert response.status_code == 200
    assert Membership.objects.get(pk=membership.pk).valid_to.isoformat() == later

    response = client.patch(url("membership-detail", membership.pk), {"person": org.qm_a.pk})
    assert response.status_code == 400 and "person" in response.json()

    response = client.post(url("membership-deactivate", membership.pk), WITH_REASON)
    assert response.status_code == 200
    assert response.json()["valid_to"] == timezone.localdate().isoformat()
    assert Membership.objects.get(pk=membership.pk).valid_to == timezone.localdate()


def test_membership_create_needs_the_permission_at_its_site(org, api):
    before = Membership.objects.count()
    payload = {"person": org.emp_a.pk, "site": "SITEA", "function": "QA", "role": RoleCode.TRAINER}
    response = api(org.emp_a).post(url("membership-list"), payload)
    assert response.status_code == 403

    # qm_a may view SITEB (as an employee there) but not add memberships at it.
    services.membership_create(person=org.qm_a, site=org.site_b, function=org.qa, role=org.roles[RoleCode.EMPLOYEE])
    before = Membership.objects.count()
    response = api(org.qm_a).post(url("membership-list"), {**payload, "site": "SITEB"})
    assert response.status_code == 403
    assert "SITEB" in response.json()["detail"]
    assert Membership.objects.count() == before


def test_membership_end_before_start_is_refused(org, api):
    membership = Membership.objects.get(person=org.emp_a)
    response = api(org.qm_a).patch(url("membership-detail", membership.pk), {"valid_to": "2000-01-01"})
    assert response.status_code == 400
    assert "valid_to" in response.json()
    assert Membership.objects.get(pk=membership.pk).valid_to is None


def test_duplicate_membership_is_refused(org, api):
    before = Membership.objects.count()
    response = api(org.qm_a).post(
        url("membership-list"), {"person": org.emp_a.pk, "site": "SITEA", "function": "PROD", "role": "employee"}
    )
    assert response.status_code == 400
    assert "role" in response.json()
    assert Membership.objects.count() == before


def test_membership_of_another_site_is_not_found(org, api):
    membership = Membership.objects.get(person=org.emp_b)
    assert api(org.qm_a).get(url("membership-detail", membership.pk)).status_code == 404
    assert api(org.qm_a).post(url("membership-deactivate", membership.pk), WITH_REASON).status_code == 404
    assert Membership.objects.get(pk=membership.pk).valid_to is None


# --- Throttling -------------------------------------------------------------------------------------


def test_too_many_requests_are_throttled(org, api, monkeypatch, settings):
    rates = {"user": "3/minute", "anon": "3/minute"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    # The throttle classes read their rates when imported; give them the test's rate, and a
    # key of their own in the shared cache so parallel runs cannot interfere.
    monkeypatch.setattr(UserRateThrottle, "THROTTLE_RATES", rates)
    monkeypatch.setattr(UserRateThrottle, "cache_format", f"throttle_{uuid.uuid4().hex}_%(scope)s_%(ident)s")
    key = UserRateThrottle.cache_format % {"scope": "user", "ident": org.qm_a.pk}
    cache.delete(key)

    client = api(org.qm_a)
    statuses = [client.get(url("site-list")).status_code for _ in range(3)]
    assert statuses == [200, 200, 200]
    response = client.get(url("site-list"))
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60
    cache.delete(key)

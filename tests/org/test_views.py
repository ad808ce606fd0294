"""Organisation pages: list/detail/edit/deactivate per model, scoped to the user's sites."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client
from django.urls import reverse

from ims.org import services
from ims.org.models import Function, Membership, Person, Site

pytestmark = pytest.mark.django_db

#: Updates and deactivations carry a reason for change (A11-9); tests/audit/test_reason_required.py checks it.
WITH_REASON = {"change_reason": "Corrected per the HR record"}


def person_data(org, **overrides):
    data = {
        "first_name": "Nora",
        "last_name": "Newcomer",
        "username": "nora_new",
        "employee_id": "E-1001",
        "email": "nora@example.com",
        "job_title": "QA Specialist",
        "manager": "",
        "site": org.site_a.pk,
        "function": org.qa.pk,
        "role": org.roles["employee"].pk,
        "valid_from": "2025-01-06",
        "password": "",
    }
    data.update(overrides)
    return data


def csv_rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


# --- Access -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["org:site_list", "org:function_list", "org:role_list", "org:person_list", "org:membership_list"],
)
def test_anonymous_visitors_are_sent_to_login(org, name):
    response = Client().get(reverse(name))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


@pytest.mark.parametrize(
    "name",
    ["org:site_list", "org:function_list", "org:role_list", "org:person_list", "org:membership_list"],
)
def test_every_list_renders_for_an_employee(org, client_for, name):
    response = client_for(org.emp_a).get(reverse(name))
    assert response.status_code == 200
    assert b"IMS Portal" in response.content


def test_person_list_shows_only_the_users_sites(org, client_for):
    response = client_for(org.qm_a).get(reverse("org:person_list"))
    body = response.content.decode()
    assert org.emp_a.get_absolute_url() in body
    assert org.emp_b.get_absolute_url() not in body
    assert org.qm_b.get_absolute_url() not in body


@pytest.mark.parametrize("viewer", ["qm_a", "emp_a"])
def test_person_of_another_site_is_not_found(org, client_for, viewer):
    client = client_for(getattr(org, viewer))
    assert client.get(reverse("org:person_detail", args=[org.emp_b.pk])).status_code == 404
    assert client.get(reverse("org:person_edit", args=[org.emp_b.pk])).status_code == 404
    assert client.post(reverse("org:person_deactivate", args=[org.emp_b.pk]), WITH_REASON).status_code == 404
    assert Person.objects.get(pk=org.emp_b.pk).is_active


def test_site_of_another_site_is_not_found(org, client_for):
    assert client_for(org.qm_a).get(reverse("org:site_detail", args=[org.site_b.pk])).status_code == 404


def test_employee_may_not_edit_and_nothing_changes(org, client_for):
    client = client_for(org.emp_a)
    url = reverse("org:person_edit", args=[org.qm_a.pk])
    assert client.get(url).status_code == 403
    response = client.post(
        url, {"first_name": "Hacked", "last_name": "X", "username": "qm_a", "employee_id": "QM_A", **WITH_REASON}
    )
    assert response.status_code == 403
    assert Person.objects.get(pk=org.qm_a.pk).first_name == "Qm"
    assert client.get(reverse("org:person_add")).status_code == 403
    assert client.post(reverse("org:person_deactivate", args=[org.qm_a.pk]), WITH_REASON).status_code == 403
    assert Person.objects.get(pk=org.qm_a.pk).is_active


def test_employee_sees_no_edit_buttons(org, client_for):
    body = client_for(org.emp_a).get(org.qm_a.get_absolute_url()).content.decode()
    assert reverse("org:person_edit", args=[org.qm_a.pk]) not in body
    assert reverse("org:person_deactivate", args=[org.qm_a.pk]) not in body
    body = client_for(org.qm_a).get(org.emp_a.get_absolute_url()).content.decode()
    assert reverse("org:person_edit", args=[org.emp_a.pk]) in body
    assert reverse("org:person_deactivate", args=[org.emp_a.pk]) in body


def test_inspector_reads_but_may_not_add(org, client_for):
    client = client_for(org.inspector_a)
    response = client.get(reverse("org:person_list"))
    assert response.status_code == 200
    assert reverse("org:person_add") not in response.content.decode()
    assert client.get(reverse("org:person_add")).status_code == 403


# --- People: create, edit, deactivate ----------------------------------------------------------------


def test_quality_manager_creates_a_person_with_a_first_membership(org, client_for):
    response = client_for(org.qm_a).post(reverse("org:person_add"), person_data(org))
    person = Person.objects.get(username="nora_new")
    assert response.status_code == 302
    assert response["Location"] == person.get_absolute_url()
    membership = Membership.objects.get(person=person)
    assert (membership.site, membership.function, membership.role.code) == (org.site_a, org.qa, "employee")
    assert str(membership.valid_from) == "2025-01-06"
    assert not person.has_usable_password()


def test_person_create_with_a_password_lets_them_sign_in(org, client_for):
    client_for(org.qm_a).post(reverse("org:person_add"), person_data(org, password="Lab-Bench-Window-42"))
    assert Client().login(username="nora_new", password="Lab-Bench-Window-42")


def test_weak_initial_password_is_refused(org, client_for):
    response = client_for(org.qm_a).post(reverse("org:person_add"), person_data(org, password="short"))
    assert response.status_code == 400
    assert not Person.objects.filter(username="nora_new").exists()


def test_quality_manager_cannot_add_a_person_at_another_site(org, client_for):
    response = client_for(org.qm_a).post(reverse("org:person_add"), person_data(org, site=org.site_b.pk))
    assert response.status_code == 400
    assert response.context["form"].errors["site"]
    assert b"nothing was saved" in response.content
    assert not Person.objects.filter(username="nora_new").exists()


def test_site_choices_are_the_sites_where_the_user_may_add_people(org, client_for):
    form = client_for(org.qm_a).get(reverse("org:person_add")).context["form"]
    assert list(form.fields["site"].queryset) == [org.site_a]
    assert not form.fields["role"].queryset.filter(is_global=True).exists()


def test_quality_manager_cannot_grant_the_global_admin_role(org, client_for):
    response = client_for(org.qm_a).post(reverse("org:person_add"), person_data(org, role=org.roles["global_admin"].pk))
    assert response.status_code == 400
    assert "role" in response.context["form"].errors
    assert not Person.objects.filter(username="nora_new").exists()


def test_validation_errors_are_shown_and_nothing_is_saved(org, client_for):
    response = client_for(org.qm_a).post(
        reverse("org:person_add"), person_data(org, username="", employee_id="bad id!")
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "username" in errors and "employee_id" in errors
    assert b"invalid-feedback" in response.content
    assert Person.objects.count() == 7


def test_duplicate_employee_id_is_a_form_error(org, client_for):
    response = client_for(org.qm_a).post(reverse("org:person_add"), person_data(org, employee_id="emp_a"))
    assert response.status_code == 400
    assert "employee_id" in response.context["form"].errors
    assert not Person.objects.filter(username="nora_new").exists()


def test_a_failing_membership_rolls_back_the_person(org, client_for, monkeypatch):
    from django.core.exceptions import ValidationError

    def refuse(**kwargs):
        raise ValidationError({"role": "This person already holds this role in this function at this site."})

    monkeypatch.setattr(services, "membership_create", refuse)
    response = client_for(org.qm_a).post(reverse("org:person_add"), person_data(org))
    assert response.status_code == 400
    assert response.context["form"].errors["role"]
    assert not Person.objects.filter(username="nora_new").exists()


def test_quality_manager_edits_a_person(org, client_for):
    url = reverse("org:person_edit", args=[org.emp_a.pk])
    client = client_for(org.qm_a)
    form = client.get(url).context["form"]
    assert "site" not in form.fields
    response = client.post(
        url,
        {
            "first_name": "Emma",
            "last_name": "Ployee",
            "username": "emp_a",
            "employee_id": "EMP_A",
            "email": "emp_a@example.com",
            "job_title": "Operator",
            "manager": org.qm_a.pk,
            **WITH_REASON,
        },
    )
    assert response.status_code == 302
    emp = Person.objects.get(pk=org.emp_a.pk)
    assert (emp.first_name, emp.job_title, emp.manager) == ("Emma", "Operator", org.qm_a)


def test_person_detail_shows_memberships_manager_and_reports(org, client_for):
    services.person_update(person=org.emp_a, data={"manager": org.qm_a})
    old = services.membership_create(
        person=org.emp_a,
        site=org.site_a,
        function=org.qa,
        role=org.roles["trainer"],
        valid_from=__import__("datetime").date(2020, 1, 1),
        valid_to=__import__("datetime").date(2020, 12, 31),
    )
    response = client_for(org.qm_a).get(org.emp_a.get_absolute_url())
    body = response.content.decode()
    assert 'data-membership="current"' in body and 'data-membership="ended"' in body
    assert old.get_absolute_url() in body
    assert "data-manager" in body and org.qm_a.get_absolute_url() in body
    body = client_for(org.qm_a).get(org.qm_a.get_absolute_url()).content.decode()
    assert "data-report" in body and org.emp_a.get_absolute_url() in body


def test_quality_manager_deactivates_a_person(org, client_for):
    response = client_for(org.qm_a).post(reverse("org:person_deactivate", args=[org.emp_a.pk]), WITH_REASON)
    assert response.status_code == 302
    emp = Person.objects.get(pk=org.emp_a.pk)
    assert not emp.is_active
    assert Membership.objects.get(person=emp).valid_to == __import__("datetime").date.today()


def test_nobody_deactivates_themself(org, client_for):
    client = client_for(org.admin)
    client.post(reverse("org:person_deactivate", args=[org.admin.pk]), WITH_REASON)
    assert Person.objects.get(pk=org.admin.pk).is_active


def test_deactivate_is_post_only(org, client_for):
    response = client_for(org.qm_a).get(reverse("org:person_deactivate", args=[org.emp_a.pk]))
    assert response.status_code == 405


# --- Sites and functions -----------------------------------------------------------------------------


def test_global_admin_creates_edits_and_deactivates_a_site(org, client_for):
    client = client_for(org.admin)
    response = client.post(
        reverse("org:site_add"), {"code": "cork", "name": "Cork Plant", "country": "ie", "timezone": "Europe/Dublin"}
    )
    site = Site.objects.get(code="CORK")
    assert response.status_code == 302 and site.country == "IE"
    response = client.post(
        reverse("org:site_edit", args=[site.pk]),
        {"code": "OTHER", "name": "Cork Fill-Finish", "country": "IE", "timezone": "Europe/Dublin", **WITH_REASON},
    )
    site.refresh_from_db()
    assert response.status_code == 302
    assert (site.code, site.name) == ("CORK", "Cork Fill-Finish")
    client.post(reverse("org:site_deactivate", args=[site.pk]), WITH_REASON)
    site.refresh_from_db()
    assert not site.is_active


def test_quality_manager_edits_but_may_not_add_or_deactivate_sites(org, client_for):
    client = client_for(org.qm_a)
    assert client.get(reverse("org:site_add")).status_code == 403
    assert client.get(reverse("org:site_edit", args=[org.site_a.pk])).status_code == 200
    assert client.post(reverse("org:site_deactivate", args=[org.site_a.pk]), WITH_REASON).status_code == 403
    assert Site.objects.get(pk=org.site_a.pk).is_active


def test_invalid_site_is_not_saved(org, client_for):
    response = client_for(org.admin).post(
        reverse("org:site_add"), {"code": "X Y", "name": "", "country": "Switzerland", "timezone": "Mars/Base"}
    )
    assert response.status_code == 400
    assert set(response.context["form"].errors) >= {"code", "name", "country", "timezone"}
    assert Site.objects.count() == 2


def test_site_detail_counts_its_people(org, client_for):
    response = client_for(org.qm_a).get(org.site_a.get_absolute_url())
    assert response.status_code == 200
    assert response.context["people_count"] == 4


def test_function_pages(org, client_for):
    client = client_for(org.admin)
    response = client.post(reverse("org:function_add"), {"code": "ehs", "name": "EHS", "description": "Safety"})
    function = Function.objects.get(code="EHS")
    assert response.status_code == 302
    assert client.get(function.get_absolute_url()).status_code == 200
    client.post(reverse("org:function_deactivate", args=[function.pk]), WITH_REASON)
    function.refresh_from_db()
    assert not function.is_active
    assert client_for(org.qm_a).get(reverse("org:function_edit", args=[function.pk])).status_code == 403


def test_role_pages_show_permissions_grouped_by_model(org, client_for):
    role = org.roles["quality_manager"]
    response = client_for(org.emp_a).get(reverse("org:role_detail", args=[role.pk]))
    assert response.status_code == 200
    groups = {g["model"]: [a["action"] for a in g["actions"]] for g in response.context["permission_groups"]}
    assert groups["Sites"] == ["view", "change"]
    assert groups["People"] == ["view", "add", "change", "delete"]
    assert not response.context["can_change"]


# --- Memberships -------------------------------------------------------------------------------------


def test_membership_add_is_limited_to_the_users_sites(org, client_for):
    client = client_for(org.qm_a)
    form = client.get(reverse("org:membership_add")).context["form"]
    assert list(form.fields["site"].queryset) == [org.site_a]
    data = {
        "person": org.emp_a.pk,
        "site": org.site_b.pk,
        "function": org.qa.pk,
        "role": org.roles["trainer"].pk,
        "valid_from": "2025-02-01",
    }
    assert client.post(reverse("org:membership_add"), data).status_code == 400
    data["site"] = org.site_a.pk
    response = client.post(reverse("org:membership_add"), data)
    assert response.status_code == 302
    assert Membership.objects.filter(person=org.emp_a, role=org.roles["trainer"], site=org.site_a).exists()


def test_membership_end(org, client_for):
    membership = Membership.objects.get(person=org.emp_a)
    client_for(org.emp_a).post(reverse("org:membership_end", args=[membership.pk]), WITH_REASON)
    assert Membership.objects.get(pk=membership.pk).valid_to is None
    response = client_for(org.qm_a).post(reverse("org:membership_end", args=[membership.pk]), WITH_REASON)
    assert response.status_code == 302
    assert Membership.objects.get(pk=membership.pk).valid_to is not None


def test_membership_of_another_site_is_not_found(org, client_for):
    membership = Membership.objects.get(person=org.emp_b)
    assert client_for(org.qm_a).get(reverse("org:membership_detail", args=[membership.pk])).status_code == 404


# --- Search, filters, sorting, pagination, export ------------------------------------------------------


def test_search_filters_people(org, client_for):
    response = client_for(org.admin).get(reverse("org:person_list"), {"q": "inspector"})
    assert [p.pk for p in response.context["table"].data] == [org.inspector_a.pk]


def test_filter_by_site_and_clear_filters_link(org, client_for):
    response = client_for(org.admin).get(reverse("org:person_list"), {"site": org.site_b.pk})
    assert {p.pk for p in response.context["table"].data} == {org.qm_b.pk, org.emp_b.pk}
    assert "Clear filters" in response.content.decode()


def test_invalid_filter_shows_an_error_and_no_rows(org, client_for):
    response = client_for(org.admin).get(reverse("org:person_list"), {"site": "999999"})
    assert response.context["filter_errors"]
    assert len(response.context["table"].data) == 0
    assert "No people match these filters." in response.content.decode()


def test_sorting(org, client_for):
    client = client_for(org.admin)
    ascending = [
        p.username
        for p in client.get(reverse("org:person_list"), {"sort": "employee_id"}).context["table"].page.object_list.data
    ]
    descending = [
        p.username
        for p in client.get(reverse("org:person_list"), {"sort": "-employee_id"}).context["table"].page.object_list.data
    ]
    assert ascending == sorted(ascending, key=str.upper) and descending == list(reversed(ascending))
    assert "bi-arrow-up" in client.get(reverse("org:person_list"), {"sort": "employee_id"}).content.decode()


def test_pagination_and_page_past_the_end(org, client_for):
    client = client_for(org.admin)
    response = client.get(reverse("org:person_list"), {"per_page": 2})
    table = response.context["table"]
    assert table.paginator.num_pages == 4 and len(table.page.object_list) == 2
    assert "1–2 of 7" in response.content.decode()
    response = client.get(reverse("org:person_list"), {"per_page": 2, "page": 40})
    assert response.context["table"].page.number == 4
    assert "showing the last page" in response.content.decode()


def test_per_page_is_capped_at_100(org, client_for):
    response = client_for(org.admin).get(reverse("org:person_list"), {"per_page": 5000})
    assert response.context["table"].paginator.per_page == 100


def test_csv_export_contains_only_the_users_rows(org, client_for):
    response = client_for(org.qm_a).get(reverse("org:person_list"), {"export": "csv"})
    rows = csv_rows(response)
    ids = {row[0] for row in rows[1:]}
    assert rows[0][0] == "employee_id"
    assert {"QM_A", "EMP_A", "INSPECTOR_A", "GLOBAL_ADMIN"} <= ids
    assert "EMP_B" not in ids and "QM_B" not in ids and "NO_SITE" not in ids


def test_csv_export_follows_the_filters(org, client_for):
    response = client_for(org.qm_a).get(reverse("org:person_list"), {"q": "emp", "export": "csv"})
    assert [row[0] for row in csv_rows(response)[1:]] == ["EMP_A"]


def test_list_query_count_does_not_grow_with_rows(org, client_for, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(org.admin)

    def count(url):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    urls = [reverse(n) for n in ("org:person_list", "org:membership_list", "org:site_list", "org:role_list")]
    before = {url: count(url) for url in urls}
    for i in range(40):
        person = services.person_create(username=f"bulk_{i}", employee_id=f"BULK-{i}")
        services.membership_create(person=person, site=org.site_a, function=org.qa, role=org.roles["employee"])
    after = {url: count(url) for url in urls}
    assert before == after

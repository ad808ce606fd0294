"""Pages of read-and-acknowledge: "My tasks", the task (read, then sign), coverage with drill-down, chart and CSV."""

from __future__ import annotations

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ims.esign.services import certification_create
from ims.org import services as org_services
from ims.org.choices import RoleCode
from policies import distribution
from policies.models import Acknowledgement

from .ack_factories import PASSWORD, effective_policy

pytestmark = [pytest.mark.django_db, pytest.mark.req("ISO9001-7.3")]


@pytest.fixture
def policies(org, password_hash):
    """POL A (site A only) and POL AB (both sites), effective today."""
    only_a = effective_policy(password_hash, sites=[org.site_a], title="Site A environmental policy")
    both = effective_policy(password_hash, sites=[org.site_a, org.site_b], title="Integrated IMS policy")
    return only_a, both


def task_of(person, version) -> Acknowledgement:
    return Acknowledgement.objects.get(person=person, version=version, status="open")


class TestMyTasks:
    def test_lists_own_open_tasks_only(self, org, policies, client_for):
        only_a, both = policies
        page = client_for(org.emp_b).get(reverse("policies:my_tasks"))
        assert page.status_code == 200
        html = page.content.decode()
        assert both.document.number in html
        assert only_a.document.number not in html  # a site-B employee never sees site-A-only documents
        page_a = client_for(org.emp_a).get(reverse("policies:my_tasks")).content.decode()
        assert only_a.document.number in page_a and both.document.number in page_a

    def test_phone_layout_is_a_list_not_a_wide_table(self, org, policies, client_for):
        html = client_for(org.emp_a).get(reverse("policies:my_tasks")).content.decode()
        assert "data-my-tasks" in html and "<table" not in html.split("data-my-tasks")[1].split("</section>")[0]

    def test_someone_elses_task_is_not_found_for_an_employee(self, org, policies, client_for):
        _only_a, both = policies
        other = task_of(org.emp_a, both)
        assert client_for(org.emp_b).get(reverse("policies:task_detail", args=[other.pk])).status_code == 404

    def test_reading_records_the_opening_then_signing_acknowledges(self, org, policies, client_for):
        _only_a, both = policies
        certification_create(person=org.emp_b, password=PASSWORD, username="emp_b", session={})
        task = task_of(org.emp_b, both)
        client = client_for(org.emp_b)
        page = client.get(reverse("policies:task_detail", args=[task.pk]))
        assert page.status_code == 200
        assert "I have read and understood version 1" in page.content.decode()
        task.refresh_from_db()
        assert task.opened_at is not None
        wrong = client.post(reverse("policies:task_detail", args=[task.pk]), {"username": "emp_b", "password": "nope"})
        assert wrong.status_code == 401
        assert b"Nothing was signed" in wrong.content
        task.refresh_from_db()
        assert task.status == "open"
        done = client.post(reverse("policies:task_detail", args=[task.pk]), {"username": "emp_b", "password": PASSWORD})
        assert done.status_code == 302 and done.url == reverse("policies:my_tasks")
        task.refresh_from_db()
        assert task.status == "acknowledged"
        after = client.get(reverse("policies:task_detail", args=[task.pk])).content.decode()
        assert "Acknowledged" in after and "data-acknowledge-form" not in after

    def test_without_certification_the_refusal_links_to_certify(self, org, policies, client_for):
        _only_a, both = policies
        task = task_of(org.emp_b, both)
        client = client_for(org.emp_b)
        client.get(reverse("policies:task_detail", args=[task.pk]))
        refused = client.post(
            reverse("policies:task_detail", args=[task.pk]), {"username": "emp_b", "password": PASSWORD}
        )
        assert refused.status_code == 403
        assert reverse("esign:certify").encode() in refused.content
        task.refresh_from_db()
        assert task.status == "open"


class TestCoverage:
    def acknowledge(self, person, version):
        certification_create(person=person, password=PASSWORD, username=person.username, session={})
        task = task_of(person, version)
        distribution.acknowledgement_open(actor=person, acknowledgement=task)
        distribution.acknowledgement_sign(
            actor=person, acknowledgement=task, password=PASSWORD, username=person.username
        )

    def test_by_site_with_chart_and_drill_down_to_people(self, org, policies, client_for):
        _only_a, both = policies
        self.acknowledge(org.emp_a, both)
        client = client_for(org.admin)
        page = client.get(reverse("policies:coverage"), {"document": both.document.pk})
        assert page.status_code == 200
        html = page.content.decode()
        assert "<svg" in html and 'data-site="SITEA"' in html and 'data-site="SITEB"' in html
        rows = {r["site__code"]: r for r in page.context["rows"]}
        assert rows["SITEA"]["total"] == 3 and rows["SITEA"]["acknowledged"] == 1
        assert rows["SITEA"]["percent"] == pytest.approx(33.3)
        assert rows["SITEB"]["total"] == 2 and rows["SITEB"]["acknowledged"] == 0
        by_function = client.get(reverse("policies:coverage"), {"document": both.document.pk, "site": org.site_a.pk})
        functions = {r["function__code"]: r for r in by_function.context["rows"]}
        assert functions["PROD"]["acknowledged"] == 1 and functions["QA"]["acknowledged"] == 0
        people = client.get(
            reverse("policies:coverage"),
            {"document": both.document.pk, "site": org.site_a.pk, "function": org.prod.pk},
        )
        assert 'data-person="emp_a"' in people.content.decode()
        assert 'data-state="acknowledged"' in people.content.decode()

    def test_site_quality_manager_sees_own_site_only(self, org, policies, client_for):
        page = client_for(org.qm_b).get(reverse("policies:coverage"))
        assert {r["site__code"] for r in page.context["rows"]} == {"SITEB"}
        assert page.context["totals"]["total"] == 2
        other_site = client_for(org.qm_b).get(
            reverse("policies:coverage"), {"site": org.site_a.pk, "state": "not_started"}
        )
        assert "emp_a" not in other_site.content.decode()

    def test_employees_may_not_see_coverage(self, org, policies, client_for):
        assert client_for(org.emp_a).get(reverse("policies:coverage")).status_code == 403

    def test_csv_by_site_and_people(self, org, policies, client_for):
        _only_a, both = policies
        client = client_for(org.admin)
        response = client.get(reverse("policies:coverage"), {"document": both.document.pk, "export": "csv"})
        rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
        assert {(r["site"], r["in_scope"]) for r in rows} == {("SITEA", "3"), ("SITEB", "2")}
        people = client.get(reverse("policies:coverage"), {"state": "not_started", "export": "csv"})
        names = {r["employee_id"] for r in csv.DictReader(io.StringIO(people.content.decode("utf-8-sig")))}
        assert {"EMP_A", "EMP_B", "QM_A", "QM_B"} <= names

    def test_query_count_does_not_grow_with_people(self, org, policies, client_for, password_hash):
        _only_a, both = policies
        client = client_for(org.admin)
        url = reverse("policies:coverage")
        params = {"site": org.site_a.pk, "function": org.qa.pk}
        client.get(url, params)
        with CaptureQueriesContext(connection) as few:
            client.get(url, params)
        for index in range(15):
            person = org_services.person_create(
                username=f"reader_{index}", employee_id=f"R{index}", first_name="R", last_name=f"{index}"
            )
            org_services.membership_create(
                person=person, site=org.site_a, function=org.qa, role=org.roles[RoleCode.EMPLOYEE]
            )
        with CaptureQueriesContext(connection) as many:
            response = client.get(url, params)
        assert response.context["people"].paginator.count >= 30
        assert len(many) == len(few)


class TestScopeOnTheDocumentForms:
    def test_page_creates_a_policy_for_one_role_with_its_days(self, org, client_for):
        from ims.documents.models import ControlledDocument

        form = client_for(org.qm_a).get(reverse("documents:document_add")).content.decode()
        assert 'name="roles"' in form and 'name="requires_acknowledgement"' in form
        response = client_for(org.qm_a).post(
            reverse("documents:document_add"),
            {
                "number": "POL-EMP-001",
                "title": "Code of conduct",
                "doc_type": "policy",
                "disciplines": ["quality"],
                "owner": org.qm_a.pk,
                "sites": [org.site_a.pk],
                "roles": [org.roles[RoleCode.EMPLOYEE].pk],
                "review_interval_months": 24,
                "requires_acknowledgement": "on",
                "acknowledgement_days": 30,
                "body": "# Conduct",
            },
        )
        assert response.status_code == 302, response.content.decode()[:2000]
        document = ControlledDocument.objects.get(number="POL-EMP-001")
        assert document.requires_acknowledgement and document.acknowledgement_days == 30
        assert list(document.roles.values_list("code", flat=True)) == [RoleCode.EMPLOYEE]

    def test_api_defaults_acknowledgement_by_type(self, org):
        from rest_framework.test import APIClient

        from ims.documents.models import ControlledDocument

        client = APIClient()
        client.force_authenticate(org.qm_a)
        base = {
            "title": "T",
            "disciplines": ["quality"],
            "owner": org.qm_a.pk,
            "sites": ["SITEA"],
            "review_interval_months": 12,
        }
        for number, doc_type in (("POL-API-1", "policy"), ("SOP-API-1", "procedure")):
            response = client.post(
                "/api/v1/documents/", {**base, "number": number, "doc_type": doc_type}, format="json"
            )
            assert response.status_code == 201, response.content
        assert ControlledDocument.objects.get(number="POL-API-1").requires_acknowledgement is True
        assert ControlledDocument.objects.get(number="SOP-API-1").requires_acknowledgement is False
        response = client.post(
            "/api/v1/documents/",
            {
                **base,
                "number": "SOP-API-2",
                "doc_type": "procedure",
                "requires_acknowledgement": True,
                "roles": ["employee"],
            },
            format="json",
        )
        assert response.status_code == 201, response.content
        assert response.json()["requires_acknowledgement"] is True

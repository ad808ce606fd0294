"""Site isolation of distributions and read-and-acknowledge tasks through the generic kit (ims.testing.kit).

Rows come from the services: a policy made effective at a site asks everyone in scope there. Neither model has
a list page, an edit page or a generic write in the API, so the kit's page, CSV and deactivation checks are
replaced here by what does exist:

- tasks: "My tasks" and the task page (pages), list/detail and the two writes ``open`` and ``acknowledge``
  (API). Employees may not view colleagues' tasks: their API list is empty, their own task is readable;
- distributions: read-only API list/detail.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.hashers import make_password
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ims.org.choices import RoleCode
from ims.testing.factories import PersonFactory, SiteFactory
from ims.testing.kit import (
    API_DENIED,
    API_PAGE,
    QUERY_COUNT_ROWS,
    SITE_READERS,
    ScopedModelCase,
    SiteIsolationTests,
    api_rows,
    snapshot,
    with_reason,
)
from policies.models import Acknowledgement, Distribution

from .ack_factories import PASSWORD, effective_policy

#: Principals whose role shows them their own tasks only (``ims.org.roles.OWN_TASKS_ONLY``).
OWN_TASKS_ONLY = {"emp_a", "emp_b"}
NO_PAGE = ""


def policy_at(site):
    """Version 1 of a new policy, effective at ``site`` (the kit hashes passwords with MD5: so do we)."""
    return effective_policy(make_password(PASSWORD), sites=[site])


def task_at(site) -> Acknowledgement:
    """A new policy's task at ``site``: the quality manager's when there is one."""
    tasks = Acknowledgement.objects.filter(version=policy_at(site), site=site).order_by("pk")
    managers = tasks.filter(
        person__memberships__site=site, person__memberships__role__code=RoleCode.QUALITY_MANAGER
    ).first()
    return managers or tasks.first()


def joiner_at(site) -> Acknowledgement:
    """One more task at ``site``: a new person there is asked to read the policies in force."""
    person = PersonFactory(site=site)
    return Acknowledgement.objects.filter(person=person).order_by("pk").first()


class ApiIsolationTests(SiteIsolationTests):
    """The kit for models with no list page and no generic API write: page checks become API-only checks."""

    def own_row(self, world, principal):
        return world.row_a if SITE_READERS[principal] == "site_a" else world.row_b

    def other_row(self, world, principal):
        return world.row_b if SITE_READERS[principal] == "site_a" else world.row_a

    def writes(self, row) -> list[str]:
        """The API URLs that may change ``row`` (POST)."""
        return []

    @pytest.mark.parametrize("principal", ["qm_a"])
    def test_list_page_shows_exactly_own_rows(self, world, client_for, principal):
        pytest.skip(f"{self.case.label} has no list page")

    @pytest.mark.parametrize("principal", ["qm_a"])
    def test_csv_export_holds_exactly_own_rows(self, world, client_for, principal):
        pytest.skip(f"{self.case.label} has no list export")

    @pytest.mark.req("P11-10d", "ASVS5-8.2.2", "ASVS5-8.4.1")
    @pytest.mark.parametrize("principal", SITE_READERS)
    def test_other_sites_detail_is_not_found(self, world, client_for, principal):
        own, other = self.own_row(world, principal), self.other_row(world, principal)
        client = client_for(getattr(world.org, principal))
        if self.case.detail_url:
            assert client.get(self.detail(own)).status_code == 200
            assert client.get(self.detail(other)).status_code == 404
        assert client.get(self.api_detail(own)).status_code == 200
        assert client.get(self.api_detail(other)).status_code == 404

    @pytest.mark.req("P11-10g", "ASVS5-8.2.1")
    def test_employee_cannot_deactivate(self, world, client_for):
        """No deactivation here; the employee's writes on a row they may not see answer 404 and change nothing."""
        row = world.row_a
        before = snapshot(row)
        client = client_for(world.org.emp_a)
        assert client.post(f"{self.api_detail(row)}deactivate/", with_reason({})).status_code == 404
        for url in self.writes(row):
            assert client.post(url, {}, content_type="application/json").status_code == 404, url
        assert snapshot(row) == before

    @pytest.mark.req("P11-10g", "ASVS5-8.2.2", "ASVS5-8.4.1")
    def test_other_sites_row_cannot_be_changed(self, world, client_for):
        row = world.row_b
        before = snapshot(row)
        client = client_for(world.org.qm_a)
        assert client.patch(self.api_detail(row), with_reason({}), content_type="application/json").status_code in {
            404,
            405,
        }
        for url in self.writes(row):
            assert client.post(url, {}, content_type="application/json").status_code == 404, url
        assert snapshot(row) == before

    @pytest.mark.req("P11-10d")
    def test_anonymous_is_sent_to_login(self, world):
        from django.test import Client

        from ims.testing.kit import login_url

        client = Client()
        row = world.row_a
        before = snapshot(row)
        pages = [reverse(self.case.list_url)] if self.case.list_url else []
        if self.case.detail_url:
            pages.append(self.detail(row))
        for url in pages:
            response = client.get(url)
            assert response.status_code == 302 and response["Location"].startswith(login_url()), url
        for url in (self.api_list(), self.api_detail(row)):
            assert client.get(url).status_code in API_DENIED
        assert client.patch(self.api_detail(row), {}, content_type="application/json").status_code in API_DENIED
        assert client.delete(self.api_detail(row)).status_code in API_DENIED
        for url in self.writes(row):
            assert client.post(url, {}, content_type="application/json").status_code in API_DENIED
        assert snapshot(row) == before

    @pytest.mark.req("ASVS5-2.4.1")
    def test_query_count_does_not_grow_with_rows(self, org, client_for):
        """A Quality Manager of a new site sees 1 row, then 50: the API list runs the same queries."""
        site = SiteFactory()
        manager = PersonFactory(site=site, site__role=RoleCode.QUALITY_MANAGER)
        if not self.case.row_pks_at(site):
            self.case.create(site)
        client = client_for(manager)

        def count_queries() -> tuple[int, int, list[str]]:
            client.get(self.api_list(), API_PAGE)
            with CaptureQueriesContext(connection) as queries:
                response = client.get(self.api_list(), API_PAGE)
            assert response.status_code == 200
            return len(queries), len(api_rows(response)), [q["sql"] for q in queries.captured_queries]

        one = count_queries()
        assert one[1] == 1
        for _ in range(QUERY_COUNT_ROWS - 1):
            self.case.add_more(site)
        many = count_queries()
        assert many[1] == QUERY_COUNT_ROWS
        assert many[0] == one[0], f"{one[0]} queries for 1 row, {many[0]} for {QUERY_COUNT_ROWS}:\n" + "\n".join(
            many[2]
        )


class TestAcknowledgementIsolation(ApiIsolationTests):
    case = ScopedModelCase(
        model=Acknowledgement,
        create=task_at,
        more=joiner_at,
        list_url="policies:my_tasks",
        detail_url="policies:task_detail",
        api="acknowledgement",
    )

    def expected_rows(self, org, principal: str) -> set:
        if principal in OWN_TASKS_ONLY:
            return set()
        return super().expected_rows(org, principal)

    def own_row(self, world, principal):
        row = super().own_row(world, principal)
        if principal in OWN_TASKS_ONLY:  # not the colleagues' tasks: their own one of the same policy
            return Acknowledgement.objects.get(version=row.version, person=getattr(world.org, principal))
        return row

    def writes(self, row) -> list[str]:
        return [reverse("acknowledgement-open", args=[row.pk]), reverse("acknowledgement-acknowledge", args=[row.pk])]


class TestDistributionIsolation(ApiIsolationTests):
    case = ScopedModelCase(
        model=Distribution,
        create=lambda site: Distribution.objects.get(version=policy_at(site)),
        list_url=NO_PAGE,
        detail_url=NO_PAGE,
        api="distribution",
    )

"""Who sees which objectives: a site's people see their site's objectives and every company objective."""

from __future__ import annotations

import pytest
from django.urls import reverse

from policies.models import Objective, ObjectiveReading

from .factories import ObjectiveFactory, ObjectiveReadingFactory

pytestmark = [pytest.mark.django_db, pytest.mark.req("P11-10d", "ASVS5-8.2.2", "ISO9001-6.2")]


@pytest.fixture
def objectives(org):
    company = ObjectiveFactory(site=None, owner=org.admin, title="Company objective")
    at_a = ObjectiveFactory(site=org.site_a, parent=company, owner=org.qm_a, title="Site A objective")
    at_b = ObjectiveFactory(site=org.site_b, parent=company, owner=org.qm_b, title="Site B objective")
    readings = {o: ObjectiveReadingFactory(objective=o) for o in (company, at_a, at_b)}
    return company, at_a, at_b, readings


@pytest.mark.parametrize(
    ("principal", "sees"),
    [
        ("qm_a", {"company", "a"}),
        ("emp_a", {"company", "a"}),
        ("inspector_a", {"company", "a"}),
        ("qm_b", {"company", "b"}),
        ("emp_b", {"company", "b"}),
        ("admin", {"company", "a", "b"}),
        ("nosite", set()),
    ],
)
def test_restrict_adds_company_objectives_for_readers_at_any_site(org, objectives, principal, sees):
    company, at_a, at_b, readings = objectives
    by_name = {"company": company, "a": at_a, "b": at_b}
    user = getattr(org, principal)
    expected = {by_name[name].pk for name in sees}
    assert set(Objective.objects.restrict(user, "view").values_list("pk", flat=True)) == expected
    expected_readings = {readings[by_name[name]].pk for name in sees}
    assert set(ObjectiveReading.objects.restrict(user, "view").values_list("pk", flat=True)) == expected_readings


def test_company_objectives_are_read_only_below_the_global_level(org, objectives, client_for):
    company = objectives[0]
    assert not Objective.objects.restrict(org.qm_a, "change").filter(pk=company.pk).exists()
    assert Objective.objects.restrict(org.admin, "change").filter(pk=company.pk).exists()
    client = client_for(org.qm_a)
    assert client.get(company.get_absolute_url()).status_code == 200
    assert client.get(reverse("policies:objective_edit", args=[company.pk])).status_code == 403


def test_restrict_is_one_query(org, objectives, django_assert_num_queries):
    user = org.emp_b
    list(Objective.objects.restrict(user, "view"))  # warm the permission cache
    with django_assert_num_queries(1):
        assert len(list(Objective.objects.restrict(user, "view"))) == 2


def test_site_b_people_get_404_for_site_a(org, objectives, client_for):
    company, at_a, at_b, readings = objectives
    client = client_for(org.emp_b)
    assert client.get(at_a.get_absolute_url()).status_code == 404
    assert client.get(readings[at_a].get_absolute_url()).status_code == 404
    assert client.get(reverse("objective-detail", args=[at_a.pk])).status_code == 404
    assert client.get(company.get_absolute_url()).status_code == 200
    assert client.get(reverse("objective-detail", args=[company.pk])).status_code == 200
    tree = client.get(reverse("policies:objective_tree")).content.decode()
    assert "Company objective" in tree and "Site B objective" in tree and "Site A objective" not in tree
    assert client.get(reverse("policies:site_objectives", args=[org.site_a.pk])).status_code == 404

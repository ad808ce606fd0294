"""Site IMS leadership: the current Quality Managers and Compliance Officers of each visible site."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from ims.org import services as org_services
from ims.org.choices import RoleCode
from policies import selectors


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_selector_lists_leaders_per_site(org):
    org_services.membership_create(
        person=org.emp_b, site=org.site_b, function=org.qa, role=org.roles[RoleCode.COMPLIANCE_OFFICER]
    )
    rows = {row.site.code: row for row in selectors.site_leadership(user=org.admin)}
    assert rows["SITEA"].quality_managers == [org.qm_a]
    assert rows["SITEB"].quality_managers == [org.qm_b]
    assert rows["SITEB"].compliance_officers == [org.emp_b]
    assert rows["SITEA"].compliance_officers == []


def test_ended_membership_does_not_lead(org):
    from ims.org.models import Membership

    Membership.objects.filter(person=org.qm_b).update(
        valid_from=datetime.date(2020, 1, 1), valid_to=datetime.date(2020, 12, 31)
    )
    rows = {row.site.code: row for row in selectors.site_leadership(user=org.admin)}
    assert not rows["SITEB"].has_quality_manager


def test_page_warns_for_a_site_without_quality_manager(org, client_for):
    from ims.org.models import Membership

    Membership.objects.filter(person=org.qm_b).update(
        valid_to=datetime.date(2000, 1, 1), valid_from=datetime.date(1999, 1, 1)
    )
    response = client_for(org.admin).get(reverse("policies:leadership"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "data-missing-qm" in html
    assert html.count("data-no-qm") == 1
    assert response.context["missing_qm"] == [org.site_b]


def test_site_page_and_isolation(org, client_for):
    client = client_for(org.qm_a)
    response = client.get(reverse("policies:leadership"))
    assert [row.site for row in response.context["rows"]] == [org.site_a]
    assert client.get(reverse("policies:site_leadership", args=[org.site_a.pk])).status_code == 200
    assert client.get(reverse("policies:site_leadership", args=[org.site_b.pk])).status_code == 404


def test_navigation_has_the_new_pages(org, client_for):
    html = client_for(org.qm_a).get(reverse("policies:leadership")).content.decode()
    assert reverse("policies:raci_matrix") in html

"""Objective pages: the detail page (health, rule, chart), the roll-up tree, constant query counts."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ims.org.choices import RoleCode
from ims.testing.factories import PersonFactory
from policies.choices import Health, ObjectiveStatus

from .factories import ObjectiveFactory, ObjectiveReadingFactory

pytestmark = [pytest.mark.django_db, pytest.mark.req("ISO9001-6.2")]


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def cascade(org):
    company = ObjectiveFactory(site=None, owner=org.admin, title="Right first time")
    on_track = ObjectiveFactory(site=org.site_a, parent=company, owner=org.qm_a, title="Basel RFT")
    off_track = ObjectiveFactory(
        site=org.site_a,
        function=org.prod,
        parent=on_track,
        owner=org.qm_a,
        title="Basel production RFT",
        due_date=on_track.start_date,
    )
    ObjectiveReadingFactory(objective=company, value=Decimal("99"))
    ObjectiveReadingFactory(objective=on_track, value=Decimal("98.5"))
    ObjectiveReadingFactory(objective=off_track, value=Decimal("90"))
    return company, on_track, off_track


def test_detail_shows_health_rule_and_chart(org, cascade, client_for):
    objective = cascade[1]
    ObjectiveReadingFactory(objective=objective, value=Decimal("96"))
    response = client_for(org.emp_a).get(objective.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-health="' in html and "How health is worked out" in html
    assert "<svg" in html and 'class="target-line"' in html and html.count('class="reading-point"') == 2
    assert "<script" not in html.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert "Basel production RFT" in html  # its sub-objective
    assert "Record a reading" not in html  # an employee only reads


def test_range_objective_draws_the_band(org, client_for):
    objective = ObjectiveFactory(
        site=org.site_a, direction="range", target=None, target_min=Decimal(20), target_max=Decimal(30), unit="days"
    )
    ObjectiveReadingFactory(objective=objective, value=Decimal(25))
    html = client_for(org.qm_a).get(objective.get_absolute_url()).content.decode()
    assert 'class="target-band"' in html and "20–30 days" in html and "Record a reading" in html


def test_roll_up_shows_the_worst_health_of_the_children(org, cascade, client_for):
    company, on_track, off_track = cascade
    response = client_for(org.qm_a).get(reverse("policies:objective_tree"))
    assert response.status_code == 200
    roots = response.context["roots"]
    assert [n.objective for n in roots] == [company]
    root = roots[0]
    assert root.health == Health.ON_TRACK and root.rolled_up == Health.OFF_TRACK
    site_node = root.children[0]
    assert site_node.objective == on_track and site_node.rolled_up == Health.OFF_TRACK
    assert site_node.children[0].health == Health.OFF_TRACK
    assert root.counts == {Health.ON_TRACK: 1, Health.OFF_TRACK: 1}
    html = response.content.decode()
    assert f'data-objective="{company.pk}"' in html and 'data-rolled-up="off_track"' in html


def test_drafts_and_cancelled_children_do_not_count(org, cascade, client_for):
    company, on_track, off_track = cascade
    services_cancel(off_track)
    ObjectiveFactory(site=org.site_b, parent=company, owner=org.qm_b, status=ObjectiveStatus.DRAFT)
    roots = client_for(org.admin).get(reverse("policies:objective_tree")).context["roots"]
    assert roots[0].rolled_up == Health.ON_TRACK
    assert len(roots[0].children) == 2


def services_cancel(objective):
    from policies import services

    services.objective_cancel(actor=None, objective=objective)


def test_site_page_shows_company_and_that_sites_objectives(org, cascade, client_for):
    ObjectiveFactory(site=org.site_b, owner=org.qm_b, title="Boston objective")
    response = client_for(org.admin).get(reverse("policies:site_objectives", args=[org.site_a.pk]))
    html = response.content.decode()
    assert "Basel RFT" in html and "Right first time" in html and "Boston objective" not in html


def _queries(client, url) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.req("ASVS5-2.4.1")
def test_tree_and_list_query_counts_do_not_grow(org, client_for):
    manager = PersonFactory(site=org.site_a, site__role=RoleCode.QUALITY_MANAGER)
    client = client_for(manager)
    company = ObjectiveFactory(site=None, owner=org.admin)
    site = ObjectiveFactory(site=org.site_a, parent=company, owner=org.qm_a)
    ObjectiveReadingFactory(objective=site)
    urls = [
        reverse("policies:objective_tree"),
        reverse("policies:objective_list"),
        reverse("policies:site_objectives", args=[org.site_a.pk]),
        reverse("objective-list"),
    ]
    before = [_queries(client, url) for url in urls]
    for _ in range(10):
        parent = ObjectiveFactory(site=None, owner=org.admin)
        child = ObjectiveFactory(site=org.site_a, parent=parent, owner=org.qm_a)
        leaf = ObjectiveFactory(site=org.site_a, function=org.qa, parent=child, owner=org.qm_a)
        ObjectiveReadingFactory(objective=leaf)
    assert [_queries(client, url) for url in urls] == before


def test_quality_manager_adds_and_edits_an_objective(org, client_for):
    client = client_for(org.qm_a)
    company = ObjectiveFactory(site=None, owner=org.admin)
    form = {
        "title": "Basel deviations closed in 30 days",
        "discipline": "quality",
        "site": org.site_a.pk,
        "function": "",
        "parent": company.pk,
        "kpi": "Deviations closed in 30 days",
        "unit": "%",
        "direction": "higher",
        "target": "90",
        "owner": org.qm_a.pk,
        "start_date": "2026-01-01",
        "due_date": "2026-12-31",
        "status": "active",
    }
    response = client.post(reverse("policies:objective_add"), form)
    assert response.status_code == 302, response.context["form"].errors
    objective = company.children.get()
    edit = reverse("policies:objective_edit", args=[objective.pk])
    assert client.post(edit, {**form, "target": "92"}).status_code == 400  # no reason for change
    response = client.post(edit, {**form, "target": "92", "change_reason": "Raised at the management review"})
    assert response.status_code == 302
    objective.refresh_from_db()
    assert objective.target == Decimal("92")
    bad = client.post(reverse("policies:objective_add"), {**form, "site": "", "function": org.qa.pk})
    assert bad.status_code == 400


def test_recording_a_reading_from_the_page(org, client_for):
    objective = ObjectiveFactory(site=org.site_a, owner=org.qm_a)
    client = client_for(org.qm_a)
    add = reverse("policies:reading_add") + f"?objective={objective.pk}"
    assert client.get(add).status_code == 200
    response = client.post(
        reverse("policies:reading_add"),
        {"objective": objective.pk, "period_end": "2026-10-31", "value": "97.2", "comment": ""},
    )
    assert response.status_code == 302
    reading = objective.readings.get()
    assert reading.recorded_by == org.qm_a
    client.post(reverse("policies:reading_void", args=[reading.pk]), {"change_reason": "Typed into the wrong row"})
    reading.refresh_from_db()
    assert reading.is_void

"""The pack form: a quality manager names the chosen records as people know them (CAPA references, employee IDs,
course codes); a reference not found at the chosen sites is refused by name and no pack is queued."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from evidence.models import EvidencePack
from tests.capa.capakit import capa_at
from tests.training.factories import course_at

pytestmark = pytest.mark.django_db


@pytest.fixture
def no_dispatch():
    from evidence.services import PACK_JOB
    from ims.jobs.registry import get_job_kind, register_job_kind

    previous = get_job_kind(PACK_JOB)
    register_job_kind(PACK_JOB, dispatch=lambda job_id: None)
    yield
    register_job_kind(PACK_JOB, dispatch=previous.dispatch, stale_after=previous.stale_after)


def form_data(org, **extra) -> dict:
    today = timezone.localdate()
    data = {
        "title": "FDA PAI — Basel",
        "sites": [org.site_a.pk],
        "period_start": (today - datetime.timedelta(days=30)).isoformat(),
        "period_end": today.isoformat(),
        "sections": ["training", "capa"],
    }
    data.update(extra)
    return data


def post_choices(client, org, *, capas: str, people: str, courses: str):
    data = form_data(org, option__capa__files=capas, option__training__people=people, option__training__courses=courses)
    return client.post(reverse("evidence:pack_create"), data)


def test_chosen_records_are_named_by_reference_code_and_employee_id(org, client_for, no_dispatch):
    capa = capa_at(org, title="Cold room alarm ignored")
    course = course_at(org.site_a, code="GMP-101", title="GMP basics")
    client = client_for(org.qm_a)
    page = client.get(reverse("evidence:pack_create"))
    assert "CAPA references" in page.content.decode() and "Employee IDs" in page.content.decode()

    response = post_choices(
        client,
        org,
        capas=f" {capa.reference.lower()} ",
        people=f"{org.emp_a.employee_id}, {org.qm_a.username}",
        courses="gmp-101",
    )
    assert response.status_code == 302
    pack = EvidencePack.objects.get()
    assert pack.options == {
        "capa.files": [capa.pk],
        "training.courses": [course.pk],
        "training.people": sorted([org.emp_a.pk, org.qm_a.pk]),
    }
    detail = client.get(pack.get_absolute_url()).content.decode()
    assert capa.reference in detail and "GMP-101" in detail and org.emp_a.employee_id in detail


def test_a_reference_not_at_the_chosen_sites_is_refused_by_name_and_nothing_is_queued(org, client_for, no_dispatch):
    elsewhere = capa_at(org, site=org.site_b, title="Boston excursion")
    course_at(org.site_b, code="BOS-1", title="Boston only")
    response = post_choices(
        client_for(org.qm_a),
        org,
        capas=f"{elsewhere.reference}, CAPA-999999",
        people=org.emp_b.employee_id,
        courses="BOS-1",
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert f"Not found at the chosen sites: {elsewhere.reference}, CAPA-999999." in body
    assert f"Not found at the chosen sites: {org.emp_b.employee_id}." in body
    assert "Not found at the chosen sites: BOS-1." in body
    assert not EvidencePack.objects.exists()

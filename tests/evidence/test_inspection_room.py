"""The inspection room: what an inspector of site A reads (the grant's sites, sections and period only), the search
over the granted evidence, the packs released to them, and the request board (asking, preparing, providing)."""

from __future__ import annotations

import datetime
import hashlib

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from capa.models import Capa
from evidence import services_requests
from evidence.models import EvidencePack, InspectionRequest, RequestStatus
from ims.access.models import InspectorGrant
from ims.jobs.models import Job, JobStatus
from ims.notifications.models import Notice
from tests.access.inspectionkit import (  # noqa: F401 (fixture)
    T_ACTIONS,
    T_CAPA,
    evidence_sections,
    external_inspector,
    grant_for,
)
from tests.capa.capakit import capa_at

pytestmark = pytest.mark.usefixtures("evidence_sections")


@pytest.fixture
def inspection(org, client_for):
    """An external inspector of site A (CAPA log only, last two years) and their signed-in client."""
    inspector = external_inspector(org)
    grant = grant_for(org, inspector, sections=(T_CAPA,))
    return inspector, grant, client_for(inspector)


def _opened(capa: Capa, days_ago: int) -> Capa:
    Capa.objects.filter(pk=capa.pk).update(opened_at=timezone.now() - datetime.timedelta(days=days_ago))
    return capa


def _pack(org, grant, *, released: bool = True, number: str = "EP-0001") -> EvidencePack:
    job = Job.objects.create(kind="evidence_pack", unique_key=hashlib.sha256(number.encode()).hexdigest(),
                             status=JobStatus.DONE, requested_by=org.qm_a)  # fmt: skip
    today = timezone.localdate()
    pack = EvidencePack.objects.create(
        number=number, job=job, title=f"CAPA log {number}", site_codes="SITEA", period_start=today,
        period_end=today, sections=[T_CAPA], grant=grant, requested_by=org.qm_a,
        released_at=timezone.now() if released else None,
    )  # fmt: skip
    pack.sites.set([org.site_a])
    return pack


# --- what the inspector reads ----------------------------------------------------------------------------------


def test_site_b_records_are_404_to_an_inspector_of_site_a(org, inspection):
    _inspector, _grant, client = inspection
    at_a, at_b = capa_at(org), capa_at(org, site=org.site_b)
    assert client.get(f"/capa/{at_a.pk}/").status_code == 200
    assert client.get(f"/capa/{at_b.pk}/").status_code == 404
    assert client.get(f"/api/v1/capa/capas/{at_b.pk}/").status_code == 404
    listed = {row.record.pk for row in client.get("/capa/").context["table"].page.object_list}
    assert listed == {at_a.pk}


def test_records_outside_the_period_are_not_listed(org, inspection):
    _inspector, _grant, client = inspection
    recent = _opened(capa_at(org, title="Recent deviation"), 30)
    old = _opened(capa_at(org, title="Old deviation"), 3 * 365)
    listed = {row.record.pk for row in client.get("/capa/").context["table"].page.object_list}
    assert listed == {recent.pk}
    assert client.get(f"/capa/{old.pk}/").status_code == 404
    api = client.get("/api/v1/capa/capas/").json()
    assert [row["id"] for row in api["results"]] == [recent.pk]


def test_a_section_not_granted_keeps_its_records_404(org, client_for):
    inspector = external_inspector(org)
    grant_for(org, inspector, sections=(T_ACTIONS,))
    capa = capa_at(org)
    client = client_for(inspector)
    assert client.get(f"/capa/{capa.pk}/").status_code == 404
    assert client.get(f"/api/v1/capa/capas/{capa.pk}/").status_code == 404
    assert client.get("/capa/").context["table"].paginator.count == 0
    room = client.get("/evidence/room/")
    assert [entry["section"].code for entry in room.context["sections"]] == [T_ACTIONS]


def test_search_honours_the_grant(org, inspection):
    _inspector, _grant, client = inspection
    granted = _opened(capa_at(org, title="Cold room alarm ignored"), 10)
    _opened(capa_at(org, title="Cold room alarm in Boston", site=org.site_b), 10)
    _opened(capa_at(org, title="Cold room alarm long ago"), 4 * 365)

    response = client.get("/evidence/room/", {"q": "cold room"})

    assert response.status_code == 200
    groups = response.context["results"]
    assert [g.section.code for g in groups] == [T_CAPA]
    assert [row["label"] for row in groups[0].models[0]["rows"]] == [str(granted)]
    assert granted.get_absolute_url().encode() in response.content
    assert b"Boston" not in response.content and b"long ago" not in response.content
    nothing = client.get("/evidence/room/", {"q": "zzz-nothing"})
    assert nothing.context["results"] == [] and b"data-no-results" in nothing.content


def test_the_room_shows_the_grant_sections_and_released_packs_only(org, inspection, client_for):
    inspector, grant, client = inspection
    released = _pack(org, grant)
    _pack(org, grant, released=False, number="EP-0002")
    other_grant = grant_for(org, external_inspector(org, "ema_inspector"))
    _pack(org, other_grant, number="EP-0003")

    response = client.get("/evidence/room/")

    assert response.status_code == 200
    assert [g.pk for g in response.context["grants"]] == [grant.pk]
    assert [entry["pack"].pk for entry in response.context["packs"]] == [released.pk]
    assert b"EP-0001" in response.content and b"EP-0002" not in response.content and b"EP-0003" not in response.content
    assert [entry["section"].code for entry in response.context["sections"]] == [T_CAPA]
    # The room is the external inspector's: nobody else finds it.
    assert client_for(org.qm_a).get("/evidence/room/").status_code == 404
    assert client_for(org.inspector_a).get("/evidence/room/").status_code == 404


# --- the request board -----------------------------------------------------------------------------------------


def test_the_board_moves_requested_in_preparation_provided(org, inspection, client_for):
    inspector, grant, client = inspection
    pack = _pack(org, grant)

    asked = client.post("/evidence/room/requests/", {"grant": grant.pk, "subject": "CAPA log 2025 for Basel",
                                                     "detail": "All CAPAs opened in 2025."})  # fmt: skip
    assert asked.status_code == 302
    client.post("/evidence/room/requests/", {"grant": grant.pk, "subject": "Training matrix of QA"})
    first, second = InspectionRequest.objects.order_by("number")
    assert (first.number, second.number) == (1, 2)
    assert first.status == RequestStatus.REQUESTED and first.requested_by == inspector
    notice = Notice.objects.get(person=org.qm_a, category=services_requests.NOTICE_ASKED)
    assert notice.item_count == 2 and "R1: CAPA log 2025 for Basel" in notice.body

    qm = client_for(org.qm_a)
    board = qm.get("/evidence/requests/", {"grant": grant.pk})
    assert board.status_code == 200
    assert {row.record.pk for row in board.context["table"].page.object_list} == {first.pk, second.pk}
    panel = qm.get(f"/account/grants/{grant.pk}/")
    assert b"data-grant-requests" in panel.content and b"CAPA log 2025 for Basel" in panel.content

    assert qm.post(f"/evidence/requests/{first.pk}/prepare/").status_code == 302
    first.refresh_from_db()
    assert first.status == RequestStatus.IN_PREPARATION and first.preparing_by == org.qm_a and first.preparing_at

    provided = qm.post(f"/evidence/requests/{first.pk}/provide/", {
        "answer": "Here is the CAPA log.", "links": f"CAPA list | /capa/\n/capa/{capa_at(org).pk}/",
        "packs": [pack.pk],
    })  # fmt: skip
    assert provided.status_code == 302
    first.refresh_from_db()
    assert first.status == RequestStatus.PROVIDED and first.provided_by == org.qm_a and first.provided_at
    assert first.links[0] == {"label": "CAPA list", "url": "/capa/"} and list(first.packs.all()) == [pack]
    assert Notice.objects.filter(person=inspector, category=services_requests.NOTICE_PROVIDED).exists()

    page = client.get("/evidence/room/requests/")
    assert page.status_code == 200
    assert b"Here is the CAPA log." in page.content and b"EP-0001" in page.content
    assert client.get(f"/evidence/requests/{first.pk}/").status_code == 200


def test_invalid_transitions_and_refusals(org, inspection):
    inspector, grant, client = inspection
    item = services_requests.request_create(actor=inspector, grant=grant, subject="SOP list")
    with pytest.raises(ValidationError, match="Take R1 into preparation"):
        services_requests.request_provide(actor=org.qm_a, request=item, answer="x")
    services_requests.request_prepare(actor=org.qm_a, request=item)
    with pytest.raises(ValidationError, match="Only a request that is asked for"):
        services_requests.request_prepare(actor=org.qm_a, request=item)
    with pytest.raises(ValidationError) as no_answer:
        services_requests.request_provide(actor=org.qm_a, request=item, answer="  ")
    assert "answer" in no_answer.value.message_dict
    for link in ("https://elsewhere.example/", "//elsewhere.example/x", "capa/1/"):
        with pytest.raises(ValidationError, match="not a path in the portal"):
            services_requests.request_provide(actor=org.qm_a, request=item, answer="x", links=[link])
    unreleased = _pack(org, grant, released=False, number="EP-0009")
    with pytest.raises(ValidationError, match="Only packs released"):
        services_requests.request_provide(actor=org.qm_a, request=item, answer="x", packs=[unreleased])
    services_requests.request_provide(actor=org.qm_a, request=item, answer="Done")
    with pytest.raises(ValidationError, match="provided already"):
        services_requests.request_provide(actor=org.qm_a, request=item, answer="Again")

    # Who may do what: the inspector asks and never moves; the quality team moves and never asks.
    inspector = type(inspector).objects.get(pk=inspector.pk)
    with pytest.raises(PermissionDenied):
        services_requests.request_prepare(actor=inspector, request=item)
    with pytest.raises(PermissionDenied):
        services_requests.request_create(actor=org.qm_a, grant=grant, subject="On their behalf")
    with pytest.raises(PermissionDenied):
        services_requests.request_prepare(actor=org.qm_b, request=item)
    with pytest.raises(ValidationError, match="Say what you ask for"):
        services_requests.request_create(actor=inspector, grant=grant, subject=" ")
    assert InspectionRequest.objects.count() == 1
    second = services_requests.request_create(actor=inspector, grant=grant, subject="Deviation log")
    assert client.post(f"/evidence/requests/{second.pk}/prepare/").status_code == 403
    second.refresh_from_db()
    assert second.status == RequestStatus.REQUESTED


def test_no_requests_once_the_grant_is_over(org, inspection):
    inspector, grant, _client = inspection
    InspectorGrant.objects.filter(pk=grant.pk).update(ended_at=timezone.now(), ended_by=org.qm_a, end_reason="Done")
    grant.refresh_from_db()
    with pytest.raises(ValidationError, match="not in force"):
        services_requests.request_create(actor=inspector, grant=grant, subject="One more")


def test_the_board_api(org, inspection, client_for):
    inspector, grant, client = inspection
    created = client.post("/api/v1/evidence/requests/", {"subject": "CAPA log 2025"}, content_type="application/json")
    assert created.status_code == 201, created.content
    item = InspectionRequest.objects.get(pk=created.json()["id"])
    assert item.grant == grant and item.number == 1
    assert [r["id"] for r in client.get("/api/v1/evidence/requests/").json()["results"]] == [item.pk]
    assert client.post(f"/api/v1/evidence/requests/{item.pk}/prepare/").status_code == 405
    assert client.delete(f"/api/v1/evidence/requests/{item.pk}/").status_code == 405

    qm = client_for(org.qm_a)
    refused = qm.post("/api/v1/evidence/requests/", {"subject": "For them"}, content_type="application/json")
    assert refused.status_code == 403
    assert qm.post(f"/api/v1/evidence/requests/{item.pk}/provide/", {"answer": "x"},
                   content_type="application/json").status_code == 409  # fmt: skip
    prepared = qm.post(f"/api/v1/evidence/requests/{item.pk}/prepare/")
    assert prepared.status_code == 200 and prepared.json()["status"] == RequestStatus.IN_PREPARATION
    bad_link = qm.post(f"/api/v1/evidence/requests/{item.pk}/provide/",
                       {"answer": "x", "links": [{"url": "https://elsewhere.example/"}]},
                       content_type="application/json")  # fmt: skip
    assert bad_link.status_code == 400 and "links" in bad_link.json()
    provided = qm.post(f"/api/v1/evidence/requests/{item.pk}/provide/",
                       {"answer": "See the list.", "links": [{"label": "CAPA", "url": "/capa/"}]},
                       content_type="application/json")  # fmt: skip
    assert provided.status_code == 200 and provided.json()["status"] == RequestStatus.PROVIDED
    assert client_for(org.qm_b).get(f"/api/v1/evidence/requests/{item.pk}/").status_code == 404


def test_an_inspector_sees_only_their_own_inspection(org, inspection, client_for):
    inspector, grant, client = inspection
    other = external_inspector(org, "ema_inspector")
    other_grant = grant_for(org, other)
    theirs = services_requests.request_create(actor=other, grant=other_grant, subject="Their request")
    mine = services_requests.request_create(actor=inspector, grant=grant, subject="My request")
    assert [r["id"] for r in client.get("/api/v1/evidence/requests/").json()["results"]] == [mine.pk]
    assert client.get(f"/evidence/requests/{theirs.pk}/").status_code == 404
    assert b"Their request" not in client.get("/evidence/room/requests/").content


# --- demo ------------------------------------------------------------------------------------------------------


def test_the_demo_inspector_inspects_basel_for_the_fda(db, evidence_sections):  # noqa: F811
    from evidence.demo import inspection_demo_seed
    from ims.org.demo import demo_seed

    demo_seed()
    assert inspection_demo_seed().startswith("demo inspection: ")
    grant = InspectorGrant.objects.get(inspector__username="inspector.basel")
    assert grant.granted_by.username == "qm.basel" and grant.agency == "fda"
    assert grant.reference == "FDA pre-approval inspection" and grant.site_codes == "BSL"
    assert sorted(grant.sections) == sorted([T_CAPA, T_ACTIONS]) and grant.status == "active"
    assert grant.valid_until - grant.valid_from == datetime.timedelta(days=30)
    assert (grant.records_to - grant.records_from).days == 730
    assert grant.inspector.external_inspector and grant.inspector.agency == "FDA"
    assert inspection_demo_seed() == "demo inspection unchanged"

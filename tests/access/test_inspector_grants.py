"""Inspector grants: granting with an e-signature (pages, API, service rules), what the inspector then sees (banner,
navigation), the reads the quality manager watches live, read-only access, and the end of access (404 everywhere)."""

from __future__ import annotations

import datetime
import re
import zoneinfo

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from capa.models import Capa
from ims.access.choices import Agency
from ims.access.inspection import grant_create_signed, grant_end_signed, inspector_scope
from ims.access.models import InspectorGrant, InspectorRead
from ims.esign.models import Signature
from ims.org import services as org_services
from ims.org.choices import RoleCode
from ims.org.models import Membership, Person, Role
from tests.capa.capakit import capa_at, certify

from .inspectionkit import (  # noqa: F401 (fixture)
    REFERENCE,
    T_ACTIONS,
    T_CAPA,
    evidence_sections,
    expire,
    external_inspector,
    grant_for,
)

pytestmark = pytest.mark.usefixtures("evidence_sections")
ZURICH = zoneinfo.ZoneInfo("Europe/Zurich")


def _local(moment: datetime.datetime) -> str:
    return timezone.localtime(moment, ZURICH).strftime("%Y-%m-%dT%H:%M")


def _fields(org, inspector, **changes) -> dict:
    now = timezone.now()
    today = timezone.localdate()
    fields = {
        "inspector": inspector, "sites": [org.site_a], "sections": [T_CAPA],
        "records_from": today - datetime.timedelta(days=365), "records_to": today,
        "valid_from": now, "valid_until": now + datetime.timedelta(days=5), "agency": Agency.FDA,
        "reference": REFERENCE,
    }  # fmt: skip
    fields.update(changes)
    return fields


def _form(org, **changes) -> dict:
    now = timezone.now()
    today = timezone.localdate()
    data = {
        "new_first_name": "Fiona", "new_last_name": "Drake", "new_email": "fiona.drake@fda.example",
        "agency": "fda", "reference": REFERENCE, "sites": [org.site_a.pk], "sections": [T_CAPA],
        "records_from": (today - datetime.timedelta(days=365)).isoformat(), "records_to": today.isoformat(),
        "valid_from": _local(now), "valid_until": _local(now + datetime.timedelta(days=5)),
        "username": "qm_a", "password": org.password,
    }  # fmt: skip
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def _inspector_memberships(person):
    return Membership.objects.current().filter(person=person, role__code=RoleCode.INSPECTOR)


# --- roles ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [RoleCode.QUALITY_MANAGER, RoleCode.GLOBAL_ADMIN])
def test_quality_manager_and_global_admin_run_inspections(org, role):
    held = {f"{p.content_type.app_label}.{p.codename}" for p in Role.objects.get(code=role).permissions.all()}
    assert {
        "access.add_inspectorgrant", "access.view_inspectorgrant", "access.end_inspectorgrant",
        "evidence.view_inspectionrequest", "evidence.change_inspectionrequest", "evidence.view_evidencepack",
        "evidence.add_evidencepack", "evidence.release_evidencepack",
    } <= held  # fmt: skip


# --- granting ------------------------------------------------------------------------------------------------


def test_qm_grants_a_new_external_inspector_site_a_for_five_days_with_signature(org, client_for):
    certify(org, org.qm_a)
    client = client_for(org.qm_a)
    page = client.get("/account/grants/new/")
    assert page.status_code == 200
    assert b"data-signature-step" in page.content and b'name="username"' in page.content
    # The access starts now and ends in five days, shown (and read back) in the quality manager's time zone.
    shown = re.search(r'name="valid_from" value="([^"]+)"', page.content.decode()).group(1)
    start = datetime.datetime.strptime(shown, "%Y-%m-%dT%H:%M").replace(tzinfo=ZURICH)
    assert abs(start - timezone.now()) < datetime.timedelta(minutes=2)

    response = client.post("/account/grants/new/", _form(org))

    assert response.status_code == 201, response.content.decode()[:2000]
    grant = InspectorGrant.objects.get()
    inspector = grant.inspector
    assert (
        inspector.external_inspector and inspector.agency == "FDA" and inspector.username == "fiona.drake@fda.example"
    )
    assert inspector.has_usable_password()
    first_password = response.context["first_password"]
    assert first_password.encode() in response.content and inspector.check_password(first_password)
    assert list(grant.sites.all()) == [org.site_a] and grant.sections == [T_CAPA]
    assert grant.granted_by == org.qm_a and grant.status == "active"
    assert datetime.timedelta(days=4, hours=23) < grant.valid_until - grant.valid_from <= datetime.timedelta(days=5)
    assert [m.site for m in _inspector_memberships(inspector)] == [org.site_a]
    signature = Signature.objects.get(object_pk=str(grant.pk), content_type__model="inspectorgrant")
    assert signature.signer == org.qm_a and signature.meaning == "approved"
    detail = client.get(f"/account/grants/{grant.pk}/")
    assert detail.status_code == 200 and b"data-esign-name" in detail.content
    assert first_password.encode() not in detail.content  # shown once


def test_qm_grants_an_existing_inspector_account(org, client_for):
    certify(org, org.qm_a)
    client = client_for(org.qm_a)
    data = _form(org, new_first_name=None, new_last_name=None, new_email=None, inspector=org.inspector_a.pk)
    response = client.post("/account/grants/new/", data)
    grant = InspectorGrant.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/account/grants/{grant.pk}/"
    assert grant.inspector == org.inspector_a
    assert Person.objects.get(pk=org.inspector_a.pk).external_inspector


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"valid_until": None}, "valid_until", "always time-boxed"),
        ({"valid_until": "+91"}, "valid_until", "at most 90 days"),
        ({"sites": "B"}, "sites", "You may not grant inspector access at SITEB"),
        ({"sections": []}, "sections", "at least one section"),
        ({"inspector": "employee"}, "inspector", "holds roles in the company"),
    ],
)
def test_grant_rules_are_clear_and_nothing_is_created(org, changes, field, words):
    certify(org, org.qm_a)
    inspector = external_inspector(org)
    if changes.get("inspector") == "employee":
        org_services.membership_create(person=inspector, site=org.site_a, function=org.qa,
                                       role=org.roles[RoleCode.INSPECTOR])  # fmt: skip
        org_services.membership_create(person=inspector, site=org.site_a, function=org.prod,
                                       role=org.roles[RoleCode.EMPLOYEE])  # fmt: skip
        changes = {}
    if changes.get("valid_until") == "+91":
        changes = {"valid_until": timezone.now() + datetime.timedelta(days=91)}
    if changes.get("sites") == "B":
        changes = {"sites": [org.site_b]}
    memberships = Membership.objects.count()
    with pytest.raises(ValidationError) as caught:
        grant_create_signed(actor=org.qm_a, password=org.password, username="qm_a", session={},
                            **_fields(org, inspector, **changes))  # fmt: skip
    assert words in " ".join(caught.value.message_dict[field])
    assert not InspectorGrant.objects.exists() and Membership.objects.count() == memberships
    assert not Signature.objects.filter(content_type__model="inspectorgrant").exists()


def test_a_refused_signature_creates_nothing(org, client_for):
    certify(org, org.qm_a)
    client = client_for(org.qm_a)
    response = client.post("/account/grants/new/", _form(org, password="not-my-password"))
    assert response.status_code == 401
    assert b'data-esign-refusal="wrong_password"' in response.content
    assert not InspectorGrant.objects.exists()
    assert not Person.objects.filter(email="fiona.drake@fda.example").exists()


@pytest.mark.parametrize(
    ("changes", "status", "message"),
    [
        ({"valid_until": ""}, 400, b"always time-boxed"),
        ({"sites": []}, 400, b"Choose at least one site"),
        ({"new_email": "fiona"}, 400, b"Enter a valid email address"),
        ({"inspector": "a", "new_email": "fiona.drake@fda.example"}, 400, b"not both"),
    ],
)
def test_the_form_shows_every_error_and_grants_nothing(org, client_for, changes, status, message):
    certify(org, org.qm_a)
    if changes.get("inspector") == "a":
        changes["inspector"] = org.inspector_a.pk
    client = client_for(org.qm_a)
    response = client.post("/account/grants/new/", _form(org, **changes))
    assert response.status_code == status
    assert message in response.content
    assert not InspectorGrant.objects.exists()


def test_the_form_offers_only_the_sites_where_the_user_may_grant(org, client_for):
    client = client_for(org.qm_a)
    form = client.get("/account/grants/new/").context["form"]
    assert list(form.fields["sites"].queryset) == [org.site_a]
    response = client.post("/account/grants/new/", _form(org, sites=[org.site_b.pk]))
    assert response.status_code == 400 and not InspectorGrant.objects.exists()
    assert client_for(org.emp_a).get("/account/grants/new/").status_code == 403


# --- what the inspector sees -----------------------------------------------------------------------------------


def test_inspector_sees_the_banner_and_only_the_granted_sections(org, client_for):
    inspector = external_inspector(org)
    grant = grant_for(org, inspector, sections=(T_CAPA,))
    client = client_for(inspector)

    response = client.get("/evidence/room/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "data-inspection-banner" in html
    assert "FDA" in html and REFERENCE in html and "sites SITEA" in html and "access until" in html
    until = timezone.localtime(grant.valid_until, ZURICH)
    assert f"{until:%Y-%m-%d %H:%M} {until.tzname()}" in html
    urls = [item["url"] for section in response.context["nav_sections"] for item in section["items"]]
    assert urls == ["/evidence/room/", "/evidence/room/requests/", "/capa/"]
    # The banner is on every page the inspector opens.
    capa_list = client.get("/capa/")
    assert capa_list.status_code == 200 and b"data-inspection-banner" in capa_list.content


def test_reads_are_recorded_and_shown_on_the_live_partial(org, client_for):
    inspector = external_inspector(org)
    grant = grant_for(org, inspector)
    capa = capa_at(org)
    inspector_client = client_for(inspector)
    assert inspector_client.get(f"/capa/{capa.pk}/").status_code == 200
    assert inspector_client.get("/capa/", {"q": "cold"}).status_code == 200
    assert inspector_client.get(f"/api/v1/capa/capas/{capa.pk}/").status_code == 200

    reads = list(InspectorRead.objects.filter(grant=grant).order_by("at", "pk"))
    assert [(r.path, r.channel) for r in reads] == [
        (f"/capa/{capa.pk}/", "web"),
        ("/capa/", "web"),
        (f"/api/v1/capa/capas/{capa.pk}/", "api"),
    ]
    assert reads[1].query == "q=cold" and reads[0].view == "capa:capa_detail"

    qm = client_for(org.qm_a)
    detail = qm.get(f"/account/grants/{grant.pk}/")
    assert detail.status_code == 200
    assert f'hx-get="/account/grants/{grant.pk}/reads/"'.encode() in detail.content
    assert b'hx-trigger="every 5s"' in detail.content
    partial = qm.get(f"/account/grants/{grant.pk}/reads/")
    assert partial.status_code == 200 and b"<html" not in partial.content
    html = partial.content.decode()
    assert html.index(f"/api/v1/capa/capas/{capa.pk}/") < html.index(f"/capa/{capa.pk}/")  # newest first
    assert "q=cold" in html and "capa:capa_detail" in html
    # The quality manager of another site does not see the grant.
    assert client_for(org.qm_b).get(f"/account/grants/{grant.pk}/reads/").status_code == 404


def test_the_inspector_reads_only_posting_a_page_is_403_and_an_api_write_405(org, client_for):
    inspector = external_inspector(org)
    grant_for(org, inspector)
    client = client_for(inspector)
    assert client.post("/capa/new/", {"title": "x"}).status_code == 403
    response = client.post("/api/v1/capa/capas/", {"title": "x"}, content_type="application/json")
    assert response.status_code == 405
    assert not Capa.objects.exists()


def test_a_token_client_reads_under_the_grant_and_writes_nothing(org):
    from django.test import Client

    from ims.access.services import api_token_create

    inspector = external_inspector(org)
    grant = grant_for(org, inspector)
    capa = capa_at(org)
    _token, raw = api_token_create(person=inspector, name="Inspection laptop", read_only=False)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert client.get(f"/api/v1/capa/capas/{capa.pk}/").status_code == 200
    assert InspectorRead.objects.filter(grant=grant, channel="api", path=f"/api/v1/capa/capas/{capa.pk}/").exists()
    # Every API view, whatever its permission classes: a write is 405.
    signing = {"content_type": "capa.capa", "object_pk": str(capa.pk), "meaning": "approved", "password": "x"}
    assert client.post("/api/v1/esign/signatures/", signing, content_type="application/json").status_code == 405
    assert client.post("/api/v1/capa/capas/", {}, content_type="application/json").status_code == 405
    asked = client.post("/api/v1/evidence/requests/", {"subject": "SOP list"}, content_type="application/json")
    assert asked.status_code == 201
    expire(grant)
    assert client.get(f"/api/v1/capa/capas/{capa.pk}/").status_code == 404
    assert (
        client.get("/api/v1/esign/signatures/", {"content_type": "capa.capa", "object_pk": capa.pk}).status_code == 404
    )


@pytest.mark.parametrize("how", ["ended", "expired"])
def test_after_the_grant_every_page_and_the_api_answer_404(org, client_for, how):
    certify(org, org.qm_a)
    inspector = external_inspector(org)
    grant = grant_for(org, inspector)
    capa = capa_at(org)
    client = client_for(inspector)
    assert client.get(f"/capa/{capa.pk}/").status_code == 200
    if how == "ended":
        grant_end_signed(grant=grant, actor=org.qm_a, reason="Inspection closed", password=org.password,
                         username="qm_a", session={})  # fmt: skip
        grant.refresh_from_db()
        assert grant.status == "ended" and grant.ended_by == org.qm_a
        assert not _inspector_memberships(inspector).filter(valid_to__isnull=True).exists()
    else:
        expire(grant)
    for url in ("/", "/evidence/room/", "/evidence/room/requests/", "/capa/", f"/capa/{capa.pk}/", "/org/people/"):
        assert client.get(url).status_code == 404, url
    for url in ("/api/v1/capa/capas/", f"/api/v1/capa/capas/{capa.pk}/", "/api/v1/evidence/requests/"):
        assert client.get(url).status_code == 404, url
    assert Person.objects.get(pk=inspector.pk).external_inspector
    assert not inspector_scope(Person.objects.get(pk=inspector.pk)).active


def test_qm_ends_access_with_reason_and_signature_on_the_page(org, client_for):
    certify(org, org.qm_a)
    inspector = external_inspector(org)
    grant = grant_for(org, inspector)
    client = client_for(org.qm_a)
    assert b"End access now" in client.get(f"/account/grants/{grant.pk}/").content

    refused = client.post(f"/account/grants/{grant.pk}/end/", {"reason": "Done", "username": "qm_a",
                                                               "password": "wrong"})  # fmt: skip
    assert refused.status_code == 401
    grant.refresh_from_db()
    assert grant.ended_at is None
    no_reason = client.post(f"/account/grants/{grant.pk}/end/", {"username": "qm_a", "password": org.password})
    assert no_reason.status_code == 400 and b"Say why the access ends early" in no_reason.content

    response = client.post(f"/account/grants/{grant.pk}/end/", {"reason": "Inspection closed", "username": "qm_a",
                                                                "password": org.password})  # fmt: skip
    assert response.status_code == 302
    grant.refresh_from_db()
    assert grant.status == "ended" and grant.end_reason == "Inspection closed"
    page = client.get(f"/account/grants/{grant.pk}/")
    assert b"data-grant-ended" in page.content and b"End access now" not in page.content
    assert client_for(inspector).get("/evidence/room/").status_code == 404


def test_grant_list_filters_and_status_badges(org, client_for):
    first = grant_for(org, external_inspector(org, "first"))
    second = grant_for(org, external_inspector(org, "second"), agency=Agency.EMA)
    expire(second)
    grant_for(org, external_inspector(org, "third"), sites=[org.site_b], actor=org.qm_b)
    client = client_for(org.qm_a)
    response = client.get("/account/grants/")
    assert response.status_code == 200
    rows = {row.record.pk for row in response.context["table"].page.object_list}
    assert rows == {first.pk, second.pk}  # not site B's
    assert b"status-success" in response.content and b"status-warning" in response.content
    active = client.get("/account/grants/", {"status": "active"}).context["table"]
    assert [r.record.pk for r in active.page.object_list] == [first.pk]
    ema = client.get("/account/grants/", {"agency": "ema"}).context["table"]
    assert [r.record.pk for r in ema.page.object_list] == [second.pk]
    site_a = client.get("/account/grants/", {"site": org.site_a.pk}).context["table"]
    assert {r.record.pk for r in site_a.page.object_list} == {first.pk, second.pk}


def test_grant_pages_are_the_quality_managers(org, client_for):
    inspector = external_inspector(org)
    grant = grant_for(org, inspector)
    assert client_for(inspector).get(f"/account/grants/{grant.pk}/").status_code == 404
    assert client_for(inspector).get("/account/grants/").status_code == 404
    assert client_for(org.qm_b).get(f"/account/grants/{grant.pk}/").status_code == 404
    assert client_for(org.inspector_a).get("/account/grants/").status_code == 404  # a role-based inspector too
    employee = client_for(org.emp_a)
    assert employee.get(f"/account/grants/{grant.pk}/").status_code == 404
    assert "/account/grants/" not in [i["url"] for s in employee.get("/").context["nav_sections"] for i in s["items"]]
    qm_nav = client_for(org.qm_a).get("/").context["nav_sections"]
    assert "/account/grants/" in [i["url"] for s in qm_nav for i in s["items"]]


# --- API -------------------------------------------------------------------------------------------------------


def _api_body(org, **changes) -> dict:
    now = timezone.now()
    today = timezone.localdate()
    body = {
        "new_inspector": {"first_name": "Fiona", "last_name": "Drake", "email": "fiona.drake@fda.example"},
        "agency": "fda", "reference": REFERENCE, "sites": ["SITEA"], "sections": [T_CAPA],
        "records_from": (today - datetime.timedelta(days=365)).isoformat(), "records_to": today.isoformat(),
        "valid_from": now.isoformat(), "valid_until": (now + datetime.timedelta(days=5)).isoformat(),
        "username": "qm_a", "password": org.password,
    }  # fmt: skip
    body.update(changes)
    return body


def test_api_grants_with_signature_lists_and_ends(org, client_for):
    certify(org, org.qm_a)
    client = client_for(org.qm_a)
    refused = client.post("/api/v1/evidence/grants/", _api_body(org, password="wrong"), content_type="application/json")
    assert refused.status_code == 401 and refused.json()["code"] == "wrong_password"
    assert not InspectorGrant.objects.exists() and not Person.objects.filter(email="fiona.drake@fda.example").exists()
    too_long = client.post("/api/v1/evidence/grants/",
                           _api_body(org, valid_until=(timezone.now() + datetime.timedelta(days=120)).isoformat()),
                           content_type="application/json")  # fmt: skip
    assert too_long.status_code == 400 and "valid_until" in too_long.json()

    created = client.post("/api/v1/evidence/grants/", _api_body(org), content_type="application/json")

    assert created.status_code == 201, created.content
    answer = created.json()
    grant = InspectorGrant.objects.get()
    assert answer["id"] == grant.pk and answer["status"] == "active" and answer["sites"] == [org.site_a.pk]
    assert grant.inspector.check_password(answer["inspector_first_password"])
    listed = client.get("/api/v1/evidence/grants/").json()
    assert [g["id"] for g in listed["results"]] == [grant.pk]
    assert "inspector_first_password" not in client.get(f"/api/v1/evidence/grants/{grant.pk}/").json()
    assert client_for(org.qm_b).get(f"/api/v1/evidence/grants/{grant.pk}/").status_code == 404
    assert client.delete(f"/api/v1/evidence/grants/{grant.pk}/").status_code == 405
    assert client.patch(f"/api/v1/evidence/grants/{grant.pk}/", {}, content_type="application/json").status_code == 405

    ended = client.post(f"/api/v1/evidence/grants/{grant.pk}/end/",
                        {"reason": "Inspection closed", "username": "qm_a", "password": org.password},
                        content_type="application/json")  # fmt: skip
    assert ended.status_code == 200 and ended.json()["status"] == "ended"
    again = client.post(f"/api/v1/evidence/grants/{grant.pk}/end/",
                        {"reason": "Again", "username": "qm_a", "password": org.password},
                        content_type="application/json")  # fmt: skip
    assert again.status_code == 409


def test_the_api_schema_documents_the_inspection_endpoints(org, client_for):
    schema = client_for(org.qm_a).get("/api/schema/", {"format": "json"}).json()
    for path in ("/api/v1/evidence/grants/", "/api/v1/evidence/grants/{id}/end/", "/api/v1/evidence/requests/",
                 "/api/v1/evidence/requests/{id}/prepare/", "/api/v1/evidence/requests/{id}/provide/"):  # fmt: skip
        assert path in schema["paths"], path
    assert "delete" not in schema["paths"]["/api/v1/evidence/grants/{id}/"]
    assert "patch" not in schema["paths"]["/api/v1/evidence/grants/{id}/"]

"""Pages: the sign dialog (htmx), the signature block, certification, the register and its CSV, locks."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.core import mail
from django.urls import reverse

from ims.esign.models import Signature, SignatureCertification, SigningLock
from ims.esign.services import signing_lock_open

pytestmark = pytest.mark.django_db

ISO_UTC = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
HTMX = {"HTTP_HX_REQUEST": "true"}


def sign_url(record) -> str:
    return reverse("esign:sign", args=[record._meta.label_lower, record.pk])


def certify_page(client, person, password, **extra):
    return client.post(reverse("esign:certify"), {"username": person.username, "password": password, **extra})


@pytest.mark.req("P11-100c", "P11-200a1")
def test_certification_page_certifies_with_user_id_and_password(org, client_for):
    client = client_for(org.emp_a)
    page = client.get(reverse("esign:certify"))
    assert page.status_code == 200
    assert "legally binding equivalent of my handwritten signature" in page.content.decode()
    assert 'name="username"' in page.content.decode()
    response = certify_page(client, org.emp_a, org.password)
    assert response.status_code == 302
    certification = SignatureCertification.objects.get(person=org.emp_a)
    page = client.get(reverse("esign:certify")).content.decode()
    assert f'data-esign-certified="{certification.pk}"' in page
    assert "Emp A" in page and "Acknowledged" in page and ISO_UTC.search(page)


@pytest.mark.req("P11-200a1")
def test_certification_page_wrong_password_records_nothing(org, client_for):
    response = certify_page(client_for(org.emp_a), org.emp_a, "wrong")
    assert response.status_code == 401
    assert 'data-esign-refusal="wrong_password"' in response.content.decode()
    assert not Signature.objects.exists() and not SignatureCertification.objects.exists()


@pytest.mark.req("P11-50", "P11-200a1")
def test_sign_dialog_signs_and_shows_the_manifestation(org, client_for, signable_site):
    client = client_for(org.qm_a)
    assert certify_page(client, org.qm_a, org.password).status_code == 302
    dialog = client.get(sign_url(org.site_a), {"meaning": "approved"}, **HTMX)
    html = dialog.content.decode()
    assert dialog.status_code == 200
    assert 'name="password"' in html and 'name="username"' not in html  # same session: password only
    assert '<option value="approved" selected>' in html
    assert "<html" not in html  # a fragment for the modal
    response = client.post(
        sign_url(org.site_a), {"password": org.password, "meaning": "approved", "reason": ""}, **HTMX
    )
    assert response.status_code == 201
    assert response["HX-Trigger"] == "esign:signed"
    html = response.content.decode()
    assert "Qm A" in html and "Approved" in html
    assert ISO_UTC.search(html) and "Europe/Zurich" in html and ("+01:00" in html or "+02:00" in html)
    assert Signature.objects.for_record(org.site_a).count() == 1


@pytest.mark.req("P11-50")
def test_signature_block_shows_name_date_time_with_zone_and_meaning(org, client_for, signable_site):
    client = client_for(org.qm_a)
    certify_page(client, org.qm_a, org.password)
    client.post(sign_url(org.site_a), {"password": org.password, "meaning": "reviewed"})
    org.qm_a.first_name = "Renamed"
    org.qm_a.save()
    response = client.get(reverse("esign:signature_block", args=["org.site", org.site_a.pk]), **HTMX)
    html = response.content.decode()
    assert "Qm A" in html and "Renamed" not in html
    assert "Reviewed" in html
    utc = ISO_UTC.search(html).group()
    assert f'datetime="{utc}"' in html
    assert "(Europe/Zurich)" in html
    assert 'hx-trigger="esign:signed from:body"' in html


def test_the_site_b_viewer_sees_their_own_time_zone(org, client_for, signable_site):
    from ims.esign import services

    session: dict = {}
    services.certification_create(person=org.admin, password=org.password, username="global_admin", session=session)
    services.signature_create(
        signer=org.admin, record=org.site_b, meaning="approved", password=org.password, session=session
    )
    html = client_for(org.qm_b).get(reverse("esign:signature_block", args=["org.site", org.site_b.pk])).content.decode()
    assert "(America/New_York)" in html


@pytest.mark.req("P11-200a1")
def test_sign_dialog_refusal_is_shown_in_the_dialog_and_records_nothing(org, client_for, signable_site):
    client = client_for(org.qm_a)
    response = client.post(
        sign_url(org.site_a), {"username": "qm_a", "password": org.password, "meaning": "approved"}, **HTMX
    )
    assert response.status_code == 403
    html = response.content.decode()
    assert 'data-esign-refusal="certification_required"' in html and reverse("esign:certify") in html
    certify_page(client, org.qm_a, org.password)
    response = client.post(sign_url(org.site_a), {"password": "wrong", "meaning": "approved"}, **HTMX)
    assert response.status_code == 401
    assert 'data-esign-refusal="wrong_password"' in response.content.decode()
    assert Signature.objects.for_record(org.site_a).count() == 0


@pytest.mark.req("P11-300d")
def test_three_wrong_passwords_in_the_dialog_lock_and_alert(org, client_for, signable_site):
    client = client_for(org.qm_a)
    certify_page(client, org.qm_a, org.password)
    mail.outbox.clear()
    statuses = [
        client.post(sign_url(org.site_a), {"password": "bad", "meaning": "approved"}).status_code for _ in range(3)
    ]
    assert statuses == [401, 401, 423]
    assert [m.to for m in mail.outbox] == [[org.admin.email]]
    assert client.post(sign_url(org.site_a), {"password": org.password, "meaning": "approved"}).status_code == 423
    assert Signature.objects.for_record(org.site_a).count() == 0
    # the Global Admin unlocks on the locks page
    admin = client_for(org.admin)
    lock = SigningLock.objects.get()
    page = admin.get(reverse("esign:lock_list"))
    assert f'data-lock="{lock.pk}"' in page.content.decode()
    assert (
        admin.post(reverse("esign:lock_unlock", args=[lock.pk]), {"reason": "Typing errors, confirmed"}).status_code
        == 302
    )
    assert signing_lock_open(org.qm_a) is None


def test_locks_page_is_for_global_admins_only(org, client_for):
    assert client_for(org.qm_a).get(reverse("esign:lock_list")).status_code == 403


def test_a_record_of_another_site_is_not_found(org, client_for, signable_site):
    client = client_for(org.qm_a)
    assert client.get(sign_url(org.site_b)).status_code == 404
    assert client.post(sign_url(org.site_b), {"password": org.password, "meaning": "approved"}).status_code == 404
    assert client.get(reverse("esign:sign", args=["org.person", org.qm_a.pk])).status_code == 404  # not signable


def test_sign_button_tag_renders_an_htmx_modal(org, signable_site, rf):
    from django.template import Context, Template

    request = rf.get("/")
    request.user = org.qm_a
    html = Template('{% load esign %}{% sign_button site "approved" %}{% signature_block site %}').render(
        Context({"site": org.site_a, "request": request})
    )
    assert f'hx-get="{sign_url(org.site_a)}?meaning=approved"' in html
    assert 'data-bs-toggle="modal"' in html and re.search(r"js/esign(\.[0-9a-f]{12})?\.js", html)
    assert "<script>" not in html  # no inline script (CSP)
    assert "Not signed yet." in html


@pytest.mark.req("P11-100c")
def test_profile_links_the_certification(org, client_for):
    html = client_for(org.emp_a).get(reverse("web:profile")).content.decode()
    assert 'id="esign-certification"' in html and reverse("esign:certify") in html


# --- the register --------------------------------------------------------------------------------------


def register_csv(client, **params) -> list[dict]:
    response = client.get(reverse("esign:certification_register"), {"export": "csv", **params})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


@pytest.fixture
def everyone_certified(org, certify):
    for person in (org.qm_a, org.qm_b, org.emp_a, org.emp_b, org.inspector_a):
        certify(person)


@pytest.mark.req("P11-100c", "P11-10d")
def test_register_csv_per_site_holds_only_that_sites_people(org, client_for, everyone_certified):
    rows = register_csv(client_for(org.admin), site="SITEB")
    assert {r["employee_id"] for r in rows} == {"QM_B", "EMP_B"}
    assert {r["site"] for r in rows} == {"SITEB"}
    signature = Signature.objects.get(signer=org.qm_b)
    row = next(r for r in rows if r["employee_id"] == "QM_B")
    assert row["signature_hash"] == signature.signature_hash
    assert row["statement_version"] == "1"
    assert ISO_UTC.fullmatch(row["certified_at_utc"])


@pytest.mark.req("P11-10d")
@pytest.mark.parametrize("principal,site", [("qm_a", "SITEA"), ("inspector_a", "SITEA"), ("qm_b", "SITEB")])
def test_register_is_scoped_to_the_readers_sites(org, client_for, everyone_certified, principal, site):
    client = client_for(getattr(org, principal))
    rows = register_csv(client)
    assert rows and {r["site"] for r in rows} == {site}
    other = "SITEB" if site == "SITEA" else "SITEA"
    assert client.get(reverse("esign:certification_register"), {"site": other}).status_code == 404
    html = client.get(reverse("esign:certification_register")).content.decode()
    assert 'data-register-row="' in html


@pytest.mark.parametrize("principal", ["emp_a", "nosite"])
def test_register_is_refused_to_employees(org, client_for, principal):
    assert client_for(getattr(org, principal)).get(reverse("esign:certification_register")).status_code == 403


@pytest.mark.req("P11-10d")
def test_anonymous_visitors_are_sent_to_login(org, client, signable_site):
    urls = [
        reverse("esign:certify"),
        reverse("esign:certification_register"),
        reverse("esign:lock_list"),
        reverse("esign:lock_unlock", args=[1]),
        sign_url(org.site_a),
        reverse("esign:signature_block", args=["org.site", org.site_a.pk]),
    ]
    for url in urls:
        for response in (client.get(url), client.post(url)):
            assert response.status_code in (302, 405), url
            if response.status_code == 302:
                assert response["Location"].startswith("/accounts/login/"), url
    assert not Signature.objects.exists()


@pytest.mark.parametrize("principal,shown", [("qm_a", True), ("inspector_a", True), ("emp_a", False)])
def test_the_register_is_linked_for_its_readers_only(org, client_for, principal, shown):
    html = client_for(getattr(org, principal)).get(reverse("web:profile")).content.decode()
    assert ("data-esign-register-link" in html) is shown


def test_read_only_roles_get_only_view_permissions_for_the_register(org):
    from ims.org.choices import RoleCode

    perms = {f"{p.content_type.app_label}.{p.codename}" for p in org.roles[RoleCode.INSPECTOR].permissions.all()}
    assert "esign.view_certification_register" in perms
    employee = {f"{p.content_type.app_label}.{p.codename}" for p in org.roles[RoleCode.EMPLOYEE].permissions.all()}
    assert "esign.view_certification_register" not in employee


@pytest.mark.parametrize("principal,shown", [("inspector_a", True), ("admin", True), ("emp_a", False)])
def test_the_register_is_in_the_navigation_of_its_readers(org, client_for, principal, shown):
    html = client_for(getattr(org, principal)).get(reverse("web:dashboard")).content.decode()
    assert (f'class="side-link" href="{reverse("esign:certification_register")}"' in html) is shown

"""The RACI matrix: grid page, one-transaction save, the "exactly one Accountable" rule, site isolation, API."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ims.audit.models import AuditEvent
from ims.documents.choices import DocumentType
from ims.org.choices import RoleCode
from ims.testing.kit import ScopedModelCase, SiteIsolationTests
from policies import selectors, services
from policies.forms import cell_name
from policies.models import Responsibility
from tests.documents.factories import document_at, document_registrar

REASON = "Annual review of responsibilities"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def cell(document, role, assignment, *, reason="Set up"):
    """A cell written through the service, as the trusted command line."""
    services.responsibilities_save(
        actor=None,
        changes=[services.CellChange(document_id=document.pk, role_id=role.pk, assignment=assignment)],
        reason=reason,
    )
    return Responsibility.objects.get(document=document, role=role)


def grid_post(client, data: dict, reason: str | None = REASON, query: str = ""):
    body = dict(data)
    if reason is not None:
        body["change_reason"] = reason
    return client.post(reverse("policies:raci_matrix") + query, body)


# --- the grid page -------------------------------------------------------------------------------------------


def test_grid_renders_documents_and_roles(org, client_for):
    doc = document_at(org.site_a)
    qm = org.roles[RoleCode.QUALITY_MANAGER]
    cell(doc, qm, "A")
    response = client_for(org.qm_a).get(reverse("policies:raci_matrix"))
    assert response.status_code == 200
    html = response.content.decode()
    assert f'name="{cell_name(doc.pk, qm.pk)}"' in html
    assert '<option value="A" selected>' in html
    assert "<script" not in html.split("<body", 1)[1].split("</main>", 1)[0]


def test_grid_query_count_does_not_grow_with_documents(org, client_for):
    client = client_for(org.qm_a)
    roles = list(org.roles.values())

    def count(total: int) -> int:
        while Responsibility.objects.values("document").distinct().count() < total:
            doc = document_at(org.site_a)
            cell(doc, roles[len(roles) % 3], "A")
            cell(doc, roles[0 if len(roles) % 3 else 1], "R")
        client.get(reverse("policies:raci_matrix"))
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("policies:raci_matrix"))
        assert response.status_code == 200
        assert len(response.context["rows"]) == total
        return len(queries)

    assert count(5) == count(25)


def test_grid_filters_by_type_and_site(org, client_for):
    procedure = document_at(org.site_a)
    policy = document_at(org.site_a, doc_type=DocumentType.POLICY)
    form = document_at(org.site_a, doc_type=DocumentType.FORM)
    at_b = document_at(org.site_b)
    client = client_for(org.admin)

    def shown(params):
        response = client.get(reverse("policies:raci_matrix"), params)
        return {item["row"].document.pk for item in response.context["rows"]}

    assert shown({}) == {procedure.pk, policy.pk, at_b.pk}
    assert form.pk not in shown({})
    assert shown({"doc_type": "policy"}) == {policy.pk}
    assert shown({"site": org.site_b.pk}) == {at_b.pk}


def test_csv_export_of_the_matrix(org, client_for):
    doc = document_at(org.site_a)
    qm = org.roles[RoleCode.QUALITY_MANAGER]
    cell(doc, qm, "A")
    response = client_for(org.qm_a).get(reverse("policies:raci_matrix"), {"export": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    lines = response.content.decode("utf-8-sig").splitlines()
    header = lines[0].split(",")
    assert header[:3] == ["number", "title", "type"]
    row = next(line.split(",") for line in lines[1:] if line.startswith(doc.number))
    assert row[header.index(qm.name)] == "A"


# --- saving the grid ---------------------------------------------------------------------------------------------


def test_save_writes_only_changed_cells_with_the_reason(org, client_for):
    doc = document_at(org.site_a)
    qm, co, emp = (org.roles[c] for c in (RoleCode.QUALITY_MANAGER, RoleCode.COMPLIANCE_OFFICER, RoleCode.EMPLOYEE))
    kept = cell(doc, qm, "A")
    cleared = cell(doc, emp, "I")
    before = AuditEvent.objects.filter(model_label="policies.responsibility").count()
    data = {cell_name(doc.pk, qm.pk): "A", cell_name(doc.pk, co.pk): "C", cell_name(doc.pk, emp.pk): ""}
    for role in org.roles.values():
        data.setdefault(cell_name(doc.pk, role.pk), "")
    response = grid_post(client_for(org.qm_a), data)
    assert response.status_code == 302
    events = AuditEvent.objects.filter(model_label="policies.responsibility").order_by("id")[before:]
    assert len(events) == 2
    assert {e.reason for e in events} == {REASON}
    assert {e.action for e in events} == {"I", "U"}
    assert not AuditEvent.objects.for_record(kept).filter(action="U").exists()
    cleared.refresh_from_db()
    assert cleared.assignment == "" and not cleared.is_active
    assert Responsibility.objects.get(document=doc, role=co).assignment == "C"


def test_missing_reason_is_refused_and_nothing_saved(org, client_for):
    doc = document_at(org.site_a)
    qm = org.roles[RoleCode.QUALITY_MANAGER]
    response = grid_post(client_for(org.qm_a), {cell_name(doc.pk, qm.pk): "A"}, reason="  ")
    assert response.status_code == 400
    assert not Responsibility.objects.exists()


def test_two_accountables_are_refused_naming_the_document(org, client_for):
    doc = document_at(org.site_a)
    other = document_at(org.site_a)
    qm, co = org.roles[RoleCode.QUALITY_MANAGER], org.roles[RoleCode.COMPLIANCE_OFFICER]
    data = {cell_name(doc.pk, qm.pk): "A", cell_name(doc.pk, co.pk): "A", cell_name(other.pk, qm.pk): "R"}
    response = grid_post(client_for(org.qm_a), data)
    assert response.status_code == 400
    assert doc.number in response.context["error"]
    assert not Responsibility.objects.exists()
    with pytest.raises(ValidationError, match=doc.number):
        cell(doc, qm, "A") and cell(doc, co, "A")


def test_zero_accountables_is_allowed_but_flagged(org, client_for):
    doc = document_at(org.site_a)
    good = document_at(org.site_a)
    qm, co = org.roles[RoleCode.QUALITY_MANAGER], org.roles[RoleCode.COMPLIANCE_OFFICER]
    cell(good, qm, "A")
    response = grid_post(client_for(org.qm_a), {cell_name(doc.pk, co.pk): "R"})
    assert response.status_code == 302
    gaps = {d.pk: d.accountable_count for d in selectors.accountability_gaps(user=org.qm_a)}
    assert gaps == {doc.pk: 0}
    page = client_for(org.qm_a).get(reverse("policies:raci_matrix"))
    html = page.content.decode()
    assert f'data-gap="{doc.number}"' in html
    assert f'data-gap="{good.number}"' not in html
    assert "data-accountable-warning" in html


def test_unknown_document_or_role_saves_nothing(org, client_for):
    doc = document_at(org.site_a)
    qm = org.roles[RoleCode.QUALITY_MANAGER]
    client = client_for(org.qm_a)
    response = grid_post(client, {cell_name(doc.pk, qm.pk): "A", cell_name(999999, qm.pk): "R"})
    assert response.status_code == 400
    response = grid_post(client, {cell_name(doc.pk, qm.pk): "A", cell_name(doc.pk, 999999): "R"})
    assert response.status_code == 400
    response = grid_post(client, {cell_name(doc.pk, qm.pk): "X"})
    assert response.status_code == 400
    assert not Responsibility.objects.exists()


def test_employee_may_not_save(org, client_for):
    doc = document_at(org.site_a)
    response = grid_post(client_for(org.emp_a), {cell_name(doc.pk, org.roles[RoleCode.EMPLOYEE].pk): "I"})
    assert response.status_code == 403
    assert not Responsibility.objects.exists()


# --- site isolation ------------------------------------------------------------------------------------------------


def test_site_b_user_neither_sees_nor_edits_site_a_rows(org, client_for):
    doc_a = document_at(org.site_a)
    doc_b = document_at(org.site_b)
    qm = org.roles[RoleCode.QUALITY_MANAGER]
    cell(doc_a, qm, "A")
    client = client_for(org.qm_b)
    page = client.get(reverse("policies:raci_matrix"))
    assert {item["row"].document.pk for item in page.context["rows"]} == {doc_b.pk}
    assert doc_a.number not in page.content.decode()
    response = grid_post(client, {cell_name(doc_a.pk, qm.pk): "R", cell_name(doc_b.pk, qm.pk): "A"})
    assert response.status_code == 400
    assert Responsibility.objects.get(document=doc_a, role=qm).assignment == "A"
    assert not Responsibility.objects.filter(document=doc_b).exists()


def test_shared_document_is_editable_at_either_site(org, client_for):
    shared = document_at(org.site_a, sites=[org.site_a, org.site_b])
    qm = org.roles[RoleCode.QUALITY_MANAGER]
    assert grid_post(client_for(org.qm_b), {cell_name(shared.pk, qm.pk): "A"}).status_code == 302
    assert Responsibility.objects.get(document=shared, role=qm).assignment == "A"


def new_cell(site) -> Responsibility:
    return cell(document_at(site), Responsibility.role.field.related_model.objects.order_by("pk").first(), "R")


class TestResponsibilityIsolation(SiteIsolationTests):
    case = ScopedModelCase(
        model=Responsibility,
        create=new_cell,
        list_url="policies:responsibility_list",
        detail_url="policies:responsibility_detail",
        api="responsibility",
    )


# --- API -------------------------------------------------------------------------------------------------------------


def test_api_lists_with_filters(org, client_for):
    doc_a = document_at(org.site_a)
    doc_b = document_at(org.site_b)
    qm, co = org.roles[RoleCode.QUALITY_MANAGER], org.roles[RoleCode.COMPLIANCE_OFFICER]
    a = cell(doc_a, qm, "A")
    r = cell(doc_a, co, "R")
    b = cell(doc_b, qm, "A")
    client = client_for(org.admin)
    url = reverse("responsibility-list")

    def ids(params):
        response = client.get(url, params)
        assert response.status_code == 200
        return {row["id"] for row in response.json()["results"]}

    assert ids({}) == {a.pk, r.pk, b.pk}
    assert ids({"document": doc_a.pk}) == {a.pk, r.pk}
    assert ids({"role": co.pk}) == {r.pk}
    assert ids({"site": org.site_b.pk}) == {b.pk}
    assert ids({"assignment": "A"}) == {a.pk, b.pk}
    own = client_for(org.qm_b).get(url).json()
    assert {row["id"] for row in own["results"]} == {b.pk}


def test_api_bulk_save_uses_the_service_rules(org, client_for):
    doc = document_at(org.site_a)
    qm, co = org.roles[RoleCode.QUALITY_MANAGER], org.roles[RoleCode.COMPLIANCE_OFFICER]
    client = client_for(org.qm_a)
    url = reverse("responsibility-bulk")
    body = {"change_reason": REASON, "changes": [{"document": doc.pk, "role": qm.pk, "assignment": "A"}]}
    response = client.post(url, body, content_type="application/json")
    assert response.status_code == 200, response.content
    assert [row["assignment"] for row in response.json()["saved"]] == ["A"]
    saved = Responsibility.objects.get(document=doc, role=qm)
    assert AuditEvent.objects.for_record(saved).get().reason == REASON

    two = {"change_reason": REASON, "changes": [{"document": doc.pk, "role": co.pk, "assignment": "A"}]}
    response = client.post(url, two, content_type="application/json")
    assert response.status_code == 400
    assert doc.number in str(response.json())

    no_reason = {"changes": [{"document": doc.pk, "role": co.pk, "assignment": "C"}]}
    assert client.post(url, no_reason, content_type="application/json").status_code == 400
    outside = {"change_reason": REASON, "changes": [{"document": doc.pk, "role": co.pk, "assignment": "C"}]}
    assert client_for(org.qm_b).post(url, outside, content_type="application/json").status_code == 400
    assert client_for(org.emp_a).post(url, outside, content_type="application/json").status_code == 403
    assert Responsibility.objects.count() == 1


def test_api_schema_lists_responsibilities(org, client_for):
    response = client_for(org.admin).get(reverse("api-schema"), {"format": "json"})
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/v1/responsibilities/" in paths
    assert "post" in paths["/api/v1/responsibilities/bulk/"]


def test_service_refuses_inactive_or_wrong_type_documents(org):
    form = document_at(org.site_a, doc_type=DocumentType.FORM)
    with pytest.raises(ValidationError):
        cell(form, org.roles[RoleCode.QUALITY_MANAGER], "R")
    assert document_registrar() is not None


def test_two_people_saving_the_grid_the_second_is_refused_and_nothing_of_theirs_is_saved(org, client_for):
    import re

    doc = document_at(org.site_a)
    qm = org.roles[RoleCode.QUALITY_MANAGER]
    first, second = client_for(org.qm_a), client_for(org.admin)
    versions = [
        re.search(r'name="_version" value="([0-9a-f]+)"', c.get(reverse("policies:raci_matrix")).content.decode())[1]
        for c in (first, second)
    ]
    assert versions[0] == versions[1]
    assert grid_post(first, {cell_name(doc.pk, qm.pk): "A", "_version": versions[0]}).status_code == 302
    stale = grid_post(second, {cell_name(doc.pk, qm.pk): "R", "_version": versions[1]}, reason="My own edit")
    assert stale.status_code == 409
    assert "changed by qm_a" in stale.content.decode()
    assert Responsibility.objects.get(document=doc, role=qm).assignment == "A"

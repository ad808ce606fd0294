"""Clause mappings: quality managers map clauses of different standards, change a mapping with a reason and
deactivate it (pages and API, the same service); nobody else may, and a mapping is never deleted."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from ims.audit.models import AuditEvent
from ims.testing.kit import if_match
from processes import library
from processes.models import Clause, ClauseMapping, Standard, StandardKind

pytestmark = pytest.mark.django_db
API = "/api/v1/processes/clause-mappings/"


@pytest.fixture
def clauses(db):
    def standard(code: str) -> Standard:
        return Standard.objects.create(code=code, edition="2015", title=code, kind=StandardKind.ISO)

    q, e = standard("ISO 9001"), standard("ISO 14001")
    made = {}
    for std, prefix in ((q, "q"), (e, "e")):
        for position, number in enumerate(("7.5", "7.5.1", "9.2"), start=1):
            made[f"{prefix}{number}"] = Clause.objects.create(
                standard=std, number=number, title=f"{std.code} {number}", position=position
            )
    return made


def reasons(mapping: ClauseMapping) -> list[str | None]:
    return list(AuditEvent.objects.for_record(mapping).order_by("id").values_list("reason", flat=True))


def test_the_service_refuses_self_same_standard_and_duplicates_in_either_direction(clauses):
    q, e = clauses["q7.5"], clauses["e7.5"]
    with pytest.raises(ValidationError, match="cannot map to itself"):
        library.clause_mapping_create(actor=None, source=q, target=q, relation="equal")
    with pytest.raises(ValidationError, match="different standards"):
        library.clause_mapping_create(actor=None, source=q, target=clauses["q7.5.1"], relation="subset")
    mapping = library.clause_mapping_create(actor=None, source=q, target=e, relation="equal", note="Same HLS clause")
    for source, target in ((q, e), (e, q)):
        with pytest.raises(ValidationError, match="already mapped"):
            library.clause_mapping_create(actor=None, source=source, target=target, relation="overlaps")
    assert ClauseMapping.objects.count() == 1 and mapping.is_active


def test_a_deactivated_mapping_comes_back_into_use_when_mapped_again(clauses):
    mapping = library.clause_mapping_create(
        actor=None, source=clauses["q9.2"], target=clauses["e9.2"], relation="equal"
    )
    library.clause_mapping_deactivate(actor=None, mapping=mapping)
    with pytest.raises(ValidationError, match="already deactivated"):
        library.clause_mapping_deactivate(actor=None, mapping=mapping)
    again = library.clause_mapping_create(
        actor=None, source=clauses["q9.2"], target=clauses["e9.2"], relation="overlaps"
    )
    assert again.pk == mapping.pk and again.is_active and again.relation == "overlaps"


def test_the_quality_manager_maps_changes_and_deactivates_on_the_pages(org, clauses, client_for):
    client = client_for(org.qm_a)
    add = reverse("processes:clausemapping_add")
    assert client.get(add, {"source": clauses["q7.5"].pk}).status_code == 200
    response = client.post(
        add, {"source": clauses["q7.5"].pk, "target": clauses["e7.5"].pk, "relation": "equal", "note": "HLS"}
    )
    assert response.status_code == 302
    mapping = ClauseMapping.objects.get()
    assert response["Location"].startswith(reverse("processes:standard_detail", args=[clauses["q7.5"].standard_id]))
    same = client.post(add, {"source": clauses["q7.5"].pk, "target": clauses["q9.2"].pk, "relation": "equal"})
    assert same.status_code == 400 and "different standards" in same.content.decode()
    duplicate = client.post(add, {"source": clauses["e7.5"].pk, "target": clauses["q7.5"].pk, "relation": "equal"})
    assert duplicate.status_code == 400 and "already mapped" in duplicate.content.decode()
    edit = reverse("processes:clausemapping_edit", args=[mapping.pk])
    no_reason = client.post(edit, {"relation": "overlaps", "note": "HLS"})
    assert no_reason.status_code == 400
    mapping.refresh_from_db()
    assert mapping.relation == "equal"
    changed = client.post(edit, {"relation": "overlaps", "note": "Partly", "change_reason": "Reviewed by QA"})
    assert changed.status_code == 302
    mapping.refresh_from_db()
    assert (mapping.relation, mapping.note) == ("overlaps", "Partly")
    deactivate = reverse("processes:clausemapping_deactivate", args=[mapping.pk])
    assert client.post(deactivate, {"change_reason": "Not the same requirement"}).status_code == 302
    mapping.refresh_from_db()
    assert not mapping.is_active
    assert reasons(mapping)[-2:] == ["Reviewed by QA", "Not the same requirement"]
    detail = client.get(reverse("processes:standard_detail", args=[clauses["q7.5"].standard_id]))
    assert detail.status_code == 200 and f'data-mapping="{mapping.pk}"' in detail.content.decode()


def test_an_employee_may_not_map_clauses_on_the_pages(org, clauses, client_for):
    mapping = library.clause_mapping_create(
        actor=None, source=clauses["q7.5"], target=clauses["e7.5"], relation="equal"
    )
    client = client_for(org.emp_a)
    assert client.get(reverse("processes:clausemapping_add")).status_code == 403
    body = {"source": clauses["q9.2"].pk, "target": clauses["e9.2"].pk, "relation": "equal"}
    assert client.post(reverse("processes:clausemapping_add"), body).status_code == 403
    edit = reverse("processes:clausemapping_edit", args=[mapping.pk])
    assert client.post(edit, {"relation": "subset", "change_reason": "x"}).status_code == 403
    deactivate = reverse("processes:clausemapping_deactivate", args=[mapping.pk])
    assert client.post(deactivate, {"change_reason": "x"}).status_code == 403
    mapping.refresh_from_db()
    assert mapping.is_active and mapping.relation == "equal" and ClauseMapping.objects.count() == 1


def test_the_api_creates_updates_with_a_reason_and_deactivates(org, clauses, client_for):
    client = client_for(org.qm_b)
    created = client.post(
        API,
        {"source": clauses["q9.2"].pk, "target": clauses["e9.2"].pk, "relation": "equal"},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    url = f"{API}{created.json()['id']}/"
    headers = if_match(client, url)
    without = client.patch(url, {"relation": "subset"}, content_type="application/json", **headers)
    assert without.status_code == 400 and "change_reason" in without.json()
    body = {"relation": "subset", "note": "9001 asks more", "change_reason": "Mapping reviewed"}
    changed = client.patch(url, body, content_type="application/json", **headers)
    assert changed.status_code == 200, changed.content
    assert changed.json()["relation"] == "subset"
    moved = client.patch(url, {"target": clauses["e7.5"].pk, "change_reason": "x"}, content_type="application/json",
                         **if_match(client, url))  # fmt: skip
    assert moved.status_code == 200
    mapping = ClauseMapping.objects.get()
    assert mapping.target == clauses["e9.2"]  # the two clauses of a mapping never change
    assert client.post(f"{url}deactivate/", {}, content_type="application/json").status_code == 400
    done = client.post(f"{url}deactivate/", {"change_reason": "Withdrawn"}, content_type="application/json")
    assert done.status_code == 200 and done.json()["is_active"] is False
    assert client.delete(url).status_code == 405
    assert ClauseMapping.objects.filter(pk=mapping.pk).exists()
    assert "Mapping reviewed" in reasons(mapping) and reasons(mapping)[-1] == "Withdrawn"


def test_the_api_refuses_same_standard_and_duplicates_clearly(org, clauses, client_for):
    client = client_for(org.admin)
    same = client.post(API, {"source": clauses["q9.2"].pk, "target": clauses["q7.5"].pk, "relation": "equal"},
                       content_type="application/json")  # fmt: skip
    assert same.status_code == 400 and "different standards" in str(same.json())
    library.clause_mapping_create(actor=None, source=clauses["q9.2"], target=clauses["e9.2"], relation="equal")
    duplicate = client.post(API, {"source": clauses["e9.2"].pk, "target": clauses["q9.2"].pk, "relation": "equal"},
                            content_type="application/json")  # fmt: skip
    assert duplicate.status_code == 400 and "already mapped" in str(duplicate.json())
    assert ClauseMapping.objects.count() == 1


def test_the_api_denies_writes_to_people_without_the_permission(org, clauses, client_for):
    mapping = library.clause_mapping_create(
        actor=None, source=clauses["q7.5"], target=clauses["e7.5"], relation="equal"
    )
    client = client_for(org.emp_b)
    url = f"{API}{mapping.pk}/"
    body = {"source": clauses["q9.2"].pk, "target": clauses["e9.2"].pk, "relation": "equal"}
    assert client.post(API, body, content_type="application/json").status_code == 403
    assert client.patch(url, {"relation": "subset", "change_reason": "x"}, content_type="application/json",
                        HTTP_IF_MATCH="*").status_code == 403  # fmt: skip
    assert client.post(f"{url}deactivate/", {"change_reason": "x"}, content_type="application/json").status_code == 403
    assert client.get(url).status_code == 200  # everyone reads the library
    mapping.refresh_from_db()
    assert mapping.is_active and mapping.relation == "equal" and ClauseMapping.objects.count() == 1


def test_the_clause_lookup_finds_clauses_by_number_title_or_standard(org, clauses, client_for):
    library.library_ready()
    response = client_for(org.emp_a).get(reverse("web:lookup", args=["processes-clause"]), {"q": "14001 9.2"})
    assert response.status_code == 200
    html = response.content.decode()
    assert f'value="{clauses["e9.2"].pk}"' in html
    assert f'value="{clauses["q9.2"].pk}"' not in html


def test_the_edit_page_offers_deactivation_to_the_quality_manager_only(org, clauses, client_for):
    mapping = library.clause_mapping_create(
        actor=None, source=clauses["q7.5"], target=clauses["e7.5"], relation="equal"
    )
    url = reverse("processes:clausemapping_edit", args=[mapping.pk])
    page = client_for(org.qm_a).get(url)
    assert page.status_code == 200 and 'id="mapping-deactivate"' in page.content.decode()
    assert client_for(org.emp_a).get(url).status_code == 403

"""The audit trail page, its CSV/JSON exports and the API (P11-10e, A11-9, P11-10b).

Only holders of ``audit.view_auditevent`` open it, and they see the events of their sites' records
and of company-wide records; every read by an inspector is itself recorded (COMPLIANCE §6 row 2).
"""

from __future__ import annotations

import csv
import datetime
import io
import json

import pytest
from django.urls import reverse

from ims.audit.context import audit_context
from ims.audit.models import AuditEvent
from ims.audit.selectors import TRAIL_LABEL
from ims.org import services
from ims.org.choices import RoleCode
from ims.testing.factories import MembershipFactory, PersonFactory

pytestmark = [pytest.mark.django_db, pytest.mark.req("P11-10e", "A11-9")]

TRAIL = "audit:trail"


def trail(client, **params):
    return client.get(reverse(TRAIL), params)


def page_ids(response) -> set[int]:
    return {row.record.pk for row in response.context["table"].paginated_rows}


def body(response) -> str:
    return b"".join(response.streaming_content).decode("utf-8") if response.streaming else response.content.decode()


def reads() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action="R").order_by("id"))


@pytest.fixture
def changes(org):
    """One reasoned change at each site and one of company-wide reference data."""
    with audit_context(actor=org.qm_a, channel="web", reason="Basel register corrected"):
        services.site_update(site=org.site_a, data={"name": "Basel Plant North"})
    with audit_context(actor=org.qm_b, channel="api", reason="Boston register corrected"):
        services.site_update(site=org.site_b, data={"name": "Boston Lab East"})
    with audit_context(actor=org.admin, channel="web", reason="Clearer description"):
        services.function_update(function=org.qa, data={"name": org.qa.name, "description": "QA and QC"})
    return org


# --- who may open it ----------------------------------------------------------------------------------------


@pytest.mark.req("P11-10d", "P11-10g")
@pytest.mark.parametrize(
    ("principal", "status"),
    [("qm_a", 200), ("inspector_a", 200), ("admin", 200), ("emp_a", 403), ("nosite", 403)],
)
def test_only_holders_of_the_trail_permission_open_it(changes, client_for, principal, status):
    client = client_for(getattr(changes, principal))
    assert trail(client).status_code == status
    assert trail(client, export="csv").status_code == status
    assert client.get(reverse("auditevent-list")).status_code == status


@pytest.mark.req("P11-10g")
@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        (RoleCode.QUALITY_MANAGER, True),
        (RoleCode.COMPLIANCE_OFFICER, True),
        (RoleCode.INTERNAL_AUDITOR, True),
        (RoleCode.INSPECTOR, True),
        (RoleCode.EMPLOYEE, False),
        (RoleCode.TRAINER, False),
        (RoleCode.PROCESS_OWNER, False),
        (RoleCode.DEPARTMENT_HEAD, False),
    ],
)
def test_the_trail_permission_is_granted_per_role_at_the_site(org, client_for, role, allowed):
    person = PersonFactory(site=org.site_a, site__role=role)
    response = trail(client_for(person))
    assert response.status_code == (200 if allowed else 403)
    nav = str(response.context["nav_sections"]) if allowed else ""
    assert ("Audit trail" in nav) is allowed


def test_anonymous_is_sent_to_login(db, client):
    response = client.get(reverse(TRAIL))
    assert response.status_code == 302 and "login" in response["Location"]
    assert client.get(reverse("auditevent-list")).status_code in {401, 403}


# --- what they see ----------------------------------------------------------------------------------------------


@pytest.mark.req("P11-10d", "ASVS5-8.4.1")
def test_a_site_reader_sees_their_sites_and_company_wide_events_only(changes, client_for):
    response = trail(client_for(changes.qm_a), per_page=100)
    ids = page_ids(response)
    site_a = set(AuditEvent.objects.for_record(changes.site_a).values_list("pk", flat=True))
    site_b = set(AuditEvent.objects.for_record(changes.site_b).values_list("pk", flat=True))
    function = set(AuditEvent.objects.for_record(changes.qa).values_list("pk", flat=True))
    assert site_a <= ids and function <= ids
    assert not ids & site_b
    assert ids == set(AuditEvent.objects.restrict(changes.qm_a).values_list("pk", flat=True)[:100])
    everything = page_ids(trail(client_for(changes.admin), model_label="org.site", per_page=100))
    assert site_a | site_b <= everything


def test_rows_are_newest_first_and_paginated_at_most_100(changes, client_for):
    response = trail(client_for(changes.admin), per_page=500)
    table = response.context["table"]
    assert table.paginator.per_page == 100
    ids = [row.record.pk for row in table.paginated_rows]
    assert ids == sorted(ids, reverse=True) and len(ids) == min(100, AuditEvent.objects.count())


def test_rows_show_labels_reason_and_link_to_the_record(changes, client_for):
    response = trail(client_for(changes.qm_a), model_label="org.site", action="U")
    html = body(response)
    event = AuditEvent.objects.for_record(changes.site_a).get(action="U")
    assert page_ids(response) == {event.pk}
    assert "Basel register corrected" in html
    assert f'href="{changes.site_a.get_absolute_url()}"' in html
    assert 'data-field="name"' in html and ">Name</th>" in html
    assert "Basel Plant North" in html


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"q": "register corrected"}, lambda o: {("org.site", o.site_a.pk, "U"), ("org.site", o.site_b.pk, "U")}),
        (
            {"channel": "web", "action": "U"},
            lambda o: {("org.site", o.site_a.pk, "U"), ("org.function", o.qa.pk, "U")},
        ),
        ({"q": "Basel register"}, lambda o: {("org.site", o.site_a.pk, "U")}),
        ({"model_label": "org.function", "action": "U"}, lambda o: {("org.function", o.qa.pk, "U")}),
        ({"site": "A", "action": "U"}, lambda o: {("org.site", o.site_a.pk, "U")}),
        ({"actor": "qm_b", "action": "U"}, lambda o: {("org.site", o.site_b.pk, "U")}),
    ],
)
def test_filters(changes, client_for, params, expected):
    params = dict(params)
    if params.get("site") == "A":
        params["site"] = changes.site_a.pk
    if params.get("actor"):
        params["actor"] = getattr(changes, params["actor"]).pk
    response = trail(client_for(changes.admin), per_page=100, **params)
    assert response.status_code == 200
    rows = response.context["table"].paginated_rows
    found = {(r.record.model_label, int(r.record.object_pk), r.record.action) for r in rows}
    assert found == expected(changes)


def test_date_filters_are_utc_days(changes, client_for):
    client = client_for(changes.admin)
    today = datetime.datetime.now(datetime.UTC).date()
    day = datetime.timedelta(days=1)

    def count(**params) -> int:
        return trail(client, **params).context["table"].paginator.count

    assert count(date_from=today.isoformat(), date_to=today.isoformat()) == AuditEvent.objects.count()
    assert count(date_to=(today - day).isoformat()) == 0
    assert count(date_from=(today + day).isoformat()) == 0


def test_invalid_filters_show_nothing_and_say_so(changes, client_for):
    response = trail(client_for(changes.admin), date_from="yesterday")
    assert response.status_code == 200
    assert response.context["table"].paginator.count == 0
    assert response.context["filter_errors"]


# --- exports ----------------------------------------------------------------------------------------------------


@pytest.mark.req("P11-10b")
def test_csv_export_holds_every_matching_row_with_a_bom(changes, client_for):
    for i in range(120):  # more than a page
        with audit_context(actor=changes.qm_a, reason=f"Rename {i}"):
            services.site_update(site=changes.site_a, data={"name": f"Basel {i}"})
    response = trail(client_for(changes.qm_a), export="csv", model_label="org.site")
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    raw = b"".join(response.streaming_content)
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    expected = AuditEvent.objects.restrict(changes.qm_a).filter(model_label="org.site").order_by("-id")
    assert [int(r["id"]) for r in rows] == list(expected.values_list("pk", flat=True))
    assert len(rows) >= 122
    assert set(rows[0]) >= {
        "id",
        "occurred_at",
        "record_type",
        "record_id",
        "action",
        "actor",
        "channel",
        "reason",
        "request_id",
        "client_ip",
        "changed_fields",
        "old",
        "new",
    }
    newest = rows[0]
    assert newest["reason"] == "Rename 119" and newest["changed_fields"] == "name"
    assert json.loads(newest["new"])["name"] == "Basel 119" and json.loads(newest["old"])["name"] == "Basel 118"
    assert newest["occurred_at"].endswith("Z")
    assert not {int(r["record_id"]) for r in rows} - {changes.site_a.pk}


@pytest.mark.req("P11-10b")
def test_json_export_holds_every_matching_row(changes, client_for):
    response = trail(client_for(changes.admin), export="json", action="U")
    assert response["Content-Type"].startswith("application/json")
    data = json.loads(body(response))
    expected = AuditEvent.objects.filter(action="U").order_by("-id").values_list("pk", flat=True)
    assert [e["id"] for e in data] == list(expected)
    site_a = next(e for e in data if e["record_type"] == "org.site" and e["record_id"] == str(changes.site_a.pk))
    assert site_a["old"]["name"] == "Basel Plant" and site_a["new"]["name"] == "Basel Plant North"
    assert site_a["actor"] == "qm_a" and site_a["reason"] == "Basel register corrected"
    assert datetime.datetime.fromisoformat(site_a["occurred_at"]).utcoffset() == datetime.timedelta(0)


# --- an inspector's reads are recorded -------------------------------------------------------------------------


@pytest.mark.req("P11-10g")
def test_an_inspectors_reads_are_recorded_and_a_quality_managers_are_not(changes, client_for):
    qm = client_for(changes.qm_a)
    assert trail(qm, q="Basel").status_code == 200
    assert trail(qm, export="csv").status_code == 200
    assert qm.get(reverse("org:site_detail", args=[changes.site_a.pk])).status_code == 200
    assert reads() == []

    inspector = client_for(changes.inspector_a)
    assert trail(inspector, q="Basel").status_code == 200
    logged = reads()
    assert len(logged) == 1
    read = logged[0]
    assert read.actor_id == changes.inspector_a.pk and read.actor_label == "inspector_a"
    assert read.model_label == TRAIL_LABEL and read.channel == "web"
    assert read.new["view"] == "trail" and read.new["filters"] == {"q": "Basel"}
    assert read.request_id and read.old is None

    b"".join(trail(inspector, export="json", model_label="org.site").streaming_content)
    assert reads()[-1].new == {"view": "export", "format": "json", "filters": {"model_label": "org.site"}}

    inspector.get(reverse("org:site_detail", args=[changes.site_a.pk]))
    history_read = reads()[-1]
    assert (history_read.model_label, history_read.object_pk) == ("org.site", str(changes.site_a.pk))
    assert history_read.new["view"] == "history"

    inspector.get(reverse("auditevent-list"), {"action": "U"})
    assert reads()[-1].new["view"] == "api" and reads()[-1].channel == "api"
    assert len(reads()) == 4


def test_an_inspectors_reads_appear_in_the_trail(changes, client_for):
    inspector = client_for(changes.inspector_a)
    trail(inspector)
    response = trail(client_for(changes.qm_a), action="R")
    assert {r.record.actor_label for r in response.context["table"].paginated_rows} == {"inspector_a"}


# --- API ---------------------------------------------------------------------------------------------------------


def test_api_lists_the_same_scoped_filtered_events(changes, client_for):
    client = client_for(changes.qm_a)
    response = client.get(reverse("auditevent-list"), {"model_label": "org.site", "page_size": 500})
    assert response.status_code == 200
    data = response.json()
    expected = AuditEvent.objects.restrict(changes.qm_a).filter(model_label="org.site").order_by("-id")
    assert [e["id"] for e in data["results"]] == list(expected.values_list("pk", flat=True)[:100])
    assert data["count"] == expected.count()
    assert {e["record_id"] for e in data["results"]} == {str(changes.site_a.pk)}
    other = AuditEvent.objects.for_record(changes.site_b).first()
    assert client.get(reverse("auditevent-detail", args=[other.pk])).status_code == 404


def test_api_is_read_only(changes, client_for):
    client = client_for(changes.admin)
    event = AuditEvent.objects.first()
    assert client.post(reverse("auditevent-list"), {}, content_type="application/json").status_code in {403, 405}
    assert client.patch(
        reverse("auditevent-detail", args=[event.pk]), {"reason": "x"}, content_type="application/json"
    ).status_code in {403, 405}
    assert client.delete(reverse("auditevent-detail", args=[event.pk])).status_code in {403, 405}
    assert AuditEvent.objects.get(pk=event.pk).reason == event.reason


@pytest.mark.req("P11-10g")
def test_the_permission_ends_with_the_membership(org, client_for):
    today = datetime.date.today()
    auditor = PersonFactory()
    membership = MembershipFactory(
        person=auditor, site=org.site_a, role=RoleCode.INTERNAL_AUDITOR, valid_from=today - datetime.timedelta(days=7)
    )
    assert trail(client_for(auditor)).status_code == 200
    services.membership_end(membership=membership, on=today - datetime.timedelta(days=1))
    assert trail(client_for(auditor)).status_code == 403


def test_the_trail_names_records_as_people_know_them(org, client_for):
    """A course by its code and title, a person by name: never only "#42"."""
    from tests.training.factories import course_at

    course = course_at(org.site_a, code="GMP-101", title="GMP basics")
    page = client_for(org.admin).get(reverse("audit:trail"), {"model_label": "training.course"}).content.decode()
    assert "GMP-101 · GMP basics" in page
    assert f">#{course.pk}<" not in page


def test_naming_records_costs_the_same_queries_for_one_or_many(org, client_for):
    """Labels come from one query per record type, whatever the number of events on the page."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.training.factories import course_at

    client = client_for(org.admin)
    url = reverse("audit:trail")
    course_at(org.site_a, code="ONE-1", title="One")
    client.get(url, {"model_label": "training.course"})
    with CaptureQueriesContext(connection) as one:
        client.get(url, {"model_label": "training.course"})
    for n in range(12):
        course_at(org.site_a, code=f"MANY-{n}", title=f"Many {n}")
    with CaptureQueriesContext(connection) as many:
        page = client.get(url, {"model_label": "training.course"}).content.decode()
    assert "MANY-11 · Many 11" in page
    assert len(many) == len(one), (len(one), len(many))

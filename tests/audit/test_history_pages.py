"""The history card of a regulated record's page (P11-10e, A11-9): events newest first, in plain language.

Who, when (the viewer's site time zone and UTC), channel, reason, and each changed field by its label
with old → new values; the page's query count does not grow with the number of events.
"""

from __future__ import annotations

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ims.audit.context import audit_context
from ims.audit.models import AuditEvent
from ims.audit.selectors import HISTORY_LIMIT, record_history
from ims.org import services

pytestmark = [pytest.mark.django_db, pytest.mark.req("P11-10e", "A11-9")]


def history_rows(response) -> list:
    return response.context["history"].rows


def event_ids(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'<tr data-event="(\d+)"', html)]


def rename_site(site, name: str, *, actor, reason: str = "Register corrected") -> None:
    with audit_context(actor=actor, channel="web", reason=reason):
        services.site_update(site=site, data={"name": name})


def test_site_page_shows_its_events_newest_first_with_labels_reason_and_who(org, client_for):
    rename_site(org.site_a, "Basel Plant North", actor=org.qm_a, reason="Plant renamed by the board")
    response = client_for(org.qm_a).get(reverse("org:site_detail", args=[org.site_a.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    expected = list(AuditEvent.objects.for_record(org.site_a).order_by("-id").values_list("pk", flat=True))
    assert event_ids(html) == expected and len(expected) == 2  # created, then renamed
    newest = history_rows(response)[0]
    assert newest.event.action == "U" and newest.event.reason == "Plant renamed by the board"
    assert [(c.label, c.old, c.new) for c in newest.changes] == [("Name", "Basel Plant", "Basel Plant North")]
    assert "Plant renamed by the board" in html
    assert f'href="{reverse("org:person_detail", args=[org.qm_a.pk])}">qm_a</a>' in html
    created = history_rows(response)[1]
    labels = {c.label for c in created.changes}
    assert {"Code", "Name", "Country", "Time zone", "Active"} <= labels
    assert "timezone" not in labels and "is_active" not in labels  # labels, not column names


def test_times_are_shown_in_the_viewers_site_zone_and_in_utc(org, client_for):
    rename_site(org.site_a, "Basel Plant North", actor=org.qm_a)
    event = AuditEvent.objects.for_record(org.site_a).order_by("-id").first()
    utc = event.occurred_at.astimezone(datetime.UTC).isoformat().replace("+00:00", "Z")

    basel = client_for(org.qm_a).get(reverse("org:site_detail", args=[org.site_a.pk]))
    row = history_rows(basel)[0]
    assert row.local_time.utcoffset() == event.occurred_at.astimezone(org.site_a.tzinfo).utcoffset()
    assert str(row.local_time.tzinfo) == "Europe/Zurich"
    html = basel.content.decode()
    assert utc in html and f'datetime="{utc}"' in html
    assert row.local_display in html and row.local_display.endswith(("CET", "CEST"))
    assert "Europe/Zurich" in html

    # A global admin of site A sees Basel time; the same event seen from Boston is in New York time.
    rename_site(org.site_b, "Boston Lab 2", actor=org.qm_b)
    boston = client_for(org.qm_b).get(reverse("org:site_detail", args=[org.site_b.pk]))
    assert str(history_rows(boston)[0].local_time.tzinfo) == "America/New_York"


def test_viewer_without_a_current_membership_sees_utc(org):
    history = record_history(obj=org.site_a, user=org.admin)
    assert history.timezone_name == "Europe/Zurich"
    org.admin.memberships.update(valid_to=datetime.date(2000, 1, 1), valid_from=datetime.date(1999, 1, 1))
    org.admin._ims_viewer_tz = None
    history = record_history(obj=org.site_a, user=org.admin)
    assert history.timezone_name == "UTC"
    assert history.rows and history.rows[0].local_time.utcoffset() == datetime.timedelta(0)


def test_masked_and_related_values_are_shown_by_name_or_stars(org, client_for):
    with audit_context(actor=org.qm_a, channel="web", reason="New manager"):
        services.person_update(person=org.emp_a, data={"manager": org.qm_a})
        org.emp_a.set_password("Another-Horse-Battery-7")
        org.emp_a.save(update_fields=["password"])
    response = client_for(org.qm_a).get(reverse("org:person_detail", args=[org.emp_a.pk]))
    rows = history_rows(response)
    changes = {c.label: c for row in rows if row.event.action == "U" for c in row.changes}
    assert changes["Manager"].old == "—" and changes["Manager"].new == f"{org.qm_a} (#{org.qm_a.pk})"
    assert changes["Password"].old == "***" and changes["Password"].new == "***"


def test_person_page_includes_their_visible_memberships_events(org, client_for):
    membership = org.emp_a.memberships.get()
    response = client_for(org.qm_a).get(reverse("org:person_detail", args=[org.emp_a.pk]))
    rows = history_rows(response)
    assert {(r.event.model_label, r.event.object_pk) for r in rows} >= {
        ("org.person", str(org.emp_a.pk)),
        ("org.membership", str(membership.pk)),
    }
    membership_row = next(r for r in rows if r.event.model_label == "org.membership")
    assert membership_row.record_url == membership.get_absolute_url()
    labels = {c.label: c.new for c in membership_row.changes}
    assert labels["Site"] == f"{org.site_a} (#{org.site_a.pk})"


def test_person_page_hides_memberships_at_sites_the_viewer_cannot_see(org, client_for):
    from ims.testing.factories import MembershipFactory

    other = MembershipFactory(person=org.emp_a, site=org.site_b)
    rows = history_rows(client_for(org.qm_a).get(reverse("org:person_detail", args=[org.emp_a.pk])))
    assert ("org.membership", str(other.pk)) not in {(r.event.model_label, r.event.object_pk) for r in rows}
    rows = history_rows(client_for(org.admin).get(reverse("org:person_detail", args=[org.emp_a.pk])))
    assert ("org.membership", str(other.pk)) in {(r.event.model_label, r.event.object_pk) for r in rows}


def test_role_page_shows_its_permission_changes(org, client_for):
    from django.contrib.auth.models import Permission

    role = org.roles["employee"]
    permission = Permission.objects.get(content_type__app_label="org", codename="add_site")
    with audit_context(actor=org.admin, channel="command", reason="Employees may propose sites"):
        role.permissions.add(permission)
    response = client_for(org.qm_a).get(reverse("org:role_detail", args=[role.pk]))
    newest = history_rows(response)[0]
    assert newest.event.model_label == "org.role_permissions" and newest.event.action == "I"
    assert newest.event.reason == "Employees may propose sites"
    assert any(c.label == "Permission" and "add site" in c.new.lower() for c in newest.changes)


@pytest.mark.parametrize(
    ("url_name", "obj"),
    [("org:function_detail", "qa"), ("org:membership_detail", "membership")],
)
def test_function_and_membership_pages_have_a_history(org, client_for, url_name, obj):
    target = org.qm_a.memberships.get() if obj == "membership" else getattr(org, obj)
    response = client_for(org.qm_a).get(reverse(url_name, args=[target.pk]))
    assert response.status_code == 200
    assert 'id="history"' in response.content.decode()
    assert [r.event.action for r in history_rows(response)][-1] == "I"


def test_people_without_the_trail_permission_see_no_history(org, client_for):
    response = client_for(org.emp_a).get(reverse("org:site_detail", args=[org.site_a.pk]))
    assert response.status_code == 200
    assert 'id="history"' not in response.content.decode()
    assert response.context["history"].readable is False


def test_long_histories_show_the_newest_events_and_link_to_the_trail(org, client_for):
    for i in range(HISTORY_LIMIT + 2):
        rename_site(org.site_a, f"Basel {i}", actor=org.qm_a)
    response = client_for(org.qm_a).get(reverse("org:site_detail", args=[org.site_a.pk]))
    history = response.context["history"]
    assert len(history.rows) == HISTORY_LIMIT and history.has_more
    newest = AuditEvent.objects.for_record(org.site_a).order_by("-id").first()
    assert history.rows[0].event.pk == newest.pk
    assert history.trail_url == reverse("audit:trail") + f"?model_label=org.site&object_pk={org.site_a.pk}"
    assert history.trail_url.replace("&", "&amp;") in response.content.decode()


@pytest.mark.req("ASVS5-2.4.1")
@pytest.mark.parametrize(("url_name", "target"), [("org:site_detail", "site"), ("org:person_detail", "person")])
def test_query_count_does_not_grow_with_events(org, client_for, url_name, target):
    obj = org.site_a if target == "site" else org.emp_a
    client = client_for(org.qm_a)
    url = reverse(url_name, args=[obj.pk])

    def change(i):
        if target == "site":
            rename_site(org.site_a, f"Basel {i}", actor=org.qm_a)
        else:
            with audit_context(actor=org.qm_a, reason="title"):
                services.person_update(person=org.emp_a, data={"job_title": f"Technician {i}"})

    def count() -> tuple[int, int]:
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        return len(queries), len(history_rows(response))

    change(0)
    one_queries, one_rows = count()
    for i in range(1, 30):
        change(i)
    many_queries, many_rows = count()
    assert many_rows >= one_rows + 29
    assert many_queries == one_queries

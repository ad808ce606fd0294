"""Search-as-you-type choices: a filter over a large table renders only the current choice, never one option
per row, and the lookup answers at most 20 matches the user may see."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from ims.testing.factories import PersonFactory
from ims.web.lookups import LIMIT

pytestmark = pytest.mark.django_db


def options(html: str, name: str) -> list[str]:
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert select, f"no select {name}"
    return re.findall(r'<option value="([^"]*)"', select.group(1))


def test_the_audit_trail_who_filter_holds_only_the_current_choice(org, client_for):
    for number in range(30):
        PersonFactory(username=f"operator{number:02}", last_name=f"Operator {number:02}", site=org.site_a)
    client = client_for(org.qm_a)
    html = client.get(reverse("audit:trail")).content.decode()
    assert options(html, "actor") == [""]  # no choice yet: just "anyone"
    assert 'name="actor__search"' in html and reverse("web:lookup", args=["people"]) in html
    chosen = client.get(reverse("audit:trail"), {"actor": org.emp_a.pk}).content.decode()
    assert options(chosen, "actor") == ["", str(org.emp_a.pk)]


def test_the_lookup_answers_at_most_twenty_matches_of_the_users_sites(org, client_for):
    for number in range(30):
        PersonFactory(username=f"operator{number:02}", last_name=f"Operator {number:02}", site=org.site_a)
    PersonFactory(username="operator.boston", last_name="Operator Boston", site=org.site_b)
    lookup = reverse("web:lookup", args=["people"])

    found = options_in(client_for(org.qm_a).get(lookup, {"actor__search": "operator"}).content.decode())
    assert len(found) == LIMIT
    narrowed = client_for(org.qm_a).get(lookup, {"actor__search": "operator07"}).content.decode()
    assert "Operator 07" in narrowed and len(options_in(narrowed)) == 1
    # Another site's person is never offered to a site A quality manager, and is to site B's.
    assert "Boston" not in client_for(org.qm_a).get(lookup, {"actor__search": "boston"}).content.decode()
    assert "Boston" in client_for(org.qm_b).get(lookup, {"actor__search": "boston"}).content.decode()


def test_lookups_need_a_sign_in_and_a_known_name(org, client, client_for):
    assert client.get(reverse("web:lookup", args=["people"])).status_code == 302
    assert client_for(org.qm_a).get(reverse("web:lookup", args=["nothing"])).status_code == 404


def options_in(html: str) -> list[str]:
    return [value for value in re.findall(r'<option value="([^"]*)"', html) if value]


@pytest.mark.parametrize(
    "url", ["training:assignment_list", "training:record_list", "training:matrix", "training:session_list"]
)
def test_course_filters_hold_only_the_current_choice(org, client_for, url):
    """Hundreds of courses at scale: the course filter of each training list is a search field, never a select
    with one option per course."""
    from tests.training.factories import course_at

    courses = [course_at(org.site_a) for _ in range(25)]
    html = client_for(org.qm_a).get(reverse(url)).content.decode()
    assert options(html, "course") == [""]
    assert 'name="course__search"' in html and reverse("web:lookup", args=["courses"]) in html
    chosen = client_for(org.qm_a).get(reverse(url), {"course": courses[3].pk}).content.decode()
    assert options(chosen, "course") == ["", str(courses[3].pk)]

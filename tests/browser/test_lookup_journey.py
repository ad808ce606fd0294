"""A quality manager filters the audit trail by a person they find by typing, never scrolling a list of everyone."""

from __future__ import annotations

from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command

from ims.org.models import Person

from .conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_who_filter_finds_a_person_as_one_types(transactional_db, page_factory):
    call_command("seed_demo", "--no-logins", stdout=StringIO())
    page = page_factory()
    login(page, "admin.global", settings.IMS_DEMO_PASSWORD)
    page.goto("/audit/")
    page.click("button[aria-controls=filters]")
    options = page.locator("select[name=actor] option")
    assert options.count() == 1  # only "anyone" until one types
    page.fill("input[name=actor__search]", "qm.bas")
    options.nth(1).wait_for(state="attached")
    assert 1 < options.count() <= 21
    person = Person.objects.get(username="qm.basel")
    page.select_option("select[name=actor]", str(person.pk))
    page.click("#filters button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert f"actor={person.pk}" in page.url
    # The chosen person stays chosen on the filtered page.
    assert page.locator(f"select[name=actor] option[value='{person.pk}']").get_attribute("selected") is not None

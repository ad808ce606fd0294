"""What a quality manager and an employee do in the browser (headless Chromium)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from ims.org.models import Person

from .conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HEADER = "employee_id,username,first_name,last_name,email,job_title,site_code,function_code,role\n"
GOOD_ROWS = (
    "NEW-001,zoe.mueller,Zoë,Müller,zoe.mueller@example.com,QC Analyst,SITEA,QA,employee\n"
    "NEW-002,li.wei,伟,李,li.wei@example.com,Validation Engineer,SITEA,QA,employee\n"
)
BAD_ROW = "NEW-003,bad.row,Bad,Row,not-an-email,Operator,SITEA,NOPE,employee\n"


def _upload(page, tmp_path, name: str, content: str) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    page.set_input_files("input[name=file]", str(path))
    page.click("#import-preview")
    page.wait_for_load_state("networkidle")


def test_quality_manager_imports_people_fixing_a_bad_row(org, page_factory, tmp_path):
    page = page_factory()
    login(page, org.qm_a.username, org.password)
    expect(page.locator("body")).to_contain_text(org.qm_a.first_name)

    page.goto("/org/import/")
    _upload(page, tmp_path, "people.csv", HEADER + GOOD_ROWS + BAD_ROW)
    errors = page.locator("#import-errors")
    expect(errors).to_be_visible()
    expect(errors).to_contain_text("4")  # the bad row is line 4 of the file
    expect(errors).to_contain_text(re.compile("NOPE|function", re.IGNORECASE))
    assert not Person.objects.filter(employee_id__startswith="NEW-").exists()

    page.goto("/org/import/")
    _upload(page, tmp_path, "people-fixed.csv", HEADER + GOOD_ROWS)
    expect(page.locator("#import-errors")).to_have_count(0)
    page.click("#import-confirm")
    page.wait_for_load_state("networkidle")
    expect(page.locator("#import-result")).to_be_visible()

    page.goto("/org/people/?q=NEW-")
    table = page.locator("table")
    expect(table).to_contain_text("Müller")
    expect(table).to_contain_text("李")
    assert Person.objects.filter(employee_id__startswith="NEW-").count() == 2


def test_site_b_employee_gets_not_found_for_a_site_a_person(org, page_factory):
    page = page_factory()
    login(page, org.emp_b.username, org.password)
    response = page.goto(f"/org/people/{org.emp_a.pk}/")
    assert response.status == 404
    expect(page.locator("body")).not_to_contain_text(org.emp_a.email)
    own = page.goto(f"/org/people/{org.emp_b.pk}/")
    assert own.status == 200


def test_people_list_works_on_a_phone(org, page_factory):
    page = page_factory(width=390, height=844, mobile=True)
    login(page, org.qm_a.username, org.password)
    page.goto("/org/people/")
    expect(page.locator("table")).to_contain_text(org.emp_a.employee_id)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"the page scrolls sideways by {overflow}px on a phone"

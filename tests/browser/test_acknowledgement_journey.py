"""The IMS policy from first draft to its acknowledgement on a phone, through the real pages (headless Chromium).

A site-A quality manager writes the policy, a department head reviews and a compliance officer approves it with
e-signatures; effective today, it reaches everyone at site A. A site-A employee reads and acknowledges it on a
phone; the quality manager sees the coverage move; a site-B employee never sees it (404).
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from ims.documents.models import ControlledDocument
from ims.esign.services import certification_create
from ims.org import services as org_services
from ims.org.choices import RoleCode
from ims.org.models import Person
from policies.models import Acknowledgement

from .conftest import assert_no_sideways_scroll, login, sign

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.req("ISO9001-5.2.2", "ISO9001-7.3", "P11-200a1", "P11-50", "P11-10d"),
]

#: Screenshots of the phone and coverage pages, for a person to look at (not compared by the test).
SHOTS = Path(os.environ.get("IMS_ACK_SHOTS") or Path(tempfile.gettempdir()) / "ack_shots")
PHONE = {"width": 390, "height": 844, "mobile": True}
TITLE = "Integrated IMS policy"
NUMBER = "POL-IMS-001"
BODY = (
    "# Integrated IMS policy\n\n"
    "We commit to:\n\n"
    "- satisfy our customers and the applicable requirements,\n"
    "- protect the environment and prevent pollution,\n"
    "- provide safe and healthy workplaces.\n"
)


@pytest.fixture
def signers(org, password_hash):
    """A department head (reviewer) and a compliance officer (approver) at site A; every signer is certified."""

    def person(username: str, role: str) -> Person:
        first, last = username.split("_")
        p = org_services.person_create(
            username=username,
            employee_id=username.upper(),
            first_name=first.capitalize(),
            last_name=last.capitalize(),
            email=f"{username}@example.com",
        )
        Person.objects.filter(pk=p.pk).update(password=password_hash)
        p.refresh_from_db()
        org_services.membership_create(person=p, site=org.site_a, function=org.qa, role=org.roles[role])
        return p

    head = person("dh_a", RoleCode.DEPARTMENT_HEAD)
    officer = person("co_a", RoleCode.COMPLIANCE_OFFICER)
    for signer in (head, officer, org.emp_a):
        certification_create(person=signer, password=org.password, username=signer.username, session={})
    return head, officer


def _site_a_percent(page) -> str:
    return page.locator("[data-coverage-table=site] tr[data-site=SITEA] [data-percent]").inner_text().strip()


def test_policy_written_signed_effective_and_acknowledged_on_a_phone(org, signers, page_factory):
    head, officer = signers
    SHOTS.mkdir(parents=True, exist_ok=True)
    today = timezone.localdate()

    # The quality manager registers the policy with its first version and submits it for review.
    qm = page_factory()
    login(qm, org.qm_a.username, org.password)
    qm.goto("/documents/add/")
    qm.fill("input[name=number]", NUMBER)
    qm.fill("input[name=title]", TITLE)
    qm.select_option("select[name=doc_type]", "policy")
    for discipline in ("quality", "environment", "ohs"):
        qm.check(f"input[name=disciplines][value={discipline}]")
    qm.select_option("select[name=owner]", str(org.qm_a.pk))
    qm.check(f"input[name=sites][value='{org.site_a.pk}']")
    expect(qm.locator(f"input[name=sites][value='{org.site_b.pk}']")).to_have_count(0)  # not the QM's site
    qm.fill("input[name=effective_date]", today.isoformat())
    qm.fill("textarea[name=body]", BODY)
    qm.click("form.form-card button[type=submit]")
    qm.wait_for_load_state("networkidle")
    document = ControlledDocument.objects.get(number=NUMBER)
    assert qm.url.rstrip("/").endswith(f"/documents/{document.pk}"), qm.url
    expect(qm.locator("main")).to_contain_text(TITLE)
    expect(qm.locator("main")).to_contain_text("No effective version yet")
    version = document.versions.get(number=1)
    assert document.requires_acknowledgement and sorted(document.disciplines) == ["environment", "ohs", "quality"]

    qm.click("main a:text-is('v1')")
    qm.wait_for_load_state("networkidle")
    assert qm.url.rstrip("/").endswith(f"/documents/versions/{version.pk}"), qm.url
    expect(qm.locator("[data-document-content] h1")).to_have_text(TITLE)
    qm.click("main button:has-text('Submit for review')")
    qm.wait_for_load_state("networkidle")
    expect(qm.locator("main")).to_contain_text("In review")
    expect(qm.locator("main a:has-text('Sign: reviewed')")).to_have_count(0)  # the author never reviews
    version.refresh_from_db()
    assert version.status == "in_review"

    # The department head reviews with the e-signature (user ID and password).
    reviewer = page_factory()
    login(reviewer, head.username, org.password)
    reviewer.goto(f"/documents/versions/{version.pk}/")
    expect(reviewer.locator("main a:has-text('Sign: approved')")).to_have_count(0)  # reviewing only
    reviewer.click("main a:has-text('Sign: reviewed')")
    reviewer.wait_for_load_state("networkidle")
    assert reviewer.url.rstrip("/").endswith(f"/documents/versions/{version.pk}/review"), reviewer.url
    expect(reviewer.locator("main")).to_contain_text("Meaning of your signature: reviewed.")
    sign(reviewer, head.username, org.password)
    assert reviewer.url.rstrip("/").endswith(f"/documents/versions/{version.pk}"), reviewer.url
    expect(reviewer.locator("[data-signatures] [data-manifestation]")).to_contain_text(head.get_full_name())
    expect(reviewer.locator("[data-signatures]")).to_contain_text("Review")

    # The compliance officer approves: the effective date is today, so the version is effective at once.
    approver = page_factory()
    login(approver, officer.username, org.password)
    approver.goto(f"/documents/versions/{version.pk}/")
    approver.click("main a:has-text('Sign: approved')")
    approver.wait_for_load_state("networkidle")
    expect(approver.locator("main")).to_contain_text("Meaning of your signature: approved.")
    sign(approver, officer.username, org.password)
    assert approver.url.rstrip("/").endswith(f"/documents/versions/{version.pk}"), approver.url
    expect(approver.locator("main")).to_contain_text(re.compile(r"Signed\..*is now effective"))
    expect(approver.locator(".status-pill:has-text('Effective')").first).to_be_visible()
    expect(approver.locator("[data-signatures] [data-manifestation]")).to_have_count(2)
    expect(approver.locator("[data-signatures]")).to_contain_text(officer.get_full_name())
    version.refresh_from_db()
    assert version.status == "effective" and version.approved_by_id == officer.pk

    # Everyone at site A but the inspector is asked to read it: the QM, the department head, the compliance
    # officer, the global admin and the employee. Nobody has acknowledged yet.
    in_scope = Acknowledgement.objects.filter(version=version, site=org.site_a)
    assert set(in_scope.values_list("person__username", flat=True)) == {
        org.qm_a.username,
        head.username,
        officer.username,
        org.admin.username,
        org.emp_a.username,
    }
    people_in_scope = in_scope.count()
    qm.goto("/policies/coverage/")
    site_a_row = qm.locator("[data-coverage-table=site] tr[data-site=SITEA]")
    expect(site_a_row).to_be_visible()
    assert _site_a_percent(qm) in ("0", "0.0")
    expect(qm.locator("[data-coverage-table=site] tr[data-site=SITEB]")).to_have_count(0)  # not the QM's site

    # The site-A employee reads and acknowledges the policy on a phone.
    phone = page_factory(**PHONE)
    login(phone, org.emp_a.username, org.password)
    phone.goto("/policies/my-tasks/")
    task = phone.locator(f"[data-my-tasks] [data-document={NUMBER}]")
    expect(task).to_be_visible()
    expect(task).to_contain_text(TITLE)
    expect(task).to_contain_text("version 1")
    expect(task).to_contain_text("New")
    expect(phone.locator("[data-open-count]")).to_have_text("1")
    assert_no_sideways_scroll(phone)
    phone.screenshot(path=str(SHOTS / "phone-my-tasks.png"), full_page=True)

    task.click()
    phone.wait_for_load_state("networkidle")
    own_task = Acknowledgement.objects.get(version=version, person=org.emp_a)
    assert phone.url.rstrip("/").endswith(f"/policies/tasks/{own_task.pk}"), phone.url
    expect(phone.locator("[data-version-content]")).to_contain_text("provide safe and healthy workplaces")
    statement = phone.locator("[data-acknowledge-form] [data-statement]")
    expect(statement).to_have_text(f"I have read and understood version 1 of {NUMBER} {TITLE}.")
    expect(phone.locator("[data-acknowledge-form] input[name=password]")).to_be_visible()
    assert_no_sideways_scroll(phone)
    phone.screenshot(path=str(SHOTS / "phone-task.png"), full_page=True)
    sign(phone, org.emp_a.username, org.password)
    assert phone.url.rstrip("/").endswith("/policies/my-tasks"), phone.url
    expect(phone.locator("main")).to_contain_text("Signed: I have read and understood version 1")
    expect(phone.locator("[data-my-tasks]")).to_have_count(0)
    expect(phone.locator("[data-no-tasks]")).to_be_visible()
    expect(phone.locator("[data-open-count]")).to_have_text("0")
    done = phone.locator("[data-done-tasks]")
    expect(done).to_contain_text(f"{NUMBER} v1")
    expect(done).to_contain_text(TITLE)
    assert_no_sideways_scroll(phone)
    phone.screenshot(path=str(SHOTS / "phone-my-tasks-done.png"), full_page=True)
    own_task.refresh_from_db()
    assert own_task.status == "acknowledged" and own_task.signature is not None

    # The quality manager sees site A's coverage move to 1 of the people in scope, then drills down.
    qm.reload()
    qm.wait_for_load_state("networkidle")
    expected = round(100.0 * 1 / people_in_scope, 1)
    assert float(_site_a_percent(qm)) == expected, (_site_a_percent(qm), expected)
    expect(qm.locator("[data-total-percent]")).to_contain_text(str(expected))
    expect(qm.locator("[data-coverage-totals]")).to_contain_text(f"1 / {people_in_scope} people in scope")
    expect(qm.locator("[data-coverage-chart] svg")).to_have_count(1)
    qm.screenshot(path=str(SHOTS / "coverage.png"), full_page=True)

    qm.click("[data-coverage-table=site] tr[data-site=SITEA] a")
    qm.wait_for_load_state("networkidle")
    production = qm.locator(f"[data-coverage-table=function] tr[data-function={org.prod.code}]")
    expect(production.locator("[data-percent]")).to_have_text(re.compile(r"^100(\.0)?$"))
    expect(qm.locator(f"[data-coverage-table=function] tr[data-function={org.qa.code}] [data-percent]")).to_have_text(
        re.compile(r"^0(\.0)?$")
    )
    production.locator("a").click()
    qm.wait_for_load_state("networkidle")
    employee = qm.locator(f"[data-coverage-people] tr[data-person={org.emp_a.username}]")
    expect(employee).to_have_attribute("data-state", "acknowledged")
    expect(employee).to_contain_text("Acknowledged")
    expect(employee).to_contain_text(f"{NUMBER} v1")
    qm.screenshot(path=str(SHOTS / "coverage-people.png"), full_page=True)

    # A site-B employee: the site-A-only policy is not among their tasks, and its pages do not exist for them.
    outsider = page_factory(**PHONE)
    login(outsider, org.emp_b.username, org.password)
    outsider.goto("/policies/my-tasks/")
    expect(outsider.locator("[data-no-tasks]")).to_be_visible()
    expect(outsider.locator("main")).not_to_contain_text(NUMBER)
    for url in (
        f"/policies/tasks/{own_task.pk}/",
        f"/documents/{document.pk}/",
        f"/documents/versions/{version.pk}/",
    ):
        response = outsider.goto(url)
        assert response.status == 404, (url, response.status)
        expect(outsider.locator("body")).not_to_contain_text(TITLE)

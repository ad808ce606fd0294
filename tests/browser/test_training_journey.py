"""Training from requirement to retraining, through the real pages (headless Chromium).

A site-A quality manager requires a course (linked to an effective procedure, with an assessment) for employees
at site A; a new employee joins and has it assigned; the quality manager plans a session with the site's trainer
and enrols the employee; the trainer marks them present; on a phone the employee passes the assessment and signs
"trained"; the matrix turns green. A revised procedure makes the course due again. A site-B quality manager sees
nothing of it.
"""

from __future__ import annotations

import datetime
import os
import re
import tempfile
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from ims.documents import services as doc_services
from ims.documents.choices import Discipline, DocumentType
from ims.esign.services import certification_create
from ims.org import services as org_services
from ims.org.choices import RoleCode
from ims.org.models import Person
from tests.policies.ack_factories import controllers, make_effective, new_version_effective
from training import assessments, catalogue
from training.choices import AssignmentReason, AssignmentStatus, CellState
from training.models import Assignment, Attempt, Attendance, TrainingRecord, TrainingSession

from .conftest import assert_no_sideways_scroll, login, sign

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.req("P11-10i", "ISO9001-7.3", "P11-50", "P11-200a1"),
]

#: Screenshots of the pages, for a person to look at (not compared by the test).
SHOTS = Path(os.environ.get("IMS_TRAINING_SHOTS") or Path(tempfile.gettempdir()) / "training_shots")
PHONE = {"width": 390, "height": 844, "mobile": True}
COURSE = "SOP-LC-01"
COURSE_TITLE = "Line clearance"
NUMBER = "SOP-PRD-007"
#: Question → (answers, the correct ones).
QUESTIONS = {
    "When is the line cleared?": (["Before every batch", "Once a week", "Only after an audit"], {0}),
    "Who checks the cleared line?": (["A second person", "Nobody", "The customer"], {0}),
    "What is removed from the line? (all that apply)": (
        ["Labels of the last batch", "Leftover components", "The machine guards"],
        {0, 1},
    ),
}


def _person(username: str, site, function, role, password_hash: str) -> Person:
    first, last = username.split("_")
    person = org_services.person_create(
        username=username,
        employee_id=username.upper(),
        first_name=first.capitalize(),
        last_name=last.capitalize(),
        email=f"{username}@example.com",
    )
    Person.objects.filter(pk=person.pk).update(password=password_hash)
    person.refresh_from_db()
    if site is not None:
        org_services.membership_create(person=person, site=site, function=function, role=role)
    return person


def _effective_procedure(org, password_hash: str):
    author, _r, _a = controllers(password_hash)
    document = doc_services.document_create(
        actor=author,
        number=NUMBER,
        title="Line clearance between batches",
        doc_type=DocumentType.PROCEDURE,
        disciplines=[Discipline.QUALITY],
        owner=author,
        sites=[org.site_a],
        body="# Line clearance\n\nBefore every batch a second person checks the cleared line.",
        effective_date=timezone.localdate(),
        requires_acknowledgement=False,
    )
    return make_effective(document.versions.get(number=1), password_hash)


def _cell(page, username: str):
    return page.locator(f"[data-training-matrix] tr[data-person={username}] td").first


def test_required_course_assigned_trained_on_a_phone_and_due_again_after_a_revision(org, password_hash, page_factory):
    SHOTS.mkdir(parents=True, exist_ok=True)
    today = timezone.localdate()
    trainer = _person("tina_trainer", org.site_a, org.prod, org.roles[RoleCode.TRAINER], password_hash)
    v1 = _effective_procedure(org, password_hash)
    course = catalogue.course_create(
        actor=None,
        sites=[org.site_a],
        documents=[v1.document],
        code=COURSE,
        title=COURSE_TITLE,
        description="How to clear a packaging line between batches.",
        duration_minutes=45,
        has_assessment=True,
    )
    for text, (answers, correct) in QUESTIONS.items():
        assessments.question_create(
            actor=None,
            course=course,
            text=text,
            kind="multiple" if len(correct) > 1 else "single",
            choices=[{"text": a, "is_correct": i in correct} for i, a in enumerate(answers)],
        )
    assessments.settings_update(actor=None, course=course, pass_mark=80, random_order=True, retake_limit=2)

    # The quality manager requires the course of every employee at site A (any function).
    qm = page_factory()
    login(qm, org.qm_a.username, org.password)
    qm.goto("/training/requirements/add/")
    expect(qm.locator(f"select[name=site] option[value='{org.site_b.pk}']")).to_have_count(0)  # not the QM's site
    qm.select_option("select[name=site]", str(org.site_a.pk))
    qm.select_option("select[name=role]", str(org.roles[RoleCode.EMPLOYEE].pk))
    qm.select_option("select[name=course]", str(course.pk))
    qm.click("form.form-card button[type=submit]")
    qm.wait_for_load_state("networkidle")
    assert re.search(r"/training/requirements/\d+/?$", qm.url), qm.url
    expect(qm.locator("main")).to_contain_text(COURSE)

    # A new employee joins site A: the course is assigned at once.
    newbie = _person("nora_new", org.site_a, org.prod, org.roles[RoleCode.EMPLOYEE], password_hash)
    certification_create(person=newbie, password=org.password, username=newbie.username, session={})
    assignment = Assignment.objects.get(person=newbie, course=course, status=AssignmentStatus.OPEN)
    assert assignment.reason == AssignmentReason.MEMBERSHIP and assignment.document_version_id == v1.pk
    qm.goto(f"/training/matrix/?site={org.site_a.pk}")
    expect(_cell(qm, newbie.username)).to_have_attribute(
        "data-state", re.compile(f"^({CellState.IN_PROGRESS}|{CellState.DUE_SOON})$")
    )
    qm.goto(f"/training/assignments/?q={newbie.username}")
    expect(qm.locator("main table")).to_contain_text(COURSE_TITLE)
    expect(qm.locator("main table")).to_contain_text(newbie.display_name)

    # The quality manager plans a session with the trainer, running now (site time), and enrols the employee.
    zurich = org.site_a.tzinfo
    starts = (timezone.now() - datetime.timedelta(minutes=10)).astimezone(zurich)
    qm.goto("/training/sessions/add/")
    qm.select_option("select[name=course]", str(course.pk))
    qm.select_option("select[name=site]", str(org.site_a.pk))
    qm.fill("input[name=starts_at]", starts.strftime("%Y-%m-%dT%H:%M"))
    qm.fill("input[name=ends_at]", (starts + datetime.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"))
    qm.fill("input[name=location]", "Training room 2")
    qm.fill("input[name=capacity]", "12")
    qm.select_option("select[name=trainer]", str(trainer.pk))
    qm.click("form.form-card button[type=submit]")
    qm.wait_for_load_state("networkidle")
    session = TrainingSession.objects.get(course=course)
    assert qm.url.rstrip("/").endswith(f"/training/sessions/{session.pk}"), qm.url
    expect(qm.locator("[data-session-time]")).to_contain_text(starts.strftime("%Y-%m-%d %H:%M"))
    expect(qm.locator("[data-session-time]")).to_contain_text("Europe/Zurich")
    expect(qm.locator("main")).to_contain_text(trainer.display_name)
    expect(qm.locator("[data-enrol]")).to_contain_text(newbie.display_name)  # offered: the course is assigned
    qm.fill("#enrol-person", newbie.username)
    qm.click("[data-enrol] form:has(#enrol-person) button[type=submit]")
    qm.wait_for_load_state("networkidle")
    expect(qm.locator("main")).to_contain_text(f"{newbie} enrolled.")
    attendance = Attendance.objects.get(session=session, person=newbie)
    expect(qm.locator(f"[data-roster] tr[data-attendance='{attendance.pk}'] [data-attended]")).to_have_attribute(
        "data-attended", "unknown"
    )

    # The trainer opens the session and marks the employee present.
    tr = page_factory()
    login(tr, trainer.username, org.password)
    tr.goto("/training/sessions/")
    tr.click(f"main a[href$='/training/sessions/{session.pk}/']")
    tr.wait_for_load_state("networkidle")
    expect(tr.locator("[data-session-code]")).to_contain_text(session.code)
    row = tr.locator(f"[data-roster] tr[data-attendance='{attendance.pk}']")
    row.locator("button[name=attended][value='1']").click()
    tr.wait_for_load_state("networkidle")
    expect(row.locator("[data-attended]")).to_have_attribute("data-attended", "yes")
    expect(row).to_contain_text("Present")
    expect(tr.locator("main")).to_contain_text("1 present")
    tr.screenshot(path=str(SHOTS / "session-detail.png"), full_page=True)
    attendance.refresh_from_db()
    assert attendance.attended is True and attendance.marked_by_id == trainer.pk

    # On a phone the employee opens My training, passes the assessment and signs "trained".
    phone = page_factory(**PHONE)
    login(phone, newbie.username, org.password)
    phone.goto("/training/my/")
    item = phone.locator(f"[data-my-training] [data-course={COURSE}]")
    expect(item).to_be_visible()
    expect(item).to_contain_text(COURSE_TITLE)
    expect(item).to_contain_text("New or changed role")
    expect(item).to_contain_text(f"{NUMBER} v1")
    expect(phone.locator("[data-open-count]")).to_have_text("1")
    assert_no_sideways_scroll(phone)
    phone.screenshot(path=str(SHOTS / "phone-my-training.png"), full_page=True)

    item.click()
    phone.wait_for_load_state("networkidle")
    assert phone.url.rstrip("/").endswith(f"/training/my/{assignment.pk}"), phone.url
    expect(phone.locator("[data-materials]")).to_contain_text(f"{NUMBER} · version 1")
    assert_no_sideways_scroll(phone)
    phone.screenshot(path=str(SHOTS / "phone-assignment.png"), full_page=True)
    phone.click("[data-assessment] a:has-text('Start the assessment')")
    phone.wait_for_load_state("networkidle")
    assert phone.url.rstrip("/").endswith(f"/training/assessments/assignments/{assignment.pk}"), phone.url
    expect(phone.locator(f"[data-assessment='{assignment.pk}']")).to_contain_text("Pass mark: 80 %")
    assert_no_sideways_scroll(phone)
    phone.click("[data-start-form] button[type=submit]")
    phone.wait_for_load_state("networkidle")
    attempt = Attempt.objects.get(assignment=assignment)
    assert phone.url.rstrip("/").endswith(f"/training/assessments/attempts/{attempt.pk}"), phone.url
    questions = phone.locator("[data-attempt-form] [data-question]")
    expect(questions).to_have_count(len(QUESTIONS))
    assert_no_sideways_scroll(phone)
    phone.screenshot(path=str(SHOTS / "phone-assessment-questions.png"), full_page=True)
    for index in range(len(QUESTIONS)):
        question = questions.nth(index)
        legend = question.locator("legend").inner_text()
        text = next(t for t in QUESTIONS if t in legend)
        answers, correct = QUESTIONS[text]
        for i in sorted(correct):
            question.locator(f"label:text-is('{answers[i]}')").click()
    phone.click("[data-attempt-form] button[type=submit]")
    phone.wait_for_load_state("networkidle")
    result = phone.locator("[data-result]")
    expect(result).to_have_attribute("data-result", "passed")
    expect(result.locator("[data-score]")).to_have_text(re.compile(r"^100(\.0+)? %$"))
    expect(result).to_contain_text("Passed")
    expect(result).to_contain_text(f"{len(QUESTIONS)} of {len(QUESTIONS)} correct · pass mark 80 %")
    expect(phone.locator("[data-sign-form] [data-statement]")).to_have_text(
        f"I was trained on {COURSE} {COURSE_TITLE}."
    )
    assert_no_sideways_scroll(phone)
    phone.screenshot(path=str(SHOTS / "phone-assessment-result.png"), full_page=True)
    sign(phone, newbie.username, org.password)
    expect(phone.locator("main")).to_contain_text(f"Signed: trained on {COURSE}.")
    expect(phone.locator("[data-sign-form]")).to_have_count(0)
    expect(phone.locator("[data-signatures], .signature-block, main").first).to_contain_text(newbie.display_name)
    assert_no_sideways_scroll(phone)
    phone.screenshot(path=str(SHOTS / "phone-assessment-signed.png"), full_page=True)
    record = TrainingRecord.objects.get(assignment=assignment)
    assert record.signature is not None and record.document_version_id == v1.pk
    assert float(record.score) == 100.0

    phone.goto("/training/my/")
    expect(phone.locator("[data-my-training]")).to_have_count(0)
    expect(phone.locator("[data-no-training]")).to_be_visible()
    expect(phone.locator("[data-open-count]")).to_have_text("0")
    expect(phone.locator(f"[data-my-records] [data-record='{record.pk}']")).to_contain_text(COURSE)
    assert_no_sideways_scroll(phone)
    phone.screenshot(path=str(SHOTS / "phone-my-training-done.png"), full_page=True)

    # The matrix turns green for the employee; the compliance page counts them current.
    qm.goto(f"/training/matrix/?site={org.site_a.pk}")
    cell = _cell(qm, newbie.username)
    expect(cell).to_have_attribute("data-state", CellState.CURRENT)
    expect(cell).to_have_class(re.compile(r"\bcell-current\b"))
    assert cell.evaluate("el => getComputedStyle(el).backgroundColor") == "rgb(198, 239, 206)"
    expect(qm.locator(f"[data-training-matrix] th[data-course={COURSE}]")).to_be_visible()
    qm.screenshot(path=str(SHOTS / "matrix-current.png"), full_page=True)
    qm.goto(f"/training/compliance/?site={org.site_a.pk}")
    # nora_new current; emp_a (also an employee of site A) still assigned
    expect(qm.locator("[data-total-percent]")).to_have_text(re.compile(r"^50(\.0)? %$"))
    expect(qm.locator("[data-compliance-totals]")).to_contain_text("1 / 2 required trainings")
    expect(qm.locator(f"[data-compliance-table=course] tr[data-course={COURSE}] [data-percent]")).to_contain_text("50")
    expect(qm.locator("[data-total-overdue]")).to_have_text("0")
    expect(qm.locator("[data-total-overdue]")).not_to_have_class(re.compile(r"text-danger"))  # nothing alarming
    qm.screenshot(path=str(SHOTS / "compliance.png"), full_page=True)

    # The procedure is revised (trained yesterday, the new version effective today): the course is due again.
    TrainingRecord.objects.filter(pk=record.pk).update(completed_on=today - datetime.timedelta(days=1))
    v2 = new_version_effective(v1.document, password_hash, body="# Line clearance\n\nNow with a checklist.")
    again = Assignment.objects.get(person=newbie, course=course, status=AssignmentStatus.OPEN)
    assert again.reason == AssignmentReason.DOCUMENT_REVISION and again.document_version_id == v2.pk
    qm.goto(f"/training/matrix/?site={org.site_a.pk}")
    expect(_cell(qm, newbie.username)).not_to_have_attribute("data-state", CellState.CURRENT)
    qm.screenshot(path=str(SHOTS / "matrix-due-again.png"), full_page=True)
    qm.goto(f"/training/compliance/?site={org.site_a.pk}")
    expect(qm.locator("[data-compliance-totals]")).to_contain_text("0 / 2 required trainings")
    phone.goto("/training/my/")
    item = phone.locator(f"[data-my-training] [data-course={COURSE}]")
    expect(item).to_contain_text("Document revised")
    expect(item).to_contain_text(f"{NUMBER} v2")
    assert_no_sideways_scroll(phone)
    phone.screenshot(path=str(SHOTS / "phone-my-training-revised.png"), full_page=True)

    # A site-B quality manager sees none of it.
    outsider = page_factory()
    login(outsider, org.qm_b.username, org.password)
    response = outsider.goto(f"/training/matrix/?site={org.site_a.pk}")
    assert response.status == 404, response.status
    outsider.goto("/training/matrix/")
    expect(outsider.locator("main")).not_to_contain_text(newbie.display_name)
    expect(outsider.locator("main")).not_to_contain_text(COURSE)
    outsider.goto("/training/assignments/")
    expect(outsider.locator("main")).not_to_contain_text(newbie.display_name)
    for url in (
        f"/training/assignments/{again.pk}/",
        f"/training/sessions/{session.pk}/",
        f"/training/records/{record.pk}/",
        f"/training/courses/{course.pk}/",
    ):
        response = outsider.goto(url)
        assert response.status in (403, 404), (url, response.status)
        expect(outsider.locator("main")).not_to_contain_text(newbie.display_name)

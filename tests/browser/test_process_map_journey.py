"""A process map from an imported ``.bpmn`` to effective, through the real pages (headless Chromium).

A site-A quality manager imports a file exported by Camunda Modeler as a new map, opens the bpmn-js modeler
(under the portal's CSP: scripts from the app only), adds a task in the Quality Assurance lane after an existing
step, saves the draft with a reason for change, and the saved steps table shows the new task. The draft then goes
through review and approval with e-signatures (document control's pages) and is effective; a site-B quality
manager gets 404 for the map.
"""

from __future__ import annotations

import os
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
from processes import maps
from processes.models import MapDiagram
from tests.processes.test_bpmn import CAMUNDA

from .conftest import login, sign

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

#: Screenshots of the map pages, for a person to look at (not compared by the test).
SHOTS = Path(os.environ.get("IMS_MAP_SHOTS") or Path(tempfile.gettempdir()) / "map_shots")
NEW_TASK = "Inform the qualified person"
#: The lane of the element named ``name``, and its BPMN type (read from the modeler, never changed through it).
LANE_AND_TYPE_OF = """
(name) => {
  const registry = window.processModeler.get("elementRegistry");
  const task = registry.filter((e) => e.businessObject && e.businessObject.name === name && e.type !== "label")[0];
  if (!task) { return null; }
  const lane = registry.filter((e) => e.type === "bpmn:Lane" &&
    (e.businessObject.flowNodeRef || []).some((ref) => ref.id === task.id))[0];
  return [lane ? lane.businessObject.name : null, task.type];
}
"""


def add_user_task_after(page, element_id: str, name: str) -> None:
    """As a user does in the modeler: select the step, "Append task" from its context pad, type the name, then
    change the new task into a user task with the wrench ("Change type")."""
    page.click(f"[data-process-modeler] .djs-element[data-element-id={element_id}]")
    page.click(".djs-context-pad .entry[data-action='append.append-task']")
    editor = page.locator(".djs-direct-editing-parent")
    expect(editor).to_be_visible()
    page.keyboard.type(name)
    page.keyboard.press("Enter")
    expect(editor).to_be_hidden()
    page.click(".djs-context-pad .entry[data-action='replace']")
    page.click(".djs-popup [data-id='replace-with-user-task']")


@pytest.fixture(autouse=True)
def _maps_registered():
    maps.maps_ready()


@pytest.fixture
def signers(org, password_hash):
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
    for signer in (head, officer):
        certification_create(person=signer, password=org.password, username=signer.username, session={})
    return head, officer


def test_a_quality_manager_imports_a_map_adds_a_task_in_a_lane_and_takes_it_to_effective(org, signers, page_factory):
    head, officer = signers
    qm = page_factory()
    problems: list[str] = []
    qm.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    qm.on("pageerror", lambda error: problems.append(str(error)))
    login(qm, org.qm_a.username, org.password)

    # Import: a new map from the Camunda Modeler file.
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "deviation-handling.bpmn"
        path.write_text(CAMUNDA, encoding="utf-8")
        qm.goto("/processes/maps/add/")
        qm.fill("input[name=number]", "MAP-QA-100")
        qm.fill("input[name=title]", "Deviation handling")
        qm.check("input[name=disciplines][value=quality]")
        qm.select_option("select[name=owner]", str(org.qm_a.pk))
        qm.check(f"input[name=sites][value='{org.site_a.pk}']")
        qm.fill("input[name=effective_date]", timezone.localdate().isoformat())
        qm.set_input_files("input[name=bpmn_file]", str(path))
        qm.click("form.form-card button[type=submit]")
        qm.wait_for_load_state("networkidle")
    document = ControlledDocument.objects.get(number="MAP-QA-100")
    version = document.versions.get()
    assert qm.url.rstrip("/").endswith(f"/processes/maps/{document.pk}"), qm.url
    expect(qm.locator("[data-map-svg] svg")).to_be_visible()  # drawn by the server, no JavaScript needed
    expect(qm.locator("[data-map-steps]")).to_contain_text("Assess impact & classify")

    # The modeler: add a task after the assessment, in the Quality Assurance lane, and save.
    qm.click("main a:has-text('Edit the draft')")
    qm.wait_for_selector("[data-process-modeler][data-modeler-ready]")
    expect(qm.locator("[data-lanes-hint]")).to_contain_text("Lanes are the functions")
    expect(qm.locator("[data-process-modeler] .djs-element[data-element-id=Task_Assess]")).to_be_visible()
    add_user_task_after(qm, "Task_Assess", NEW_TASK)
    assert qm.evaluate(LANE_AND_TYPE_OF, NEW_TASK) == ["Quality Assurance", "bpmn:UserTask"]
    SHOTS.mkdir(parents=True, exist_ok=True)
    qm.screenshot(path=str(SHOTS / "modeler-task-added.png"), full_page=True)
    qm.click("[data-map-save]")
    expect(qm.locator("[data-map-status]")).to_contain_text("reason for change")  # nothing saved without one
    qm.fill("[data-map-reason]", "The qualified person hears of every assessed deviation")
    with qm.expect_navigation():
        qm.click("[data-map-save]")
    qm.wait_for_selector("[data-process-modeler][data-modeler-ready]")
    row = qm.locator(f"[data-saved-map] [data-map-steps] tr:has(td:nth-child(3):text-is('{NEW_TASK}'))")
    expect(row).to_contain_text("Quality Assurance")
    expect(row).to_contain_text("userTask")
    expect(qm.locator("[data-saved-map] [data-map-steps] tr[data-step-id=Task_Assess]")).to_contain_text(NEW_TASK)
    diagram = MapDiagram.objects.get(version=version)
    assert diagram.svg_source == "modeler" and "qualified" in diagram.svg and "<script" not in diagram.svg
    assert not [p for p in problems if "Content Security Policy" in p or "Refused" in p], problems

    # Review and approval with e-signatures (document control), effective today.
    qm.goto(f"/documents/versions/{version.pk}/")
    expect(qm.locator("[data-document-content] [data-map-steps]")).to_contain_text(NEW_TASK)
    qm.click("main button:has-text('Submit for review')")
    qm.wait_for_load_state("networkidle")
    expect(qm.locator("main")).to_contain_text("In review")
    for person, step in ((head, "reviewed"), (officer, "approved")):
        page = page_factory()
        login(page, person.username, org.password)
        page.goto(f"/documents/versions/{version.pk}/")
        page.click(f"main a:has-text('Sign: {step}')")
        page.wait_for_load_state("networkidle")
        expect(page.locator("main")).to_contain_text(NEW_TASK)  # the signer sees the steps they sign
        sign(page, person.username, org.password)
    version.refresh_from_db()
    assert version.status == "effective"
    qm.goto(f"/processes/maps/{document.pk}/")
    expect(qm.locator("main")).to_contain_text("Effective")
    expect(qm.locator("[data-map-steps]")).to_contain_text(NEW_TASK)
    SHOTS.mkdir(parents=True, exist_ok=True)
    qm.screenshot(path=str(SHOTS / "map-detail.png"), full_page=True)
    qm.goto("/processes/maps/")
    expect(qm.locator("main table")).to_contain_text("MAP-QA-100")
    qm.screenshot(path=str(SHOTS / "map-list.png"), full_page=True)
    qm.goto(f"/processes/maps/versions/{version.pk}/modeler/")
    expect(qm.locator("[data-map-locked]")).to_contain_text("start a new version")

    # Another site's quality manager does not see the map.
    other = page_factory()
    login(other, org.qm_b.username, org.password)
    response = other.goto(f"/processes/maps/{document.pk}/")
    assert response.status == 404

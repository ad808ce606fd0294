"""axe-core (the pinned npm copy, run in headless Chromium) over the main pages of the demo, for the people who
use them: 0 serious or critical violations (WCAG 2.1 AA rules)."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from ims.documents.demo import POLICY_NUMBER
from ims.documents.models import ControlledDocument
from policies.models import Acknowledgement

from .conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
PHONE = {"width": 390, "height": 844, "mobile": True}


def axe_problems(page) -> list[str]:
    """Serious and critical violations on the page, one line each (rule, impact, where)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text())  # evaluated by the browser's debugger: the page's CSP does not apply
    result = page.evaluate(
        "async () => await axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21aa']}})"
    )
    return [
        f"{v['id']} ({v['impact']}): {node['target']} {node.get('failureSummary', '')[:160]!r}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
        for node in v["nodes"][:5]
    ]


@pytest.fixture
def demo(transactional_db):
    call_command("seed_demo", "--no-logins", stdout=StringIO())


def check(page, path: str, problems: dict[str, list[str]]) -> None:
    page.goto(path)
    page.wait_for_load_state("networkidle")
    assert page.url.split("?")[0].endswith(path.split("?")[0]) or "/accounts/login/" not in page.url, page.url
    found = axe_problems(page)
    if found:
        problems[path] = found


def step_two_pages() -> list[str]:
    """The pages of step 2, with one of each detail page of the demo (process, map, assessment, statement)."""
    from processes.models import ApplicabilityStatement, GapAssessment, Process

    paths = [
        "/processes/standards/",
        "/processes/overlap/",
        "/processes/register/",
        "/processes/landscape/",
        "/processes/maps/",
        "/processes/assessments/",
        "/processes/heatmap/",
        "/processes/applicability/",
    ]
    process = Process.objects.exclude(map_document=None).order_by("code").first()
    if process is not None:
        paths += [process.get_absolute_url(), f"/processes/maps/{process.map_document_id}/"]
    for model in (GapAssessment, ApplicabilityStatement):
        record = model.objects.order_by("pk").first()
        if record is not None:
            paths.append(record.get_absolute_url())
    return paths


def step_three_pages() -> list[str]:
    """The pages of step 3 (procedures, matrix, monitoring plan, register, obligations, the manual and its editor),
    with one of each detail page of the demo."""
    from ims.documents.choices import DocumentType
    from manual.framework.models import MonitoringPlanItem
    from manual.risks.models import Obligation, RiskEntry

    paths = [
        "/framework/procedures/",
        "/framework/matrix/",
        "/framework/procedures/drafts/",
        "/framework/monitoring/",
        "/risks/",
        "/risks/heatmap/",
        "/risks/top-risks/",
        "/risks/significant-aspects/",
        "/risks/obligations/",
        "/risks/entries/add/",
        "/risks/entries/import/",
        "/manual/",
    ]
    for model in (RiskEntry, Obligation, MonitoringPlanItem):
        record = model.objects.order_by("pk").first()
        if record is not None:
            paths.append(record.get_absolute_url())
    procedure = ControlledDocument.objects.filter(number="SOP-IMS-010").first()
    if procedure is not None:
        paths.append(f"/framework/procedures/{procedure.pk}/")
    manual = ControlledDocument.objects.filter(doc_type=DocumentType.MANUAL).order_by("pk").first()
    if manual is not None:
        paths.append(f"/manual/{manual.pk}/")
    return paths


def step_six_pages() -> list[str]:
    """The pages of step 6 (audits, findings, CAPA, trends), with one of each detail page of the demo."""
    from audits.models import Audit, AuditProgramme, ChecklistTemplate, Finding
    from capa.models import Capa

    paths = [
        "/audits/",
        "/audits/programmes/",
        "/audits/calendar/",
        "/audits/findings/",
        "/audits/trends/",
        "/capa/",
        "/capa/trends/",
        "/audits/templates/",
    ]
    for model in (AuditProgramme, Audit, Finding, Capa, ChecklistTemplate):
        record = model.objects.order_by("pk").first()
        if record is not None:
            paths.append(record.get_absolute_url())
    return paths


def inspection_pages() -> list[str]:
    """The quality team's inspection pages: grants (with the demo FDA grant), packs, the request board."""
    from ims.access.models import InspectorGrant

    paths = ["/account/grants/", "/account/grants/new/", "/evidence/packs/", "/evidence/packs/new/",
             "/evidence/requests/"]  # fmt: skip
    grant = InspectorGrant.objects.order_by("pk").first()
    if grant is not None:
        paths.append(grant.get_absolute_url())
    return paths


def test_main_pages_have_no_serious_accessibility_violations(demo, page_factory):
    assert AXE.exists(), "make static installs axe-core (package.json)"
    password = settings.IMS_DEMO_PASSWORD
    policy = ControlledDocument.objects.get(number=POLICY_NUMBER)
    problems: dict[str, list[str]] = {}

    qm = page_factory()
    login(qm, "admin.global", password)
    for path in (
        "/",
        "/documents/",
        f"/documents/{policy.pk}/",
        "/policies/coverage/",
        "/training/matrix/",
        "/audit/",
        "/policies/responsibilities/matrix/",
        "/org/people/",
        *step_two_pages(),
        *step_three_pages(),
        *step_six_pages(),
        *inspection_pages(),
    ):
        check(qm, path, problems)

    # The demo FDA inspector in the inspection room.
    inspector = page_factory()
    login(inspector, "inspector.basel", password)
    for path in ("/", "/evidence/room/", "/evidence/room/?q=SOP", "/evidence/room/requests/", "/capa/", "/manual/"):
        check(inspector, path, problems)

    phone = page_factory(**PHONE)
    login(phone, "employee.cork", password)
    task = Acknowledgement.objects.filter(person__username="employee.cork", status="open").first()
    paths = ["/", "/policies/my-tasks/", "/training/my/"]
    if task is not None:
        paths.append(f"/policies/tasks/{task.pk}/")
    for path in paths:
        check(phone, path, problems)

    # The internal auditor works through a checklist on a phone.
    from audits.models import Audit

    auditor = page_factory(**PHONE)
    login(auditor, "auditor.basel", password)
    paths = ["/"]
    audit = Audit.objects.filter(lead_auditor__username="auditor.basel").exclude(items=None).order_by("pk").first()
    if audit is not None:
        paths += [audit.get_absolute_url(), f"/audits/{audit.pk}/checklist/"]
    for path in paths:
        check(auditor, path, problems)

    assert not problems, "axe-core found serious or critical violations:\n" + "\n".join(
        f"{path}:\n  " + "\n  ".join(lines) for path, lines in problems.items()
    )

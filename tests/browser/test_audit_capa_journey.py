"""Step 6 through the real pages (headless Chromium): a planned audit, a finding on a phone, its CAPA to closure.

1. The programme's beat task plans next quarter's audit at site A; the lead auditor finds it in their tasks.
2. On a 390×844 phone the auditor starts it, works through the checklist and raises a major finding.
3. The quality manager opens a CAPA from the finding; its owner records the 5 Whys and plans an action; the
   quality manager approves the plan with an e-signature.
4. The action's owner marks it done with evidence.
5. An effectiveness check against a KPI passes (the daily beat task evaluates it) and the quality manager
   closes the CAPA with an e-signature.
6. The trend page shows the finding.
7. A site-B quality manager sees none of it (404).
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from audits import services as audit_services
from audits.choices import FindingGrade, RiskLevel
from audits.models import Audit, Finding
from audits.tasks import programme_schedule
from capa.choices import CapaState, CheckStatus
from capa.models import Capa
from capa.tasks import effectiveness_checks_evaluate
from ims.esign.models import Signature
from ims.org.choices import RoleCode
from policies.choices import ObjectiveStatus
from policies.services import objective_create, reading_record
from tests.audits.auditkit import auditor, clause, person_at, process_at
from tests.capa.capakit import certify

from .conftest import assert_no_sideways_scroll, login, sign

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.req("ISO9001-9.2")]


def next_quarter(day: datetime.date) -> datetime.date:
    month = 3 * ((day.month - 1) // 3) + 4
    return datetime.date(day.year + (month > 12), (month - 1) % 12 + 1, 1)


def test_a_planned_audit_a_major_finding_on_a_phone_and_its_capa_closed_on_a_kpi(org, page_factory):
    today = timezone.localdate()
    quarter = next_quarter(today)
    process = process_at(org, org.site_a, code="QA-REL")
    lead = auditor(org)  # Quality Assurance at site A: independent of the Production process; trained
    owner = person_at(org, "owner_a", org.site_a, org.prod, role=RoleCode.PROCESS_OWNER)
    certify(org, org.qm_a)
    programme = audit_services.programme_create(
        actor=org.qm_a, year=quarter.year, title="Site A internal audits", sites=[org.site_a]
    )
    audit_services.area_add(actor=org.qm_a, programme=programme, process=process, risk=RiskLevel.HIGH, auditor=lead)
    objective = objective_create(
        actor=org.qm_a, title="Release errors", kpi="Release errors per month", owner=org.qm_a, site=org.site_a,
        due_date=today + datetime.timedelta(days=365), target=Decimal("1"), direction="lower",
        status=ObjectiveStatus.ACTIVE,
    )  # fmt: skip

    # 1. The beat task plans next quarter's audit at site A (a second run plans nothing more).
    programme_schedule.run()
    planned = Audit.objects.filter(programme=programme)
    count = planned.count()
    programme_schedule.run()
    assert planned.count() == count
    audit = planned.get(period_start=quarter, site=org.site_a)
    assert audit.lead_auditor == lead and audit.status == "planned"

    phone = page_factory(width=390, height=844, mobile=True)
    login(phone, lead.username, org.password)
    phone.goto("/")
    task = phone.locator(f"a[href='{audit.get_absolute_url()}']").first
    expect(task).to_be_visible()
    task.click()
    phone.wait_for_load_state("networkidle")

    # 2. Start it and work through the checklist on the phone; the last question is a nonconformity.
    phone.click("[data-step=start]")
    phone.wait_for_load_state("networkidle")
    audit.refresh_from_db()
    assert audit.status == "in_progress"
    total = audit.items.count()
    assert total >= 2
    phone.goto(f"/audits/{audit.pk}/checklist/")
    for n in range(1, total + 1):
        expect(phone.locator("[data-question]")).to_be_visible()
        assert_no_sideways_scroll(phone)
        result = "nonconforming" if n == total else "conforming"
        phone.click(f"label[for=r-{result}]")
        if n == total:
            phone.fill("textarea[name=notes]", "Batch 4711 released before the deviation was closed.")
        phone.click("[data-save-next]")
        phone.wait_for_load_state("networkidle")
    assert audit.items.filter(result="").count() == 0  # every answer saved on its own
    last = audit.items.get(position=total)
    assert last.result == "nonconforming" and "4711" in last.notes

    phone.click("text=Raise a finding")
    phone.wait_for_load_state("networkidle")
    assert_no_sideways_scroll(phone)
    phone.select_option("select[name=grade]", FindingGrade.MAJOR)
    phone.select_option("select[name=clause]", str(clause("8.1").pk))
    phone.select_option("select[name=process]", str(process.pk))
    phone.fill("textarea[name=statement]", "A batch was released while its deviation was still open.")
    phone.fill("input[name=evidence_reference]", "Batch record 4711, deviation DEV-88")
    phone.click("main form button[type=submit]")
    phone.wait_for_load_state("networkidle")
    finding = Finding.objects.get(audit=audit)
    assert finding.grade == FindingGrade.MAJOR and finding.clause == clause("8.1") and finding.process == process

    # 3. The QM opens a CAPA from the finding, owned by the process owner.
    qm = page_factory()
    login(qm, org.qm_a.username, org.password)
    qm.goto(finding.get_absolute_url())
    form = qm.locator("form[data-raise-capa=capa]")
    form.locator("select[name=owner]").select_option(str(owner.pk))
    form.locator("button[type=submit]").click()
    qm.wait_for_load_state("networkidle")
    capa = Capa.objects.get(site=org.site_a)
    assert capa.clause == finding.clause and capa.process == process and capa.state == CapaState.OPEN
    expect(qm.locator("[data-capa] a")).to_have_text(capa.reference)
    qm.click("[data-capa] a")
    qm.wait_for_load_state("networkidle")
    qm.click("[data-step=investigate]")
    qm.wait_for_load_state("networkidle")

    # The owner records the 5 Whys and plans the corrective action.
    own = page_factory()
    login(own, owner.username, org.password)
    own.goto(f"/capa/{capa.pk}/rca/")
    own.fill(
        "textarea[name=whys]",
        "The batch was released\nThe deviation status was not checked\nThe release checklist has no such step\n"
        "The SOP was written before deviations were tracked\nNo periodic review of the release SOP",
    )
    own.fill("textarea[name=root_cause]", "The release SOP lacks a check of open deviations.")
    own.select_option("select[name=root_cause_category]", "procedure")
    own.click("main form button[type=submit]")
    own.wait_for_load_state("networkidle")
    capa.refresh_from_db()
    assert len(capa.whys) == 5 and capa.root_cause_category == "procedure"
    own.goto(f"/capa/{capa.pk}/actions/new/")
    own.select_option("select[name=kind]", "corrective")
    own.fill("input[name=title]", "Add the open-deviation check to the release SOP")
    own.select_option("select[name=owner]", str(org.emp_a.pk))
    own.fill("input[name=due_date]", (today + datetime.timedelta(days=14)).isoformat())
    own.click("main form button[type=submit]")
    own.wait_for_load_state("networkidle")
    action = capa.actions.get()
    assert action.owner == org.emp_a

    qm.goto(capa.get_absolute_url())
    qm.click("[data-step=approve]")
    qm.wait_for_load_state("networkidle")
    sign(qm, org.qm_a.username, org.password)
    qm.wait_for_load_state("networkidle")
    capa.refresh_from_db()
    assert capa.state == CapaState.PLAN_APPROVED
    qm.click("[data-step=implement]")
    qm.wait_for_load_state("networkidle")
    capa.refresh_from_db()
    assert capa.state == CapaState.IMPLEMENTATION

    # 4. The action's owner marks it done with evidence.
    emp = page_factory()
    login(emp, org.emp_a.username, org.password)
    emp.goto(f"/capa/actions/{action.pk}/done/")
    emp.fill("textarea[name=evidence_note]", "SOP-QA-012 version 4 effective; release checklist step 7 added.")
    emp.click("main form button[type=submit]")
    emp.wait_for_load_state("networkidle")
    action.refresh_from_db()
    assert action.status == "done" and "SOP-QA-012" in action.evidence_note

    # 5. The effectiveness check against the KPI, evaluated by the daily beat task, passes; the QM closes.
    qm.goto(capa.get_absolute_url())
    qm.click("[data-step=check]")
    qm.wait_for_load_state("networkidle")
    qm.select_option("select[name=criterion]", "kpi")
    qm.select_option("select[name=objective]", str(objective.pk))
    qm.fill("input[name=window_start]", today.isoformat())
    qm.fill("input[name=due_date]", today.isoformat())
    qm.click("main form button[type=submit]")
    qm.wait_for_load_state("networkidle")
    capa.refresh_from_db()
    assert capa.state == CapaState.EFFECTIVENESS_CHECK
    reading_record(actor=org.qm_a, objective=objective, period_end=today, value=Decimal("0"))
    assert effectiveness_checks_evaluate.run() == 1
    check = capa.effectiveness_checks.get()
    assert check.status == CheckStatus.PASSED
    qm.goto(capa.get_absolute_url())
    expect(qm.locator(f"[data-check={CheckStatus.PASSED}]")).to_be_visible()
    qm.click("[data-step=close]")
    qm.wait_for_load_state("networkidle")
    sign(qm, org.qm_a.username, org.password)
    qm.wait_for_load_state("networkidle")
    capa.refresh_from_db()
    assert capa.state == CapaState.CLOSED
    meanings = set(
        Signature.objects.filter(content_type__app_label="capa", object_pk=str(capa.pk)).values_list(
            "meaning", flat=True
        )
    )
    assert meanings == {"approved", "verified"}
    expect(qm.locator("[data-capa-state]")).to_have_attribute("data-capa-state", CapaState.CLOSED)

    # 6. The trend page counts the finding on its clause.
    qm.goto(f"/audits/trends/?site={org.site_a.pk}")
    main = qm.locator("main")
    expect(main).to_contain_text("8.1")
    expect(main.locator("svg").first).to_be_visible()

    # 7. A site-B quality manager sees none of it.
    other = page_factory()
    login(other, org.qm_b.username, org.password)
    for path in (
        audit.get_absolute_url(),
        f"/audits/{audit.pk}/checklist/",
        f"/audits/{audit.pk}/report.pdf",
        finding.get_absolute_url(),
        capa.get_absolute_url(),
        f"/capa/{capa.pk}/pdf/",
    ):
        assert other.request.get(path).status == 404, path
    for path in ("/audits/", "/audits/findings/", "/capa/", "/audits/calendar/"):
        other.goto(path)
        content = other.content()
        assert audit.reference not in content and capa.reference not in content, path

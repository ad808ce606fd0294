"""The IMS framework and manual through the real pages (headless Chromium), issue "Step 3", the browser journey.

A site-A quality manager links a procedure to clauses of ISO 9001, 14001 and 45001 and sees the matrix gap close;
adds an environmental aspect with a control and sees it on the heat map; assembles the manual (mandatory sections,
a live block of the IMS policy, the Basel annex) and submits it; a department head reviews and a compliance officer
approves with e-signatures, the manual is effective and employees in scope are asked to acknowledge it. A new
version of the policy then shows "changed since approval" on the manual; the QM downloads the PDF and the DOCX.
A site-B quality manager sees neither site A's annex nor its register entry (404, not listed).
"""

from __future__ import annotations

import io
import os
import subprocess
import tempfile
from pathlib import Path

import docx
import pytest
from django.utils import timezone
from playwright.sync_api import expect

from ims.documents import services as document_services
from ims.documents.choices import DocumentType, VersionStatus
from ims.esign.services import certification_create
from ims.org import services as org_services
from ims.org.choices import RoleCode
from ims.org.models import Person
from manual import services as manual_services
from manual.choices import SectionSlot
from manual.models import ManualSection, SectionBlock, SiteAnnex
from manual.risks.models import Control, RiskEntry
from policies.models import Acknowledgement
from processes import register
from processes.library import standards_load
from processes.models import Clause, DocumentClause, ProcessType, Standard

from .conftest import login, sign

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

#: Screenshots of the matrix, the heat map and the manual, for a person to look at (not compared by the test).
SHOTS = Path(os.environ.get("IMS_MANUAL_SHOTS") or Path(tempfile.gettempdir()) / "manual_shots")
THREE = (("ISO 9001", "2015"), ("ISO 14001", "2015"), ("ISO 45001", "2018"))
PROCEDURE = "SOP-NC-001"
MANUAL = "IMS-MAN-001"
MANUAL_TITLE = "Integrated management system manual"
POLICY = "POL-IMS-001"


def pdf_text(path) -> str:
    """The PDF's text in reading order, whitespace collapsed."""
    raw = subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True, text=True).stdout
    return " ".join(raw.split())


def docx_text(path) -> str:
    """Every paragraph and table cell of the DOCX, whitespace collapsed."""
    document = docx.Document(io.BytesIO(Path(path).read_bytes()))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts.extend(cell.text for row in table.rows for cell in row.cells)
    return " ".join(" ".join(parts).split())


@pytest.fixture
def signers(org, password_hash):
    """A department head (reviewer) and a compliance officer (approver) at site A, certified to sign."""

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


def _approve(org, head, officer, version):
    """Submit, review and approve a version through the services (setup of records earlier steps own)."""
    document_services.version_submit(actor=org.admin, version=version)
    document_services.version_review(actor=head, version=version, username=head.username, password=org.password)
    document_services.version_approve(actor=officer, version=version, username=officer.username, password=org.password)
    version.refresh_from_db()
    assert version.status == VersionStatus.EFFECTIVE
    return version


def _summary(page, name: str) -> int:
    return int(page.locator(f"#matrix-summary [data-count={name}]").inner_text().strip())


def _heat_cell(page, severity: int, likelihood: int) -> int:
    """The count in one cell of site A's environmental heat map (the SVG drawn on the page)."""
    cell = page.locator(f"[data-heatmap-svg] svg[data-heatmap=environment] [data-cell='{severity}-{likelihood}']")
    expect(cell).to_have_count(1)
    return int(cell.get_attribute("data-count"))


def test_qm_links_clauses_scores_an_aspect_and_issues_the_manual(org, signers, page_factory, tmp_path):
    head, officer = signers
    SHOTS.mkdir(parents=True, exist_ok=True)
    today = timezone.localdate()

    # Setup of what earlier steps own: the standards library, a process at site A, the integrated
    # non-conformance procedure (a controlled document, no clause yet), the effective IMS policy and the manual
    # registered for both sites with its skeleton of clauses 4-10.
    standards_load()
    standards = [Standard.objects.get(code=code, edition=edition) for code, edition in THREE]
    process = register.process_create(
        actor=org.qm_a,
        code="ENV-WASTE",
        name="Waste handling",
        process_type=ProcessType.SUPPORT,
        owner=org.qm_a,
        sites=[org.site_a],
    )
    procedure = document_services.document_create(
        actor=org.qm_a,
        number=PROCEDURE,
        title="Non-conformance handling",
        doc_type=DocumentType.PROCEDURE,
        disciplines=["quality", "environment", "ohs"],
        owner=org.qm_a,
        sites=[org.site_a],
        body="# Non-conformance handling\n\nOne procedure for quality, environmental and safety events.",
    )
    policy = document_services.document_create(
        actor=org.admin,
        number=POLICY,
        title="IMS policy",
        doc_type=DocumentType.POLICY,
        disciplines=["quality", "environment", "ohs"],
        owner=org.admin,
        sites=[org.site_a, org.site_b],
        body="We commit to quality, the environment and safety.",
        effective_date=today,
        requires_acknowledgement=False,
    )
    _approve(org, head, officer, policy.versions.get())
    manual = manual_services.manual_create(
        actor=org.admin,
        number=MANUAL,
        title=MANUAL_TITLE,
        owner=org.qm_a,
        sites=[org.site_a, org.site_b],
        effective_date=today,
    )
    version = manual.versions.get(number=1)

    qm = page_factory()
    login(qm, org.qm_a.username, org.password)

    # 1. The matrix over the three standards: the procedure fulfils no clause yet, 10.2 of each is a gap.
    qm.goto("/framework/matrix/")
    qm.select_option("#matrix-filters select[name=standards]", [str(s.pk) for s in standards])
    qm.click("#matrix-filters button[type=submit]")
    qm.wait_for_load_state("networkidle")
    matrix_url = qm.url
    targets = [Clause.objects.get(standard=s, number="10.2") for s in standards]
    leaf_14001 = targets[1]
    expect(qm.locator(f"#matrix tr[data-clause='{leaf_14001.pk}'] [data-flag=gap]")).to_have_count(1)
    expect(qm.locator(f"#matrix-unlinked [data-procedure='{PROCEDURE}']")).to_have_count(1)
    gaps_before, covered_before = _summary(qm, "gaps"), _summary(qm, "covered")
    assert _summary(qm, "integrated") == 0

    # From the procedure's page to its clause links; each clause found by typing in the search box.
    qm.goto(f"/framework/procedures/{procedure.pk}/")
    expect(qm.locator("#procedure-clauses")).to_contain_text("No clause yet")
    qm.click("#edit-clause-links")
    qm.wait_for_load_state("networkidle")
    assert qm.url.rstrip("/").endswith(f"/processes/documents/{procedure.pk}/clauses"), qm.url
    for clause in targets:
        options = qm.locator("select[name=clause] option")
        qm.fill("input[name=clause__search]", f"10.2 {clause.standard.code.split()[-1]}")
        expect(qm.locator(f"select[name=clause] option[value='{clause.pk}']")).to_have_count(1)
        assert options.count() <= 21
        qm.select_option("select[name=clause]", str(clause.pk))
        qm.fill("input[name=note]", "Integrated non-conformance and corrective action")
        qm.click("#document-clause-add")
        qm.wait_for_load_state("networkidle")
        expect(qm.locator("main")).to_contain_text(f"{PROCEDURE} addresses")
    expect(qm.locator("#document-clauses tr[data-link]")).to_have_count(3)
    assert set(DocumentClause.objects.filter(document=procedure, is_active=True).values_list("clause", flat=True)) == {
        c.pk for c in targets
    }

    # The procedure's page lists the clauses by standard; the matrix shows the gap closed.
    qm.goto(f"/framework/procedures/{procedure.pk}/")
    expect(qm.locator("main [data-count=clauses]")).to_have_text("3")
    for clause in targets:
        expect(qm.locator(f"#procedure-clauses tr[data-standard='{clause.standard}']")).to_contain_text("10.2")
    qm.goto(matrix_url)
    row = qm.locator(f"#matrix tr[data-clause='{leaf_14001.pk}']")
    expect(row.locator("[data-flag=gap]")).to_have_count(0)
    expect(row).to_contain_text("✓")
    expect(qm.locator(f"#matrix th[data-procedure='{PROCEDURE}']")).to_have_count(1)
    expect(qm.locator(f"#matrix-unlinked [data-procedure='{PROCEDURE}']")).to_have_count(0)
    expect(qm.locator("#matrix-integrated")).to_contain_text(PROCEDURE)
    # 9001 10.2 covers its sub-clauses 10.2.1 and 10.2.2: four requirements no longer a gap.
    assert _summary(qm, "gaps") == gaps_before - 4
    assert _summary(qm, "covered") == covered_before + 4
    qm.screenshot(path=str(SHOTS / "matrix.png"), full_page=True)

    # 2. An environmental aspect: significant before controls (4 × 4), low after (2 × 2), then a control.
    qm.goto("/risks/heatmap/?site=" + str(org.site_a.pk) + "&discipline=environment")
    cell_before = _heat_cell(qm, 2, 2)
    qm.goto("/risks/")
    qm.click("main a[href='/risks/entries/add/']")
    qm.wait_for_load_state("networkidle")
    qm.select_option("select[name=kind]", "environmental_aspect")
    qm.select_option("select[name=site]", str(org.site_a.pk))
    qm.select_option("select[name=process]", str(process.pk))
    qm.fill("input[name=title]", "Solvent waste storage")
    qm.fill("input[name=owner__search]", "qm_a")
    expect(qm.locator(f"select[name=owner] option[value='{org.qm_a.pk}']")).to_have_count(1)
    qm.select_option("select[name=owner]", str(org.qm_a.pk))
    qm.fill("input[name=review_date]", today.replace(year=today.year + 1).isoformat())
    qm.fill("textarea[name=aspect]", "Storage of spent solvents")
    qm.fill("textarea[name=impact]", "Soil and groundwater contamination")
    qm.select_option("select[name=operating_condition]", "abnormal")
    for name, value in (
        ("inherent_severity", 4),
        ("inherent_likelihood", 4),
        ("residual_severity", 2),
        ("residual_likelihood", 2),
    ):
        qm.fill(f"input[name={name}]", str(value))
    qm.click("form.form-card button[type=submit]")
    qm.wait_for_load_state("networkidle")
    entry = RiskEntry.objects.get(title="Solvent waste storage")
    assert qm.url.rstrip("/").endswith(f"/risks/entries/{entry.pk}"), qm.url
    assert entry.kind == "environmental_aspect" and entry.site_id == org.site_a.pk and entry.is_significant
    expect(qm.locator("[data-significant]")).to_be_visible()

    control_form = qm.locator("form[data-control-form]")
    control_form.locator("textarea[name=description]").fill("Bunded store, weekly inspection")
    control_form.locator("select[name=procedure]").select_option(str(procedure.pk))
    control_form.locator("button[type=submit]").click()
    qm.wait_for_load_state("networkidle")
    control = Control.objects.get(entry=entry)
    assert control.procedure_id == procedure.pk
    expect(qm.locator("[data-controls]")).to_contain_text(PROCEDURE)

    qm.goto("/risks/heatmap/?site=" + str(org.site_a.pk) + "&discipline=environment")
    assert _heat_cell(qm, 2, 2) == cell_before + 1
    qm.goto("/risks/heatmap/?site=" + str(org.site_a.pk) + "&discipline=environment&basis=inherent")
    assert _heat_cell(qm, 4, 4) == 1
    qm.screenshot(path=str(SHOTS / "heatmap.png"), full_page=True)

    # 3. The manual: from the list to the section editor; the mandatory sections written, the policy as a live
    # block in 5 Leadership, the Basel annex; then submitted for review.
    qm.goto("/manual/")
    qm.click(f"main a:has-text('{MANUAL}')")
    qm.wait_for_load_state("networkidle")
    assert qm.url.rstrip("/").endswith(f"/manual/{manual.pk}"), qm.url
    qm.click("[data-edit]")
    qm.wait_for_load_state("networkidle")
    assert qm.url.rstrip("/").endswith(f"/manual/versions/{version.pk}/edit"), qm.url
    mandatory = list(ManualSection.objects.filter(version=version, mandatory=True, is_active=True).order_by("order"))
    assert len(mandatory) == 7
    for section in mandatory:
        qm.locator(f"[data-section='{section.slot}'] a:has-text('Edit text')").click()
        qm.wait_for_load_state("networkidle")
        qm.fill("textarea[name=body]", f"Our approach to {section.title}.")
        qm.fill("[name=change_reason]", "First text of the manual")
        qm.click("form.form-card button[type=submit]")
        qm.wait_for_load_state("networkidle")
        assert qm.url.rstrip("/").endswith(f"/manual/versions/{version.pk}/edit"), qm.url
    assert not ManualSection.objects.filter(version=version, mandatory=True, body="").exists()

    leadership = qm.locator(f"[data-section='{SectionSlot.LEADERSHIP.value}']")
    leadership.locator("select[name=block_key]").select_option("ims_policy")
    leadership.locator("select[name=param]").select_option(str(policy.pk))
    leadership.locator("button[value=block_add]").click()
    qm.wait_for_load_state("networkidle")
    expect(qm.locator(f"[data-section='{SectionSlot.LEADERSHIP.value}'] [data-block=ims_policy]")).to_have_count(1)
    assert SectionBlock.objects.filter(section__version=version, block_key="ims_policy", is_active=True).count() == 1

    qm.locator("[data-annexes] li", has_text="SITEA").locator("a:has-text('Write')").click()
    qm.wait_for_load_state("networkidle")
    qm.fill("textarea[name=local_scope]", "Basel plant: sterile manufacturing only.")
    qm.fill("textarea[name=local_regulations]", "Swiss waste ordinance (VVEA).")
    qm.click("form.form-card button[type=submit]")
    qm.wait_for_load_state("networkidle")
    annex = SiteAnnex.objects.get(version=version, site=org.site_a)
    expect(qm.locator("[data-annexes] li", has_text="SITEA").locator("a:has-text('Read')")).to_have_count(1)

    qm.click("a:has-text('Submit, review and approve')")
    qm.wait_for_load_state("networkidle")
    assert qm.url.rstrip("/").endswith(f"/documents/versions/{version.pk}"), qm.url
    qm.click("main button:has-text('Submit for review')")
    qm.wait_for_load_state("networkidle")
    expect(qm.locator("main")).to_contain_text("In review")
    version.refresh_from_db()
    assert version.status == VersionStatus.IN_REVIEW

    reviewer = page_factory()
    login(reviewer, head.username, org.password)
    reviewer.goto(f"/documents/versions/{version.pk}/")
    reviewer.click("main a:has-text('Sign: reviewed')")
    reviewer.wait_for_load_state("networkidle")
    expect(reviewer.locator("main")).to_contain_text("Meaning of your signature: reviewed.")
    sign(reviewer, head.username, org.password)
    expect(reviewer.locator("[data-signatures] [data-manifestation]")).to_contain_text(head.get_full_name())

    approver = page_factory()
    login(approver, officer.username, org.password)
    approver.goto(f"/documents/versions/{version.pk}/")
    approver.click("main a:has-text('Sign: approved')")
    approver.wait_for_load_state("networkidle")
    expect(approver.locator("main")).to_contain_text("Meaning of your signature: approved.")
    sign(approver, officer.username, org.password)
    expect(approver.locator("[data-signatures] [data-manifestation]")).to_have_count(2)
    version.refresh_from_db()
    assert version.status == VersionStatus.EFFECTIVE and version.approved_by_id == officer.pk

    # Effective: everyone in scope at both sites is asked to acknowledge it; the employee sees the task.
    asked = set(Acknowledgement.objects.filter(version=version).values_list("person__username", flat=True))
    assert {org.emp_a.username, org.emp_b.username, org.qm_a.username} <= asked
    employee = page_factory()
    login(employee, org.emp_a.username, org.password)
    employee.goto("/policies/my-tasks/")
    task = employee.locator(f"[data-my-tasks] [data-document={MANUAL}]")
    expect(task).to_be_visible()
    expect(task).to_contain_text(MANUAL_TITLE)

    # The manual page shows the approved snapshot: nothing behind the live blocks has changed yet.
    qm.goto(f"/manual/{manual.pk}/")
    expect(qm.locator("[data-status=effective]")).to_have_count(1)
    expect(qm.locator("[data-snapshot]")).to_be_visible()
    expect(qm.locator("[data-unchanged]")).to_be_visible()
    expect(qm.locator("[data-manual-core]")).to_contain_text("We commit to quality, the environment and safety.")

    # 4. A new version of the policy takes effect: the manual shows what changed and offers a new draft, while
    # the effective manual keeps showing the approved text.
    second = document_services.version_create(
        actor=org.admin,
        document=policy,
        change_summary="Adds energy",
        body="We also commit to saving energy.",
        effective_date=today,
    )
    _approve(org, head, officer, second)
    qm.reload()
    qm.wait_for_load_state("networkidle")
    notice = qm.locator("[data-changed-since-approval]")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("Changed since approval")
    expect(notice.locator("[data-change=changed]")).to_contain_text(f"{POLICY} · IMS policy (v2)")
    expect(notice.locator("[data-new-draft]")).to_be_visible()
    expect(qm.locator("[data-manual-core]")).to_contain_text("We commit to quality, the environment and safety.")
    expect(qm.locator("[data-manual-core]")).not_to_contain_text("saving energy")
    qm.screenshot(path=str(SHOTS / "manual-changed.png"), full_page=True)

    # 5. The controlled copies: PDF and DOCX with the title, a section and the signatures.
    with qm.expect_download() as pdf_download:
        qm.click("[data-pdf]")
    pdf_path = tmp_path / "manual.pdf"
    pdf_download.value.save_as(pdf_path)
    text = pdf_text(pdf_path)
    assert MANUAL_TITLE in text and "5 Leadership" in text and "Our approach to 5 Leadership" in text
    assert "Electronic signatures" in text
    assert officer.get_full_name() in text and head.get_full_name() in text and "Approved" in text
    assert "DRAFT" not in text
    with qm.expect_download() as docx_download:
        qm.click("[data-docx]")
    docx_path = tmp_path / "manual.docx"
    docx_download.value.save_as(docx_path)
    assert docx_download.value.suggested_filename.endswith(".docx")
    text = docx_text(docx_path)
    assert MANUAL_TITLE in text and "5 Leadership" in text and "Our approach to 5 Leadership" in text
    assert "Electronic signatures" in text
    assert officer.get_full_name() in text and head.get_full_name() in text and "Approved" in text

    # 6. A site-B quality manager: site A's annex and register entry do not exist for them.
    outsider = page_factory()
    login(outsider, org.qm_b.username, org.password)
    for url in (
        f"/manual/annexes/{annex.pk}/",
        f"/manual/{manual.pk}/?site={org.site_a.pk}",
        f"/risks/entries/{entry.pk}/",
        f"/risks/controls/{control.pk}/",
    ):
        response = outsider.goto(url)
        assert response.status == 404, (url, response.status)
        expect(outsider.locator("body")).not_to_contain_text("Basel plant: sterile manufacturing only.")
        expect(outsider.locator("body")).not_to_contain_text("Solvent waste storage")
    outsider.goto("/manual/annexes/")
    expect(outsider.locator("main")).not_to_contain_text("SITEA")
    outsider.goto(f"/manual/{manual.pk}/")
    expect(outsider.locator("main")).to_contain_text(MANUAL_TITLE)
    expect(outsider.locator("main")).not_to_contain_text("Basel plant: sterile manufacturing only.")
    expect(outsider.locator("[data-annex=SITEA]")).to_have_count(0)
    outsider.goto("/risks/")
    expect(outsider.locator("main")).not_to_contain_text("Solvent waste storage")
    outsider.goto("/risks/heatmap/?discipline=environment")
    expect(outsider.locator("svg[data-heatmap] [data-cell][data-count='1']")).to_have_count(0)

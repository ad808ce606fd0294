"""A gap assessment through the real pages (headless Chromium), issue "Step 2", journey steps 3 to 5.

A site-A quality manager plans an assessment over ISO 9001, 14001 and 45001 on the planning page, starts it,
answers clauses (one-click answers in the results table; "not applicable" on the result page is refused without
a justification, then accepted with one), sees the heatmap (assessments in progress included) and the overlap
view of the same three standards, and downloads the gap report as a PDF whose text names the assessment and its
figures. A site-B quality manager then gets 404 for the assessment, its report and site A's process.
"""

from __future__ import annotations

import subprocess
from urllib.parse import parse_qs, urlparse

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from processes import register
from processes.library import standards_load
from processes.models import ClauseResult, GapAssessment, ProcessType, ResultStatus, Standard

from .conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

THREE = (("ISO 9001", "2015"), ("ISO 14001", "2015"), ("ISO 45001", "2018"))


def pdf_text(path) -> str:
    """The PDF's text in reading order, whitespace collapsed (table cells wrap their text over lines)."""
    raw = subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True, text=True).stdout
    return " ".join(raw.split())


def test_a_quality_manager_runs_a_gap_assessment_and_reads_heatmap_overlap_and_report(org, page_factory, tmp_path):
    standards_load()
    standards = [Standard.objects.get(code=code, edition=edition) for code, edition in THREE]
    process = register.process_create(
        actor=org.qm_a,
        code="QA-REL",
        name="Batch release",
        process_type=ProcessType.CORE,
        owner=org.qm_a,
        sites=[org.site_a],
        clauses=list(standards[0].clauses.filter(number__in=("4.1", "8.6"))),
    )

    page = page_factory()
    login(page, org.qm_a.username, org.password)

    # 3. Plan the assessment over three standards and start it.
    page.goto("/processes/assessments/new/")
    page.fill("input[name=title]", "Basel IMS gap assessment")
    page.select_option("select[name=sites]", [str(org.site_a.pk)])
    page.select_option("select[name=standards]", [str(s.pk) for s in standards])
    page.select_option("select[name=lead_assessor]", str(org.qm_a.pk))
    page.fill("input[name=planned_start]", timezone.localdate().isoformat())
    page.click("main form button[type=submit]")
    page.wait_for_load_state("networkidle")
    assessment = GapAssessment.objects.get(title="Basel IMS gap assessment")
    assert page.url.endswith(f"/processes/assessments/{assessment.pk}/")
    assert set(assessment.standards.all()) == set(standards)
    results = ClauseResult.objects.filter(assessment=assessment)
    assert results.count() > 100
    assert set(results.values_list("clause__standard", flat=True)) == {s.pk for s in standards}
    page.click("[data-step=start]")
    page.wait_for_load_state("networkidle")
    assessment.refresh_from_db()
    assert assessment.status == "in_progress"

    # One-click answers in the results table (htmx swaps the row in place).
    quick = page.locator("form[data-quick-answer]")
    unanswered = quick.count()
    quick.nth(0).locator("button[value=conforming]").click()
    expect(quick).to_have_count(unanswered - 1)  # the answered row comes back without its quick answers
    quick.nth(0).locator("button[value=gap]").click()
    expect(quick).to_have_count(unanswered - 2)
    assert results.filter(status=ResultStatus.CONFORMING).count() == 1
    assert results.filter(status=ResultStatus.GAP).count() == 1

    # "Not applicable" needs a justification: refused with a message and nothing saved, then accepted.
    target = results.filter(status="").order_by("clause__standard__code", "clause__position").first()
    page.goto(f"/processes/results/{target.pk}/")
    page.select_option("select[name=status]", ResultStatus.NOT_APPLICABLE)
    page.click("main form button[type=submit]:has-text('Save')")
    page.wait_for_load_state("networkidle")
    assert "justification" in page.content().lower()
    target.refresh_from_db()
    assert target.status == ""
    page.select_option("select[name=status]", ResultStatus.NOT_APPLICABLE)
    page.fill("textarea[name=justification]", "No design and development at this site.")
    page.click("main form button[type=submit]:has-text('Save')")
    page.wait_for_load_state("networkidle")
    target.refresh_from_db()
    assert target.status == ResultStatus.NOT_APPLICABLE

    # The heatmap with assessments in progress: the site's row holds the answered groups' scores.
    page.goto("/processes/heatmap/?" + "&".join(f"standard={s.pk}" for s in standards) + "&in_progress=1")
    svg = page.locator("[data-heatmap-svg] svg")
    assert svg.count() == 1
    table = page.locator("[data-heatmap-table]")
    site_row = table.locator("tr", has_text=org.site_a.code)
    assert site_row.count() == 1
    assert "%" in site_row.inner_text()

    # The overlap view of the same standards, chosen in its form: requirement groups joining the three, the process
    # on its group. The three are also the page's default, so check that the choice reached the page (the URL
    # carries the form's field) and that the page compares exactly the chosen standards.
    page.goto("/processes/overlap/")
    page.select_option("#overlap-filters select[name=standards]", [str(s.pk) for s in standards])
    page.click("#overlap-filters button[type=submit]")
    page.wait_for_load_state("networkidle")
    query = parse_qs(urlparse(page.url).query)
    assert sorted(query["standards"]) == sorted(str(s.pk) for s in standards)
    shown = page.locator("#overlap-standards a.badge").all_inner_texts()
    assert sorted(text.strip() for text in shown) == sorted(str(s) for s in standards)
    assert process.code in page.content()

    # 4. The gap report as a PDF.
    page.goto(f"/processes/assessments/{assessment.pk}/")
    with page.expect_download() as download_info:
        page.click(f"a[href='/processes/assessments/{assessment.pk}/report.pdf']")
    saved = tmp_path / "report.pdf"
    download_info.value.save_as(saved)
    text = pdf_text(saved)
    assert assessment.reference in text and "Basel IMS gap assessment" in text
    assert "No design and development at this site." in text

    # 5. A site-B quality manager sees none of it.
    other = page_factory()
    login(other, org.qm_b.username, org.password)
    for path in (
        f"/processes/assessments/{assessment.pk}/",
        f"/processes/assessments/{assessment.pk}/report.pdf",
        process.get_absolute_url(),
    ):
        response = other.request.get(path)
        assert response.status == 404, path
    other.goto("/processes/assessments/")
    assert assessment.reference not in other.content()
    other.goto("/processes/register/")
    assert process.code not in other.content()

"""The manual's PDF and DOCX: refused for a version that is not effective unless a draft copy is asked for; the
PDF has a cover, a contents list with page numbers, running headers, the signature manifestation and the
controlled-copy footer; the DOCX reads back with its headings, tables and signatures."""

from __future__ import annotations

import io

import docx
import pytest
from pypdf import PdfReader

from manual import services
from manual.choices import SectionSlot
from manual.models import ManualSection
from manual.outputs import OutputRefused, output_prepare, render_docx, render_pdf

from .conftest import approve, draft, fill_mandatory

pytestmark = pytest.mark.django_db


@pytest.fixture
def effective(org, people, manual):
    version = draft(manual)
    fill_mandatory(org.admin, version)
    section = ManualSection.objects.get(version=version, slot=SectionSlot.PLANNING)
    services.block_add(actor=org.admin, section=section, block_key="objectives")
    services.annex_save(actor=org.admin, version=version, site=org.site_a, data={"local_scope": "Basel local scope"})
    services.annex_save(actor=org.admin, version=version, site=org.site_b, data={"local_scope": "Boston local scope"})
    return approve(org, people, version)


def pdf_pages(data: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def test_a_draft_is_refused_without_the_watermark_and_marked_on_every_page_with_it(org, people, manual):
    version = draft(manual)
    with pytest.raises(OutputRefused, match="only the effective version"):
        output_prepare(version, viewer=org.admin)
    pages = pdf_pages(render_pdf(output_prepare(version, viewer=org.admin, draft=True)))
    assert all("DRAFT — not effective" in text for text in pages)
    document = docx.Document(io.BytesIO(render_docx(output_prepare(version, viewer=org.admin, draft=True))))
    assert "DRAFT — not effective" in "\n".join(p.text for p in document.sections[0].header.paragraphs)


def test_the_effective_pdf_has_cover_toc_headers_signatures_and_footer(org, people, effective):
    data = render_pdf(output_prepare(effective, viewer=org.admin))
    reader = PdfReader(io.BytesIO(data))
    pages = [page.extract_text() for page in reader.pages]
    assert "Integrated management system manual" in pages[0] and "IMS-MAN-001" in pages[0]
    toc = pages[1]
    assert "Contents" in toc and "6 Planning" in toc
    # The TOC names the page each section starts on.
    planning_page = next(i for i, text in enumerate(pages) if i > 1 and "Our approach to 6 Planning" in text) + 1
    assert str(planning_page) in toc.split("6 Planning", 1)[1].split("\n", 1)[0]
    assert all("IMS-MAN-001 v1" in text for text in pages[1:])
    assert all("Controlled copy — uncontrolled when printed" in text for text in pages)
    assert all(f"of {len(pages)}" in text for text in pages)
    signatures = pages[-1]
    assert "Electronic signatures" in signatures
    assert "Co Officer" in signatures and "Approved" in signatures and "Dh Reviewer" in signatures
    outline = [item.title for item in reader.outline if not isinstance(item, list)]
    assert "4 Context of the organization" in outline and "Electronic signatures" in outline
    assert "DRAFT" not in "".join(pages)


def test_the_site_edition_is_the_core_plus_that_annex(org, people, effective):
    text = "".join(pdf_pages(render_pdf(output_prepare(effective, viewer=org.admin, site=org.site_a))))
    assert "Basel local scope" in text and "Boston local scope" not in text


def test_the_docx_reads_back_with_headings_tables_and_signatures(org, people, effective):
    data = render_docx(output_prepare(effective, viewer=org.admin))
    document = docx.Document(io.BytesIO(data))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert "4 Context of the organization" in headings and "Electronic signatures" in headings
    assert "Annex SITEA — Basel Plant" in headings
    assert "IMS-MAN-001 v1" in document.sections[0].header.paragraphs[0].text
    assert "Controlled copy" in document.sections[0].footer.paragraphs[0].text
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    assert "Printed name" in cells and any("Co Officer" in c for c in cells)


def test_the_risk_heat_map_in_the_pdf_is_the_pages_drawing(org, people, manual, client_for):
    """The register's heat map is one server-drawn SVG: the risk-summary block puts the same drawing in the manual's
    PDF as the heat-map page shows."""
    from django.urls import reverse

    from manual.risks.heatmap import heatmap_svg
    from manual.risks.selectors import heatmap_grids
    from tests.risks.factories import entry_at

    entry_at(org.site_a)  # an OH&S hazard, residual severity 4 × likelihood 2
    version = draft(manual)
    fill_mandatory(org.admin, version)
    section = ManualSection.objects.get(version=version, slot=SectionSlot.PLANNING)
    services.block_add(actor=org.admin, section=section, block_key="risk_summary", params={"discipline": "ohs"})
    output = output_prepare(version, viewer=org.admin, draft=True)
    grid = next(g for g in heatmap_grids(user=org.admin, disciplines=["ohs"]) if g.site_code == org.site_a.code)
    drawing = heatmap_svg(grid)
    assert drawing in str(output.rendered.core_html)
    page = client_for(org.admin).get(reverse("risks:heatmap"), {"discipline": "ohs", "site": org.site_a.pk})
    assert drawing in page.content.decode()
    text = " ".join(pdf_pages(render_pdf(output)))
    assert f"{org.site_a.code} · Health & safety" in text and "severity" in text

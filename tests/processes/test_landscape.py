"""The process landscape: one SVG drawn on the server, on the page and in the PDF, scoped to the user's sites."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ims.org.models import Membership, Site
from processes import landscape, register
from processes.models import Process, ProcessInteraction, ProcessType
from processes.views_register import MAX_ARROWS

from .test_register_isolation import process_at

pytestmark = pytest.mark.django_db


def boxes(n: int, band: str = "core") -> list[landscape.Box]:
    return [landscape.Box(key=i, code=f"P-{i}", name=f"Process {i}", band=band, url=f"/p/{i}/") for i in range(n)]


# --- The drawing (a pure function) ------------------------------------------------------------------------------


def test_the_drawing_holds_every_process_in_its_band_and_an_arrow_per_interaction():
    drawn = [
        landscape.Box(1, "MGT-REVIEW", "Management review", "management", "/p/1/"),
        landscape.Box(2, "PRD", "Production", "core", "/p/2/"),
        landscape.Box(3, "QC", "QC testing and batch release", "core", "/p/3/"),
        landscape.Box(4, "HR", "Training", "support", "/p/4/"),
    ]
    links = [landscape.Link(2, 3, "Batches"), landscape.Link(4, 2, "Qualified operators"), landscape.Link(3, 1, "")]
    svg = landscape.draw(drawn, links + [landscape.Link(2, 99, "to a process not shown")])
    for box in drawn:
        assert f'data-process="{box.code}"' in svg and f'href="{box.url}"' in svg
    assert svg.count('class="lsc-link"') == 3  # the arrow to a process not drawn is left out
    assert "<title>PRD → QC: Batches</title>" in svg and "<title>QC → MGT-REVIEW</title>" in svg
    # Bands from top to bottom: management, core, support.
    heights = {band: float(re.search(rf'data-band="{band}"><rect x="\d+" y="([\d.]+)"', svg).group(1))
               for band in ("management", "core", "support")}  # fmt: skip
    assert heights["management"] < heights["core"] < heights["support"]
    assert "<polygon" in svg  # the core processes are chevrons of the value chain


def test_every_text_is_escaped_and_the_drawing_holds_no_script():
    hostile = landscape.Box(1, "X<1>", '<script>alert(1)</script>" onload="alert(2)', "core", '/p/1/"><script>')
    other = landscape.Box(2, "Y", "Other", "support", "/p/2/")
    svg = landscape.draw([hostile, other], [landscape.Link(1, 2, "</title><script>alert(3)</script>")])
    assert "<script" not in svg.lower()
    assert "&lt;script&gt;" in svg and "X&lt;1&gt;" in svg
    assert 'onload="' not in svg


def test_thirty_processes_of_a_site_stay_readable():
    long_name = "Qualification and validation of equipment, utilities and computerised systems"
    drawn = boxes(10, "management") + [landscape.Box(100 + i, f"C-{i}", long_name, "core") for i in range(12)]
    drawn += [landscape.Box(200 + i, f"S-{i}", "Support", "support") for i in range(8)]
    svg = landscape.draw(drawn, [landscape.Link(100 + i, 101 + i) for i in range(11)])
    width = float(re.search(r'width="([\d.]+)"', svg).group(1))
    assert landscape.columns_for(drawn) == landscape.COLUMNS and width < 1500  # six a row: fits a screen and A3
    assert 'class="lsc-name"' in svg and "…" in svg  # long names wrap to two lines and are shortened, never shrunk
    assert "font-size:11px" in svg


# --- The page and the PDF ---------------------------------------------------------------------------------------


@pytest.fixture
def landscape_world(org):
    review = process_at(org.site_a, code="MGT-REVIEW", name="Management review", process_type=ProcessType.MANAGEMENT)
    production = process_at(org.site_a, code="PRD-MFG", name="Production <script>x</script>")
    training = process_at(org.site_a, code="HR-TRAIN", name="Training", process_type=ProcessType.SUPPORT)
    boston = process_at(org.site_b, code="BOS-LAB", name="Boston lab testing")
    register.interaction_create(actor=None, source=training, target=production, description="Qualified operators")
    register.interaction_create(actor=None, source=production, target=review, description="Batch KPIs")
    retired = process_at(org.site_a, code="OLD", name="Retired process")
    register.process_retire(actor=None, process=retired)
    return review, production, training, boston


def test_the_page_shows_the_users_sites_only_with_arrows_and_a_text_alternative(org, client_for, landscape_world):
    response = client_for(org.qm_a).get(reverse("processes:landscape"))
    assert response.status_code == 200
    html = response.content.decode()
    svg = response.context["svg"]
    for code in ("MGT-REVIEW", "PRD-MFG", "HR-TRAIN"):
        assert f'data-process="{code}"' in svg
    assert "BOS-LAB" not in html and "OLD" not in svg  # another site's and retired processes are not drawn
    assert svg.count('class="lsc-link"') == 2
    assert "<script>x</script>" not in html and "Production &lt;script&gt;" in html
    text = html.split('id="landscape-text"', 1)[1]
    assert "HR-TRAIN → PRD-MFG: Qualified operators" in text and "PRD-MFG → MGT-REVIEW: Batch KPIs" in text


def test_the_site_filter_and_the_company_view(org, client_for, landscape_world):
    admin = client_for(org.admin)
    company = admin.get(reverse("processes:landscape")).context["svg"]
    assert 'data-process="BOS-LAB"' in company and 'data-process="PRD-MFG"' in company
    site_b = admin.get(reverse("processes:landscape"), {"site": org.site_b.pk}).context["svg"]
    assert 'data-process="BOS-LAB"' in site_b and 'data-process="PRD-MFG"' not in site_b
    # A site the user may not view answers 404 rather than an empty drawing.
    assert client_for(org.qm_a).get(reverse("processes:landscape"), {"site": org.site_b.pk}).status_code == 404


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext is not installed")
def test_the_pdf_holds_the_same_drawing_and_the_text_list(org, client_for, landscape_world, tmp_path):
    response = client_for(org.qm_a).get(reverse("processes:landscape_pdf"), {"site": org.site_a.pk})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    path = tmp_path / "landscape.pdf"
    path.write_bytes(response.content)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True).stdout
    assert "Process landscape" in text and "SITEA" in text
    assert "HR-TRAIN → PRD-MFG: Qualified operators" in text
    assert text.count("MGT-REVIEW") >= 2  # in the drawing and in the text list
    assert "BOS-LAB" not in text


# --- Scale: 40 sites × 30 processes, company-wide ---------------------------------------------------------------


def bulk_processes(sites: list[Site], per_site: int, owner, *, shared_names: bool = False) -> None:
    """``per_site`` processes at each site, each handing over to the next; with ``shared_names`` every site runs
    the same processes (same names), as a company with one process model does."""
    types = [ProcessType.MANAGEMENT] * 6 + [ProcessType.CORE] * 12 + [ProcessType.SUPPORT] * 12

    def name(i: int, site: Site) -> str:
        return f"Process {i}" if shared_names else f"Process {i} of {site.code}"

    rows = [
        Process(code=f"S{site.pk}-{i:02d}", name=name(i, site), process_type=types[i % 30], owner=owner)
        for site in sites
        for i in range(per_site)
    ]
    Process.objects.bulk_create(rows)
    created = {p.code: p for p in Process.objects.filter(code__in=[r.code for r in rows])}
    Process.sites.through.objects.bulk_create(
        [Process.sites.through(process_id=created[f"S{site.pk}-{i:02d}"].pk, site_id=site.pk)
         for site in sites for i in range(per_site)]
    )  # fmt: skip
    links = [
        ProcessInteraction(source=created[f"S{site.pk}-{i:02d}"], target=created[f"S{site.pk}-{i + 1:02d}"])
        for site in sites
        for i in range(per_site - 1)
    ]
    ProcessInteraction.objects.bulk_create(links)


def test_the_company_view_of_forty_sites_is_constant_in_queries(org, client_for):
    from ims.org import services

    sites = [org.site_a] + [
        services.site_create(code=f"S{n:02d}", name=f"Site {n}", country="CH", timezone="UTC") for n in range(39)
    ]
    client = client_for(org.admin)
    url = reverse("processes:landscape")

    def measure() -> tuple[int, str]:
        """Queries of one request (its time at scale is measured by ``make bench``, section processes)."""
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        return len(queries), response.context["svg"]

    bulk_processes(sites[:1], 30, org.qm_a)
    few, _ = measure()
    bulk_processes(sites[1:], 30, org.qm_a)
    many, svg = measure()
    assert many == few
    # 1,200 processes of different names stay 1,200 boxes; of 1,160 hand-overs the most frequent are drawn.
    assert svg.count('class="lsc-box"') == 1200 and svg.count('class="lsc-link"') == MAX_ARROWS
    assert Membership.objects.exists()


def test_the_company_view_draws_the_same_process_at_several_sites_once(org, client_for):
    from ims.org import services

    sites = [org.site_a] + [
        services.site_create(code=f"S{n:02d}", name=f"Site {n}", country="CH", timezone="UTC") for n in range(3)
    ]
    bulk_processes(sites, 5, org.qm_a, shared_names=True)
    client = client_for(org.admin)
    company = client.get(reverse("processes:landscape"))
    svg = company.context["svg"]
    assert svg.count('class="lsc-box"') == 5 and svg.count(">4 sites</text>") == 5
    assert svg.count('class="lsc-link"') == 4  # one arrow per hand-over, whatever the number of sites
    assert "(4)" in svg  # …saying how many sites it stands for
    assert f"{reverse('processes:process_list')}?q=Process+0" in company.content.decode()
    one_site = client.get(reverse("processes:landscape"), {"site": sites[1].pk}).context["svg"]
    assert one_site.count('class="lsc-box"') == 5 and "4 sites" not in one_site

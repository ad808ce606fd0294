"""The heatmap: numbers per site × top-level clause, the latest assessment counts, SVG escaped, constant queries."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from processes import gaps
from processes.gap_selectors import Tally, heatmap
from processes.heatmap import band, heatmap_svg
from processes.models import ResultStatus

from .gapkit import assessment_at, clause, small_standards

pytestmark = pytest.mark.django_db


def answer(assessment, site, standard, statuses: dict[str, str], actor) -> None:
    for number, status in statuses.items():
        data = {"status": status}
        if status == ResultStatus.NOT_APPLICABLE:
            data["justification"] = "Not done here"
        gaps.result_record(actor=actor, assessment=assessment, site=site, clause=clause(standard, number), data=data)


@pytest.fixture
def world(org):
    a, b = small_standards()
    old = assessment_at(org, [org.site_a], [a], start=True)
    answer(old, org.site_a, a, dict.fromkeys(["4.1", "4.2", "5.1", "5.2", "6"], "gap"), org.admin)
    gaps.assessment_complete(actor=org.admin, assessment=old)
    new = assessment_at(org, [org.site_a, org.site_b], [a], start=True)
    answer(
        new,
        org.site_a,
        a,
        {"4.1": "conforming", "4.2": "partial", "5.1": "gap", "5.2": "not_applicable", "6": "conforming"},
        org.admin,
    )
    answer(new, org.site_b, a, dict.fromkeys(["4.1", "4.2", "5.1", "5.2", "6"], "conforming"), org.admin)
    gaps.assessment_complete(actor=org.admin, assessment=new)
    running = assessment_at(org, [org.site_b], [a], start=True)
    answer(running, org.site_b, a, {"4.1": "gap"}, org.admin)
    return a, b, old, new, running


def test_cells_tally_the_latest_completed_assessment_per_site_and_top_level_clause(org, world):
    a, *_ = world
    result = heatmap(user=org.admin, standards=[a])
    assert [c.label for c in result.columns] == ["§4", "§5", "§6"]
    assert [r.label for r in result.rows] == ["SITEA", "SITEB"]
    c4, c5, c6 = (clause(a, n).pk for n in ("4", "5", "6"))
    site_a, site_b = org.site_a.pk, org.site_b.pk
    assert result.cell(site_a, c4) == Tally(total=2, conforming=1, partial=1)
    assert result.cell(site_a, c4).score == 75.0
    assert result.cell(site_a, c5).score == 0.0  # one gap, one n.a. left out
    assert result.cell(site_a, c6).score == 100.0
    assert result.cell(site_b, c4).score == 100.0
    with_running = heatmap(user=org.admin, standards=[a], include_in_progress=True)
    assert with_running.cell(site_b, c4) == Tally(total=2, gap=1)  # the in-progress one is newer
    assert with_running.cell(site_b, c4).score == 0.0


def test_a_site_manager_sees_only_their_sites(org, world):
    a, *_ = world
    assert [r.label for r in heatmap(user=org.qm_b, standards=[a]).rows] == ["SITEB"]
    assert heatmap(user=org.nosite, standards=[a]).rows == []


def test_the_svg_is_well_formed_escapes_text_and_shows_the_numbers(org, world):
    a, *_ = world
    org.site_a.name = 'Basel <script>alert("x")</script>'
    org.site_a.save()
    svg = heatmap_svg(heatmap(user=org.admin, standards=[a]), title="Heatmap <&>")
    root = ET.fromstring(svg)  # noqa: S314 - our own output; well-formed XML: every text escaped
    assert "<script" not in svg and "&lt;script&gt;" in svg
    assert "Leadership &lt;&amp;&gt;" in svg
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert "75" in texts and "100" in texts and "0" in texts
    assert any(
        "score 75 %; 1 conforming, 1 partial, 0 gap" in (t.text or "")
        for t in root.iter("{http://www.w3.org/2000/svg}title")
    )


def test_colour_bands():
    assert band(None)[0] == "#eef0f2"
    assert (
        band(95)[0] == "#1a7f37" and band(80)[0] == "#7bc96f" and band(60)[0] == "#f2c94c" and band(10)[0] == "#d1242f"
    )


def test_queries_do_not_grow_with_sites_assessments_or_clauses(org, world):
    a, b, *_ = world

    def count() -> int:
        heatmap(user=org.admin, standards=[a, b])
        with CaptureQueriesContext(connection) as captured:
            heatmap(user=org.admin, standards=[a, b])
        return len(captured)

    before = count()
    from ims.testing.factories import SiteFactory

    extra_sites = [SiteFactory() for _ in range(3)]
    more = assessment_at(org, extra_sites, [a, b], start=True)
    for site in extra_sites:
        answer(more, site, b, {"1": "gap", "2": "conforming"}, org.admin)
    assert count() == before

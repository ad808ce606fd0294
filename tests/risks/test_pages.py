"""Register pages: the list and its filters, detail with scores and controls, heat map SVG, reports, obligations."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from manual.risks import selectors
from manual.risks.choices import EntryKind, EvaluationResult
from manual.risks.heatmap import heatmap_svg
from manual.risks.models import ComplianceEvaluation, Control, RiskEntry

from .factories import control_at, entry_at, entry_data, in_days, obligation_at

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_pages_answer(org, client_for):
    entry = entry_at(org.site_a, EntryKind.QUALITY_RISK)
    control = control_at(org.site_a)
    obligation = obligation_at(org.site_a)
    client = client_for(org.qm_a)
    for name, args in (
        ("risks:entry_list", []), ("risks:entry_create", []), ("risks:entry_detail", [entry.pk]),
        ("risks:entry_edit", [entry.pk]), ("risks:heatmap", []), ("risks:top_risks", []),
        ("risks:significant_aspects", []), ("risks:overdue_reviews", []), ("risks:control_detail", [control.pk]),
        ("risks:obligation_list", []), ("risks:obligation_detail", [obligation.pk]), ("risks:scoring_list", []),
        ("risks:evaluation_list", []),
    ):  # fmt: skip
        response = client.get(reverse(name, args=args))
        assert response.status_code == 200, name
    page = client.get(reverse("risks:entry_detail", args=[entry.pk])).content.decode()
    assert "data-scores" in page and "Record a review" in page


def test_list_filters(org, client_for):
    high = entry_at(org.site_a, inherent_severity=5, inherent_likelihood=5, residual_severity=5, residual_likelihood=4)
    low = entry_at(org.site_a, inherent_severity=1, inherent_likelihood=1, residual_severity=1, residual_likelihood=1)
    overdue = entry_at(org.site_a, review_date=in_days(-3))
    client = client_for(org.qm_a)
    rows = lambda query: {r.record.pk for r in client.get(reverse("risks:entry_list"), query).context["table"].rows}  # noqa: E731
    assert rows({"band": "high"}) == {high.pk}
    assert low.pk in rows({"band": "low"})
    assert rows({"overdue": "true"}) == {overdue.pk}
    assert rows({"discipline": "environment"}) == set()
    overdue_page = client.get(reverse("risks:overdue_reviews"))
    assert {r.record.pk for r in overdue_page.context["table"].rows} == {overdue.pk}
    export = client.get(reverse("risks:entry_list"), {"export": "csv", "band": "high"})
    body = b"".join(export.streaming_content).decode("utf-8-sig")
    assert high.reference in body and low.reference not in body


def test_create_on_the_page_with_a_score_outside_the_scale_saves_nothing(org, client_for):
    data = entry_data(org.site_a)
    form = {k: (v.pk if hasattr(v, "pk") else v) for k, v in data.items()}
    form["inherent_severity"] = 9
    response = client_for(org.qm_a).post(reverse("risks:entry_create"), form)
    assert response.status_code == 400
    assert "outside the severity scale" in response.content.decode()
    assert not RiskEntry.objects.exists()


def test_control_added_on_the_entry_page(org, client_for):
    entry = entry_at(org.site_a)
    client = client_for(org.qm_a)
    response = client.post(reverse("risks:control_create", args=[entry.pk]), {"description": "Two-person lift"})
    assert response.status_code == 302
    assert Control.objects.filter(entry=entry, description="Two-person lift").exists()
    assert (
        client_for(org.emp_a).post(reverse("risks:control_create", args=[entry.pk]), {"description": "x"}).status_code
        == 403
    )
    assert (
        client_for(org.qm_b).post(reverse("risks:control_create", args=[entry.pk]), {"description": "x"}).status_code
        == 404
    )


def test_evaluation_recorded_on_the_obligation_page(org, client_for):
    obligation = obligation_at(org.site_a)
    client = client_for(org.qm_a)
    url = reverse("risks:evaluation_create", args=[obligation.pk])
    bad = client.post(url, {"site": org.site_a.pk, "evaluated_on": in_days(0), "result": "compliant", "evidence": ""})
    assert bad.status_code == 400 and not ComplianceEvaluation.objects.exists()
    good = client.post(url, {"site": org.site_a.pk, "evaluated_on": in_days(0), "result": EvaluationResult.COMPLIANT,
                             "evidence": "Permit register checked"})  # fmt: skip
    assert good.status_code == 302
    obligation.refresh_from_db()
    assert obligation.next_evaluation == in_days(0).replace(
        year=in_days(0).year + 1
    ) or obligation.next_evaluation > in_days(300)


def test_heatmap_svg_counts_and_escapes(org):
    entry_at(org.site_a, title="<script>x</script>")
    entry_at(org.site_a)
    grids = selectors.heatmap_grids(user=org.qm_a, disciplines=["ohs"])
    assert len(grids) == 1
    svg = heatmap_svg(grids[0])
    assert svg.startswith("<svg") and "<script" not in svg
    assert 'data-cell="4-2" data-count="2"' in svg
    assert "severity 4 × likelihood 2: 2 entries" in svg
    assert selectors.heatmap_grids(user=org.qm_b, disciplines=["ohs"]) == []


def test_heatmap_page_queries_do_not_grow_with_rows(org, client_for):
    client = client_for(org.admin)
    entry_at(org.site_a)
    client.get(reverse("risks:heatmap"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("risks:heatmap"))
    for _ in range(8):
        entry_at(org.site_b, EntryKind.ENVIRONMENTAL_ASPECT)
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("risks:heatmap"))
    assert len(many) == len(few)


def test_top_risks_per_site(org):
    for severity in (1, 2, 3, 4, 5):
        entry_at(
            org.site_a, inherent_severity=5, inherent_likelihood=5, residual_severity=severity, residual_likelihood=3
        )
    entry_at(org.site_b)
    top = selectors.top_risks(user=org.admin, per_site=3)
    at_a = [e for e in top if e.site_id == org.site_a.pk]
    assert [e.residual_severity for e in at_a] == [5, 4, 3]
    assert len([e for e in top if e.site_id == org.site_b.pk]) == 1
    assert all(e.site_id == org.site_a.pk for e in selectors.top_risks(user=org.qm_a))


def test_significant_aspects(org):
    significant = entry_at(org.site_a, EntryKind.ENVIRONMENTAL_ASPECT)
    entry_at(org.site_a, EntryKind.ENVIRONMENTAL_ASPECT, inherent_severity=1, inherent_likelihood=1,
             residual_severity=1, residual_likelihood=1)  # fmt: skip
    assert list(selectors.significant_aspects(user=org.qm_a)) == [significant]


def test_heatmap_page_sums_the_sites_then_shows_a_few_sites_a_page(org, client_for, monkeypatch):
    from manual.risks import views_reports

    monkeypatch.setattr(views_reports, "SITES_PER_PAGE", 1)
    entry_at(org.site_a)  # severity 4 × likelihood 2 after controls
    entry_at(org.site_b)
    entry_at(org.site_b)
    client = client_for(org.admin)
    page = client.get(reverse("risks:heatmap"), {"discipline": "ohs"}).content.decode()
    combined = page.split("data-heatmaps-combined", 1)[1].split("data-heatmaps>", 1)[0]
    assert 'data-cell="4-2" data-count="3"' in combined  # both sites summed
    per_site = page.split("data-heatmaps>", 1)[1]
    assert per_site.count("<svg") == 1 and 'data-cell="4-2" data-count="1"' in per_site  # the first site only
    assert "Next sites" in per_site
    second = client.get(reverse("risks:heatmap"), {"discipline": "ohs", "page": 2}).content.decode()
    assert 'data-cell="4-2" data-count="2"' in second.split("data-heatmaps>", 1)[1]
    # A quality manager of one site sees that site's map only, with no company sum.
    own = client_for(org.qm_b).get(reverse("risks:heatmap"), {"discipline": "ohs"}).content.decode()
    assert "data-heatmaps-combined" not in own and own.count("<svg") == 1

"""Isolation of the records shown inside a review (snapshots, decisions, actions, packs): another site's people
reach none of them, on the pages, in the API or through ``restrict()``."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from implementation.review import services
from implementation.review.models import ReviewAction, ReviewDecision, ReviewInputSnapshot, ReviewPack
from tests.review.factories import review_for

pytestmark = pytest.mark.django_db


def test_site_b_reaches_none_of_site_a_reviews_records(org, client_for):
    review = review_for(org.site_a, chair=org.qm_a, actor=org.qm_a)
    services.review_hold(actor=org.qm_a, review=review)
    services.decision_record(actor=org.qm_a, review=review, text="Decide")
    services.action_record(
        actor=org.qm_a, review=review, title="Act", owner=org.qm_a, due_date=datetime.date(2027, 1, 1)
    )
    pack, _ = services.review_pack_request(actor=org.qm_a, review=review)
    for model in (ReviewInputSnapshot, ReviewDecision, ReviewAction, ReviewPack):
        assert model.objects.restrict(org.qm_a, "view").filter(review=review).exists(), model
        assert not model.objects.restrict(org.qm_b, "view").filter(review=review).exists(), model
        assert not model.objects.restrict(org.emp_b, "view").filter(review=review).exists(), model
    client = client_for(org.qm_b)
    for name in ("review-inputs", "review-decisions", "review-review-actions"):
        assert client.get(reverse(name, args=[review.pk])).status_code == 404, name
    assert client.post(reverse("review-decisions", args=[review.pk]), {"text": "x"},
                       content_type="application/json").status_code == 404  # fmt: skip
    assert client.post(reverse("review-pack", args=[review.pk])).status_code == 404
    assert client.get(reverse("review-pack-status", args=[review.pk, pack.pk])).status_code == 404
    for name in ("review:pack_detail", "review:pack_progress", "review:pack_download"):
        assert client.get(reverse(name, args=[review.pk, pack.pk])).status_code == 404, name
    for name in ("review:review_sign", "review:minutes_pdf"):
        assert client.get(reverse(name, args=[review.pk])).status_code == 404, name
    for name in ("review:review_hold", "review:decision_add", "review:action_add", "review:pack_request"):
        assert client.post(reverse(name, args=[review.pk])).status_code == 404, name
    assert ReviewDecision.objects.filter(review=review).count() == 1
    # An employee of site A sees the review but may not change it, nor reach another person's pack.
    employee = client_for(org.emp_a)
    assert employee.post(reverse("review:decision_add", args=[review.pk]), {"text": "x"}).status_code == 403
    assert employee.get(reverse("review:pack_detail", args=[review.pk, pack.pk])).status_code == 404

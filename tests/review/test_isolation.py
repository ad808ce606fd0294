"""The generic isolation kit for management reviews: site B never sees site A's review (404), writes denied."""

from __future__ import annotations

import datetime

from implementation.review.models import ManagementReview
from ims.org.models import Membership
from ims.testing.kit import ScopedModelCase, SiteIsolationTests
from tests.review.factories import review_for


def chair_at(site):
    return Membership.objects.filter(site=site).select_related("person").order_by("pk").first().person


def make(site) -> ManagementReview:
    return review_for(site, chair=chair_at(site))


class TestReviewIsolation(SiteIsolationTests):
    case = ScopedModelCase(
        model=ManagementReview,
        create=make,
        list_url="review:review_list",
        detail_url="review:review_detail",
        api="review",
        edit_url="review:review_edit",
        edit_data=lambda review: {
            "title": "Changed title",
            "period_start": review.period_start.isoformat(),
            "period_end": review.period_end.isoformat(),
            "meeting_date": review.meeting_date.isoformat(),
            "chair": review.chair_id,
            "minutes": "",
        },
        api_change=lambda review: {"title": "Changed title"},
        add_url="review:review_add",
        add_data=lambda site: {
            "title": "Q4 review",
            "site": site.pk,
            "period_start": "2026-10-01",
            "period_end": "2026-12-31",
            "meeting_date": "2027-01-15",
            "chair": chair_at(site).pk,
        },
        api_create=lambda site: {
            "title": "Q4 review",
            "site": site.pk,
            "period_start": "2026-10-01",
            "period_end": "2026-12-31",
            "meeting_date": datetime.date(2027, 1, 15).isoformat(),
            "chair": chair_at(site).pk,
        },
    )

"""Site isolation of feedback: a site-B user sees none of site A's feedback (404), on the pages and in the API."""

from __future__ import annotations

import pytest
from django.urls import reverse

from implementation.feedback.models import FeedbackItem
from ims.testing.kit import ScopedModelCase, SiteIsolationTests
from tests.feedback.factories import feedback_item


class TestFeedbackIsolation(SiteIsolationTests):
    case = ScopedModelCase(
        model=FeedbackItem,
        create=lambda site: feedback_item(site=site),
        list_url="feedback:feedback_list",
        detail_url="feedback:feedback_detail",
        api="feedback",
        export_key="id",
    )

    @pytest.mark.req("P11-10g", "ASVS5-8.2.1")
    def test_employee_cannot_add(self, world, client_for):
        """Every employee reports feedback, but only at their own sites; elsewhere nothing is saved."""
        client = client_for(world.org.emp_a)
        before = self.all_rows()
        body = {"kind": "concern", "site": world.org.site_b.pk, "description": "Elsewhere"}
        assert client.post(self.api_list(), body, content_type="application/json").status_code == 400
        assert self.all_rows() == before
        assert client.post(reverse("feedback:submit"), body).status_code == 400
        assert self.all_rows() == before

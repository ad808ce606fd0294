"""The demo gap analysis: statements per site, Basel approved with a realistic mix, Cork half answered; idempotent."""

from __future__ import annotations

import pytest

from ims.actions.models import Action
from ims.documents.demo import documents_demo_seed
from ims.esign.models import Signature
from ims.org.demo import demo_seed as org_demo_seed
from processes import demo_gaps, gap_selectors
from processes.library import standards_load
from processes.models import ApplicabilityStatement, AssessmentStatus, GapAssessment, ResultStatus, StatementStatus

pytestmark = pytest.mark.django_db


def test_the_demo_gap_analysis_and_seeding_twice_changes_nothing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    org_demo_seed()
    documents_demo_seed()
    standards_load()
    summary = demo_gaps.seed()
    assert "(approved)" in summary and "4 statements" in summary
    assert demo_gaps.seed() == ""
    assert ApplicabilityStatement.objects.filter(status=StatementStatus.APPROVED).count() == 4
    basel = GapAssessment.objects.get(title=demo_gaps.BASEL_TITLE)
    assert basel.status == AssessmentStatus.APPROVED and basel.approved_by.username == demo_gaps.BASEL_APPROVER
    assert (
        Signature.objects.filter(
            content_type__model="gapassessment", object_pk=str(basel.pk), meaning="approved"
        ).count()
        == 1
    )
    progress = gap_selectors.assessment_progress(basel).overall
    assert progress.unanswered == 0 and progress.total == 137
    assert progress.conforming > progress.total * 0.7
    assert progress.gap == 4 and progress.partial >= 3 and progress.not_applicable == 2
    gaps_found = basel.results.filter(status=ResultStatus.GAP)
    assert all(r.owner_id and r.due_date and r.action_ref for r in gaps_found)
    assert Action.objects.filter(reference__in=gaps_found.values("action_ref")).count() == 4
    assert set(basel.results.filter(status=ResultStatus.NOT_APPLICABLE).values_list("justification", flat=True)) == {
        "Basel manufactures to the registered process; product design is done at Raleigh."
    }
    cork = GapAssessment.objects.get(title=demo_gaps.CORK_TITLE)
    cork_progress = gap_selectors.assessment_progress(cork).overall
    assert cork.status == AssessmentStatus.IN_PROGRESS
    assert cork_progress.total // 2 <= cork_progress.answered <= cork_progress.total // 2 + 2

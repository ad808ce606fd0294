"""The demo register: 30 entries across the three disciplines, 15 obligations with evaluations; idempotent."""

from __future__ import annotations

import pytest

from ims.documents.demo import documents_demo_seed
from ims.org.demo import demo_seed as org_demo_seed
from manual.risks.demo import risks_demo_seed
from manual.risks.models import ComplianceEvaluation, Control, Obligation, RiskEntry
from policies.demo import objectives_demo_seed
from processes import demo_register

pytestmark = pytest.mark.django_db


def test_demo_register(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    org_demo_seed()
    documents_demo_seed()
    objectives_demo_seed()
    demo_register.seed()
    summary = risks_demo_seed()
    assert RiskEntry.objects.count() == 30, summary
    assert set(RiskEntry.objects.values_list("discipline", flat=True)) == {"quality", "environment", "ohs"}
    assert Control.objects.count() == 30
    assert Control.objects.exclude(procedure=None).exists()
    assert Obligation.objects.count() == 15
    assert ComplianceEvaluation.objects.count() >= 15
    assert RiskEntry.objects.filter(is_significant=True).exists()
    assert RiskEntry.objects.filter(
        review_date__lt=RiskEntry.objects.order_by("created_at").first().created_at.date()
    ).exists()
    risks_demo_seed()
    assert RiskEntry.objects.count() == 30 and Obligation.objects.count() == 15

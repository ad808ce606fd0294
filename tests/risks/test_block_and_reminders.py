"""The manual's ``risk_summary`` block and the owners' reminders in the daily digest."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from ims.notifications.models import Notice
from manual.blocks import block_get
from manual.risks.choices import EntryKind, EvaluationResult
from manual.risks.obligations import evaluation_record
from manual.risks.reminders import risk_notices
from manual.risks.services import entry_update

from .factories import entry_at, in_days, obligation_at

pytestmark = pytest.mark.django_db


def test_block_renders_heatmaps_risks_aspects_obligations(org):
    entry = entry_at(org.site_a, title="Forklift traffic")
    aspect = entry_at(org.site_a, EntryKind.ENVIRONMENTAL_ASPECT, title="Solvent store")
    hidden = entry_at(org.site_b, title="Other site hazard")
    obligation = obligation_at(org.site_a, title="EU GMP Chapter 1")
    evaluation_record(actor=None, obligation=obligation, site=org.site_a, evaluated_on=in_days(0),
                      result=EvaluationResult.COMPLIANT, evidence="PQS review", evaluated_by=org.qm_a)  # fmt: skip
    block = block_get("risk_summary")
    assert block.clause_hint == "6"
    content = block.render(user=org.qm_a, sites=[org.site_a], params={})
    html = str(content.html)
    assert html.count("<svg") == 3 and "Forklift traffic" in html and "EU GMP Chapter 1" in html
    assert "Other site hazard" not in html
    refs = {s.ref for s in content.sources}
    assert {f"risks.riskentry:{entry.pk}", f"risks.riskentry:{aspect.pk}", f"risks.obligation:{obligation.pk}"} <= refs
    assert f"risks.riskentry:{hidden.pk}" not in refs
    before = {s.ref: s.digest for s in content.sources}
    entry_update(actor=None, entry=entry, data={"residual_likelihood": 1}, reason="Guard rails")
    after = {s.ref: s.digest for s in block.render(user=org.qm_a, sites=[org.site_a], params={}).sources}
    assert before[f"risks.riskentry:{entry.pk}"] != after[f"risks.riskentry:{entry.pk}"]
    assert before[f"risks.obligation:{obligation.pk}"] == after[f"risks.obligation:{obligation.pk}"]
    with pytest.raises(ValidationError):
        block.validate(user=org.qm_a, sites=[org.site_b], params={})
    with pytest.raises(ValidationError):
        block.validate(user=org.qm_a, sites=[org.site_a], params={"discipline": "finance"})
    only_ohs = str(block.render(user=org.qm_a, sites=[org.site_a], params={"discipline": "ohs"}).html)
    assert only_ohs.count("<svg") == 1


def test_review_reminders_once_per_step(org):
    entry = entry_at(org.site_a, review_date=in_days(5))
    obligation = obligation_at(org.site_a, next_evaluation=in_days(20))
    assert risk_notices(in_days(0)) == 2
    assert risk_notices(in_days(0)) == 0
    notice = Notice.objects.get(person=entry.owner, category="risk_review")
    assert entry.reference in notice.body
    assert Notice.objects.filter(person=obligation.owner, category="obligation_evaluation").exists()
    entry_update(actor=None, entry=entry, data={"review_date": in_days(6)}, reason="Moved")
    assert risk_notices(in_days(1)) == 1

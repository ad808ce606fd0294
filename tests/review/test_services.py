"""Management review services: inputs assembled from the registry, the snapshot fixed on hold, decisions and
actions, and the chair's signature after which nothing changes."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from implementation.review import services
from implementation.review.choices import ReviewStatus
from implementation.review.models import ManagementReview, ReviewInputSnapshot
from implementation.review.selectors import review_inputs, review_inputs_live
from ims.actions.models import Action
from ims.esign.querysets import AppendOnlyViolation
from ims.esign.services import SignatureRefused
from ims.indicators.review_inputs import ReviewSection, inputs_all
from tests.review.factories import certify, review_for, sign

pytestmark = pytest.mark.django_db

EXPECTED_KEYS = {
    "previous_actions",
    "context_changes",
    "audit_results",
    "capa_status",
    "training_compliance",
    "compliance_evaluation",
    "improvement_opportunities",
}


def test_every_registered_input_is_assembled_in_clause_order(org):
    review = review_for(org.site_a, chair=org.qm_a, actor=org.qm_a)
    shown = review_inputs_live(user=org.qm_a, review=review)
    keys = [item.key for item in shown]
    assert keys == [i.key for i in inputs_all()]
    assert EXPECTED_KEYS <= set(keys)
    assert [item.order for item in shown] == sorted(item.order for item in shown)
    assert all(item.summary for item in shown)


def test_an_input_registered_later_appears_and_a_failing_one_does_not_hide_the_others(org, monkeypatch):
    from ims.indicators import review_inputs as registry

    def boom(**kwargs):
        raise RuntimeError("broken source")

    def extra(*, user, site_ids, start, end):
        return ReviewSection(summary=f"{len(site_ids)} site(s)", html="<p>x</p>", figures={"n": 1})

    monkeypatch.setitem(registry._INPUTS, "zz_extra", registry.ReviewInput("zz_extra", "Extra", 95, extra))
    monkeypatch.setitem(registry._INPUTS, "zz_broken", registry.ReviewInput("zz_broken", "Broken", 96, boom))
    review = review_for(org.site_a, chair=org.qm_a, actor=org.qm_a)
    shown = {item.key: item for item in review_inputs_live(user=org.qm_a, review=review)}
    assert shown["zz_extra"].summary == "1 site(s)"
    assert "could not be assembled" in shown["zz_broken"].summary
    assert EXPECTED_KEYS <= set(shown)


def test_hold_fixes_the_inputs_in_an_append_only_snapshot(org, monkeypatch):
    review = review_for(org.site_a, chair=org.qm_a, actor=org.qm_a)
    services.review_hold(actor=org.qm_a, review=review)
    review.refresh_from_db()
    assert review.status == ReviewStatus.HELD and review.held_at
    snapshots = list(ReviewInputSnapshot.objects.filter(review=review))
    assert {s.key for s in snapshots} >= EXPECTED_KEYS
    # Data changing later does not change what the review shows.
    from ims.indicators import review_inputs as registry

    monkeypatch.setitem(
        registry._INPUTS,
        "audit_results",
        registry.ReviewInput("audit_results", "Audit results", 40, lambda **k: ReviewSection("changed", "<p/>")),
    )
    fixed = {i.key: i for i in review_inputs(user=org.qm_a, review=review)}
    assert fixed["audit_results"].summary != "changed" and fixed["audit_results"].fixed
    snapshot = snapshots[0]
    snapshot.summary = "tampered"
    with pytest.raises(AppendOnlyViolation):
        snapshot.save()
    with pytest.raises(AppendOnlyViolation):
        ReviewInputSnapshot.objects.filter(review=review).update(summary="tampered")
    with pytest.raises(AppendOnlyViolation):
        snapshot.delete()
    with pytest.raises(ValidationError):
        services.review_hold(actor=org.qm_a, review=review)
    with pytest.raises(ValidationError):
        services.review_update(actor=org.qm_a, review=review, period_start=datetime.date(2026, 1, 1))


def test_decisions_and_actions_need_a_held_review_and_raise_tracked_actions(org):
    review = review_for(org.site_a, chair=org.qm_a, actor=org.qm_a)
    with pytest.raises(ValidationError):
        services.decision_record(actor=org.qm_a, review=review, text="Invest in training")
    services.review_hold(actor=org.qm_a, review=review)
    decision = services.decision_record(actor=org.qm_a, review=review, text="Invest in training")
    with pytest.raises(ValidationError):
        services.decision_record(actor=org.qm_a, review=review, text="  ")
    action = services.action_record(
        actor=org.qm_a,
        review=review,
        decision=decision,
        title="Run refresher courses",
        owner=org.emp_a,
        due_date=datetime.date(2026, 12, 31),
    )
    tracked = Action.objects.get(reference=action.action_reference)
    assert tracked.site == org.site_a and tracked.owner == org.emp_a and tracked.title == "Run refresher courses"
    with pytest.raises(ValidationError):
        services.action_record(
            actor=org.qm_a, review=review, title="x", owner=org.emp_a, due_date=datetime.date(2026, 12, 31),
            site=org.site_b,
        )  # fmt: skip


def test_site_b_manager_may_not_change_site_a_review(org):
    review = review_for(org.site_a, chair=org.qm_a, actor=org.qm_a)
    with pytest.raises(PermissionDenied):
        services.review_hold(actor=org.qm_b, review=review)
    with pytest.raises(PermissionDenied):
        review_for(org.site_a, chair=org.qm_b, actor=org.qm_b)
    with pytest.raises(PermissionDenied):
        review_for(None, chair=org.qm_a, actor=org.qm_a)
    company = review_for(None, chair=org.admin, actor=org.admin)
    assert company.company_wide
    assert not ManagementReview.objects.restrict(org.qm_a, "view").filter(pk=company.pk).exists()


def test_only_the_chair_signs_and_after_signing_nothing_changes(org):
    review = review_for(org.site_a, chair=org.qm_a, actor=org.qm_a, attendees=[org.emp_a])
    certify(org.qm_a)
    certify(org.admin)
    with pytest.raises(SignatureRefused):
        sign(review, org.qm_a)  # not held yet
    services.review_hold(actor=org.qm_a, review=review)
    services.decision_record(actor=org.qm_a, review=review, text="Keep the objectives")
    with pytest.raises(SignatureRefused) as refused:
        sign(review, org.admin)
    assert refused.value.code == "not_chair"
    with pytest.raises(SignatureRefused):
        sign(review, org.qm_a, password="wrong")
    review.refresh_from_db()
    assert review.status == ReviewStatus.HELD
    signature = sign(review, org.qm_a)
    review.refresh_from_db()
    assert review.status == ReviewStatus.SIGNED and review.signed_at == signature.signed_at
    assert signature.meaning == "approved" and signature.signer == org.qm_a
    assert review.content_digest == services.review_content_digest(review)
    with pytest.raises(ValidationError):
        services.decision_record(actor=org.qm_a, review=review, text="Late decision")
    with pytest.raises(ValidationError):
        services.action_record(
            actor=org.qm_a, review=review, title="Late", owner=org.emp_a, due_date=datetime.date(2027, 1, 1)
        )
    with pytest.raises(ValidationError):
        services.review_update(actor=org.qm_a, review=review, minutes="Rewritten")
    with pytest.raises(ValidationError):
        sign(review, org.qm_a)

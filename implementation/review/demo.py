"""Demo: Basel's management review of the last quarter — held (inputs fixed), decisions and actions, minutes
signed by the chair. Runs after the other step-5 apps so that KPIs and feedback are among its inputs."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ims.audit.context import audit_context
from ims.esign import services as esign_services
from ims.org.models import Person, Site

from . import services
from .models import ManagementReview

PEOPLE = ("qm.basel", "compliance.basel", "owner.basel", "head.basel")


def last_quarter(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    first_this = datetime.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    end = first_this - datetime.timedelta(days=1)
    return datetime.date(end.year, 3 * ((end.month - 1) // 3) + 1, 1), end


@transaction.atomic
def review_demo_seed() -> str:
    basel = Site.objects.filter(code="BSL").first()
    if basel is None:
        return "no Basel site"
    start, end = last_quarter(timezone.localdate())
    title = f"Management review Q{(start.month - 1) // 3 + 1} {start.year} — Basel"
    if ManagementReview._base_manager.filter(site=basel, title=title).exists():
        return "management review unchanged"
    people = {p.username: p for p in Person.objects.filter(username__in=PEOPLE)}
    if len(people) < len(PEOPLE):
        return "demo people missing"
    qm = people["qm.basel"]
    if esign_services.certification_current(qm) is None:
        esign_services.certification_create(
            person=qm, password=settings.IMS_DEMO_PASSWORD, username=qm.username, session=None
        )
    meeting = min(end + datetime.timedelta(days=14), timezone.localdate())
    with audit_context(reason="Demo data"):
        review = services.review_create(
            actor=qm, site=basel, title=title, period_start=start, period_end=end, meeting_date=meeting, chair=qm,
            attendees=[people[u] for u in PEOPLE],
            minutes=(
                "The site reviewed the performance of the integrated management system for the quarter: KPIs and "
                "their control charts, audit results, CAPA status, employee feedback and training compliance. The "
                "IMS remains suitable, adequate and effective; the decisions below address the gaps discussed."
            ),
        )  # fmt: skip
        review = services.review_hold(actor=qm, review=review)
        training = services.decision_record(
            actor=qm, review=review,
            text="Resource a refresher campaign so that training compliance stays above 95 % at every function.",
        )  # fmt: skip
        cold_chain = services.decision_record(
            actor=qm, review=review,
            text="Treat the out-of-control KPI signal as a process change: revise the cold-chain monitoring procedure.",
        )  # fmt: skip
        services.action_record(
            actor=qm, review=review, decision=training, title="Schedule refresher sessions for Production",
            owner=people["head.basel"], due_date=end + datetime.timedelta(days=75),
        )  # fmt: skip
        services.action_record(
            actor=qm, review=review, decision=cold_chain, title="Revise SOP cold-chain monitoring and retrain",
            owner=people["owner.basel"], due_date=end + datetime.timedelta(days=60),
        )  # fmt: skip
        services.review_minutes_sign(
            signer=qm, review=review, password=settings.IMS_DEMO_PASSWORD, username=qm.username,
            reason="Minutes approved by the chair", session=None,
        )  # fmt: skip
    return f"management review {review.reference} held and signed"

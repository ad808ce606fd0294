"""Changes to a management review: create, edit, hold (fix the inputs), decisions, actions, sign the minutes.

Who may (``ims.org.roles``): a review is created and changed by whoever holds ``review.add_managementreview`` /
``review.change_managementreview`` at its site (company-wide: held company-wide). Only the chair signs the minutes
(e-signature, meaning *approved*); after that nothing of the review changes. ``actor=None`` is the trusted
command-line channel (demo seed).
"""

from __future__ import annotations

import datetime
import hashlib
import json

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ims.access.permissions import has_global_permission, user_can, user_can_at_site
from ims.actions.registry import DEFAULT_KIND, action_raise
from ims.audit.context import audit_context
from ims.audit.context import current as current_audit_context
from ims.esign.choices import SignatureChannel
from ims.esign.services import SignatureRefused, signature_create
from ims.jobs.services import job_request

from .choices import ReviewStatus
from .models import ManagementReview, ReviewAction, ReviewDecision, ReviewInputSnapshot, ReviewPack
from .models.review import MINUTES_MEANING
from .selectors import review_inputs_live

PERM_ADD = "review.add_managementreview"
PACK_JOB = "review-pack"
EDITABLE_FIELDS = ("title", "period_start", "period_end", "meeting_date", "chair", "minutes")
PERIOD_FIELDS = ("period_start", "period_end")


class TransitionNotAllowed(ValidationError):
    """The review is not in a state that allows this step; nothing was changed."""


def _reason(default: str):
    return audit_context(reason=current_audit_context().get("reason") or default)


def _lock(review: ManagementReview) -> ManagementReview:
    return ManagementReview.objects.select_for_update().get(pk=review.pk)


def _require_change(actor, review: ManagementReview) -> None:
    if actor is not None and not user_can(actor, "change", review):
        raise PermissionDenied(_("You may not change this management review."))


def _refuse_if_signed(review: ManagementReview) -> None:
    if review.status == ReviewStatus.SIGNED:
        raise TransitionNotAllowed(
            _("The minutes of %(ref)s are signed: the review no longer changes.") % {"ref": review.reference},
            code="signed",
        )


def _next_reference(year: int) -> str:
    prefix = f"MR-{year}-"
    last = (
        ManagementReview._base_manager.filter(reference__startswith=prefix)
        .order_by("-reference")
        .values_list("reference", flat=True)
    ).first()
    number = int(last.removeprefix(prefix)) + 1 if last else 1
    return f"{prefix}{number:03d}"


def may_add_at(actor, site) -> bool:
    if actor is None:
        return True
    if site is None:
        return has_global_permission(actor, PERM_ADD)
    return user_can_at_site(actor, PERM_ADD, site)


@transaction.atomic
def review_create(
    *,
    actor,
    site,
    title: str,
    period_start: datetime.date,
    period_end: datetime.date,
    meeting_date: datetime.date,
    chair,
    attendees=(),
    minutes: str = "",
) -> ManagementReview:
    """Plan a review of ``site`` (``None``: company-wide) for a period."""
    if not may_add_at(actor, site):
        if site is None:
            raise PermissionDenied(_("Only people who manage every site may plan a company-wide review."))
        raise PermissionDenied(_("You may not plan management reviews at site %(site)s.") % {"site": site.code})
    review = ManagementReview(
        reference=_next_reference(meeting_date.year),
        title=(title or "").strip(),
        site=site,
        period_start=period_start,
        period_end=period_end,
        meeting_date=meeting_date,
        chair=chair,
        minutes=minutes or "",
        created_by=actor,
    )
    _check_period(review)
    review.full_clean()
    review.save()
    review.attendees.set(attendees)
    return review


def _check_period(review: ManagementReview) -> None:
    if review.period_start and review.period_end and review.period_end < review.period_start:
        raise ValidationError({"period_end": _("The period cannot end before it starts.")})


@transaction.atomic
def review_update(*, actor, review: ManagementReview, attendees=None, **changes) -> ManagementReview:
    """Change the review's fields; the period is fixed once the meeting is held, and nothing after signing."""
    _require_change(actor, review)
    locked = _lock(review)
    _refuse_if_signed(locked)
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(_("These fields cannot be changed: %(f)s.") % {"f": ", ".join(sorted(unknown))})
    if locked.held_at is not None and any(
        name in changes and changes[name] != getattr(locked, name) for name in PERIOD_FIELDS
    ):
        raise TransitionNotAllowed(
            {"period_start": _("The review was held: its period and inputs are fixed.")}, code="held"
        )
    for name, value in changes.items():
        setattr(locked, name, value.strip() if isinstance(value, str) else value)
    _check_period(locked)
    locked.full_clean()
    with _reason("Management review edited"):
        locked.save()
        if attendees is not None:
            locked.attendees.set(attendees)
    return locked


def _section_digest(key: str, summary: str, figures: dict, html: str) -> str:
    canonical = json.dumps(
        {"key": key, "summary": summary, "figures": figures, "html": html}, sort_keys=True, default=str
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


@transaction.atomic
def review_hold(*, actor, review: ManagementReview) -> ManagementReview:
    """Planned → held: the inputs, assembled now as the actor sees them, are fixed in append-only snapshots."""
    _require_change(actor, review)
    locked = _lock(review)
    if locked.status != ReviewStatus.PLANNED:
        raise TransitionNotAllowed(_("Only a planned review can be held; this one is already held."), code="held")
    viewer = actor if actor is not None else locked.chair
    for item in review_inputs_live(user=viewer, review=locked):
        figures = json.loads(json.dumps(item.figures, default=str))
        ReviewInputSnapshot.objects.create(
            review=locked,
            key=item.key,
            label=str(item.label),
            order=item.order,
            summary=item.summary,
            figures=figures,
            html=str(item.html),
            sha256=_section_digest(item.key, item.summary, figures, str(item.html)),
        )
    locked.status = ReviewStatus.HELD
    locked.held_at = timezone.now()
    with _reason("Management review held: inputs fixed"):
        locked.save(update_fields=["status", "held_at", "updated_at"])
    return locked


def _require_held(review: ManagementReview, what: str) -> None:
    _refuse_if_signed(review)
    if review.status != ReviewStatus.HELD:
        raise TransitionNotAllowed(
            _("Hold the meeting first: %(what)s are recorded for a held review.") % {"what": what}, code="planned"
        )


@transaction.atomic
def decision_record(*, actor, review: ManagementReview, text: str) -> ReviewDecision:
    _require_change(actor, review)
    locked = _lock(review)
    _require_held(locked, _("decisions"))
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Write the decision.")})
    decision = ReviewDecision(review=locked, text=text, recorded_by=actor)
    decision.full_clean()
    decision.save()
    return decision


@transaction.atomic
def action_record(
    *,
    actor,
    review: ManagementReview,
    title: str,
    owner,
    due_date: datetime.date,
    description: str = "",
    site=None,
    decision: ReviewDecision | None = None,
) -> ReviewAction:
    """An action of the review, raised as a tracked action so that it is followed up in ``/actions/``."""
    _require_change(actor, review)
    locked = _lock(review)
    _require_held(locked, _("actions"))
    site = site or locked.site
    if site is None:
        raise ValidationError({"site": _("A company-wide review names the site each action belongs to.")})
    if locked.site_id is not None and site.pk != locked.site_id:
        raise ValidationError({"site": _("The actions of a site's review belong to that site.")})
    if decision is not None and decision.review_id != locked.pk:
        raise ValidationError({"decision": _("That decision belongs to another review.")})
    if owner is None:
        raise ValidationError({"owner": _("Name the owner of the action.")})
    if due_date is None:
        raise ValidationError({"due_date": _("Give the due date.")})
    action = ReviewAction(
        review=locked,
        decision=decision,
        title=(title or "").strip(),
        description=(description or "").strip(),
        owner=owner,
        due_date=due_date,
        site=site,
    )
    action.full_clean()
    ref = action_raise(
        DEFAULT_KIND,
        actor=actor,
        source=locked,
        title=action.title,
        description=action.description,
        owner=owner,
        due_date=due_date,
        site=site,
    )
    action.action_kind = ref.kind
    action.action_reference = ref.reference
    action.save()
    return action


def review_content_digest(review: ManagementReview) -> str:
    """SHA-256 over the fixed inputs, the decisions and the actions: what the chair's signature binds."""
    payload = {
        "inputs": list(review.snapshots.order_by("order", "key").values_list("key", "sha256")),
        "decisions": list(review.decisions.order_by("pk").values_list("pk", "text")),
        "actions": [
            [a.pk, a.title, a.owner_id, a.due_date.isoformat(), a.site_id, a.action_reference]
            for a in review.actions.order_by("pk")
        ],
        "attendees": sorted(review.attendees.values_list("pk", flat=True)),
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


@transaction.atomic
def _minutes_prepare(review: ManagementReview, *, signer) -> ManagementReview:
    locked = _lock(review)
    _refuse_if_signed(locked)
    if locked.status != ReviewStatus.HELD:
        raise SignatureRefused(_("Hold the meeting before signing its minutes."), code="not_held", status=409)
    if signer is None or locked.chair_id != signer.pk:
        raise SignatureRefused(
            _("Only the chair of the review (%(chair)s) signs its minutes.") % {"chair": locked.chair},
            code="not_chair",
            status=403,
        )
    digest = review_content_digest(locked)
    if locked.content_digest != digest:
        locked.content_digest = digest
        with _reason("Minutes prepared for signature"):
            locked.save(update_fields=["content_digest", "updated_at"])
    return locked


def review_minutes_sign(
    *,
    signer,
    review: ManagementReview,
    password: str | None,
    username: str | None = None,
    reason: str = "",
    session=None,
    channel: str = SignatureChannel.WEB,
    ip: str | None = None,
):
    """Held → minutes signed, by the chair with their e-signature; afterwards the review never changes."""
    prepared = _minutes_prepare(review, signer=signer)

    def apply(signature):
        ManagementReview.objects.filter(pk=prepared.pk).update(
            status=ReviewStatus.SIGNED, signed_at=signature.signed_at, updated_at=timezone.now()
        )

    with _reason(reason or "Minutes signed by the chair"):
        return signature_create(
            signer=signer,
            record=prepared,
            meaning=MINUTES_MEANING,
            password=password,
            username=username,
            reason=reason,
            session=session,
            channel=channel,
            ip=ip,
            apply=apply,
            workflow=True,
        )


def review_pack_request(*, actor, review: ManagementReview) -> tuple[ReviewPack, bool]:
    """Ask for the pack: one open job per review and requester; a second click returns the job under way."""
    if not ManagementReview.objects.restrict(actor, "view").filter(pk=review.pk).exists():
        raise PermissionDenied(_("You may not see this management review."))
    created_pack: list[ReviewPack] = []

    def create_subject(job):
        created_pack.append(ReviewPack.objects.create(review=review, job=job, requested_by=actor))

    job, created = job_request(
        kind=PACK_JOB,
        scope={"review": review.pk, "by": actor.pk, "status": review.status},
        requested_by=actor,
        create_subject=create_subject,
    )
    pack = created_pack[0] if created_pack else ReviewPack.objects.get(job=job)
    return pack, created

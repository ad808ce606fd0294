"""Employee feedback: submission (named or truly anonymous, rate limited per site) and triage by the site's QM.

* Any person with a membership at a site may report there under their name, or anonymously; the kiosk form of
  a site (no sign-in) reports anonymously.
* An anonymous report is written under an audit context of its own, started afresh: no actor, request id or
  client address reaches the trail, and the row holds no person.
* Anonymous reports are limited per site (``FEEDBACK_ANONYMOUS_LIMIT`` in ``FEEDBACK_ANONYMOUS_WINDOW_MINUTES``);
  beyond it nothing is saved and the reporter is told to try later.
* Triage needs ``feedback.triage_feedbackitem`` at the item's site; a CAPA also needs ``capa.add_capa`` there.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ims.access.permissions import has_global_permission, user_can_at_site
from ims.actions.registry import action_raise, action_url
from ims.audit.context import audit_context
from ims.audit.context import current as current_audit_context
from ims.notifications.services import notices_write

from .choices import OPEN_STATUSES, FeedbackKind, FeedbackStatus, TriageDecision
from .models import FeedbackItem

PERM_TRIAGE = "feedback.triage_feedbackitem"
PERM_CAPA = "capa.add_capa"
NOTICE_CATEGORY = "feedback_status"
ANONYMOUS_LABEL = "anonymous feedback"
DEFAULT_LIMIT = 10
DEFAULT_WINDOW_MINUTES = 10


class FeedbackFlooded(ValidationError):
    """Too many anonymous reports at the site just now; nothing was saved."""


def anonymous_limit() -> tuple[int, int]:
    return (
        int(getattr(settings, "FEEDBACK_ANONYMOUS_LIMIT", DEFAULT_LIMIT)),
        int(getattr(settings, "FEEDBACK_ANONYMOUS_WINDOW_MINUTES", DEFAULT_WINDOW_MINUTES)),
    )


def _next_reference() -> tuple[int, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence('feedback_feedbackitem', 'id'))")
        pk = cursor.fetchone()[0]
    return pk, f"FB-{pk:06d}"


def _site_lock(site) -> None:
    """Serialise anonymous reports of one site so that the flood check counts every concurrent one."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext('feedback.site'), (%s)::int)", [site.pk])


def _check_flood(site) -> None:
    limit, minutes = anonymous_limit()
    since = timezone.now() - datetime.timedelta(minutes=minutes)
    recent = FeedbackItem._base_manager.filter(site=site, submitter__isnull=True, submitted_at__gte=since).count()
    if recent >= limit:
        raise FeedbackFlooded(
            _(
                "Too many anonymous reports were sent from %(site)s in the last %(minutes)s minutes; nothing was "
                "saved. Please try again in a few minutes, or tell your supervisor or quality manager directly."
            )
            % {"site": site.name, "minutes": minutes},
            code="flooded",
        )


def _validate(*, kind: str, description: str, location: str, site) -> dict:
    errors = {}
    if kind not in FeedbackKind.values:
        errors["kind"] = _("Choose suggestion, concern, near miss or unsafe condition.")
    if not (description or "").strip():
        errors["description"] = _("Describe what happened or what could be better.")
    elif len(description) > 5000:
        errors["description"] = _("Keep the description under 5,000 characters.")
    if len(location or "") > 200:
        errors["location"] = _("Keep the location under 200 characters.")
    if site is None or not site.is_active:
        errors["site"] = _("Choose an active site.")
    if errors:
        raise ValidationError(errors)
    return {"kind": kind, "description": description.strip(), "location": (location or "").strip()}


def submit_sites(person):
    """The sites where ``person`` may report: those of their current memberships."""
    from ims.org.models import Site

    if not getattr(person, "is_authenticated", False):
        return Site.objects.none()
    return Site.objects.filter(is_active=True, pk__in=person_site_ids(person)).order_by("code")


def person_site_ids(person) -> list[int]:
    """The sites of ``person``'s current memberships (the Global Admin reports anywhere)."""
    from ims.org.models import Membership, Site

    if has_global_permission(person, PERM_TRIAGE):
        return list(Site.objects.filter(is_active=True).values_list("pk", flat=True))
    today = timezone.localdate()
    current = Membership._base_manager.filter(person=person, valid_from__lte=today).exclude(valid_to__lt=today)
    return list(current.values_list("site_id", flat=True))


@transaction.atomic
def feedback_submit(
    *, actor, site, kind: str, description: str, location: str = "", function=None, anonymous: bool = False
) -> FeedbackItem:
    """Record a report at ``site``: under ``actor``'s name, or (``anonymous`` or no actor) with no trace of who."""
    values = _validate(kind=kind, description=description, location=location, site=site)
    named = actor is not None and getattr(actor, "is_authenticated", False) and not anonymous
    if actor is not None and getattr(actor, "is_authenticated", False) and site.pk not in person_site_ids(actor):
        raise ValidationError({"site": _("You report at the sites where you work.")})
    if not named:
        _site_lock(site)
        _check_flood(site)
    pk, reference = _next_reference()
    item = FeedbackItem(pk=pk, reference=reference, site=site, function=function, submitter=actor if named else None)
    for name, value in values.items():
        setattr(item, name, value)
    item.full_clean(validate_unique=False)
    if named:
        with audit_context(reason=_("Feedback submitted")):
            item.save(force_insert=True)
    else:
        # A fresh context: the trail gets neither the signed-in person, nor the request id, nor the address.
        with audit_context(replace=True, actor_label=ANONYMOUS_LABEL, channel="web", reason=_("Feedback submitted")):
            item.save(force_insert=True)
    return item


def _lock(item: FeedbackItem) -> FeedbackItem:
    return FeedbackItem._base_manager.select_for_update().get(pk=item.pk)


def _reason(default: str):
    return audit_context(reason=current_audit_context().get("reason") or default)


def may_triage(actor, item: FeedbackItem) -> bool:
    return user_can_at_site(actor, PERM_TRIAGE, item.site)


def _notify(item: FeedbackItem, subject: str) -> None:
    """A named reporter hears of every change of status in the in-app inbox (and the daily digest)."""
    if item.submitter_id is None:
        return
    body = _("%(ref)s (%(kind)s): %(status)s. %(outcome)s") % {
        "ref": item.reference,
        "kind": item.get_kind_display(),
        "status": item.get_status_display(),
        "outcome": item.outcome,
    }
    notices_write(
        category=NOTICE_CATEGORY,
        on=timezone.localdate(),
        messages={item.submitter_id: (body.strip(), 1)},
        subject=subject,
        url=reverse("feedback:my_feedback"),
    )


@transaction.atomic
def feedback_take_up(*, actor, item: FeedbackItem) -> FeedbackItem:
    """The QM starts looking at a new item: the reporter sees it is under triage."""
    locked = _lock(item)
    if not may_triage(actor, locked):
        raise PermissionDenied(_("You may not triage feedback at %(site)s.") % {"site": locked.site.code})
    if locked.status != FeedbackStatus.NEW:
        raise ValidationError(_("Only new feedback is taken up for triage."), code="not_new")
    locked.status = FeedbackStatus.UNDER_TRIAGE
    with _reason(_("Feedback taken up for triage")):
        locked.save(update_fields=["status", "updated_at"])
    _notify(locked, _("Your feedback is being looked at"))
    return locked


@transaction.atomic
def feedback_triage(
    *,
    actor,
    item: FeedbackItem,
    decision: str,
    outcome: str,
    title: str = "",
    owner=None,
    due_date: datetime.date | None = None,
) -> FeedbackItem:
    """Decide on an open item: an improvement action or a CAPA through the action registry, or a rejection.
    ``outcome`` is what the reporter reads (for a rejection, the reason)."""
    locked = _lock(item)
    site = locked.site
    if not may_triage(actor, locked):
        raise PermissionDenied(
            _("You do not manage %(site)s: its feedback is triaged by its quality manager.") % {"site": site.name}
        )
    if locked.status not in OPEN_STATUSES:
        raise ValidationError(
            _("This feedback was already decided (%(status)s).") % {"status": locked.get_status_display()},
            code="decided",
        )
    if decision not in TriageDecision.values:
        raise ValidationError({"decision": _("Choose accept, CAPA or reject.")})
    outcome = (outcome or "").strip()
    if not outcome:
        message = (
            _("Give the reason for the rejection; the reporter reads it.")
            if decision == TriageDecision.REJECT
            else _("Say what will be done; the reporter reads it.")
        )
        raise ValidationError({"outcome": message})
    if decision == TriageDecision.CAPA and actor is not None and not user_can_at_site(actor, PERM_CAPA, site):
        raise PermissionDenied(
            _("You do not manage %(site)s: a CAPA there is opened by its quality manager.") % {"site": site.name}
        )
    if decision != TriageDecision.REJECT:
        kind = "capa" if decision == TriageDecision.CAPA else "action"
        ref = action_raise(
            kind,
            actor=actor,
            source=locked,
            title=(title or "").strip() or _("Feedback %(ref)s: %(kind)s") % {
                "ref": locked.reference, "kind": locked.get_kind_display()},
            description=locked.description,
            owner=owner,
            due_date=due_date,
            site=site,
        )  # fmt: skip
        locked.action_kind = ref.kind
        locked.action_reference = ref.reference
        locked.status = FeedbackStatus.CAPA_OPENED if decision == TriageDecision.CAPA else FeedbackStatus.ACCEPTED
    else:
        locked.status = FeedbackStatus.REJECTED
    locked.outcome = outcome[:5000]
    locked.triaged_by = actor
    locked.triaged_at = timezone.now()
    with _reason(_("Feedback triaged: %(status)s") % {"status": locked.get_status_display()}):
        locked.save(
            update_fields=[
                "status", "outcome", "triaged_by", "triaged_at", "action_kind", "action_reference", "updated_at"]
        )  # fmt: skip
    _notify(locked, _("Your feedback was answered"))
    return locked


def feedback_action_url(item: FeedbackItem) -> str:
    return action_url(item.action_kind, item.action_reference) if item.action_reference else ""

"""The request board of an inspection: the inspector asks, the quality team prepares and provides.

A request moves requested → in preparation → provided, each step recording who and when. Only the inspector of
the grant asks (while the grant is in force); only someone who may change the request at the grant's sites (the
quality manager) moves it. Asking tells the granting quality manager, providing tells the inspector (in-app
notices, ``ims.notifications``).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ims.access.models import InspectorGrant
from ims.access.permissions import user_can
from ims.notifications.services import notices_write

from .models import EvidencePack, InspectionRequest, RequestStatus

#: Notice categories (one notice per person and day; the day's later requests are added to it).
NOTICE_ASKED = "inspection_request"
NOTICE_PROVIDED = "inspection_request_provided"
MAX_LINKS = 20


def request_create(*, actor, grant: InspectorGrant, subject: str, detail: str = "") -> InspectionRequest:
    """The inspector of ``grant`` asks for records; numbered per grant (R1, R2, …)."""
    if grant.inspector_id != actor.pk:
        raise PermissionDenied(_("Only the inspector asks for records on the request board."))
    subject = (subject or "").strip()
    if not subject:
        raise ValidationError({"subject": _("Say what you ask for, e.g. 'CAPA log 2025 for Basel'.")})
    with transaction.atomic():
        # The grant's row serialises the numbering of its requests (two asks at once never share a number).
        locked = InspectorGrant.objects.select_for_update().get(pk=grant.pk)
        if not InspectorGrant.objects.active().filter(pk=locked.pk).exists():
            raise ValidationError(_("This inspection's access is not in force: no requests can be made."))
        last = InspectionRequest.objects.filter(grant=locked).aggregate(n=models.Max("number"))["n"] or 0
        request = InspectionRequest(
            grant=locked, number=last + 1, subject=subject[:300], detail=(detail or "").strip(), requested_by=actor
        )
        request.full_clean(exclude=["packs"])
        request.save()
        _notify(
            person_id=locked.granted_by_id, category=NOTICE_ASKED,
            subject=_("%(n)s new request(s) from the inspector"),
            body=_("%(inspection)s — R%(number)s: %(subject)s")
            % {"inspection": locked.reference, "number": request.number, "subject": request.subject},
            url=request.get_absolute_url(),
        )  # fmt: skip
    return request


def _locked_for_move(*, actor, request: InspectionRequest) -> InspectionRequest:
    if getattr(actor, "external_inspector", False) or not user_can(actor, "change", request):
        raise PermissionDenied(_("Only the quality team of the inspected sites moves requests on the board."))
    return InspectionRequest.objects.select_for_update().get(pk=request.pk)


def request_prepare(*, actor, request: InspectionRequest) -> InspectionRequest:
    """requested → in preparation: someone of the quality team takes the request on."""
    with transaction.atomic():
        request = _locked_for_move(actor=actor, request=request)
        if request.status != RequestStatus.REQUESTED:
            raise ValidationError(
                _("Only a request that is asked for can be taken into preparation; R%(n)s is %(status)s.")
                % {"n": request.number, "status": request.get_status_display().lower()},
                code="invalid_transition",
            )
        request.status = RequestStatus.IN_PREPARATION
        request.preparing_by = actor
        request.preparing_at = timezone.now()
        request.save(update_fields=["status", "preparing_by", "preparing_at", "updated_at"])
    return request


def request_links_clean(links) -> list[dict]:
    """Links to records inside the portal: ``[{"label": …, "url": "/capa/12/"}]``, paths only (no other site)."""
    cleaned = []
    for item in links or []:
        if isinstance(item, str):
            item = {"label": "", "url": item}
        if not isinstance(item, dict):
            raise ValidationError({"links": _("Each link is a label and a path in the portal.")})
        url = str(item.get("url") or "").strip()
        label = str(item.get("label") or "").strip()[:200]
        if not url.startswith("/") or url.startswith("//") or "\\" in url or any(c.isspace() for c in url):
            raise ValidationError(
                {"links": _("“%(url)s” is not a path in the portal: links start with “/”, e.g. /capa/12/.")
                 % {"url": url[:80]}}
            )  # fmt: skip
        cleaned.append({"label": label or url, "url": url[:400]})
    if len(cleaned) > MAX_LINKS:
        raise ValidationError({"links": _("At most %(n)s links per answer.") % {"n": MAX_LINKS}})
    return cleaned


def request_provide(*, actor, request: InspectionRequest, answer: str, links=None, packs=()) -> InspectionRequest:
    """in preparation → provided: the answer, links to the records and the released packs of the inspection."""
    answer = (answer or "").strip()
    links = request_links_clean(links)
    with transaction.atomic():
        request = _locked_for_move(actor=actor, request=request)
        if request.status != RequestStatus.IN_PREPARATION:
            message = (
                _("R%(n)s has been provided already.") if request.status == RequestStatus.PROVIDED
                else _("Take R%(n)s into preparation before you provide it.")
            ) % {"n": request.number}  # fmt: skip
            raise ValidationError(message, code="invalid_transition")
        if not answer:
            raise ValidationError({"answer": _("Write the answer the inspector reads.")})
        pack_ids = {p.pk if isinstance(p, EvidencePack) else int(p) for p in packs or ()}
        allowed = set(
            EvidencePack.objects.filter(
                pk__in=pack_ids, grant_id=request.grant_id, released_at__isnull=False
            ).values_list("pk", flat=True)
        )
        if pack_ids - allowed:
            raise ValidationError({"packs": _("Only packs released for this inspection can be provided.")})
        request.status = RequestStatus.PROVIDED
        request.answer = answer
        request.links = links
        request.provided_by = actor
        request.provided_at = timezone.now()
        request.save(update_fields=["status", "answer", "links", "provided_by", "provided_at", "updated_at"])
        request.packs.set(sorted(allowed))
        _notify(
            person_id=request.grant.inspector_id, category=NOTICE_PROVIDED,
            subject=_("%(n)s of your requests provided"),
            body=_("R%(number)s: %(subject)s") % {"number": request.number, "subject": request.subject},
            url=reverse("evidence:room_requests"),
        )  # fmt: skip
    return request


def _notify(*, person_id: int, category: str, subject: str, body: str, url: str) -> None:
    notices_write(category=category, on=timezone.localdate(), messages={person_id: (body, 1)}, subject=subject,
                  url=url)  # fmt: skip

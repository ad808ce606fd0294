"""Every change to controlled documents and versions goes through these functions (pages, API, tasks alike).

The lifecycle of a version is an explicit state machine::

    draft ──submit──▶ in review ──approve (e-signed)──▶ approved ──effective date (beat)──▶ effective
      ▲                  │  ▲ review (e-signed)                                              │ next version effective
      └──return──────────┘                                                                   ▼
    draft / in review / approved / effective ──retire──▶ retired                         superseded

An invalid transition raises ``TransitionNotAllowed`` and changes nothing. The author never reviews or
approves their own version. Transitions lock the version row, so two concurrent approvals of the same
version serialise and exactly one succeeds. Approved and later versions are immutable; a change is a new
version with a mandatory change summary.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ims.access.permissions import has_global_permission, site_ids_with_permission, user_can
from ims.audit.context import audit_context
from ims.esign.canonical import record_hash
from ims.esign.choices import SignatureChannel, SignatureMeaning
from ims.esign.models import Signature
from ims.esign.services import db_now, signature_create

from .choices import OPEN_STATUSES, DocumentType, VersionStatus
from .content import attachment_check
from .content_kinds import content_approval_check, content_approved, content_saved, content_validate
from .models import ControlledDocument, DocumentVersion
from .signals import document_scope_changed, version_effective, version_withdrawn

DOCUMENT_FIELDS = (
    "title",
    "doc_type",
    "disciplines",
    "owner",
    "review_interval_months",
    "requires_acknowledgement",
    "acknowledgement_days",
)
# Who the document is for: its sites, functions and roles in scope (many-to-many).
DOCUMENT_SCOPE_FIELDS = ("sites", "functions", "roles")
VERSION_FIELDS = ("body", "change_summary", "effective_date")


class TransitionNotAllowed(ValidationError):
    """The version is not in a state that allows this step; nothing was changed."""


# --- helpers ---------------------------------------------------------------------------------------------------


def _today() -> datetime.date:
    return timezone.localdate()


def _may_at_any_site(actor, perm: str, sites: Iterable) -> bool:
    """May ``actor`` use ``perm`` at one of ``sites``?"""
    if actor is None or not getattr(actor, "is_active", False):
        return False
    if has_global_permission(actor, perm):
        return True
    app_label, codename = perm.split(".", 1)
    site_ids = [s.pk for s in sites]
    return site_ids_with_permission(actor, app_label, codename).filter(pk__in=site_ids).exists()


def may_start_version(*, actor, document: ControlledDocument) -> bool:
    """May ``actor`` write new versions of ``document`` (the add permission at one of its sites)?"""
    return _may_at_any_site(actor, "documents.add_documentversion", document.sites.all())


def _require_at_every_site(actor, perm: str, sites: Iterable, verb: str) -> None:
    for site in sites:
        if not _may_at_any_site(actor, perm, [site]):
            raise PermissionDenied(
                _("You may not %(verb)s documents at site %(site)s.") % {"verb": verb, "site": site.code}
            )


def _require(actor, action: str, obj) -> None:
    if not user_can(actor, action, obj):
        raise PermissionDenied(
            _("You may not %(action)s this %(thing)s.") % {"action": action, "thing": obj._meta.verbose_name}
        )


def _lock(version: DocumentVersion) -> DocumentVersion:
    return DocumentVersion._base_manager.select_for_update().select_related("document").get(pk=version.pk)


def _fresh(version: DocumentVersion) -> DocumentVersion:
    return DocumentVersion._base_manager.select_related("document").get(pk=version.pk)


def _expect(version: DocumentVersion, *statuses: str, step: str) -> None:
    if version.status not in statuses:
        raise TransitionNotAllowed(
            _("Version %(v)s is %(status)s; it cannot be %(step)s.")
            % {"v": version.number, "status": version.get_status_display().lower(), "step": step},
            code="invalid_transition",
        )


def _attach(version: DocumentVersion, upload) -> None:
    checked = attachment_check(upload)
    version.attachment = upload
    version.attachment_name = checked.name
    version.attachment_type = checked.content_type
    version.attachment_size = checked.size
    version.attachment_sha256 = checked.sha256


def _clear_attachment(version: DocumentVersion) -> None:
    version.attachment = ""
    version.attachment_name = version.attachment_type = version.attachment_sha256 = ""
    version.attachment_size = None


def _next_review_due(document: ControlledDocument, start: datetime.date) -> datetime.date:
    return start + relativedelta(months=document.review_interval_months)


# --- Documents -------------------------------------------------------------------------------------------------


@transaction.atomic
def document_create(
    *,
    actor,
    number: str,
    title: str,
    doc_type: str,
    disciplines: list[str],
    owner,
    sites: Iterable,
    functions: Iterable = (),
    roles: Iterable = (),
    review_interval_months: int = 24,
    body: str = "",
    attachment=None,
    effective_date: datetime.date | None = None,
    requires_acknowledgement: bool | None = None,
    acknowledgement_days: int = 14,
) -> ControlledDocument:
    """Register a document at ``sites`` with its first version (a draft written by ``actor``).

    Policies and manuals are read and acknowledged by everyone in scope unless ``requires_acknowledgement``
    says otherwise.
    """
    sites = list(sites)
    if not sites:
        raise ValidationError({"sites": _("Name at least one site in scope.")})
    _require_at_every_site(actor, "documents.add_controlleddocument", sites, _("add"))
    document = ControlledDocument(
        number=(number or "").strip().upper(),
        title=(title or "").strip(),
        doc_type=doc_type,
        disciplines=sorted(set(disciplines or [])),
        owner=owner,
        review_interval_months=review_interval_months,
        requires_acknowledgement=(
            doc_type in (DocumentType.POLICY, DocumentType.MANUAL)
            if requires_acknowledgement is None
            else requires_acknowledgement
        ),
        acknowledgement_days=acknowledgement_days,
    )
    document.full_clean()
    content_validate(doc_type, body)
    document.save()
    document.sites.set(sites)
    document.functions.set(list(functions))
    document.roles.set(list(roles))
    version = DocumentVersion(document=document, number=1, body=body or "", author=actor, effective_date=effective_date)
    if attachment:
        _attach(version, attachment)
    version.full_clean(exclude=["attachment"])
    version.save()
    content_saved(version)
    return document


@transaction.atomic
def document_update(*, actor, document: ControlledDocument, data: dict) -> ControlledDocument:
    """Change the register entry (the number never changes). New sites need the right to add documents there."""
    document = ControlledDocument._base_manager.select_for_update().get(pk=document.pk)
    _require(actor, "change", document)
    for field in DOCUMENT_FIELDS:
        if field in data and not (field == "requires_acknowledgement" and data[field] is None):
            value = sorted(set(data[field])) if field == "disciplines" else data[field]
            setattr(document, field, value)
    document.full_clean()
    document.save()
    if "sites" in data:
        sites = list(data["sites"])
        if not sites:
            raise ValidationError({"sites": _("Name at least one site in scope.")})
        current = set(document.sites.values_list("pk", flat=True))
        _require_at_every_site(
            actor, "documents.add_controlleddocument", [s for s in sites if s.pk not in current], _("add")
        )
        document.sites.set(sites)
    if "functions" in data:
        document.functions.set(list(data["functions"]))
    if "roles" in data:
        document.roles.set(list(data["roles"]))
    if {*DOCUMENT_SCOPE_FIELDS, "requires_acknowledgement", "acknowledgement_days"} & set(data):
        document_scope_changed.send(sender=ControlledDocument, document=document)
    return document


@transaction.atomic
def document_retire(*, actor, document: ControlledDocument) -> ControlledDocument:
    """Withdraw a document: it is kept with all its versions; its effective and open versions are retired."""
    document = ControlledDocument._base_manager.select_for_update().get(pk=document.pk)
    _require(actor, "delete", document)
    if not document.is_active:
        raise TransitionNotAllowed(_("The document is already retired."), code="invalid_transition")
    now = db_now()
    withdrawn = list(document.versions.filter(status=VersionStatus.EFFECTIVE))
    document.versions.filter(status__in=[*OPEN_STATUSES, VersionStatus.EFFECTIVE]).update(
        status=VersionStatus.RETIRED, retired_at=now
    )
    document.is_active = False
    document.save(update_fields=["is_active", "updated_at"])
    for version in withdrawn:
        version.status = VersionStatus.RETIRED
        version_withdrawn.send(sender=DocumentVersion, version=version)
    return document


@transaction.atomic
def document_review_record(*, actor, document: ControlledDocument) -> ControlledDocument:
    """The owner's periodic review found the effective version still fit: the next review is due one interval on."""
    document = ControlledDocument._base_manager.select_for_update().get(pk=document.pk)
    _require(actor, "review", document)
    if not document.is_active or not document.versions.filter(status=VersionStatus.EFFECTIVE).exists():
        raise TransitionNotAllowed(
            _("Only an active document with an effective version has a periodic review."), code="invalid_transition"
        )
    document.review_due = _next_review_due(document, _today())
    document.review_reminder_sent_for = None
    document.save(update_fields=["review_due", "review_reminder_sent_for", "updated_at"])
    return document


# --- Versions: content -----------------------------------------------------------------------------------------


@transaction.atomic
def version_create(
    *,
    actor,
    document: ControlledDocument,
    change_summary: str,
    body: str | None = None,
    attachment=None,
    effective_date: datetime.date | None = None,
) -> DocumentVersion:
    """Start a new version (a draft) from the latest one; the change summary says what changes and why."""
    document = ControlledDocument._base_manager.select_for_update().get(pk=document.pk)
    if not may_start_version(actor=actor, document=document):
        raise PermissionDenied(_("You may not write new versions of this document."))
    if not document.is_active:
        raise TransitionNotAllowed(_("The document is retired; it gets no new versions."), code="invalid_transition")
    if document.versions.filter(status__in=OPEN_STATUSES).exists():
        raise TransitionNotAllowed(
            _("Version work is already open for this document; finish or retire it first."), code="version_open"
        )
    change_summary = (change_summary or "").strip()
    if not change_summary:
        raise ValidationError({"change_summary": _("Say what changes in this version and why.")})
    content_validate(document.doc_type, body)
    latest = document.versions.order_by("-number").first()
    number = (document.versions.aggregate(m=Max("number"))["m"] or 0) + 1
    version = DocumentVersion(
        document=document,
        number=number,
        author=actor,
        change_summary=change_summary,
        effective_date=effective_date,
        body=body if body is not None else (latest.body if latest else ""),
    )
    if attachment:
        _attach(version, attachment)
    elif latest is not None and latest.attachment:
        version.attachment = latest.attachment.name
        for field in ("attachment_name", "attachment_type", "attachment_size", "attachment_sha256"):
            setattr(version, field, getattr(latest, field))
    version.full_clean(exclude=["attachment"])
    version.save()
    content_saved(version)
    return version


@transaction.atomic
def version_update(*, actor, version: DocumentVersion, data: dict) -> DocumentVersion:
    """Edit a draft. ``data`` may hold ``body``, ``change_summary``, ``effective_date``, ``attachment`` (a new
    upload) and ``remove_attachment``. Any other state is immutable."""
    version = _lock(version)
    _require(actor, "change", version)
    _expect(version, VersionStatus.DRAFT, step=_("edited (a change needs a new version)"))
    if "body" in data:
        content_validate(version.document.doc_type, data["body"])
    for field in VERSION_FIELDS:
        if field in data:
            setattr(version, field, data[field] if data[field] is not None or field == "effective_date" else "")
    if data.get("remove_attachment"):
        _clear_attachment(version)
    if data.get("attachment"):
        _attach(version, data["attachment"])
    version.full_clean(exclude=["attachment"])
    version.save()
    if "body" in data:
        content_saved(version)
    return version


# --- Versions: lifecycle ---------------------------------------------------------------------------------------


@transaction.atomic
def version_submit(*, actor, version: DocumentVersion) -> DocumentVersion:
    """Draft → in review: the content is complete and goes to the reviewers and approvers."""
    version = _lock(version)
    _require(actor, "change", version)
    _expect(version, VersionStatus.DRAFT, step=_("submitted for review"))
    errors = {}
    if not version.body.strip() and not version.attachment:
        errors["body"] = _("Write the content or attach the file before submitting.")
    if version.number > 1 and not version.change_summary.strip():
        errors["change_summary"] = _("Say what changes in this version and why.")
    if version.effective_date is None:
        errors["effective_date"] = _("Plan the effective date before submitting.")
    if errors:
        raise ValidationError(errors)
    version.status = VersionStatus.IN_REVIEW
    version.submitted_at = db_now()
    with audit_context(reason=_("Submitted for review")):
        version.save(update_fields=["status", "submitted_at", "updated_at"])
    return version


@transaction.atomic
def version_return(*, actor, version: DocumentVersion) -> DocumentVersion:
    """In review → draft: a reviewer or approver sends it back for rework (reviews must then be given again)."""
    version = _lock(version)
    if not (user_can(actor, "review", version) or user_can(actor, "approve", version)):
        raise PermissionDenied(_("You may not return this version to its author."))
    _expect(version, VersionStatus.IN_REVIEW, step=_("returned for rework"))
    version.status = VersionStatus.DRAFT
    version.save(update_fields=["status", "updated_at"])
    return version


def _signatures(version: DocumentVersion, meaning: str):
    return Signature.objects.for_record(version).filter(meaning=meaning)


def current_reviews(version: DocumentVersion) -> list[Signature]:
    """The reviews that count: signed "reviewed" since the version was (last) submitted, on its current
    content, by someone other than the author who holds the review permission for it.

    A "reviewed" signature made any other way (e.g. through the generic signing endpoint by a reader)
    is shown with the record but never counts towards approval.
    """
    reviews = _signatures(version, SignatureMeaning.REVIEWED).filter(record_hash=record_hash(version))
    if version.submitted_at is not None:
        reviews = reviews.filter(signed_at__gte=version.submitted_at)
    reviews = reviews.exclude(signer_id=version.author_id).select_related("signer")
    return [r for r in reviews if user_can(r.signer, "review", version)]


def _not_author(actor, version: DocumentVersion, step: str) -> None:
    if version.author_id == actor.pk:
        raise PermissionDenied(
            _("The author of a version cannot %(step)s it (segregation of duties).") % {"step": step}
        )


def version_review(
    *,
    actor,
    version: DocumentVersion,
    password: str | None,
    username: str | None = None,
    reason: str = "",
    session=None,
    channel: str = SignatureChannel.WEB,
    ip: str | None = None,
) -> Signature:
    """Sign an in-review version as reviewed (the e-signature ceremony of ``ims.esign``)."""
    version = _fresh(version)
    _require(actor, "review", version)
    _not_author(actor, version, _("review"))
    _expect(version, VersionStatus.IN_REVIEW, step=_("reviewed"))

    def apply(signature: Signature) -> None:
        locked = _lock(version)
        _expect(locked, VersionStatus.IN_REVIEW, step=_("reviewed"))
        _not_author(actor, locked, _("review"))
        if any(r.signer_id == actor.pk and r.pk != signature.pk for r in current_reviews(locked)):
            raise TransitionNotAllowed(_("You have already reviewed this version."), code="already_reviewed")

    return signature_create(
        signer=actor,
        record=version,
        meaning=SignatureMeaning.REVIEWED,
        password=password,
        username=username,
        reason=reason,
        session=session,
        channel=channel,
        ip=ip,
        apply=apply,
        workflow=True,
    )


def version_approve(
    *,
    actor,
    version: DocumentVersion,
    password: str | None,
    username: str | None = None,
    reason: str = "",
    session=None,
    channel: str = SignatureChannel.WEB,
    ip: str | None = None,
) -> Signature:
    """In review → approved, signed with the meaning "approved"; effective at once when its date has come.

    Checks before the ceremony give a quick answer; the same checks run again on the locked row inside
    the signature's transaction, so of two concurrent approvals exactly one succeeds.
    """
    version = _fresh(version)
    _require(actor, "approve", version)
    _not_author(actor, version, _("approve"))
    _expect(version, VersionStatus.IN_REVIEW, step=_("approved"))
    content_approval_check(version)

    def apply(signature: Signature) -> None:
        locked = _lock(version)
        _expect(locked, VersionStatus.IN_REVIEW, step=_("approved"))
        _not_author(actor, locked, _("approve"))
        content_approval_check(locked)
        if not any(r.signer_id != actor.pk for r in current_reviews(locked)):
            raise TransitionNotAllowed(
                _("At least one reviewer other than you must sign the version as reviewed before approval."),
                code="review_missing",
            )
        if locked.effective_date is None:
            raise ValidationError({"effective_date": _("Plan the effective date before approval.")})
        locked.status = VersionStatus.APPROVED
        locked.approved_by = actor
        locked.approved_at = signature.signed_at
        with audit_context(reason=reason or _("Approved with an electronic signature")):
            locked.save(update_fields=["status", "approved_by", "approved_at", "updated_at"])
            content_approved(locked, actor=actor)
            if locked.effective_date <= _today():
                _make_effective(locked)

    return signature_create(
        signer=actor,
        record=version,
        meaning=SignatureMeaning.APPROVED,
        password=password,
        username=username,
        reason=reason,
        session=session,
        channel=channel,
        ip=ip,
        apply=apply,
        workflow=True,
    )


def _make_effective(version: DocumentVersion) -> DocumentVersion:
    now = db_now()
    document = ControlledDocument._base_manager.select_for_update().get(pk=version.document_id)
    previous = document.versions.filter(status=VersionStatus.EFFECTIVE).exclude(pk=version.pk)
    superseded = list(previous)
    previous.update(status=VersionStatus.SUPERSEDED, superseded_at=now)
    version.status = VersionStatus.EFFECTIVE
    version.effective_at = now
    version.save(update_fields=["status", "effective_at", "updated_at"])
    document.review_due = _next_review_due(document, version.effective_date or _today())
    document.review_reminder_sent_for = None
    document.save(update_fields=["review_due", "review_reminder_sent_for", "updated_at"])
    version_effective.send(sender=DocumentVersion, version=version, superseded=superseded)
    return version


@transaction.atomic
def version_make_effective(*, version: DocumentVersion, on: datetime.date | None = None) -> DocumentVersion:
    """Approved → effective on its effective date; the previous effective version is superseded."""
    version = _lock(version)
    _expect(version, VersionStatus.APPROVED, step=_("made effective"))
    on = on or _today()
    if version.effective_date is None or version.effective_date > on:
        raise TransitionNotAllowed(_("The version's effective date has not come yet."), code="not_yet_effective")
    with audit_context(reason=_("Effective date reached")):
        return _make_effective(version)


def versions_make_effective_due(*, on: datetime.date | None = None) -> list[int]:
    """Make effective every approved version whose date has come (idempotent: a re-run finds none)."""
    on = on or _today()
    done = []
    for pk in DocumentVersion.objects.due_to_become_effective(on).values_list("pk", flat=True):
        try:
            version_make_effective(version=DocumentVersion._base_manager.get(pk=pk), on=on)
        except TransitionNotAllowed:
            continue  # made effective or retired meanwhile
        done.append(pk)
    return done


@transaction.atomic
def version_retire(*, actor, version: DocumentVersion) -> DocumentVersion:
    """Withdraw an open version or retire the effective one (the document then has no effective version)."""
    version = _lock(version)
    _require(actor, "delete", version)
    _expect(version, *OPEN_STATUSES, VersionStatus.EFFECTIVE, step=_("retired"))
    was_effective = version.status == VersionStatus.EFFECTIVE
    version.status = VersionStatus.RETIRED
    version.retired_at = db_now()
    version.save(update_fields=["status", "retired_at", "updated_at"])
    if was_effective:
        version_withdrawn.send(sender=DocumentVersion, version=version)
    return version


# --- Periodic review reminders ---------------------------------------------------------------------------------


def review_reminders_send(*, on: datetime.date | None = None, days_ahead: int | None = None) -> int:
    """E-mail each owner once per due date about their documents whose periodic review is due soon or overdue.

    One mail per owner (a digest). A document is marked with the due date it was reminded of, so a re-run
    sends nothing; a new due date (after a review or a new effective version) is reminded again.
    """
    on = on or _today()
    days_ahead = settings.IMS_DOCUMENT_REVIEW_REMINDER_DAYS if days_ahead is None else days_ahead
    horizon = on + datetime.timedelta(days=days_ahead)
    sent = 0
    with transaction.atomic():
        due = list(
            ControlledDocument._base_manager.select_for_update(skip_locked=True, of=("self",))
            .filter(is_active=True, review_due__lte=horizon, owner__is_active=True)
            .filter(Q(review_reminder_sent_for__isnull=True) | ~Q(review_reminder_sent_for=F("review_due")))
            .select_related("owner")
            .order_by("owner_id", "review_due", "number")
        )
        by_owner: dict[int, list[ControlledDocument]] = defaultdict(list)
        for document in due:
            by_owner[document.owner_id].append(document)
        for documents in by_owner.values():
            owner = documents[0].owner
            if owner.email:
                lines = [
                    f"- {d.number} {d.title}: periodic review "
                    + ("overdue since" if d.review_due < on else "due on")
                    + f" {d.review_due.isoformat()}"
                    for d in documents
                ]
                send_mail(
                    subject=_("Periodic review due for %(n)s document(s)") % {"n": len(documents)},
                    message=_("You own documents whose periodic review is due:") + "\n\n" + "\n".join(lines),
                    from_email=None,
                    recipient_list=[owner.email],
                )
                sent += 1
            with audit_context(reason=_("Periodic review reminder sent")):
                ControlledDocument._base_manager.filter(pk__in=[d.pk for d in documents]).update(
                    review_reminder_sent_for=F("review_due")
                )
    return sent

"""The signing ceremony (Part 11 §11.50, §11.70, §11.100, §11.200, §11.300) as one service.

``signature_create`` checks, in this order, and records no signature when any check fails:

1. the signer is active, the session is not an impersonation ("login as") session, and the
   signer is not using an administrator-set temporary password;
2. the record is a registered signable, the meaning is allowed for it, and the signer may view it;
3. (signer row locked) signing is not locked;
4. the signer holds the current e-signature certification (except when signing it);
5. the user ID is given on the first signing of a session and after the idle limit, and it is the
   signer's own (another person's ID is refused and counted as a failed attempt);
6. the password is given and correct (a missing or wrong password is counted).

The configured number of failed attempts in a row (3) locks signing and alerts the administrators
at once. The failed attempt and the lock are committed even though the signing is refused, so
call ``signature_create`` from an interface (view, API, task), not inside another transaction:
a state change that must happen together with the signature goes in ``apply``.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from django.contrib.auth.hashers import check_password as hasher_check_password
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, models, transaction
from django.urls import reverse
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from ims.access.permissions import has_global_permission
from ims.audit.registry import is_append_only

from .alerts import signing_lock_alert
from .canonical import record_hash
from .choices import SignatureChannel, SignatureMeaning, SigningFailure
from .constants import (
    CURRENT_STATEMENT_VERSION,
    IMPERSONATION_SESSION_KEYS,
    SESSION_LAST_SIGNED_KEY,
    UNLOCK_PERMISSION,
    failure_limit,
    idle_limit_seconds,
    statement_sha256,
)
from .models import Signature, SignatureCertification, SigningAttempt, SigningLock, SigningUnlock
from .qualification import run_signer_checks
from .registry import get_signable

MAX_REASON_LENGTH = 500


class SignatureRefused(Exception):
    """The ceremony refused to sign; nothing was signed. ``status`` is the HTTP answer an interface gives."""

    def __init__(self, message: str, *, code: str, status: int, field: str | None = None, link: str | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status
        self.field = field
        self.link = link


def db_now() -> datetime.datetime:
    """The database server's clock (``clock_timestamp()``): authoritative for every time recorded here."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT clock_timestamp()")
        return cursor.fetchone()[0]


def is_impersonation_session(session) -> bool:
    return session is not None and any(key in session for key in IMPERSONATION_SESSION_KEYS)


def username_required(*, session, now: datetime.datetime | None = None) -> bool:
    """True on the first signing of a session, after the idle limit, and outside a session (token API)."""
    if session is None:
        return True
    last = session.get(SESSION_LAST_SIGNED_KEY)
    last_at = parse_datetime(last) if isinstance(last, str) else None
    if last_at is None:
        return True
    now = now or db_now()
    return (now - last_at).total_seconds() > idle_limit_seconds()


def signing_lock_open(person) -> SigningLock | None:
    return SigningLock.objects.filter(person=person, unlock__isnull=True).order_by("-locked_at").first()


def certification_current(person) -> SignatureCertification | None:
    return SignatureCertification.objects.filter(person=person, statement_version=CURRENT_STATEMENT_VERSION).first()


def _failures_in_a_row(person) -> int:
    """Failed attempts since the last successful signing or unlock."""
    marks = [
        SigningAttempt.objects.filter(person=person, succeeded=True).aggregate(m=models.Max("at"))["m"],
        SigningUnlock.objects.filter(lock__person=person).aggregate(m=models.Max("unlocked_at"))["m"],
    ]
    since = max((m for m in marks if m is not None), default=None)
    failures = SigningAttempt.objects.filter(person=person, succeeded=False)
    if since is not None:
        failures = failures.filter(at__gt=since)
    return failures.count()


def _uses_temporary_password(signer) -> bool:
    """An administrator-set temporary password never signs (P11-200a2/3)."""
    return bool(getattr(signer, "must_change_password", False) or getattr(signer, "password_is_temporary", False))


def _check_record(*, signer, record: models.Model, meaning: str, check_visible: bool, workflow: bool) -> None:
    entry = get_signable(type(record))
    if entry is None:
        raise SignatureRefused(
            _("%(thing)s records cannot be signed.") % {"thing": record._meta.verbose_name},
            code="not_signable",
            status=400,
        )
    if meaning not in entry.meanings:
        raise SignatureRefused(
            _("“%(meaning)s” is not a meaning for signing this record.") % {"meaning": meaning},
            code="meaning_not_allowed",
            status=400,
            field="meaning",
        )
    if meaning in entry.workflow_meanings and not workflow:
        raise SignatureRefused(
            _("“%(meaning)s” is given through the record's own review and approval steps, not here.")
            % {"meaning": meaning},
            code="workflow_meaning",
            status=403,
            field="meaning",
        )
    if check_visible:
        manager = type(record)._default_manager
        visible = manager.restrict(signer, "view") if hasattr(manager, "restrict") else manager.none()
        if not visible.filter(pk=record.pk).exists():
            raise SignatureRefused(_("Not found."), code="not_found", status=404)


def _sign(
    *,
    signer,
    meaning: str,
    password: str | None,
    username: str | None,
    reason: str,
    session,
    channel: str,
    ip: str | None,
    record: models.Model | None = None,
    create_record: Callable[[datetime.datetime], models.Model] | None = None,
    require_certification: bool = True,
    check_visible: bool = True,
    apply: Callable[[Signature], Any] | None = None,
    workflow: bool = False,
) -> Signature:
    reason = (reason or "").strip()
    if meaning not in SignatureMeaning.values:
        raise SignatureRefused(
            _("Choose the meaning of your signature."), code="meaning_invalid", status=400, field="meaning"
        )
    if len(reason) > MAX_REASON_LENGTH:
        raise SignatureRefused(
            _("The reason is too long (at most 500 characters)."), code="reason_too_long", status=400, field="reason"
        )
    if channel not in SignatureChannel.values:
        raise ValueError(f"unknown signing channel {channel!r}")
    if signer is None or not getattr(signer, "is_authenticated", False) or not signer.is_active:
        raise SignatureRefused(_("Deactivated accounts cannot sign."), code="signer_inactive", status=403)
    if is_impersonation_session(session):
        raise SignatureRefused(
            _("Nobody can sign while acting as another person. Sign in as yourself to sign."),
            code="impersonation",
            status=403,
        )
    if _uses_temporary_password(signer):
        raise SignatureRefused(
            _("Change your temporary password before you sign."), code="temporary_password", status=403
        )
    if record is not None:
        _check_record(signer=signer, record=record, meaning=meaning, check_visible=check_visible, workflow=workflow)
        run_signer_checks(signer=signer, record=record, meaning=meaning)

    refusal: SignatureRefused | None = None
    new_lock: SigningLock | None = None
    signature: Signature | None = None
    with transaction.atomic():
        person_model = signer.__class__  # request.user is a lazy wrapper; __class__ is the real model
        locked_signer = person_model._base_manager.select_for_update().get(pk=signer.pk)
        now = db_now()
        if not locked_signer.is_active:
            raise SignatureRefused(_("Deactivated accounts cannot sign."), code="signer_inactive", status=403)
        if signing_lock_open(locked_signer) is not None:
            raise SignatureRefused(
                _("Your signing is locked after repeated failed attempts. A Global Admin must unlock it."),
                code="signing_locked",
                status=423,
            )
        if require_certification and certification_current(locked_signer) is None:
            raise SignatureRefused(
                _(
                    "Before you can sign, certify that your electronic signature is the legally binding equivalent "
                    "of your handwritten signature."
                ),
                code="certification_required",
                status=403,
                link=reverse("esign:certify"),
            )
        username = (username or "").strip()
        if not username and username_required(session=session, now=now):
            raise SignatureRefused(
                _("Enter your user ID and password: the first signing of a session needs both."),
                code="username_required",
                status=400,
                field="username",
            )

        failure = None
        if username and username.casefold() != locked_signer.username.casefold():
            failure = SigningFailure.WRONG_USERNAME
        elif not password:
            failure = SigningFailure.MISSING_PASSWORD
        elif not hasher_check_password(password, locked_signer.password) or not locked_signer.has_usable_password():
            failure = SigningFailure.WRONG_PASSWORD

        if failure is not None:
            SigningAttempt.objects.create(
                person=locked_signer, succeeded=False, failure=failure, at=now, ip=ip, channel=channel
            )
            failures = _failures_in_a_row(locked_signer)
            if failures >= failure_limit():
                new_lock = SigningLock.objects.create(
                    person=locked_signer, locked_at=now, failed_attempts=failures, ip=ip
                )
                refusal = SignatureRefused(
                    _(
                        "Signing refused. After %(n)s failed attempts your signing is locked and the administrators "
                        "have been alerted. A Global Admin must unlock it."
                    )
                    % {"n": failures},
                    code="signing_locked",
                    status=423,
                )
            elif failure == SigningFailure.MISSING_PASSWORD:
                refusal = SignatureRefused(
                    _("Enter your password to sign."), code="password_required", status=400, field="password"
                )
            elif failure == SigningFailure.WRONG_USERNAME:
                refusal = SignatureRefused(
                    _("That user ID is not yours. Only you can sign with your signature; the attempt was recorded."),
                    code="wrong_username",
                    status=401,
                    field="username",
                )
            else:
                refusal = SignatureRefused(
                    _("Wrong password; nothing was signed. %(left)s attempt(s) left before your signing is locked.")
                    % {"left": failure_limit() - failures},
                    code="wrong_password",
                    status=401,
                    field="password",
                )
        else:
            SigningAttempt.objects.create(person=locked_signer, succeeded=True, at=now, ip=ip, channel=channel)
            if create_record is not None:
                record = create_record(now)
            # Lock the signed record against a concurrent change, unless it is append-only (a certification):
            # such a row never changes, and FOR UPDATE needs the UPDATE privilege the runtime role rightly lacks.
            # The signer's row, locked above, serialises this person's signatures in either case.
            if is_append_only(type(record)):
                record = type(record)._base_manager.get(pk=record.pk)
            else:
                record = type(record)._base_manager.select_for_update().get(pk=record.pk)
            signature = Signature(
                content_type=ContentType.objects.get_for_model(record, for_concrete_model=False),
                object_pk=str(record.pk),
                record_hash=record_hash(record, meaning=meaning),
                meaning=meaning,
                reason=reason,
                signer=locked_signer,
                signer_name=locked_signer.display_name,
                signer_username=locked_signer.username,
                signed_at=now,
                channel=channel,
            )
            signature.signature_hash = signature.compute_hash()
            signature.save()
            if apply is not None:
                apply(signature)

    if refusal is not None:
        if new_lock is not None:
            signing_lock_alert(lock=new_lock)
        raise refusal
    if session is not None:
        session[SESSION_LAST_SIGNED_KEY] = signature.signed_at.isoformat()
    return signature


def signature_create(
    *,
    signer,
    record: models.Model,
    meaning: str,
    password: str | None,
    username: str | None = None,
    reason: str = "",
    session=None,
    channel: str = SignatureChannel.WEB,
    ip: str | None = None,
    apply: Callable[[Signature], Any] | None = None,
    workflow: bool = False,
    check_visible: bool = True,
) -> Signature:
    """Sign ``record`` as ``signer``; raises ``SignatureRefused`` (nothing signed) when a check fails.

    ``check_visible=False`` only for a workflow service that has itself checked the signer's right to the
    record (e.g. a person signing their own acknowledgement task, which site roles do not show them).

    ``workflow=True`` is passed only by the service of the app that owns the record's workflow; the
    generic dialog and API cannot give a meaning the record reserves for its workflow.

    ``session`` is the signer's web session (``None`` for token API calls: the user ID is then always
    required). ``apply(signature)`` runs in the signature's transaction, e.g. to mark a version approved.
    """
    if record is None or record.pk is None:
        raise SignatureRefused(_("Not found."), code="not_found", status=404)
    return _sign(
        signer=signer,
        meaning=meaning,
        password=password,
        username=username,
        reason=reason,
        session=session,
        channel=channel,
        ip=ip,
        record=record,
        apply=apply,
        workflow=workflow,
        check_visible=check_visible,
    )


def signature_create_for_new_record(
    *,
    signer,
    model: type[models.Model],
    create_record: Callable[[datetime.datetime], models.Model],
    meaning: str,
    password: str | None,
    username: str | None = None,
    reason: str = "",
    session=None,
    channel: str = SignatureChannel.WEB,
    ip: str | None = None,
    apply: Callable[[Signature], Any] | None = None,
) -> Signature:
    """Create a record and sign it in one ceremony (e.g. a training record signed "trained").

    ``create_record(now)`` runs only after every check passed (credentials included), inside the signature's
    transaction: a refused signature creates no record. Only the owning app's workflow service calls this.
    """
    entry = get_signable(model)
    if entry is None or meaning not in entry.meanings:
        raise SignatureRefused(
            _("“%(meaning)s” is not a meaning for signing this record.") % {"meaning": meaning},
            code="meaning_not_allowed",
            status=400,
            field="meaning",
        )
    return _sign(
        signer=signer,
        meaning=meaning,
        password=password,
        username=username,
        reason=reason,
        session=session,
        channel=channel,
        ip=ip,
        create_record=create_record,
        apply=apply,
        workflow=True,
    )


def certification_create(
    *,
    person,
    password: str | None,
    username: str | None = None,
    session=None,
    channel: str = SignatureChannel.WEB,
    ip: str | None = None,
) -> SignatureCertification:
    """Certify (and sign, meaning "acknowledged") the current statement: a person's first signature."""
    if certification_current(person) is not None:
        raise SignatureRefused(
            _("You have already certified version %(v)s of the statement.") % {"v": CURRENT_STATEMENT_VERSION},
            code="already_certified",
            status=409,
        )

    def create(now: datetime.datetime) -> SignatureCertification:
        return SignatureCertification.objects.create(
            person=person,
            statement_version=CURRENT_STATEMENT_VERSION,
            statement_sha256=statement_sha256(),
            certified_at=now,
        )

    signature = _sign(
        signer=person,
        meaning=SignatureMeaning.ACKNOWLEDGED,
        password=password,
        username=username,
        reason="",
        session=session,
        channel=channel,
        ip=ip,
        create_record=create,
        require_certification=False,
        check_visible=False,
    )
    return SignatureCertification.objects.get(pk=signature.object_pk)


@transaction.atomic
def signing_unlock(*, actor, person, reason: str) -> SigningUnlock:
    """A Global Admin, never the locked person, ends ``person``'s signing lock."""
    if not has_global_permission(actor, UNLOCK_PERMISSION):
        raise PermissionDenied(_("Only a Global Admin can unlock signing."))
    if actor.pk == person.pk:
        raise PermissionDenied(_("Nobody can unlock their own signing; another administrator must do it."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(
            {"reason": _("Say why signing is unlocked (e.g. how the failed attempts were explained).")}
        )
    person.__class__._base_manager.select_for_update().get(pk=person.pk)
    lock = signing_lock_open(person)
    if lock is None:
        raise ValidationError(_("%(person)s's signing is not locked.") % {"person": person})
    return SigningUnlock.objects.create(lock=lock, unlocked_by=actor, unlocked_at=db_now(), reason=reason[:500])

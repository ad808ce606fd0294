"""Statements of applicability: a site's list of the clauses that apply, exclusions justified, versioned, signed.

A new version starts as a draft copied from the site's approved statement (or, for a first statement, every
leaf clause of the chosen standards as applicable), optionally taking over the "not applicable" results of a
gap assessment at that site. Approving it (electronic signature, meaning "approved") fixes a digest of its
entries and supersedes the previous approved version.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from ims.access.permissions import user_can_at_site
from ims.audit.context import audit_context
from ims.esign.choices import SignatureChannel
from ims.esign.models import Signature
from ims.esign.services import signature_create

from .gaps import TransitionNotAllowed
from .models import (
    ApplicabilityEntry,
    ApplicabilityStatement,
    AssessmentStatus,
    ClauseResult,
    GapAssessment,
    ResultStatus,
    StatementStatus,
)

APPROVED = "approved"


def _require(actor, codename: str, site, verb: str) -> None:
    if not user_can_at_site(actor, f"processes.{codename}", site):
        raise PermissionDenied(
            _("You may not %(verb)s statements of applicability at site %(site)s.") % {"verb": verb, "site": site.code}
        )


def current_statement(site) -> ApplicabilityStatement | None:
    return ApplicabilityStatement._base_manager.filter(site=site, status=StatementStatus.APPROVED).first()


_ENTRIES_FROM_LEAVES = """
INSERT INTO processes_applicabilityentry (statement_id, clause_id, applicable, justification, created_at, updated_at)
SELECT %(statement)s, c.id, COALESCE(prev.applicable, TRUE), COALESCE(prev.justification, ''), %(now)s, %(now)s
FROM processes_clause c
LEFT JOIN processes_applicabilityentry prev ON prev.statement_id = %(previous)s AND prev.clause_id = c.id
WHERE c.standard_id = ANY(%(standards)s::bigint[])
  AND NOT EXISTS (SELECT 1 FROM processes_clause ch WHERE ch.parent_id = c.id)
ORDER BY c.standard_id, c.position
"""


@transaction.atomic
def statement_draft_create(
    *,
    actor,
    site,
    standards: Sequence | None = None,
    source_assessment: GapAssessment | None = None,
    change_summary: str = "",
) -> ApplicabilityStatement:
    """The next version of ``site``'s statement, as a draft (one draft at a time)."""
    _require(actor, "add_applicabilitystatement", site, _("draft"))
    if ApplicabilityStatement._base_manager.filter(site=site, status=StatementStatus.DRAFT).exists():
        raise ValidationError(_("Site %(site)s already has a draft statement; finish it first.") % {"site": site.code})
    previous = current_statement(site)
    chosen = list(standards) if standards else (list(previous.standards.all()) if previous else [])
    if source_assessment is not None:
        source_assessment = GapAssessment._base_manager.get(pk=source_assessment.pk)
        if not source_assessment.sites.filter(pk=site.pk).exists():
            raise ValidationError({"source_assessment": _("The assessment did not cover this site.")})
        if source_assessment.status not in (AssessmentStatus.COMPLETED, AssessmentStatus.APPROVED):
            raise ValidationError({"source_assessment": _("Take exclusions only from a completed assessment.")})
        chosen = list({s.pk: s for s in [*chosen, *source_assessment.standards.all()]}.values())
    if not chosen:
        raise ValidationError({"standards": _("Choose the standards the statement covers.")})
    number = (ApplicabilityStatement._base_manager.filter(site=site).aggregate(n=Max("number"))["n"] or 0) + 1
    statement = ApplicabilityStatement(
        site=site, number=number, source_assessment=source_assessment, change_summary=change_summary.strip()
    )
    with audit_context(reason=_("Statement of applicability drafted")):
        statement.save()
        statement.standards.set(chosen)
        with connection.cursor() as cursor:
            cursor.execute(
                _ENTRIES_FROM_LEAVES,
                {
                    "statement": statement.pk,
                    "previous": previous.pk if previous else None,
                    "standards": [s.pk for s in chosen],
                    "now": timezone.now(),
                },
            )
        if source_assessment is not None:
            excluded = ClauseResult._base_manager.filter(
                assessment=source_assessment, site=site, status=ResultStatus.NOT_APPLICABLE
            ).values_list("clause_id", "justification")
            for clause_id, justification in excluded:
                ApplicabilityEntry._base_manager.filter(statement=statement, clause_id=clause_id).update(
                    applicable=False, justification=justification
                )
    return statement


@transaction.atomic
def statement_update(*, actor, statement: ApplicabilityStatement, change_summary: str) -> ApplicabilityStatement:
    """Change the summary of a draft (the reason for change comes with the caller's audit context)."""
    locked = ApplicabilityStatement._base_manager.select_for_update().get(pk=statement.pk)
    _require(actor, "change_applicabilitystatement", locked.site, _("change"))
    if locked.status != StatementStatus.DRAFT:
        raise TransitionNotAllowed(_("Only a draft statement is changed; start a new version."), code="not_draft")
    locked.change_summary = (change_summary or "").strip()
    locked.save(update_fields=["change_summary", "updated_at"])
    return locked


@transaction.atomic
def entry_update(*, actor, entry: ApplicabilityEntry, applicable: bool, justification: str = "") -> ApplicabilityEntry:
    """Include or exclude one clause of a draft statement; an exclusion needs a justification."""
    statement = ApplicabilityStatement._base_manager.select_for_update().get(pk=entry.statement_id)
    _require(actor, "change_applicabilitystatement", statement.site, _("change"))
    if statement.status != StatementStatus.DRAFT:
        raise TransitionNotAllowed(_("Only a draft statement is changed; start a new version."), code="not_draft")
    justification = (justification or "").strip()
    if not applicable and not justification:
        raise ValidationError(
            {"justification": _("Say why the clause is excluded: an exclusion needs a justification.")}
        )
    locked = ApplicabilityEntry._base_manager.select_for_update().get(pk=entry.pk)
    locked.applicable = applicable
    locked.justification = "" if applicable else justification
    locked.save(update_fields=["applicable", "justification", "updated_at"])
    return locked


def entries_digest(statement: ApplicabilityStatement) -> str:
    rows = list(
        ApplicabilityEntry._base_manager.filter(statement=statement)
        .order_by("clause__standard__code", "clause__standard__edition", "clause__position")
        .values_list(
            "clause__standard__code", "clause__standard__edition", "clause__number", "applicable", "justification"
        )
    )
    payload = json.dumps(
        {"site": statement.site.code, "version": statement.number, "entries": rows},
        ensure_ascii=False,
        separators=(",", ":"),
        sort_keys=True,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def statement_approve(
    *,
    actor,
    statement: ApplicabilityStatement,
    password: str | None,
    username: str | None = None,
    reason: str = "",
    session=None,
    channel: str = SignatureChannel.WEB,
    ip: str | None = None,
) -> Signature:
    """Draft → approved with an "approved" signature over the entries' digest; the last approved is superseded."""
    statement = ApplicabilityStatement._base_manager.select_related("site").get(pk=statement.pk)
    _require(actor, "approve_applicabilitystatement", statement.site, _("approve"))
    if statement.status != StatementStatus.DRAFT:
        raise TransitionNotAllowed(_("Only a draft statement is approved."), code="not_draft")
    # The digest is fixed before the ceremony so that the signature binds it.
    with transaction.atomic():
        locked = ApplicabilityStatement._base_manager.select_for_update().get(pk=statement.pk)
        digest = entries_digest(locked)
        if locked.entries_digest != digest:
            locked.entries_digest = digest
            with audit_context(reason=_("Entries fixed for approval")):
                locked.save(update_fields=["entries_digest", "updated_at"])
    statement.entries_digest = digest

    def apply(signature: Signature) -> None:
        locked = ApplicabilityStatement._base_manager.select_for_update().get(pk=statement.pk)
        if locked.status != StatementStatus.DRAFT:
            raise TransitionNotAllowed(_("Only a draft statement is approved."), code="not_draft")
        if entries_digest(locked) != locked.entries_digest:
            raise TransitionNotAllowed(_("The entries changed during approval; sign again."), code="digest_mismatch")
        with audit_context(reason=reason or _("Approved with an electronic signature")):
            ApplicabilityStatement._base_manager.filter(site=locked.site_id, status=StatementStatus.APPROVED).update(
                status=StatementStatus.SUPERSEDED, superseded_at=signature.signed_at
            )
            locked.status = StatementStatus.APPROVED
            locked.approved_by = actor
            locked.approved_at = signature.signed_at
            locked.save(update_fields=["status", "approved_by", "approved_at", "updated_at"])

    return signature_create(
        signer=actor,
        record=statement,
        meaning=APPROVED,
        password=password,
        username=username,
        reason=reason,
        session=session,
        channel=channel,
        ip=ip,
        apply=apply,
        workflow=True,
    )

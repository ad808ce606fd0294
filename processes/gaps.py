"""Gap assessments: create (one site or a campaign), start, answer clause by clause, raise actions, complete, approve.

Every service takes the acting person (keyword-only ``actor``), checks their permission at *every* site of the
assessment (a campaign is only run by someone entitled at all its sites), runs in one transaction and locks the
assessment row for transitions. The results of an assessment are created in one set-based statement.

Which clauses get a result: the **leaf clauses** of the chosen standards (clauses with no sub-clauses). A parent
clause such as ISO 9001 §7 "Support" is a heading whose requirements are exactly those of its sub-clauses;
judging it separately would count every requirement twice and invite a "conforming" heading over a gap in one of
its parts. A standard whose clauses have no sub-clauses is assessed clause by clause all the same.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from collections.abc import Iterable, Sequence

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ims.access.permissions import user_can, user_can_at_site
from ims.actions.registry import DEFAULT_KIND, action_raise
from ims.audit.context import audit_context
from ims.esign.choices import SignatureChannel
from ims.esign.models import Signature
from ims.esign.services import signature_create

from .models import AssessmentStatus, ClauseResult, GapAssessment, ResultStatus, StatementStatus

#: The meaning of the approval signature.
APPROVED = "approved"
#: Results for which an action may be raised.
ACTIONABLE = (ResultStatus.GAP, ResultStatus.PARTIAL)


class TransitionNotAllowed(ValidationError):
    """The assessment is not in a state that allows this step; nothing was changed."""


# --- helpers ---------------------------------------------------------------------------------------------------


def _require_at_every_site(actor, codename: str, sites: Iterable, verb: str) -> None:
    for site in sites:
        if not user_can_at_site(actor, f"processes.{codename}", site):
            raise PermissionDenied(
                _("You may not %(verb)s gap assessments at site %(site)s.") % {"verb": verb, "site": site.code}
            )


def _sites(assessment: GapAssessment) -> list:
    return list(assessment.sites.order_by("code"))


def _lock(assessment: GapAssessment) -> GapAssessment:
    return GapAssessment._base_manager.select_for_update().get(pk=assessment.pk)


def _expect(assessment: GapAssessment, *statuses: str, step: str) -> None:
    if assessment.status not in statuses:
        raise TransitionNotAllowed(
            _("The assessment is %(status)s; it cannot be %(step)s now.")
            % {"status": assessment.get_status_display().lower(), "step": step},
            code="wrong_status",
        )


def _next_reference(year: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence('processes_gapassessment', 'id'))")
        number = cursor.fetchone()[0]
    return f"GA-{year}-{number:04d}"


# --- creation --------------------------------------------------------------------------------------------------

_RESULTS_INSERT = """
INSERT INTO processes_clauseresult (
    assessment_id, site_id, clause_id, status, justification, finding, evidence_records,
    owner_id, due_date, action_kind, action_ref, answered_by_id, answered_at, created_at, updated_at
)
SELECT %(assessment)s, s.id, c.id,
    CASE WHEN e.applicable IS FALSE THEN 'not_applicable' ELSE COALESCE(prev.status, '') END,
    CASE WHEN e.applicable IS FALSE THEN e.justification ELSE COALESCE(prev.justification, '') END,
    COALESCE(prev.finding, ''),
    COALESCE(prev.evidence_records, ''),
    NULL, NULL, '', '',
    CASE WHEN e.applicable IS FALSE THEN NULL ELSE prev.answered_by_id END,
    CASE WHEN e.applicable IS FALSE THEN %(now)s
         WHEN prev.status IS NOT NULL AND prev.status <> '' THEN prev.answered_at END,
    %(now)s, %(now)s
FROM processes_clause c
CROSS JOIN unnest(%(sites)s::bigint[]) AS s(id)
LEFT JOIN processes_applicabilitystatement st ON st.site_id = s.id AND st.status = %(approved)s
LEFT JOIN processes_applicabilityentry e ON e.statement_id = st.id AND e.clause_id = c.id
LEFT JOIN processes_clauseresult prev
       ON prev.assessment_id = %(previous)s AND prev.site_id = s.id AND prev.clause_id = c.id
WHERE c.standard_id = ANY(%(standards)s::bigint[])
  AND NOT EXISTS (SELECT 1 FROM processes_clause ch WHERE ch.parent_id = c.id)
ORDER BY s.id, c.standard_id, c.position
"""

_EVIDENCE_COPY = """
INSERT INTO processes_clauseresult_{table} (clauseresult_id, {column})
SELECT r.id, pe.{column}
FROM processes_clauseresult r
JOIN processes_clauseresult prev
  ON prev.assessment_id = %(previous)s AND prev.site_id = r.site_id AND prev.clause_id = r.clause_id
JOIN processes_clauseresult_{table} pe ON pe.clauseresult_id = prev.id
WHERE r.assessment_id = %(assessment)s AND r.status <> 'not_applicable'
"""


def results_create(*, assessment: GapAssessment, previous: GapAssessment | None = None) -> int:
    """One result per site × leaf clause of the assessment's standards, in one statement (whatever the number of
    clauses); clauses the site's approved statement of applicability excludes come pre-filled as not applicable
    with its justification; with ``previous``, the answers and evidence of the same site × clause are copied."""
    params = {
        "assessment": assessment.pk,
        "sites": list(assessment.sites.values_list("pk", flat=True)),
        "standards": list(assessment.standards.values_list("pk", flat=True)),
        "previous": previous.pk if previous is not None else None,
        "approved": StatementStatus.APPROVED,
        "now": timezone.now(),
    }
    with connection.cursor() as cursor:
        cursor.execute(_RESULTS_INSERT, params)
        created = cursor.rowcount
        if previous is not None:
            cursor.execute(_EVIDENCE_COPY.format(table="evidence_documents", column="controlleddocument_id"), params)
            cursor.execute(_EVIDENCE_COPY.format(table="evidence_processes", column="process_id"), params)
    return created


@transaction.atomic
def assessment_create(
    *,
    actor,
    title: str,
    sites: Sequence,
    standards: Sequence,
    lead_assessor,
    planned_start: datetime.date,
    planned_end: datetime.date | None = None,
    scope: str = "",
    based_on: GapAssessment | None = None,
) -> GapAssessment:
    """A draft assessment of ``sites`` against ``standards``, with its (unanswered) results."""
    sites, standards = list(sites), list(standards)
    errors: dict[str, list[str]] = {}
    if not (title or "").strip():
        errors.setdefault("title", []).append(_("Give the assessment a title."))
    if not sites:
        errors.setdefault("sites", []).append(_("Choose the site (or sites) to assess."))
    if not standards:
        errors.setdefault("standards", []).append(_("Choose at least one standard."))
    if planned_end is not None and planned_start is not None and planned_end < planned_start:
        errors.setdefault("planned_end", []).append(_("The planned end cannot be before the start."))
    retired = [str(s) for s in standards if not s.is_active]
    if retired:
        errors.setdefault("standards", []).append(
            _("Retired editions cannot be assessed: %(list)s.") % {"list": ", ".join(retired)}
        )
    if errors:
        raise ValidationError(errors)
    _require_at_every_site(actor, "add_gapassessment", sites, _("create"))
    if based_on is not None:
        if not user_can(actor, "view", based_on):
            raise ValidationError({"based_on": _("The earlier assessment is not visible to you.")})
        if based_on.status not in (AssessmentStatus.COMPLETED, AssessmentStatus.APPROVED, AssessmentStatus.IN_PROGRESS):
            raise ValidationError({"based_on": _("Start only from an assessment that has been carried out.")})
    assessment = GapAssessment(
        reference=_next_reference(planned_start.year),
        title=title.strip(),
        lead_assessor=lead_assessor,
        scope=scope,
        planned_start=planned_start,
        planned_end=planned_end,
        based_on=based_on,
    )
    with audit_context(reason=_("Gap assessment planned")):
        assessment.save()
        assessment.sites.set(sites)
        assessment.standards.set(standards)
        results_create(assessment=assessment, previous=based_on)
    return assessment


EDITABLE_FIELDS = ("title", "scope", "planned_start", "planned_end", "lead_assessor")


@transaction.atomic
def assessment_update(*, actor, assessment: GapAssessment, changes: dict) -> GapAssessment:
    """Change the plan (title, scope, dates, lead assessor) until the assessment is completed; sites and
    standards are fixed once the results exist. The reason for change comes with the caller's audit context."""
    locked = _lock(assessment)
    _require_at_every_site(actor, "change_gapassessment", _sites(locked), _("change"))
    _expect(locked, AssessmentStatus.DRAFT, AssessmentStatus.IN_PROGRESS, step=_("changed"))
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError({name: _("Fixed once the assessment is planned.") for name in sorted(unknown)})
    for name, value in changes.items():
        setattr(locked, name, value.strip() if isinstance(value, str) else value)
    if not locked.title:
        raise ValidationError({"title": _("Give the assessment a title.")})
    if locked.planned_end is not None and locked.planned_end < locked.planned_start:
        raise ValidationError({"planned_end": _("The planned end cannot be before the start.")})
    locked.save()
    return locked


@transaction.atomic
def assessment_withdraw(*, actor, assessment: GapAssessment) -> GapAssessment:
    """A draft that will not be carried out is deactivated (kept, never deleted)."""
    locked = _lock(assessment)
    _require_at_every_site(actor, "delete_gapassessment", _sites(locked), _("withdraw"))
    _expect(locked, AssessmentStatus.DRAFT, step=_("withdrawn"))
    if not locked.is_active:
        raise TransitionNotAllowed(_("The assessment is already withdrawn."), code="inactive")
    locked.is_active = False
    locked.save(update_fields=["is_active", "updated_at"])
    return locked


# --- transitions -----------------------------------------------------------------------------------------------


@transaction.atomic
def assessment_start(*, actor, assessment: GapAssessment) -> GapAssessment:
    """Draft → in progress: results may now be recorded."""
    locked = _lock(assessment)
    _require_at_every_site(actor, "change_gapassessment", _sites(locked), _("start"))
    _expect(locked, AssessmentStatus.DRAFT, step=_("started"))
    if not locked.is_active:
        raise TransitionNotAllowed(_("The assessment was withdrawn."), code="inactive")
    locked.status = AssessmentStatus.IN_PROGRESS
    locked.started_at = timezone.now()
    with audit_context(reason=_("Gap assessment started")):
        locked.save(update_fields=["status", "started_at", "updated_at"])
    return locked


def _canonical_results(assessment: GapAssessment) -> list[list]:
    rows = (
        ClauseResult._base_manager.filter(assessment=assessment)
        .order_by("site__code", "clause__standard__code", "clause__standard__edition", "clause__position", "pk")
        .values_list(
            "pk",
            "site__code",
            "clause__standard__code",
            "clause__standard__edition",
            "clause__number",
            "status",
            "justification",
            "finding",
            "evidence_records",
            "owner_id",
            "due_date",
        )
    )
    documents: dict[int, list[int]] = {}
    processes: dict[int, list[int]] = {}
    through_docs = ClauseResult.evidence_documents.through.objects.filter(clauseresult__assessment=assessment)
    for result_id, document_id in through_docs.values_list("clauseresult_id", "controlleddocument_id"):
        documents.setdefault(result_id, []).append(document_id)
    through_procs = ClauseResult.evidence_processes.through.objects.filter(clauseresult__assessment=assessment)
    for result_id, process_id in through_procs.values_list("clauseresult_id", "process_id"):
        processes.setdefault(result_id, []).append(process_id)
    canonical = []
    for pk, *fields in rows:
        fields[-1] = fields[-1].isoformat() if fields[-1] else None  # due date
        canonical.append([*fields, sorted(documents.get(pk, [])), sorted(processes.get(pk, []))])
    return canonical


def results_digest(assessment: GapAssessment) -> str:
    """SHA-256 over a canonical serialisation of the results (sorted, compact JSON, UTF-8).

    It covers what the assessment found (result, justification, finding, evidence, owner, due date), not the
    follow-up: actions raised after completion or approval do not change what was signed.
    """
    payload = json.dumps(
        {"assessment": assessment.reference, "results": _canonical_results(assessment)},
        ensure_ascii=False,
        separators=(",", ":"),
        sort_keys=True,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def unanswered(assessment: GapAssessment):
    return ClauseResult._base_manager.filter(assessment=assessment, status="")


@transaction.atomic
def assessment_complete(*, actor, assessment: GapAssessment) -> GapAssessment:
    """In progress → completed, refused while a clause is unanswered; fixes the digest of the results."""
    locked = _lock(assessment)
    _require_at_every_site(actor, "change_gapassessment", _sites(locked), _("complete"))
    _expect(locked, AssessmentStatus.IN_PROGRESS, step=_("completed"))
    open_count = unanswered(locked).count()
    if open_count:
        first = unanswered(locked).select_related("site", "clause__standard").order_by("site__code", "pk")[:5]
        examples = ", ".join(f"{r.site.code} {r.clause.standard.code} {r.clause.number}" for r in first)
        raise TransitionNotAllowed(
            _("%(count)s clause results are still unanswered (e.g. %(examples)s); answer them before completing.")
            % {"count": open_count, "examples": examples},
            code="unanswered",
        )
    locked.status = AssessmentStatus.COMPLETED
    locked.completed_at = timezone.now()
    locked.results_digest = results_digest(locked)
    with audit_context(reason=_("Gap assessment completed")):
        locked.save(update_fields=["status", "completed_at", "results_digest", "updated_at"])
    return locked


def assessment_approve(
    *,
    actor,
    assessment: GapAssessment,
    password: str | None,
    username: str | None = None,
    reason: str = "",
    session=None,
    channel: str = SignatureChannel.WEB,
    ip: str | None = None,
) -> Signature:
    """Completed → approved, signed "approved" over the reference, title, results digest and completion time.

    The lead assessor does not approve their own assessment (segregation of duties); the results must still
    match the digest fixed at completion.
    """
    assessment = GapAssessment._base_manager.get(pk=assessment.pk)
    _require_at_every_site(actor, "approve_gapassessment", _sites(assessment), _("approve"))
    _not_lead(actor, assessment)
    _expect(assessment, AssessmentStatus.COMPLETED, step=_("approved"))

    def apply(signature: Signature) -> None:
        locked = _lock(assessment)
        _expect(locked, AssessmentStatus.COMPLETED, step=_("approved"))
        _not_lead(actor, locked)
        if results_digest(locked) != locked.results_digest:
            raise TransitionNotAllowed(
                _("The results no longer match those fixed at completion; the assessment cannot be approved."),
                code="digest_mismatch",
            )
        locked.status = AssessmentStatus.APPROVED
        locked.approved_by = actor
        locked.approved_at = signature.signed_at
        with audit_context(reason=reason or _("Approved with an electronic signature")):
            locked.save(update_fields=["status", "approved_by", "approved_at", "updated_at"])

    return signature_create(
        signer=actor,
        record=assessment,
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


def _not_lead(actor, assessment: GapAssessment) -> None:
    if assessment.lead_assessor_id == actor.pk:
        raise PermissionDenied(_("The lead assessor cannot approve their own assessment (segregation of duties)."))


# --- results ---------------------------------------------------------------------------------------------------


def _result_for(assessment: GapAssessment, site, clause) -> ClauseResult:
    if not assessment.standards.filter(pk=clause.standard_id).exists():
        raise ValidationError(
            {
                "clause": _("Clause %(number)s belongs to %(standard)s, which this assessment does not cover.")
                % {"number": clause.number, "standard": clause.standard}
            }
        )
    if not assessment.sites.filter(pk=site.pk).exists():
        raise ValidationError({"site": _("Site %(site)s is not part of this assessment.") % {"site": site.code}})
    result = ClauseResult._base_manager.filter(assessment=assessment, site=site, clause=clause).first()
    if result is None:
        raise ValidationError(
            {"clause": _("Clause %(number)s is a heading; answer its sub-clauses.") % {"number": clause.number}}
        )
    return result


RESULT_FIELDS = ("status", "justification", "finding", "evidence_records", "owner", "due_date")


@transaction.atomic
def result_record(
    *,
    actor,
    result: ClauseResult | None = None,
    assessment: GapAssessment | None = None,
    site=None,
    clause=None,
    data: dict,
) -> ClauseResult:
    """Record the finding for one clause at one site (given as ``result`` or as assessment, site and clause).

    ``data`` holds any of status, justification, finding, evidence_records, owner, due_date,
    evidence_documents, evidence_processes. Only while the assessment is in progress; "not applicable" needs
    a justification.
    """
    if result is None:
        result = _result_for(assessment, site, clause)
    locked_assessment = _lock(result.assessment)
    if not user_can_at_site(actor, "processes.change_clauseresult", result.site):
        raise PermissionDenied(_("You may not record results at site %(site)s.") % {"site": result.site.code})
    if locked_assessment.status != AssessmentStatus.IN_PROGRESS:
        raise TransitionNotAllowed(
            _("Results are recorded only while the assessment is in progress; it is %(status)s.")
            % {"status": locked_assessment.get_status_display().lower()},
            code="not_in_progress",
        )
    locked = ClauseResult._base_manager.select_for_update().get(pk=result.pk)
    for name in RESULT_FIELDS:
        if name in data:
            value = data[name]
            if isinstance(value, str):
                value = value.strip()
            setattr(locked, name, value if value is not None or name in ("owner", "due_date") else "")
    if locked.status and locked.status not in ResultStatus.values:
        raise ValidationError({"status": _("“%(value)s” is not a result.") % {"value": locked.status}})
    if locked.status == ResultStatus.NOT_APPLICABLE and not locked.justification:
        raise ValidationError(
            {"justification": _("Say why the clause does not apply: “not applicable” needs a justification.")}
        )
    if locked.status:
        locked.answered_by = actor
        locked.answered_at = timezone.now()
    locked.save()
    if "evidence_documents" in data:
        locked.evidence_documents.set(data["evidence_documents"] or [])
    if "evidence_processes" in data:
        locked.evidence_processes.set(data["evidence_processes"] or [])
    return locked


@transaction.atomic
def result_raise_action(
    *,
    actor,
    result: ClauseResult,
    kind: str = DEFAULT_KIND,
    title: str = "",
    description: str = "",
    owner=None,
    due_date: datetime.date | None = None,
) -> ClauseResult:
    """Raise an action for a gap or partial result through the kernel's registry and keep its reference."""
    locked = ClauseResult._base_manager.select_for_update().select_related("clause__standard", "site").get(pk=result.pk)
    if not user_can_at_site(actor, "processes.change_clauseresult", locked.site):
        raise PermissionDenied(_("You may not raise actions at site %(site)s.") % {"site": locked.site.code})
    assessment = GapAssessment._base_manager.get(pk=locked.assessment_id)
    if assessment.status == AssessmentStatus.DRAFT:
        raise TransitionNotAllowed(_("Start the assessment before raising actions."), code="wrong_status")
    if locked.status not in ACTIONABLE:
        raise ValidationError(_("An action is raised for a gap or a partial conformity only."))
    if locked.action_ref:
        raise ValidationError(_("An action was already raised for this result: %(ref)s.") % {"ref": locked.action_ref})
    owner = owner or locked.owner
    due_date = due_date or locked.due_date
    ref = action_raise(
        kind,
        actor=actor,
        source=locked,
        title=title
        or _("Close the gap: %(standard)s %(number)s %(title)s")
        % {"standard": locked.clause.standard.code, "number": locked.clause.number, "title": locked.clause.title},
        description=description or locked.finding,
        owner=owner,
        due_date=due_date,
        site=locked.site,
    )
    locked.action_kind = ref.kind
    locked.action_ref = ref.reference
    fields = ["action_kind", "action_ref", "updated_at"]
    if owner is not None and locked.owner_id is None:
        locked.owner = owner
        fields.append("owner")
    if due_date is not None and locked.due_date is None:
        locked.due_date = due_date
        fields.append("due_date")
    if assessment.status != AssessmentStatus.IN_PROGRESS:
        fields = ["action_kind", "action_ref", "updated_at"]  # what was found (and signed) stays as it was
    with audit_context(reason=_("Action %(ref)s raised") % {"ref": ref.reference}):
        locked.save(update_fields=fields)
    return locked

"""CAPA workflow: open, investigate (root cause), approve the action plan (signed), implement, check
effectiveness, close (signed) or reopen with a reason.

Every service takes the acting person (keyword-only ``actor``; ``None`` for the system, e.g. the nightly
effectiveness evaluation), runs in one transaction, locks the CAPA row before a transition, refuses what the
state does not allow with a clear message (``CapaRefused``, nothing changed) and writes the audit trail with a
reason. The owner of a CAPA records its investigation; the owner of an action completes it; approving the plan
and verifying closure are for someone other than the owner holding ``capa.approve_capa`` at the site.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from collections.abc import Iterable

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ims.access.permissions import user_can_at_site
from ims.actions.registry import ActionRef
from ims.actions.retraining import retraining_assign
from ims.audit.context import audit_context
from ims.audit.context import current as audit_current
from ims.documents.uploads import upload_check
from ims.esign.choices import SignatureChannel
from ims.esign.models import Signature
from ims.esign.services import signature_create

from .choices import (
    REOPEN_TARGETS,
    ActionKind,
    ActionStatus,
    CapaKind,
    CapaSource,
    CapaState,
    CheckCriterion,
    CheckStatus,
    FishboneCategory,
    RootCauseCategory,
)
from .models import Capa, CapaAction, EffectivenessCheck, risk_band

APPROVED = "approved"
VERIFIED = "verified"
#: What an action's evidence file may be.
EVIDENCE_KINDS = ("pdf", "docx", "xlsx", "png", "jpeg")
#: Where actions may be added and completed.
ACTION_STATES = (CapaState.OPEN, CapaState.INVESTIGATION, CapaState.IMPLEMENTATION)
WORK_STATES = (
    CapaState.INVESTIGATION,
    CapaState.PLAN_APPROVED,
    CapaState.IMPLEMENTATION,
    CapaState.EFFECTIVENESS_CHECK,
)
SOURCE_LABELS = {
    "audits.finding": CapaSource.AUDIT_FINDING,
    "processes.clauseresult": CapaSource.GAP_RESULT,
    "feedback.feedbackitem": CapaSource.FEEDBACK,
}


class CapaRefused(ValidationError):
    """The CAPA's state (or its actions) does not allow this step; nothing was changed."""


# --- helpers ---------------------------------------------------------------------------------------------------


def _lock(capa: Capa) -> Capa:
    return Capa._base_manager.select_for_update().get(pk=capa.pk)


def _expect(capa: Capa, *states: str, step: str) -> None:
    if capa.state not in states:
        raise CapaRefused(
            _("The CAPA is %(state)s; it cannot be %(step)s now.")
            % {"state": capa.get_state_display().lower(), "step": step},
            code="wrong_state",
        )


def _require(actor, codename: str, site, verb: str) -> None:
    if actor is not None and not user_can_at_site(actor, f"capa.{codename}", site):
        raise PermissionDenied(_("You may not %(verb)s CAPAs at site %(site)s.") % {"verb": verb, "site": site.code})


def _require_or_owner(actor, codename: str, capa: Capa, verb: str, owner_id: int | None) -> None:
    if actor is not None and owner_id == actor.pk and user_can_at_site(actor, "capa.view_capa", capa.site):
        return
    _require(actor, codename, capa.site, verb)


def _owner_has_access(owner, site, field: str = "owner") -> None:
    if owner is None:
        raise ValidationError({field: _("Name an owner.")})
    if not owner.is_active or not user_can_at_site(owner, "capa.view_capa", site):
        raise ValidationError(
            {field: _("%(person)s has no access to site %(site)s; choose someone who works there.")
             % {"person": owner, "site": site.code}}
        )  # fmt: skip


def _why(default: str) -> str:
    """The reason the caller gave for this step (e.g. an API request's ``reason``), else the step's own."""
    return audit_current().get("reason") or default


def _next_id() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence('capa_capa', 'id'))")
        return cursor.fetchone()[0]


def _rating(value, field: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = 0
    if not 1 <= number <= 5:
        raise ValidationError({field: _("Rate from 1 to 5.")})
    return number


def _apply_risk(capa: Capa) -> None:
    capa.risk_score = capa.severity * capa.occurrence if capa.severity and capa.occurrence else None
    capa.risk_band = risk_band(capa.risk_score)


# --- create and describe ---------------------------------------------------------------------------------------

DESCRIPTION_FIELDS = (
    "title",
    "description",
    "kind",
    "owner",
    "due_date",
    "impact_quality",
    "impact_safety",
    "impact_environment",
    "severity",
    "occurrence",
    "containment",
    "clause",
    "process",
)


@transaction.atomic
def capa_create(
    *,
    actor,
    site,
    title: str,
    source: str,
    owner,
    description: str = "",
    kind: str = CapaKind.CAPA,
    due_date: datetime.date | None = None,
    source_record=None,
    source_label: str = "",
    clause=None,
    process=None,
    impact_quality: str = "",
    impact_safety: str = "",
    impact_environment: str = "",
    severity: int | None = None,
    occurrence: int | None = None,
    containment: str = "",
) -> Capa:
    """Open a CAPA (or nonconformance) at ``site`` from a source; risk = severity × occurrence."""
    _require(actor, "add_capa", site, _("open"))
    errors = {}
    if not (title or "").strip():
        errors["title"] = _("Give the CAPA a title.")
    if source not in CapaSource.values:
        errors["source"] = _("Say where the CAPA comes from.")
    if kind not in CapaKind.values:
        errors["kind"] = _("Choose nonconformance or CAPA.")
    if errors:
        raise ValidationError(errors)
    _owner_has_access(owner, site)
    pk = _next_id()
    capa = Capa(
        pk=pk,
        reference=f"CAPA-{pk:06d}",
        kind=kind,
        site=site,
        title=title.strip()[:200],
        description=description or "",
        source=source,
        clause=clause,
        process=process,
        owner=owner,
        raised_by=actor,
        due_date=due_date,
        impact_quality=impact_quality or "",
        impact_safety=impact_safety or "",
        impact_environment=impact_environment or "",
        severity=_rating(severity, "severity"),
        occurrence=_rating(occurrence, "occurrence"),
        containment=containment or "",
        source_label=(source_label or "")[:200],
    )
    if source_record is not None and source_record.pk is not None:
        app_label, model_name = source_record._meta.label_lower.split(".")
        capa.source_type = ContentType.objects.get_by_natural_key(app_label, model_name)
        capa.source_id = str(source_record.pk)
        capa.source_label = capa.source_label or str(source_record)[:200]
    _apply_risk(capa)
    capa.full_clean(exclude=["reference"])
    with audit_context(reason=_("CAPA opened")):
        capa.save(force_insert=True)
    return capa


@transaction.atomic
def capa_update(*, actor, capa: Capa, changes: dict) -> Capa:
    """Change the description, impact, risk, containment, owner or target date of a CAPA not yet closed."""
    locked = _lock(capa)
    _require_or_owner(actor, "change_capa", locked, _("change"), locked.owner_id)
    if locked.state == CapaState.CLOSED:
        raise CapaRefused(_("A closed CAPA is kept as it was closed."), code="closed")
    for name in DESCRIPTION_FIELDS:
        if name not in changes:
            continue
        value = changes[name]
        if name in ("severity", "occurrence"):
            value = _rating(value, name)
        elif isinstance(value, str):
            value = value.strip()
        setattr(locked, name, value)
    if "owner" in changes:
        if actor is not None and not user_can_at_site(actor, "capa.change_capa", locked.site):
            raise PermissionDenied(_("Only a quality manager hands a CAPA to another owner."))
        _owner_has_access(locked.owner, locked.site)
    if not locked.title:
        raise ValidationError({"title": _("Give the CAPA a title.")})
    _apply_risk(locked)
    locked.full_clean()
    locked.save()
    return locked


# --- investigation -----------------------------------------------------------------------------------------------


@transaction.atomic
def capa_investigate(*, actor, capa: Capa) -> Capa:
    """Open → investigation."""
    locked = _lock(capa)
    _require_or_owner(actor, "change_capa", locked, _("investigate"), locked.owner_id)
    _expect(locked, CapaState.OPEN, step=_("taken into investigation"))
    locked.state = CapaState.INVESTIGATION
    with audit_context(reason=_why(_("Investigation started"))):
        locked.save(update_fields=["state", "updated_at"])
    return locked


def _clean_whys(whys: Iterable) -> list[str]:
    return [str(why).strip()[:500] for why in (whys or []) if str(why or "").strip()]


def _clean_fishbone(fishbone: dict) -> dict[str, list[str]]:
    cleaned: dict[str, list[str]] = {}
    for category, causes in (fishbone or {}).items():
        if category not in FishboneCategory.values:
            raise ValidationError({"fishbone": _("“%(c)s” is not a fishbone category.") % {"c": category}})
        if isinstance(causes, str):
            causes = causes.splitlines()
        texts = [str(cause).strip()[:300] for cause in causes or [] if str(cause or "").strip()]
        if texts:
            cleaned[category] = texts
    return {category: cleaned[category] for category in FishboneCategory.values if category in cleaned}


@transaction.atomic
def capa_rca_record(
    *,
    actor,
    capa: Capa,
    whys: Iterable[str] | None = None,
    fishbone: dict | None = None,
    root_cause: str | None = None,
    root_cause_category: str | None = None,
) -> Capa:
    """Record the root-cause analysis: the 5-Whys chain in order, fishbone causes by category, the root cause
    and its category. During the investigation, by the CAPA's owner or someone who may change CAPAs."""
    locked = _lock(capa)
    _require_or_owner(actor, "change_capa", locked, _("investigate"), locked.owner_id)
    _expect(locked, CapaState.INVESTIGATION, step=_("analysed (the root cause is recorded during the investigation)"))
    if whys is not None:
        locked.whys = _clean_whys(whys)
        if len(locked.whys) > 10:
            raise ValidationError({"whys": _("Keep the why-chain to ten steps or fewer.")})
    if fishbone is not None:
        locked.fishbone = _clean_fishbone(fishbone)
    if root_cause is not None:
        locked.root_cause = root_cause.strip()
    if root_cause_category is not None:
        if root_cause_category and root_cause_category not in RootCauseCategory.values:
            raise ValidationError({"root_cause_category": _("Choose a root cause category.")})
        locked.root_cause_category = root_cause_category
    with audit_context(reason=_why(_("Root-cause analysis recorded"))):
        locked.save(update_fields=["whys", "fishbone", "root_cause", "root_cause_category", "updated_at"])
    return locked


# --- actions ---------------------------------------------------------------------------------------------------


@transaction.atomic
def capa_action_add(
    *,
    actor,
    capa: Capa,
    kind: str,
    title: str,
    owner,
    due_date: datetime.date | None,
    description: str = "",
) -> CapaAction:
    """Plan a correction, corrective or preventive action; its owner must have access to the CAPA's site."""
    locked = _lock(capa)
    _require_or_owner(actor, "add_capaaction", locked, _("plan actions for"), locked.owner_id)
    _expect(locked, *ACTION_STATES, step=_("given new actions"))
    errors = {}
    if kind not in ActionKind.values:
        errors["kind"] = _("Choose correction, corrective or preventive.")
    if not (title or "").strip():
        errors["title"] = _("Say what is to be done.")
    if due_date is None:
        errors["due_date"] = _("Give a due date.")
    if errors:
        raise ValidationError(errors)
    _owner_has_access(owner, locked.site)
    action = CapaAction(
        capa=locked, kind=kind, title=title.strip()[:200], description=description or "", owner=owner,
        due_date=due_date,
    )  # fmt: skip
    action.full_clean()
    with audit_context(reason=_why(_("Action planned"))):
        action.save()
    return action


@transaction.atomic
def capa_action_complete(*, actor, action: CapaAction, evidence_note: str = "", evidence_file=None) -> CapaAction:
    """Open → done, with evidence (a note, a file, or both). By the action's owner or whoever may change actions."""
    capa = _lock(action.capa)
    locked = CapaAction._base_manager.select_for_update().get(pk=action.pk)
    _require_or_owner(actor, "change_capaaction", capa, _("complete actions of"), locked.owner_id)
    _expect(capa, *WORK_STATES, step=_("have actions completed"))
    if locked.status == ActionStatus.DONE:
        raise CapaRefused(_("This action is already done."), code="done")
    note = (evidence_note or "").strip()
    if evidence_file:
        checked = upload_check(evidence_file, allowed=EVIDENCE_KINDS, field="evidence_file")
        from ims.documents.uploads import random_name

        locked.evidence_name = checked.name
        locked.evidence_type = checked.content_type
        locked.evidence_sha256 = checked.sha256
        evidence_file.name = random_name(checked)
        locked.evidence_file = evidence_file
    if not note and not evidence_file:
        raise ValidationError({"evidence_note": _("Give the evidence that the action was done (a note or a file).")})
    locked.evidence_note = note
    locked.status = ActionStatus.DONE
    locked.done_by = actor
    locked.done_at = timezone.now()
    with audit_context(reason=_why(_("Action done"))):
        locked.save()
    return locked


# --- the plan and its approval ---------------------------------------------------------------------------------


def plan_digest(capa: Capa) -> str:
    """SHA-256 over the root cause and the planned actions (canonical JSON): what the approval binds."""
    actions = list(
        CapaAction._base_manager.filter(capa=capa)
        .order_by("pk")
        .values_list("pk", "kind", "title", "owner_id", "due_date")
    )
    payload = {
        "capa": capa.reference,
        "whys": capa.whys,
        "fishbone": capa.fishbone,
        "root_cause": capa.root_cause,
        "category": capa.root_cause_category,
        "actions": [[pk, kind, title, owner, due.isoformat()] for pk, kind, title, owner, due in actions],
    }
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def closure_digest(capa: Capa) -> str:
    """SHA-256 over the plan, the actions as done (evidence and its file hash) and the effectiveness checks'
    results (canonical JSON): what the closure signature binds."""
    actions = CapaAction._base_manager.filter(capa=capa).order_by("pk")
    checks = EffectivenessCheck._base_manager.filter(capa=capa).order_by("pk")
    payload = {
        "plan": capa.plan_digest,
        "actions": [
            [a.pk, a.status, a.evidence_note, a.evidence_sha256, a.done_at.isoformat() if a.done_at else None]
            for a in actions
        ],
        "checks": [
            [c.pk, c.criterion, c.status, None if c.measured_value is None else str(c.measured_value), c.measured_text]
            for c in checks
        ],
    }
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _not_owner(actor, capa: Capa, step: str) -> None:
    if actor is not None and capa.owner_id == actor.pk:
        raise PermissionDenied(_("The owner of the CAPA cannot %(step)s it (segregation of duties).") % {"step": step})


def _plan_ready(capa: Capa) -> None:
    problems = []
    if not capa.root_cause.strip() or not capa.root_cause_category:
        problems.append(_("record the root cause and its category"))
    if not CapaAction._base_manager.filter(capa=capa).exclude(kind=ActionKind.CORRECTION).exists():
        problems.append(_("plan at least one corrective or preventive action"))
    if problems:
        raise CapaRefused(
            _("The action plan cannot be approved yet: %(what)s.") % {"what": "; ".join(problems)},
            code="plan_incomplete",
        )


@transaction.atomic
def capa_plan_fix(*, actor, capa: Capa) -> Capa:
    """Fix the digest of the plan to be signed (called before the approval ceremony)."""
    locked = _lock(capa)
    locked.plan_digest = plan_digest(locked)
    locked.save(update_fields=["plan_digest", "updated_at"])
    return locked


def capa_plan_approve(
    *,
    actor,
    capa: Capa,
    password: str | None,
    username: str | None = None,
    reason: str = "",
    session=None,
    channel: str = SignatureChannel.WEB,
    ip: str | None = None,
) -> Signature:
    """Investigation → action plan approved, signed "approved" over the root cause and the plan's digest. By a
    quality manager (``capa.approve_capa`` at the site) who is not the CAPA's owner."""
    capa = Capa._base_manager.select_related("site").get(pk=capa.pk)
    _require(actor, "approve_capa", capa.site, _("approve"))
    _not_owner(actor, capa, _("approve the plan of"))
    _expect(capa, CapaState.INVESTIGATION, step=_("approved"))
    _plan_ready(capa)
    capa = capa_plan_fix(actor=actor, capa=capa)

    def apply(signature: Signature) -> None:
        locked = _lock(capa)
        _expect(locked, CapaState.INVESTIGATION, step=_("approved"))
        if plan_digest(locked) != locked.plan_digest:
            raise CapaRefused(_("The plan changed while it was being signed; sign again."), code="digest_mismatch")
        locked.state = CapaState.PLAN_APPROVED
        locked.plan_approved_by = actor
        locked.plan_approved_at = signature.signed_at
        with audit_context(reason=reason or _("Action plan approved with an electronic signature")):
            locked.save(update_fields=["state", "plan_approved_by", "plan_approved_at", "updated_at"])

    return signature_create(
        signer=actor, record=capa, meaning=APPROVED, password=password, username=username, reason=reason,
        session=session, channel=channel, ip=ip, apply=apply, workflow=True,
    )  # fmt: skip


@transaction.atomic
def capa_implement(*, actor, capa: Capa) -> Capa:
    """Action plan approved → implementation."""
    locked = _lock(capa)
    _require_or_owner(actor, "change_capa", locked, _("implement"), locked.owner_id)
    _expect(locked, CapaState.PLAN_APPROVED, step=_("put into implementation"))
    locked.state = CapaState.IMPLEMENTATION
    with audit_context(reason=_why(_("Implementation started"))):
        locked.save(update_fields=["state", "updated_at"])
    return locked


# --- effectiveness -----------------------------------------------------------------------------------------------


def add_months(day: datetime.date, months: int) -> datetime.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)


@transaction.atomic
def capa_effectiveness_plan(
    *,
    actor,
    capa: Capa,
    criterion: str = "",
    window_start: datetime.date | None = None,
    due_date: datetime.date | None = None,
    objective=None,
    months: int | None = None,
) -> EffectivenessCheck:
    """Implementation → effectiveness check, with a measurable criterion: (a) ``kpi``: the objective's latest
    reading in [window start, due date] meets its target; (b) ``no_recurrence``: no finding on the CAPA's
    clause and process for ``months`` months from the window start. Evaluated on the due date."""
    locked = _lock(capa)
    _require(actor, "add_effectivenesscheck", locked.site, _("plan effectiveness checks for"))
    _expect(locked, CapaState.IMPLEMENTATION, step=_("checked for effectiveness"))
    if criterion not in CheckCriterion.values:
        raise ValidationError(
            {"criterion": _("An effectiveness check needs a measurable criterion: a KPI reading against its target, "
                            "or no recurrence on the same clause and process.")}
        )  # fmt: skip
    window_start = window_start or timezone.localdate()
    errors = {}
    if criterion == CheckCriterion.KPI:
        months = None
        if objective is None:
            errors["objective"] = _("Choose the objective (KPI) whose reading must meet its target.")
        elif objective.site_id not in (None, locked.site_id):
            errors["objective"] = _("Choose an objective of site %(site)s or of the company.") % {
                "site": locked.site.code
            }
        if due_date is None:
            errors["due_date"] = _("Say when the KPI is evaluated.")
    else:
        objective = None
        if not months or int(months) < 1:
            errors["months"] = _("Say for how many months no recurrence is expected.")
        elif locked.clause_id is None and locked.process_id is None:
            errors["criterion"] = _("No recurrence needs the CAPA's clause or process; record them first.")
        else:
            months = int(months)
            due_date = add_months(window_start, months)
    if due_date is not None and due_date < window_start:
        errors["due_date"] = _("The evaluation date cannot be before the window starts.")
    if errors:
        raise ValidationError(errors)
    check = EffectivenessCheck(
        capa=locked, criterion=criterion, objective=objective, window_start=window_start, due_date=due_date,
        months=months, planned_by=actor if actor is not None else locked.owner,
    )  # fmt: skip
    check.full_clean()
    with audit_context(reason=_why(_("Effectiveness check planned"))):
        check.save()
        locked.state = CapaState.EFFECTIVENESS_CHECK
        locked.save(update_fields=["state", "updated_at"])
    return check


def _meets(objective, value) -> bool:
    from policies.choices import Direction

    if objective.direction == Direction.RANGE:
        return objective.target_min <= value <= objective.target_max
    if objective.direction == Direction.LOWER:
        return value <= objective.target
    return value >= objective.target


def _measure(check: EffectivenessCheck, capa: Capa) -> tuple[bool, object, str]:
    if check.criterion == CheckCriterion.KPI:
        from policies.models import ObjectiveReading

        objective = check.objective
        reading = (
            ObjectiveReading._base_manager.filter(
                objective=objective, is_void=False, period_end__gte=check.window_start, period_end__lte=check.due_date
            )
            .order_by("-period_end", "-pk")
            .first()
        )
        if reading is None:
            return False, None, _("No reading of %(kpi)s between %(a)s and %(b)s.") % {
                "kpi": objective.kpi or objective.title, "a": check.window_start, "b": check.due_date,
            }  # fmt: skip
        passed = _meets(objective, reading.value)
        text = _("%(kpi)s = %(value)s on %(day)s (target %(target)s)") % {
            "kpi": objective.kpi or objective.title, "value": format(reading.value.normalize(), "f"),
            "day": reading.period_end, "target": objective.target_display(),
        }  # fmt: skip
        return passed, reading.value, text
    from audits.selectors import finding_recurrences

    exclude = ()
    if capa.source == CapaSource.AUDIT_FINDING and capa.source_id.isdigit():
        exclude = (int(capa.source_id),)
    count = finding_recurrences(
        site_id=capa.site_id, clause_id=capa.clause_id, process_id=capa.process_id, since=check.window_start,
        until=check.due_date, exclude_finding_ids=exclude,
    )  # fmt: skip
    text = _("%(n)s finding(s) on the same clause and process between %(a)s and %(b)s") % {
        "n": count, "a": check.window_start, "b": check.due_date,
    }  # fmt: skip
    return count == 0, count, text


@transaction.atomic
def check_evaluate(*, check: EffectivenessCheck, actor=None) -> EffectivenessCheck:
    """Measure a pending check and record passed or failed with the measured value; a failed check reopens the
    CAPA to investigation (the audit trail gives the reason)."""
    capa = _lock(check.capa)
    checks = EffectivenessCheck._base_manager.select_for_update(of=("self",)).select_related("objective")
    locked = checks.get(pk=check.pk)
    if locked.status != CheckStatus.PENDING:
        raise CapaRefused(_("This check was already evaluated."), code="evaluated")
    _expect(capa, CapaState.EFFECTIVENESS_CHECK, step=_("evaluated"))
    passed, value, text = _measure(locked, capa)
    locked.status = CheckStatus.PASSED if passed else CheckStatus.FAILED
    locked.measured_value = value
    locked.measured_text = text[:300]
    locked.evaluated_at = timezone.now()
    result = _("passed") if passed else _("failed")
    with audit_context(reason=_("Effectiveness check %(result)s: %(text)s") % {"result": result, "text": text}):
        locked.save(update_fields=["status", "measured_value", "measured_text", "evaluated_at", "updated_at"])
    if not passed:
        reason = _("Reopened: the effectiveness check failed (%(text)s)") % {"text": text}
        capa.state = CapaState.INVESTIGATION
        capa.reopen_count += 1
        capa.reopen_reason = reason[:1000]
        with audit_context(reason=reason):
            capa.save(update_fields=["state", "reopen_count", "reopen_reason", "updated_at"])
    return locked


def checks_due(*, on: datetime.date) -> int:
    """Evaluate every pending check due on or before ``on`` whose CAPA awaits it (idempotent: a re-run finds
    nothing pending). Returns the number evaluated."""
    pending = list(
        EffectivenessCheck._base_manager.filter(
            status=CheckStatus.PENDING, due_date__lte=on, capa__state=CapaState.EFFECTIVENESS_CHECK
        )
        .order_by("due_date", "pk")
        .values_list("pk", flat=True)
    )
    done = 0
    for pk in pending:
        check = EffectivenessCheck._base_manager.select_related("capa").get(pk=pk)
        try:
            check_evaluate(check=check)
        except CapaRefused:
            continue
        done += 1
    return done


# --- closure and reopening ---------------------------------------------------------------------------------------


def closure_problems(capa: Capa) -> list[str]:
    """Why the CAPA cannot be closed yet (empty when it can)."""
    problems = []
    actions = list(CapaAction._base_manager.filter(capa=capa).order_by("due_date", "pk"))
    if not actions:
        problems.append(_("it has no actions"))
    not_done = [a for a in actions if a.status != ActionStatus.DONE]
    if not_done:
        problems.append(
            _("%(n)s action(s) not done (%(titles)s)")
            % {"n": len(not_done), "titles": ", ".join(a.title for a in not_done[:3])}
        )
    no_evidence = [a for a in actions if a.status == ActionStatus.DONE and not a.has_evidence]
    if no_evidence:
        problems.append(
            _("%(n)s action(s) without evidence (%(titles)s)")
            % {"n": len(no_evidence), "titles": ", ".join(a.title for a in no_evidence[:3])}
        )
    latest = EffectivenessCheck._base_manager.filter(capa=capa).order_by("-created_at", "-pk").first()
    if latest is None or latest.status != CheckStatus.PASSED:
        problems.append(_("its effectiveness check has not passed"))
    return problems


def _closable(capa: Capa) -> None:
    problems = closure_problems(capa)
    if problems:
        raise CapaRefused(
            _("The CAPA cannot be closed: %(what)s.") % {"what": "; ".join(problems)}, code="closure_gate"
        )


def capa_close(
    *,
    actor,
    capa: Capa,
    password: str | None,
    username: str | None = None,
    reason: str = "",
    session=None,
    channel: str = SignatureChannel.WEB,
    ip: str | None = None,
) -> Signature:
    """Effectiveness check → closed, signed "verified" by a quality manager who is not the owner. Refused while an
    action is not done or lacks evidence, or the effectiveness check has not passed."""
    capa = Capa._base_manager.select_related("site").get(pk=capa.pk)
    _require(actor, "approve_capa", capa.site, _("close"))
    _not_owner(actor, capa, _("verify and close"))
    _expect(capa, CapaState.EFFECTIVENESS_CHECK, step=_("closed"))
    _closable(capa)
    capa = _closure_fix(capa)

    def apply(signature: Signature) -> None:
        locked = _lock(capa)
        _expect(locked, CapaState.EFFECTIVENESS_CHECK, step=_("closed"))
        _closable(locked)
        if closure_digest(locked) != locked.closure_digest:
            raise CapaRefused(_("The CAPA changed while it was being signed; sign again."), code="digest_mismatch")
        locked.state = CapaState.CLOSED
        locked.closed_by = actor
        locked.closed_at = signature.signed_at
        with audit_context(reason=reason or _("Effectiveness verified and CAPA closed with an electronic signature")):
            locked.save(update_fields=["state", "closed_by", "closed_at", "updated_at"])

    return signature_create(
        signer=actor, record=capa, meaning=VERIFIED, password=password, username=username, reason=reason,
        session=session, channel=channel, ip=ip, apply=apply, workflow=True,
    )  # fmt: skip


@transaction.atomic
def _closure_fix(capa: Capa) -> Capa:
    """Fix the digest of what the closure signature binds (called before the ceremony)."""
    locked = _lock(capa)
    locked.closure_digest = closure_digest(locked)
    locked.save(update_fields=["closure_digest", "updated_at"])
    return locked


@transaction.atomic
def capa_reopen(*, actor, capa: Capa, to_state: str, reason: str) -> Capa:
    """Implementation or effectiveness check → back to investigation or implementation, with a reason."""
    locked = _lock(capa)
    _require(actor, "change_capa", locked.site, _("reopen"))
    if to_state not in REOPEN_TARGETS:
        raise ValidationError({"to_state": _("A CAPA is reopened to investigation or implementation.")})
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why the CAPA is reopened.")})
    allowed = (CapaState.IMPLEMENTATION, CapaState.EFFECTIVENESS_CHECK)
    _expect(locked, *allowed, step=_("reopened"))
    if to_state == locked.state:
        raise CapaRefused(_("The CAPA is already in implementation."), code="same_state")
    locked.state = to_state
    locked.reopen_count += 1
    locked.reopen_reason = reason.strip()[:1000]
    with audit_context(reason=_("Reopened: %(reason)s") % {"reason": reason.strip()}):
        locked.save(update_fields=["state", "reopen_count", "reopen_reason", "updated_at"])
    return locked


# --- retraining (root cause "training") ------------------------------------------------------------------------


@transaction.atomic
def capa_retraining_raise(
    *, actor, capa: Capa, people: list, course_code: str, due_date: datetime.date, owner=None
) -> CapaAction:
    """Raise training assignments (reason CAPA) for ``people`` through the retraining registry and plan the
    corrective action that tracks them. Only for a root cause of category training."""
    locked = _lock(capa)
    _require(actor, "add_capaaction", locked.site, _("plan actions for"))
    _expect(locked, *ACTION_STATES, step=_("given retraining"))
    if locked.root_cause_category != RootCauseCategory.TRAINING:
        raise CapaRefused(_("Retraining is raised for a root cause of category training."), code="not_training")
    if not people:
        raise ValidationError({"people": _("Choose who is retrained.")})
    for person in people:
        _owner_has_access(person, locked.site, field="people")
    assigned = retraining_assign(
        actor=actor, people=people, course_code=course_code, due_date=due_date, reference=locked.reference,
        site=locked.site,
    )  # fmt: skip
    return capa_action_add(
        actor=actor, capa=locked, kind=ActionKind.CORRECTIVE,
        title=_("Retraining on %(course)s") % {"course": course_code},
        description=_("%(n)s training assignment(s) raised for: %(people)s")
        % {"n": assigned, "people": ", ".join(str(p) for p in people)},
        owner=owner or locked.owner, due_date=due_date,
    )  # fmt: skip


# --- the action kind "capa" --------------------------------------------------------------------------------------


def capa_from_action(*, actor, source, title: str, description: str = "", owner=None, due_date=None, site) -> ActionRef:
    """``action_raise("capa", …)``: a CAPA opened from an audit finding, a gap result or another record. The
    source is inspected by its label and attributes (no import of the source's app)."""
    label = source._meta.label_lower if source is not None else ""
    kind = SOURCE_LABELS.get(label, CapaSource.DEVIATION)
    clause_id = getattr(source, "clause_id", None)
    process_id = getattr(source, "process_id", None)
    if label == "processes.clauseresult":
        process_id = None
    clause = process = None
    if clause_id:
        from processes.models import Clause

        clause = Clause.objects.get(pk=clause_id)
    if process_id:
        from processes.models import Process

        process = Process._base_manager.get(pk=process_id)
    source_label = ""
    if label == "audits.finding":
        source_label = f"{getattr(source, 'reference', source)} ({getattr(source, 'grade', '')})".strip()
    capa = capa_create(
        actor=actor, site=site, title=title, source=kind, owner=owner or actor, description=description,
        due_date=due_date, source_record=source, source_label=source_label, clause=clause, process=process,
    )  # fmt: skip
    return ActionRef(kind="capa", reference=capa.reference, url=capa.get_absolute_url())


def capa_url_for_reference(reference: str) -> str:
    pk = Capa._base_manager.filter(reference=reference).values_list("pk", flat=True).first()
    return Capa(pk=pk).get_absolute_url() if pk else ""

"""Internal audits: programmes and areas, planning an audit (team, dates, cancel), running it (checklist,
evidence, findings, CAPA) and the report's three signatures (authored, acknowledged, approved).

Every service takes the acting person (``actor``), checks their permission at the audit's site, runs in one
transaction and locks the audit row for transitions; bad input raises ``ValidationError`` and changes nothing.

Two rules guard who audits: **independence** (nobody audits their own function: the auditor's current memberships
at the site against the functions of the audited processes and of the auditees) and **qualification** (a current
internal-auditor training record, asked through the kernel's signer checks with the audit as the record; the
same check runs again when the lead auditor signs the report).
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

from ims.access.permissions import user_can_at_site
from ims.actions.registry import DEFAULT_KIND, action_kinds, action_raise
from ims.audit.context import audit_context
from ims.documents.uploads import random_name, upload_check
from ims.esign.choices import SignatureChannel, SignatureMeaning
from ims.esign.models import Signature
from ims.esign.qualification import run_signer_checks
from ims.esign.services import SignatureRefused, signature_create
from ims.org.models import Function, Membership

from .choices import AuditStatus, ChecklistResult, FindingGrade, FindingStatus, Frequency, RiskLevel
from .constants import DEFAULT_CLAUSE_QUESTION
from .models import (
    Audit,
    AuditProgramme,
    ChecklistItem,
    ChecklistTemplate,
    EvidenceFile,
    Finding,
    ProgrammeArea,
    TemplateQuestion,
)

CAPA_KIND = "capa"
EVIDENCE_KINDS = ("pdf", "png", "jpeg", "docx", "xlsx")
REASON_NEEDED = _("Give the reason; it is kept in the audit trail.")


class TransitionNotAllowed(ValidationError):
    """The audit is not in a state that allows this step; nothing was changed."""


# --- helpers ---------------------------------------------------------------------------------------------------


def _require(actor, codename: str, site, verb: str) -> None:
    if not user_can_at_site(actor, f"audits.{codename}", site):
        raise PermissionDenied(_("You may not %(verb)s at site %(site)s.") % {"verb": verb, "site": site.code})


def _lock(audit: Audit) -> Audit:
    return Audit._base_manager.select_for_update().select_related("site").get(pk=audit.pk)


def _expect(audit: Audit, *statuses: str, step: str) -> None:
    if audit.status not in statuses:
        raise TransitionNotAllowed(
            _("The audit is %(status)s; it cannot be %(step)s now.")
            % {"status": audit.get_status_display().lower(), "step": step},
            code="wrong_status",
        )


def _reason(reason: str | None, field: str = "reason") -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({field: REASON_NEEDED}, code="reason_required")
    return reason


def _next_reference(year: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence('audits_audit', 'id'))")
        number = cursor.fetchone()[0]
    return f"AU-{year}-{number:05d}"


def on_team(person, audit: Audit) -> bool:
    if person is None or not getattr(person, "pk", None):
        return False
    return audit.lead_auditor_id == person.pk or audit.auditors.filter(pk=person.pk).exists()


def may_conduct(actor, audit: Audit) -> bool:
    """The audit team (with the conduct permission at the site) or whoever may change audits there."""
    if user_can_at_site(actor, "audits.change_audit", audit.site):
        return True
    return user_can_at_site(actor, "audits.conduct_audit", audit.site) and on_team(actor, audit)


def _require_conduct(actor, audit: Audit) -> None:
    if not may_conduct(actor, audit):
        raise PermissionDenied(_("Only the audit team may work on audit %(ref)s.") % {"ref": audit.reference})


# --- who may audit ---------------------------------------------------------------------------------------------


def audited_functions(*, site, processes: Iterable, auditees: Iterable, on: datetime.date | None = None) -> set[int]:
    """Function ids audited: those of the audited processes and those the auditees hold at the site."""
    from processes.models import Process

    process_ids = [p.pk for p in processes]
    functions = set(
        Process.functions.through.objects.filter(process_id__in=process_ids).values_list("function_id", flat=True)
    )
    auditee_ids = [p.pk for p in auditees]
    if auditee_ids:
        functions |= set(
            Membership.objects.current(on)
            .filter(person_id__in=auditee_ids, site=site)
            .values_list("function_id", flat=True)
        )
    return functions


def independence_check(*, auditor, site, processes: Iterable, auditees: Iterable, field: str = "lead_auditor") -> None:
    """Refuse an auditor who holds, at ``site``, a function that the audit covers (nobody audits their own work)."""
    auditees = list(auditees)
    if any(a.pk == auditor.pk for a in auditees):
        raise ValidationError({field: _("%(person)s cannot be both auditor and auditee.") % {"person": auditor}})
    own = set(Membership.objects.current().filter(person=auditor, site=site).values_list("function_id", flat=True))
    clash = own & audited_functions(site=site, processes=processes, auditees=auditees)
    if clash:
        names = ", ".join(Function.objects.filter(pk__in=clash).order_by("name").values_list("name", flat=True))
        raise ValidationError(
            {
                field: _(
                    "%(person)s works in %(functions)s at %(site)s, which this audit covers: nobody audits their own "
                    "function. Choose an independent auditor."
                )
                % {"person": auditor, "functions": names, "site": site.code}
            },
            code="not_independent",
        )


def qualification_check(*, auditor, audit: Audit, field: str = "lead_auditor") -> None:
    """The kernel's signer checks, as for signing the report: a current internal-auditor training record."""
    try:
        run_signer_checks(signer=auditor, record=audit, meaning=SignatureMeaning.AUTHORED)
    except SignatureRefused as refusal:
        raise ValidationError({field: refusal.message}, code="not_qualified") from refusal


def _team_check(audit: Audit, *, lead, auditors: Sequence, auditees: Sequence) -> None:
    processes = list(audit.processes.all()) if audit.pk else []
    for person, field in [(lead, "lead_auditor")] + [(a, "auditors") for a in auditors]:
        if person is None:
            continue
        independence_check(auditor=person, site=audit.site, processes=processes, auditees=auditees, field=field)
        qualification_check(auditor=person, audit=audit, field=field)


# --- programmes ------------------------------------------------------------------------------------------------


@transaction.atomic
def programme_create(*, actor, year: int, title: str, sites: Sequence, objectives: str = "") -> AuditProgramme:
    sites = list(sites)
    if not sites:
        raise ValidationError({"sites": _("Choose the sites of the programme.")})
    for site in sites:
        _require(actor, "add_auditprogramme", site, _("plan audit programmes"))
    programme = AuditProgramme(year=year, title=(title or "").strip(), objectives=objectives)
    programme.full_clean()
    with audit_context(reason=_("Audit programme created")):
        programme.save()
        programme.sites.set(sites)
    return programme


@transaction.atomic
def programme_update(*, actor, programme: AuditProgramme, changes: dict) -> AuditProgramme:
    locked = AuditProgramme._base_manager.select_for_update().get(pk=programme.pk)
    for site in locked.sites.all():
        _require(actor, "change_auditprogramme", site, _("change audit programmes"))
    sites = changes.pop("sites", None)
    for name in ("year", "title", "objectives", "is_active"):
        if name in changes:
            setattr(locked, name, changes[name])
    locked.full_clean()
    locked.save()
    if sites is not None:
        sites = list(sites)
        if not sites:
            raise ValidationError({"sites": _("Choose the sites of the programme.")})
        for site in sites:
            _require(actor, "change_auditprogramme", site, _("change audit programmes"))
        locked.sites.set(sites)
    return locked


@transaction.atomic
def programme_deactivate(*, actor, programme: AuditProgramme) -> AuditProgramme:
    return programme_update(actor=actor, programme=programme, changes={"is_active": False})


def _area_values(area: ProgrammeArea, data: dict) -> ProgrammeArea:
    for name in ("process", "standard", "clause", "risk", "frequency_override", "auditor", "is_active"):
        if name in data:
            setattr(area, name, data[name])
    if area.process is None and area.standard is None and area.clause is None:
        raise ValidationError({"process": _("Name the audited area: a process, a standard or a clause.")})
    if area.risk not in RiskLevel.values:
        raise ValidationError({"risk": _("Choose high, medium or low.")})
    if area.frequency_override is not None and area.frequency_override not in Frequency.values:
        raise ValidationError({"frequency_override": _("Choose 1, 2, 4 or 12 audits a year.")})
    return area


def _area_auditor_check(area: ProgrammeArea) -> None:
    if area.auditor is None:
        return
    probe = Audit(site=area.programme.sites.first(), title="", reference="", planned_date=timezone.localdate())
    qualification_check(auditor=area.auditor, audit=probe, field="auditor")


@transaction.atomic
def area_add(*, actor, programme: AuditProgramme, **data) -> ProgrammeArea:
    for site in programme.sites.all():
        _require(actor, "change_auditprogramme", site, _("change audit programmes"))
    area = _area_values(ProgrammeArea(programme=programme), data)
    _area_auditor_check(area)
    area.full_clean()
    with audit_context(reason=_("Audited area added")):
        area.save()
    return area


@transaction.atomic
def area_update(*, actor, area: ProgrammeArea, changes: dict) -> ProgrammeArea:
    locked = ProgrammeArea._base_manager.select_for_update().get(pk=area.pk)
    for site in locked.programme.sites.all():
        _require(actor, "change_auditprogramme", site, _("change audit programmes"))
    _area_values(locked, changes)
    if "auditor" in changes:
        _area_auditor_check(locked)
    locked.full_clean()
    locked.save()
    return locked


# --- planning one audit ----------------------------------------------------------------------------------------


@transaction.atomic
def audit_create(
    *,
    actor,
    site,
    title: str,
    planned_date: datetime.date,
    planned_end: datetime.date | None = None,
    processes: Sequence = (),
    clauses: Sequence = (),
    scope_note: str = "",
    lead_auditor=None,
    auditors: Sequence = (),
    auditees: Sequence = (),
) -> Audit:
    """An audit outside the programme (or in addition to it): its scope and team are checked as for any audit."""
    _require(actor, "add_audit", site, _("plan audits"))
    processes, clauses, auditors, auditees = list(processes), list(clauses), list(auditors), list(auditees)
    if not processes and not clauses:
        raise ValidationError({"clauses": _("Give the scope: processes, clauses or both.")})
    audit = Audit(
        reference=_next_reference(planned_date.year),
        title=(title or "").strip(),
        site=site,
        planned_date=planned_date,
        planned_end=planned_end,
        scope_note=scope_note,
        lead_auditor=lead_auditor,
    )
    audit.full_clean(exclude=["reference"])
    for person, field in [(lead_auditor, "lead_auditor")] + [(a, "auditors") for a in auditors]:
        if person is not None:
            independence_check(auditor=person, site=site, processes=processes, auditees=auditees, field=field)
            qualification_check(auditor=person, audit=audit, field=field)
    with audit_context(reason=_("Audit planned")):
        audit.save()
        audit.processes.set(processes)
        audit.clauses.set(clauses)
        audit.auditors.set(auditors)
        audit.auditees.set(auditees)
    return audit


@transaction.atomic
def audit_assign(
    *, actor, audit: Audit, reason: str, lead_auditor=..., auditors: Sequence | None = None, auditees=None
) -> Audit:
    """Assign the lead auditor, co-auditors and auditees (independent and qualified), with a reason."""
    reason = _reason(reason)
    locked = _lock(audit)
    _require(actor, "change_audit", locked.site, _("assign auditors"))
    _expect(locked, AuditStatus.PLANNED, AuditStatus.IN_PROGRESS, step=_("re-staffed"))
    lead = locked.lead_auditor if lead_auditor is ... else lead_auditor
    auditors = list(locked.auditors.all()) if auditors is None else list(auditors)
    auditees = list(locked.auditees.all()) if auditees is None else list(auditees)
    _team_check(locked, lead=lead, auditors=auditors, auditees=auditees)
    locked.lead_auditor = lead
    with audit_context(reason=reason):
        locked.save(update_fields=["lead_auditor", "updated_at"])
        locked.auditors.set(auditors)
        locked.auditees.set(auditees)
    return locked


@transaction.atomic
def audit_update(*, actor, audit: Audit, changes: dict) -> Audit:
    """Title and scope note until the audit starts (dates through ``audit_reschedule``, team through assign)."""
    locked = _lock(audit)
    _require(actor, "change_audit", locked.site, _("change audits"))
    _expect(locked, AuditStatus.PLANNED, AuditStatus.IN_PROGRESS, step=_("changed"))
    for name in ("title", "scope_note"):
        if name in changes:
            setattr(locked, name, (changes[name] or "").strip())
    unknown = set(changes) - {"title", "scope_note"}
    if unknown:
        raise ValidationError({name: _("Changed through its own step (reschedule, assign).") for name in unknown})
    locked.full_clean()
    locked.save()
    return locked


@transaction.atomic
def audit_reschedule(
    *, actor, audit: Audit, planned_date: datetime.date, reason: str, planned_end: datetime.date | None = None
) -> Audit:
    reason = _reason(reason)
    locked = _lock(audit)
    _require(actor, "change_audit", locked.site, _("reschedule audits"))
    _expect(locked, AuditStatus.PLANNED, step=_("rescheduled"))
    if planned_date is None:
        raise ValidationError({"planned_date": _("Give the new date.")})
    if planned_end is not None and planned_end < planned_date:
        raise ValidationError({"planned_end": _("The planned end cannot be before the start.")})
    locked.planned_date, locked.planned_end, locked.reminded_days = planned_date, planned_end, None
    with audit_context(reason=reason):
        locked.save(update_fields=["planned_date", "planned_end", "reminded_days", "updated_at"])
    return locked


@transaction.atomic
def audit_cancel(*, actor, audit: Audit, reason: str) -> Audit:
    reason = _reason(reason)
    locked = _lock(audit)
    _require(actor, "change_audit", locked.site, _("cancel audits"))
    _expect(locked, AuditStatus.PLANNED, AuditStatus.IN_PROGRESS, step=_("cancelled"))
    locked.status, locked.cancel_reason = AuditStatus.CANCELLED, reason
    with audit_context(reason=reason):
        locked.save(update_fields=["status", "cancel_reason", "updated_at"])
    return locked


# --- running ---------------------------------------------------------------------------------------------------


def checklist_questions(audit: Audit) -> list[dict]:
    """The questions of ``audit``: one per clause of its scope (the template's question for the clause, else the
    default template's text), then each process's questions."""
    templates = ChecklistTemplate.objects.filter(is_active=True)
    default = templates.filter(is_default=True).first()
    pattern = default.clause_question if default is not None else DEFAULT_CLAUSE_QUESTION
    clauses = list(audit.clauses.select_related("standard").order_by("standard__code", "position"))
    processes = list(audit.processes.order_by("code"))
    questions = TemplateQuestion.objects.filter(is_active=True, template__is_active=True).order_by(
        "-template__is_default", "template__name", "position", "pk"
    )
    by_clause: dict[int, list[TemplateQuestion]] = {}
    for q in questions.filter(clause__in=clauses, process__isnull=True):
        by_clause.setdefault(q.clause_id, []).append(q)
    rows = []
    for clause in clauses:
        texts = [q.text for q in by_clause.get(clause.pk, [])] or [
            pattern.replace("{clause}", f"{clause.standard.code} {clause.number} {clause.title}")
        ]
        rows += [{"clause": clause, "process": None, "question": text} for text in texts]
    for process in processes:
        for q in questions.filter(process=process).select_related("clause"):
            rows.append({"clause": q.clause, "process": process, "question": q.text})
    return rows


@transaction.atomic
def audit_start(*, actor, audit: Audit) -> Audit:
    """Planned → in progress; the checklist is generated from the scope (once)."""
    locked = _lock(audit)
    _require_conduct(actor, locked)
    _expect(locked, AuditStatus.PLANNED, step=_("started"))
    if locked.lead_auditor_id is None:
        raise TransitionNotAllowed(_("Assign a lead auditor before starting the audit."), code="no_lead")
    if not locked.items.exists():
        items = [ChecklistItem(audit=locked, position=n, **row) for n, row in enumerate(checklist_questions(locked), 1)]
        ChecklistItem.objects.bulk_create(items)
    locked.status, locked.started_at = AuditStatus.IN_PROGRESS, timezone.now()
    with audit_context(reason=_("Audit started")):
        locked.save(update_fields=["status", "started_at", "updated_at"])
    return locked


def _open_for_work(actor, audit_id: int) -> Audit:
    audit = _lock(Audit(pk=audit_id))
    _require_conduct(actor, audit)
    if audit.status != AuditStatus.IN_PROGRESS:
        raise TransitionNotAllowed(
            _("Answers and findings are recorded while the audit is in progress; it is %(status)s.")
            % {"status": audit.get_status_display().lower()},
            code="not_in_progress",
        )
    return audit


@transaction.atomic
def item_answer(*, actor, item: ChecklistItem, result: str | None = None, notes: str | None = None) -> ChecklistItem:
    """Save one answer (result and/or notes) on its own: partial progress is never lost."""
    _open_for_work(actor, item.audit_id)
    locked = ChecklistItem._base_manager.select_for_update().get(pk=item.pk)
    if result is not None:
        if result not in ChecklistResult.values:
            raise ValidationError({"result": _("“%(value)s” is not a result.") % {"value": result}})
        locked.result = result
    if notes is not None:
        locked.notes = notes.strip()
    locked.answered_by, locked.answered_at = actor, timezone.now()
    with audit_context(reason=_("Checklist answered")):
        locked.save()
    return locked


@transaction.atomic
def evidence_attach(*, actor, item: ChecklistItem, upload) -> EvidenceFile:
    """Attach a file to an answer, under the portal's upload rules (type by bytes, size, random stored name)."""
    _open_for_work(actor, item.audit_id)
    checked = upload_check(upload, allowed=EVIDENCE_KINDS, field="file")
    upload.seek(0)
    evidence = EvidenceFile(
        item=item,
        original_name=checked.name[:255],
        content_type=checked.kind.content_type,
        size=checked.size,
        sha256=checked.sha256,
        uploaded_by=actor,
    )
    evidence.file.save(random_name(checked), upload, save=False)
    with audit_context(reason=_("Evidence attached")):
        evidence.save()
    return evidence


def _scope_check(audit: Audit, clause, process) -> None:
    if clause is None:
        raise ValidationError({"clause": _("Give the clause the finding is against.")})
    if not audit.clauses.filter(pk=clause.pk).exists():
        raise ValidationError(
            {
                "clause": _(
                    "Clause %(clause)s is outside the scope of audit %(ref)s; a finding is raised against a clause "
                    "of the audit's scope."
                )
                % {"clause": f"{clause.standard.code} {clause.number}", "ref": audit.reference}
            },
            code="out_of_scope",
        )
    if process is not None and not audit.processes.filter(pk=process.pk).exists():
        raise ValidationError(
            {"process": _("Process %(p)s is not audited by %(ref)s.") % {"p": process.code, "ref": audit.reference}},
            code="out_of_scope",
        )


@transaction.atomic
def finding_raise(
    *,
    actor,
    audit: Audit,
    grade: str,
    clause,
    statement: str,
    evidence_reference: str,
    process=None,
    checklist_item: ChecklistItem | None = None,
    raised_on: datetime.date | None = None,
) -> Finding:
    locked = _open_for_work(actor, audit.pk)
    if grade not in FindingGrade.values:
        raise ValidationError({"grade": _("Choose major, minor, observation or opportunity for improvement.")})
    _scope_check(locked, clause, process)
    if checklist_item is not None and checklist_item.audit_id != locked.pk:
        raise ValidationError({"checklist_item": _("The question belongs to another audit.")})
    number = Finding._base_manager.filter(audit=locked).count() + 1
    finding = Finding(
        audit=locked,
        site=locked.site,
        reference=f"{locked.reference}-F{number:02d}",
        grade=grade,
        clause=clause,
        process=process,
        checklist_item=checklist_item,
        statement=(statement or "").strip(),
        evidence_reference=(evidence_reference or "").strip(),
        raised_on=raised_on or timezone.localdate(),
        raised_by=actor,
    )
    finding.full_clean()
    with audit_context(reason=_("Finding raised")):
        finding.save()
    return finding


FINDING_FIELDS = ("grade", "clause", "process", "statement", "evidence_reference")


@transaction.atomic
def finding_update(*, actor, finding: Finding, changes: dict) -> Finding:
    locked_audit = _open_for_work(actor, finding.audit_id)
    locked = Finding._base_manager.select_for_update().get(pk=finding.pk)
    unknown = set(changes) - set(FINDING_FIELDS)
    if unknown:
        raise ValidationError({name: _("This cannot be changed.") for name in sorted(unknown)})
    for name, value in changes.items():
        setattr(locked, name, value.strip() if isinstance(value, str) else value)
    _scope_check(locked_audit, locked.clause, locked.process)
    locked.full_clean()
    locked.save()
    return locked


@transaction.atomic
def finding_cancel(*, actor, finding: Finding, reason: str) -> Finding:
    reason = _reason(reason)
    _open_for_work(actor, finding.audit_id)
    locked = Finding._base_manager.select_for_update().get(pk=finding.pk)
    locked.status = FindingStatus.CANCELLED
    with audit_context(reason=reason):
        locked.save(update_fields=["status", "updated_at"])
    return locked


def capa_kind() -> str:
    """ "capa" when the CAPA app registered it, else the kernel's tracked action."""
    keys = {kind.key for kind in action_kinds()}
    return CAPA_KIND if CAPA_KIND in keys else DEFAULT_KIND


@transaction.atomic
def finding_raise_capa(
    *,
    actor,
    finding: Finding,
    title: str = "",
    description: str = "",
    owner=None,
    due_date: datetime.date | None = None,
) -> Finding:
    """Raise a CAPA (or, without the CAPA app, a tracked action) for the finding, through the kernel's registry."""
    locked = (
        Finding._base_manager.select_for_update().select_related("clause__standard", "site", "audit").get(pk=finding.pk)
    )
    if not (may_conduct(actor, locked.audit) or user_can_at_site(actor, "audits.change_finding", locked.site)):
        raise PermissionDenied(_("You may not raise CAPAs at site %(site)s.") % {"site": locked.site.code})
    if locked.status == FindingStatus.CANCELLED:
        raise ValidationError(_("The finding was cancelled."))
    if locked.action_ref:
        raise ValidationError(_("A CAPA was already raised for this finding: %(ref)s.") % {"ref": locked.action_ref})
    ref = action_raise(
        capa_kind(),
        actor=actor,
        source=locked,
        title=title
        or _("%(grade)s: %(standard)s %(number)s %(title)s")
        % {
            "grade": locked.get_grade_display(),
            "standard": locked.clause.standard.code,
            "number": locked.clause.number,
            "title": locked.clause.title,
        },
        description=description or locked.statement,
        owner=owner,
        due_date=due_date,
        site=locked.site,
    )
    locked.action_kind, locked.action_ref = ref.kind, ref.reference
    with audit_context(reason=_("CAPA %(ref)s raised") % {"ref": ref.reference}):
        locked.save(update_fields=["action_kind", "action_ref", "updated_at"])
    return locked


# --- the report and its signatures -----------------------------------------------------------------------------


def report_digest(audit: Audit) -> str:
    """SHA-256 over the canonical checklist answers, findings and summary (sorted, compact JSON, UTF-8)."""
    items = list(
        ChecklistItem._base_manager.filter(audit=audit)
        .order_by("position")
        .values_list("position", "clause_id", "process_id", "question", "result", "notes")
    )
    findings = list(
        Finding._base_manager.filter(audit=audit)
        .order_by("reference")
        .values_list("reference", "grade", "clause_id", "process_id", "statement", "evidence_reference", "status")
    )
    payload = json.dumps(
        {"audit": audit.reference, "summary": audit.summary, "items": items, "findings": findings},
        ensure_ascii=False,
        separators=(",", ":"),
        sort_keys=True,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _signing(signer, audit, meaning, apply, *, password, username, reason, session, channel, ip) -> Signature:
    return signature_create(
        signer=signer,
        record=audit,
        meaning=meaning,
        password=password,
        username=username,
        reason=reason,
        session=session,
        channel=channel,
        ip=ip,
        apply=apply,
        workflow=True,
    )


@transaction.atomic
def _report_prepare(audit: Audit, *, summary: str | None, reason: str) -> Audit:
    """Check the report can be signed and fix its summary and digest, which the "authored" signature binds."""
    locked = _lock(audit)
    _expect(locked, AuditStatus.IN_PROGRESS, step=_("completed"))
    open_count = ChecklistItem._base_manager.filter(audit=locked, result="").count()
    if open_count:
        raise TransitionNotAllowed(
            _("%(n)s checklist questions are not checked yet; answer them (or mark them not applicable).")
            % {"n": open_count},
            code="unanswered",
        )
    if not locked.auditees.exists():
        raise TransitionNotAllowed(_("Name the auditees: one of them acknowledges the report."), code="no_auditee")
    if summary is not None:
        locked.summary = summary.strip()
    locked.report_digest = report_digest(locked)
    with audit_context(reason=reason or _("Audit report prepared for signing")):
        locked.save(update_fields=["summary", "report_digest", "updated_at"])
    return locked


def audit_complete(
    *,
    actor,
    audit: Audit,
    password: str | None,
    username: str | None = None,
    reason: str = "",
    summary: str | None = None,
    session=None,
    channel: str = SignatureChannel.WEB,
    ip: str | None = None,
) -> Signature:
    """In progress → completed: the lead auditor signs the report "authored" (qualification checked again by
    the ceremony); every question must be answered (not applicable counts), the digest is fixed."""
    audit = Audit._base_manager.select_related("site").get(pk=audit.pk)
    if audit.lead_auditor_id != actor.pk:
        raise PermissionDenied(_("The lead auditor signs the audit report."))
    audit = _report_prepare(audit, summary=summary, reason=reason)

    def apply(signature: Signature) -> None:
        locked = _lock(audit)
        _expect(locked, AuditStatus.IN_PROGRESS, step=_("completed"))
        _digest_holds(locked)
        locked.status, locked.completed_at = AuditStatus.COMPLETED, signature.signed_at
        with audit_context(reason=reason or _("Audit report signed by the lead auditor")):
            locked.save(update_fields=["status", "completed_at", "updated_at"])

    return _signing(
        actor, audit, SignatureMeaning.AUTHORED, apply,
        password=password, username=username, reason=reason, session=session, channel=channel, ip=ip,
    )  # fmt: skip


def _digest_holds(locked: Audit) -> None:
    if report_digest(locked) != locked.report_digest:
        raise TransitionNotAllowed(
            _("The checklist or findings changed since the report was signed; it cannot be signed now."),
            code="digest_mismatch",
        )


def audit_acknowledge(
    *,
    actor,
    audit: Audit,
    password: str | None,
    username: str | None = None,
    reason: str = "",
    session=None,
    channel: str = SignatureChannel.WEB,
    ip: str | None = None,
) -> Signature:
    """Completed → acknowledged: an auditee signs that they received the report and its findings."""
    audit = Audit._base_manager.select_related("site").get(pk=audit.pk)
    if not audit.auditees.filter(pk=actor.pk).exists():
        raise PermissionDenied(_("Only an auditee of %(ref)s acknowledges its report.") % {"ref": audit.reference})
    _expect(audit, AuditStatus.COMPLETED, step=_("acknowledged"))

    def apply(signature: Signature) -> None:
        locked = _lock(audit)
        _expect(locked, AuditStatus.COMPLETED, step=_("acknowledged"))
        _digest_holds(locked)
        locked.status, locked.acknowledged_by, locked.acknowledged_at = (
            AuditStatus.ACKNOWLEDGED,
            actor,
            signature.signed_at,
        )
        with audit_context(reason=reason or _("Audit report acknowledged by the auditee")):
            locked.save(update_fields=["status", "acknowledged_by", "acknowledged_at", "updated_at"])

    # An auditee may hold no audit role at the site: this service checked their right to the record.
    return signature_create(
        signer=actor, record=audit, meaning=SignatureMeaning.ACKNOWLEDGED, password=password, username=username,
        reason=reason, session=session, channel=channel, ip=ip, apply=apply, workflow=True, check_visible=False,
    )  # fmt: skip


def may_approve(actor, audit: Audit) -> bool:
    return (
        user_can_at_site(actor, "audits.approve_audit", audit.site)
        and audit.lead_auditor_id != actor.pk
        and not audit.auditors.filter(pk=actor.pk).exists()
    )


def audit_approve(
    *,
    actor,
    audit: Audit,
    password: str | None,
    username: str | None = None,
    reason: str = "",
    session=None,
    channel: str = SignatureChannel.WEB,
    ip: str | None = None,
) -> Signature:
    """Acknowledged → approved (closed) by the quality manager; never by the audit team (segregation of duties)."""
    audit = Audit._base_manager.select_related("site").get(pk=audit.pk)
    if on_team(actor, audit):
        raise PermissionDenied(_("The audit team cannot approve its own report (segregation of duties)."))
    _require(actor, "approve_audit", audit.site, _("approve audit reports"))
    _expect(audit, AuditStatus.ACKNOWLEDGED, step=_("approved"))

    def apply(signature: Signature) -> None:
        locked = _lock(audit)
        _expect(locked, AuditStatus.ACKNOWLEDGED, step=_("approved"))
        _digest_holds(locked)
        locked.status, locked.approved_by, locked.approved_at = AuditStatus.APPROVED, actor, signature.signed_at
        with audit_context(reason=reason or _("Audit report approved")):
            locked.save(update_fields=["status", "approved_by", "approved_at", "updated_at"])

    return _signing(
        actor, audit, SignatureMeaning.APPROVED, apply,
        password=password, username=username, reason=reason, session=session, channel=channel, ip=ip,
    )  # fmt: skip

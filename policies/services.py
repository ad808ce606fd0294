"""Every change to objectives and readings goes through these functions (pages, API, seed alike).

``actor`` is the person making the change (``None`` = the trusted command line, e.g. the demo
seed). Company-level objectives need the permission globally; site and function objectives the
permission at their site. Nothing here deletes a row: objectives are cancelled, readings voided.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from ims.access.permissions import has_global_permission, user_can_at_site, user_sites
from ims.audit.context import audit_context
from ims.documents.models import ControlledDocument
from ims.org.models import Function, Person, Role, Site

from .choices import Assignment, ObjectiveLevel, ObjectiveStatus
from .constants import RACI_DOCUMENT_TYPES
from .models import Objective, ObjectiveReading, Responsibility

OBJECTIVE_FIELDS = (
    "title",
    "description",
    "discipline",
    "parent",
    "site",
    "function",
    "kpi",
    "unit",
    "direction",
    "target",
    "target_min",
    "target_max",
    "baseline",
    "owner",
    "start_date",
    "due_date",
)

#: Allowed status changes. Cancelled is final; a closed objective may be reopened.
TRANSITIONS: dict[str, set[str]] = {
    ObjectiveStatus.DRAFT: {ObjectiveStatus.ACTIVE, ObjectiveStatus.CANCELLED},
    ObjectiveStatus.ACTIVE: {ObjectiveStatus.ACHIEVED, ObjectiveStatus.NOT_ACHIEVED, ObjectiveStatus.CANCELLED},
    ObjectiveStatus.ACHIEVED: {ObjectiveStatus.ACTIVE},
    ObjectiveStatus.NOT_ACHIEVED: {ObjectiveStatus.ACTIVE},
    ObjectiveStatus.CANCELLED: set(),
}

#: The level a parent must have, per level of the child.
PARENT_LEVEL = {ObjectiveLevel.SITE: ObjectiveLevel.COMPANY, ObjectiveLevel.FUNCTION: ObjectiveLevel.SITE}


def ensure_may(actor: Person | None, action: str, model, site: Site | None) -> None:
    """Raise PermissionDenied unless ``actor`` may ``action`` rows of ``model`` at ``site`` (None: company)."""
    if actor is None:
        return
    perm = f"policies.{action}_{model._meta.model_name}"
    if site is None:
        if not has_global_permission(actor, perm):
            raise PermissionDenied(_("Only someone who manages objectives for the whole company may do this."))
    elif not user_can_at_site(actor, perm, site):
        raise PermissionDenied(_("You may not manage objectives at %(site)s.") % {"site": site.code})


def _check_cascade(objective: Objective) -> None:
    """A function objective needs a site; a parent sits one level up (same site); no cycles."""
    errors: dict[str, str] = {}
    if objective.function_id and not objective.site_id:
        errors["function"] = _("A function objective needs a site: functions set objectives per site.")
    parent = objective.parent
    if parent is not None and not errors:
        seen = {objective.pk} if objective.pk else set()
        ancestor = parent
        while ancestor is not None:
            if ancestor.pk in seen:
                raise ValidationError({"parent": _("An objective cannot contribute (even indirectly) to itself.")})
            seen.add(ancestor.pk)
            ancestor = ancestor.parent
        expected = PARENT_LEVEL.get(objective.level)
        if expected is None:
            errors["parent"] = _("A company objective is the top of the cascade; it has no parent.")
        elif parent.level != expected:
            errors["parent"] = _("A %(level)s objective contributes to a %(expected)s objective.") % {
                "level": objective.level.label.lower(),
                "expected": expected.label.lower(),
            }
        elif expected == ObjectiveLevel.SITE and parent.site_id != objective.site_id:
            errors["parent"] = _("A function objective contributes to an objective of its own site.")
        elif parent.status == ObjectiveStatus.CANCELLED:
            errors["parent"] = _("This objective is cancelled; choose an open one.")
    if objective.pk and not errors:
        for child in objective.children.exclude(status=ObjectiveStatus.CANCELLED):
            if PARENT_LEVEL.get(child.level) != objective.level or (
                child.level == ObjectiveLevel.FUNCTION and child.site_id != objective.site_id
            ):
                errors["site"] = _("Sub-objective “%(child)s” would no longer sit one level below.") % {"child": child}
                break
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def objective_create(
    *,
    actor: Person | None,
    title: str,
    kpi: str,
    owner: Person,
    due_date: datetime.date,
    site: Site | None = None,
    function: Function | None = None,
    parent: Objective | None = None,
    target: Decimal | None = None,
    target_min: Decimal | None = None,
    target_max: Decimal | None = None,
    status: str = ObjectiveStatus.DRAFT,
    **fields,
) -> Objective:
    ensure_may(actor, "add", Objective, site)
    if status not in (ObjectiveStatus.DRAFT, ObjectiveStatus.ACTIVE):
        raise ValidationError({"status": _("A new objective is a draft or active.")})
    objective = Objective(
        title=title.strip(),
        kpi=kpi.strip(),
        owner=owner,
        due_date=due_date,
        site=site,
        function=function,
        parent=parent,
        target=target,
        target_min=target_min,
        target_max=target_max,
        status=status,
        **{k: v for k, v in fields.items() if k in OBJECTIVE_FIELDS},
    )
    objective.full_clean()
    _check_cascade(objective)
    objective.save()
    return objective


@transaction.atomic
def objective_update(*, actor: Person | None, objective: Objective, data: dict) -> Objective:
    """Change fields and, through ``data["status"]``, the status (checked against ``TRANSITIONS``)."""
    objective = Objective.objects.select_for_update().get(pk=objective.pk)
    ensure_may(actor, "change", Objective, objective.site)
    if "site" in data and data["site"] != objective.site:
        ensure_may(actor, "change", Objective, data["site"])
    if objective.status == ObjectiveStatus.CANCELLED:
        raise ValidationError(_("A cancelled objective is kept as it was; it cannot be changed."))
    changed = False
    for field in OBJECTIVE_FIELDS:
        if field in data and getattr(objective, field) != data[field]:
            setattr(objective, field, data[field])
            changed = True
    new_status = data.get("status", objective.status)
    if new_status != objective.status:
        if new_status not in TRANSITIONS[objective.status]:
            raise ValidationError(
                {
                    "status": _("An objective cannot go from %(old)s to %(new)s.")
                    % {"old": ObjectiveStatus(objective.status).label, "new": ObjectiveStatus(new_status).label}
                }
            )
        objective.status = new_status
        changed = True
    if changed:
        objective.full_clean()
        _check_cascade(objective)
        objective.save()
    return objective


@transaction.atomic
def objective_cancel(*, actor: Person | None, objective: Objective) -> Objective:
    """Cancel (never delete) an objective. Open sub-objectives must be cancelled or moved first."""
    objective = Objective.objects.select_for_update().get(pk=objective.pk)
    ensure_may(actor, "delete", Objective, objective.site)
    if objective.status == ObjectiveStatus.CANCELLED:
        return objective
    if objective.children.exclude(status=ObjectiveStatus.CANCELLED).exists():
        raise ValidationError(_("Cancel or move its sub-objectives first."))
    objective.status = ObjectiveStatus.CANCELLED
    objective.save(update_fields=["status", "updated_at"])
    return objective


# --- Readings -------------------------------------------------------------------------------------------


def _check_reading(reading: ObjectiveReading) -> None:
    if reading.objective.status == ObjectiveStatus.CANCELLED:
        raise ValidationError({"objective": _("This objective is cancelled; it takes no new readings.")})
    clash = ObjectiveReading.objects.filter(
        objective=reading.objective_id, period_end=reading.period_end, is_void=False
    ).exclude(pk=reading.pk)
    if not reading.is_void and clash.exists():
        raise ValidationError({"period_end": _("This period already has a reading; correct that one instead.")})


@transaction.atomic
def reading_record(
    *,
    actor: Person | None,
    objective: Objective,
    period_end: datetime.date,
    value: Decimal,
    comment: str = "",
    recorded_by: Person | None = None,
) -> ObjectiveReading:
    objective = Objective.objects.select_for_update(of=("self",)).select_related("site").get(pk=objective.pk)
    ensure_may(actor, "add", ObjectiveReading, objective.site)
    recorded_by = recorded_by or actor
    if recorded_by is None:
        raise ValidationError({"recorded_by": _("Say who recorded the value.")})
    reading = ObjectiveReading(
        objective=objective, period_end=period_end, value=value, comment=comment.strip(), recorded_by=recorded_by
    )
    _check_reading(reading)
    reading.full_clean()
    reading.save()
    return reading


@transaction.atomic
def reading_update(*, actor: Person | None, reading: ObjectiveReading, data: dict) -> ObjectiveReading:
    """Correct a reading (the reason for change is kept in the audit trail)."""
    reading = ObjectiveReading.objects.select_for_update().select_related("objective").get(pk=reading.pk)
    ensure_may(actor, "change", ObjectiveReading, reading.objective.site)
    if reading.is_void:
        raise ValidationError(_("A voided reading is kept as it was."))
    if "objective" in data and data["objective"] != reading.objective:
        raise ValidationError({"objective": _("A reading cannot move to another objective; void it instead.")})
    changed = False
    for field in ("period_end", "value", "comment"):
        if field in data and getattr(reading, field) != data[field]:
            setattr(reading, field, data[field])
            changed = True
    if changed:
        _check_reading(reading)
        reading.full_clean()
        reading.save()
    return reading


@transaction.atomic
def reading_void(*, actor: Person | None, reading: ObjectiveReading) -> ObjectiveReading:
    """Void a wrong reading: it stays visible, struck through, and no longer counts for health."""
    reading = ObjectiveReading.objects.select_for_update().select_related("objective").get(pk=reading.pk)
    ensure_may(actor, "delete", ObjectiveReading, reading.objective.site)
    if not reading.is_void:
        reading.is_void = True
        reading.save(update_fields=["is_void", "updated_at"])
    return reading


# --- Roles and responsibilities (RACI) --------------------------------------------------------------------

REASON_KEY = "change_reason"


@dataclass(frozen=True)
class CellChange:
    """The wanted value of one cell of the matrix: ``assignment`` is R, A, C, I or blank (cleared)."""

    document_id: int
    role_id: int
    assignment: str


@transaction.atomic
def responsibilities_save(*, actor: Person | None, changes: Iterable[CellChange], reason: str) -> list[Responsibility]:
    """Apply a whole grid in one transaction; only cells whose value differs are written.

    Every document must be an active procedure or policy at one of the actor's sites (where they may
    change responsibilities) and every role must exist; otherwise nothing is saved. A grid that would
    leave a document with more than one Accountable role is refused; none is allowed (the matrix flags it).
    Cleared cells keep their row with a blank assignment. Returns the rows written.
    """
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({REASON_KEY: _("Give the reason for this change; it is kept in the audit trail.")})
    wanted: dict[tuple[int, int], str] = {}
    for change in changes:
        value = (change.assignment or "").strip().upper()
        if value and value not in Assignment.values:
            raise ValidationError(_("“%(value)s” is not R, A, C, I or blank.") % {"value": change.assignment})
        key = (int(change.document_id), int(change.role_id))
        if key in wanted and wanted[key] != value:
            raise ValidationError(_("The same cell is given two different values."))
        wanted[key] = value
    if not wanted:
        return []
    document_ids = {d for d, _r in wanted}
    role_ids = {r for _d, r in wanted}
    documents = ControlledDocument.objects.filter(pk__in=document_ids, is_active=True, doc_type__in=RACI_DOCUMENT_TYPES)
    if actor is not None:
        perm = "policies.change_responsibility"
        if not user_sites(actor, perm).exists():
            raise PermissionDenied(_("You may not change responsibilities."))
        if not has_global_permission(actor, perm):
            documents = documents.filter(
                pk__in=ControlledDocument.objects.filter(sites__in=user_sites(actor, perm)).values("pk")
            )
    documents = {d.pk: d for d in documents}
    unknown = sorted(document_ids - set(documents))
    if unknown:
        raise ValidationError(
            _("Unknown documents, or documents outside your sites: %(ids)s.") % {"ids": ", ".join(map(str, unknown))}
        )
    roles = Role.objects.in_bulk(role_ids)
    missing = sorted(role_ids - set(roles))
    if missing:
        raise ValidationError(_("Unknown roles: %(ids)s.") % {"ids": ", ".join(map(str, missing))})

    existing = {
        (r.document_id, r.role_id): r
        for r in Responsibility.objects.select_for_update().filter(document__in=list(documents)).order_by("pk")
    }
    final = {key: row.assignment for key, row in existing.items()}
    final.update(wanted)
    over = sorted(
        (documents[d] for d in documents if sum(1 for (dd, _r), v in final.items() if dd == d and v == "A") > 1),
        key=lambda d: d.number,
    )
    if over:
        raise ValidationError(
            _("Only one role may be Accountable for a document; %(docs)s would have more than one.")
            % {"docs": ", ".join(str(d) for d in over)}
        )

    written: list[Responsibility] = []
    with audit_context(reason=reason):
        for (document_id, role_id), value in sorted(wanted.items()):
            row = existing.get((document_id, role_id))
            if row is None:
                if not value:
                    continue
                row = Responsibility(document=documents[document_id], role=roles[role_id], assignment=value)
            elif row.assignment == value:
                continue
            else:
                row.assignment = value
            row.full_clean(validate_unique=False)
            row.save()
            written.append(row)
    return written

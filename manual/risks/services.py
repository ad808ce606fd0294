"""Register services: every change of an entry or a control, with the acting person and a reason for change.

Who may (``ims.org.roles``: every role reads the register at its sites; quality managers and compliance
officers add, change and retire):

* an entry is created at a site where the actor holds ``risks.add_riskentry``; moved to another site only
  where they may add too;
* it is changed with ``risks.change_riskentry`` and retired (kept, never deleted) with ``risks.delete_riskentry``;
* a control is recorded on an entry the actor may change, linking only records they may view at that site.

``actor=None`` is the trusted command-line channel (demo seed, imports). Updates and retirements need a reason
for change: the caller's, or the one the page or API put in the audit context.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from ims.access.permissions import user_can, user_can_at_site
from ims.audit.context import audit_context
from ims.documents.models import ControlledDocument
from ims.org.models import Person

from .choices import KIND_DISCIPLINE, KIND_PREFIX, Band, EntryKind
from .models import Control, RiskEntry, ScoringMethod
from .scoring import change_reason, method_for, scale_errors

PERM_ADD = "risks.add_riskentry"
SCORE_FIELDS = tuple(
    f"{prefix}_{name}" for prefix in ("inherent", "residual") for name in ("severity", "likelihood", "detectability")
)
KIND_FIELDS: dict[str, tuple[str, ...]] = {
    EntryKind.QUALITY_RISK: ("hazard",),
    EntryKind.ENVIRONMENTAL_ASPECT: ("aspect", "impact", "operating_condition"),
    EntryKind.OHS_HAZARD: ("activity", "hazard", "people_exposed"),
}
TEXT_FIELDS = (
    "title", "description", "hazard", "aspect", "impact", "operating_condition", "activity", "people_exposed",
    "existing_controls", "residual_justification",
)  # fmt: skip
EDITABLE_FIELDS = ("kind", "site", "process", "owner", "review_date", *TEXT_FIELDS, *SCORE_FIELDS)
CONTROL_FIELDS = ("description", "procedure", "course", "capa")


def process_model():
    return apps.get_model("processes", "Process")


# --- Who may -------------------------------------------------------------------------------------------------


def _require_at_site(actor, perm: str, site, verb: str) -> None:
    if actor is not None and not user_can_at_site(actor, perm, site):
        raise PermissionDenied(
            _("You may not %(verb)s register entries at site %(site)s.") % {"verb": verb, "site": site.code}
        )


def _require(actor, action: str, obj) -> None:
    if actor is not None and not user_can(actor, action, obj):
        raise PermissionDenied(
            _("You may not %(action)s this %(thing)s.") % {"action": action, "thing": obj._meta.verbose_name}
        )


def _not_visible(actor, model, obj) -> bool:
    return actor is not None and not model.objects.restrict(actor, "view").filter(pk=obj.pk).exists()


# --- Entries -------------------------------------------------------------------------------------------------


def _next_reference(kind: str, site) -> str:
    prefix = f"{KIND_PREFIX[kind]}-{site.code}-"
    taken = RiskEntry._base_manager.filter(reference__startswith=prefix).count()
    number = taken + 1
    while RiskEntry._base_manager.filter(reference=f"{prefix}{number:03d}").exists():
        number += 1
    return f"{prefix}{number:03d}"


def score_entry(entry: RiskEntry, method: ScoringMethod) -> dict[str, str]:
    """Check the scores against ``method`` and set the computed scores and bands; returns the errors."""
    errors: dict[str, str] = {}
    for prefix in ("inherent", "residual"):
        values = [getattr(entry, f"{prefix}_{name}") for name in ("severity", "likelihood", "detectability")]
        errors.update(scale_errors(method, prefix, *values))
        if not method.uses_detectability:
            setattr(entry, f"{prefix}_detectability", None)
    if errors:
        return errors
    entry.inherent_score = method.score(
        entry.inherent_severity, entry.inherent_likelihood, entry.inherent_detectability
    )
    entry.residual_score = method.score(
        entry.residual_severity, entry.residual_likelihood, entry.residual_detectability
    )
    entry.inherent_band = method.band(entry.inherent_score)
    entry.residual_band = method.band(entry.residual_score)
    entry.is_significant = entry.kind == EntryKind.ENVIRONMENTAL_ASPECT and entry.inherent_band in (
        Band.MEDIUM,
        Band.HIGH,
    )
    if entry.residual_score > entry.inherent_score and not (entry.residual_justification or "").strip():
        errors["residual_justification"] = _(
            "The residual score (%(residual)s) is higher than the inherent one (%(inherent)s): say why controls do "
            "not lower it."
        ) % {"residual": entry.residual_score, "inherent": entry.inherent_score}
    return errors


def validate_entry(entry: RiskEntry, *, actor) -> None:
    """Every rule of one entry; raises one ``ValidationError`` with all field messages."""
    errors: dict[str, str] = {}
    if entry.kind not in KIND_DISCIPLINE:
        raise ValidationError({"kind": _("Choose a quality risk, an environmental aspect or an OH&S hazard.")})
    entry.discipline = KIND_DISCIPLINE[entry.kind]
    for name in KIND_FIELDS[entry.kind]:
        if not (getattr(entry, name) or "").strip():
            errors[name] = _("A %(kind)s needs the %(field)s.") % {
                "kind": EntryKind(entry.kind).label.lower(),
                "field": RiskEntry._meta.get_field(name).verbose_name,
            }
    if not (entry.title or "").strip():
        errors["title"] = _("Give the entry a title.")
    if entry.review_date is None:
        errors["review_date"] = _("Give the date of the next review.")
    errors.update(score_entry(entry, method_for(entry.discipline)))
    if entry.process_id is not None:
        process = entry.process
        if not process.is_active:
            errors["process"] = _("%(code)s is retired.") % {"code": process.code}
        elif entry.site_id and not process_model()._base_manager.filter(pk=process.pk, sites=entry.site_id).exists():
            errors["process"] = _("%(code)s does not run at %(site)s.") % {
                "code": process.code,
                "site": entry.site.code,
            }
        elif _not_visible(actor, process_model(), process):
            errors["process"] = _("Not visible to you: %(name)s.") % {"name": process}
    else:
        errors["process"] = _("Choose the process the entry belongs to.")
    if entry.owner_id is not None:
        if not entry.owner.is_active:
            errors["owner"] = _("The owner must be an active person.")
        elif _not_visible(actor, Person, entry.owner):
            errors["owner"] = _("Not visible to you: %(name)s.") % {"name": entry.owner}
    else:
        errors["owner"] = _("Choose the owner of the entry.")
    if errors:
        raise ValidationError(errors)
    entry.full_clean(exclude=["reference", "discipline"], validate_unique=False, validate_constraints=False)


@transaction.atomic
def entry_create(
    *,
    actor,
    kind: str,
    site,
    process,
    title: str,
    owner,
    review_date: datetime.date,
    inherent_severity: int | None,
    inherent_likelihood: int | None,
    residual_severity: int | None,
    residual_likelihood: int | None,
    inherent_detectability: int | None = None,
    residual_detectability: int | None = None,
    reference: str = "",
    **text: str,
) -> RiskEntry:
    """Add an entry to the register at ``site``; a blank reference gets the next one of the kind and site."""
    unknown = set(text) - set(TEXT_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown fields: %(names)s.") % {"names": ", ".join(sorted(unknown))})
    if site is None:
        raise ValidationError({"site": _("Choose the site of the entry.")})
    _require_at_site(actor, PERM_ADD, site, _("add"))
    entry = RiskEntry(
        kind=kind, site=site, process=process, owner=owner, review_date=review_date,
        inherent_severity=inherent_severity, inherent_likelihood=inherent_likelihood,
        inherent_detectability=inherent_detectability, residual_severity=residual_severity,
        residual_likelihood=residual_likelihood, residual_detectability=residual_detectability,
        title=(title or "").strip(), **{name: (value or "").strip() for name, value in text.items()},
    )  # fmt: skip
    validate_entry(entry, actor=actor)
    entry.reference = (reference or "").strip().upper() or _next_reference(kind, site)
    if RiskEntry._base_manager.filter(reference=entry.reference).exists():
        raise ValidationError({"reference": _("Reference %(ref)s is already used.") % {"ref": entry.reference}})
    try:
        with transaction.atomic():
            entry.save()
    except IntegrityError as error:
        raise ValidationError(
            {"reference": _("Reference %(ref)s is already used.") % {"ref": entry.reference}}
        ) from error
    return entry


def _locked(entry: RiskEntry) -> RiskEntry:
    return (
        RiskEntry._base_manager.select_for_update(of=("self",))
        .select_related("site", "process", "owner")
        .get(pk=entry.pk)
    )


@transaction.atomic
def entry_update(*, actor, entry: RiskEntry, data: dict, reason: str | None = None) -> RiskEntry:
    """Change an entry; ``data`` holds only what changes. Needs a reason for change."""
    _require(actor, "change", entry)
    reason = change_reason(reason)
    entry = _locked(entry)
    if not entry.is_active:
        raise ValidationError(_("A retired entry cannot be changed."))
    unknown = set(data) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown fields: %(names)s.") % {"names": ", ".join(sorted(unknown))})
    if "review_date" in data and data["review_date"] != entry.review_date:
        entry.review_reminded_days = None  # a new date starts the reminder steps again
    if "site" in data and data["site"] is not None and data["site"].pk != entry.site_id:
        _require_at_site(actor, PERM_ADD, data["site"], _("move"))
    for name, value in data.items():
        if name in TEXT_FIELDS and value is None:
            value = ""
        setattr(entry, name, value.strip() if isinstance(value, str) else value)
    validate_entry(entry, actor=actor)
    with audit_context(reason=reason):
        entry.save()
    return entry


@transaction.atomic
def entry_retire(*, actor, entry: RiskEntry, reason: str | None = None) -> RiskEntry:
    """Retire the entry and its controls: kept in the register and the audit trail, never deleted."""
    _require(actor, "delete", entry)
    reason = change_reason(reason)
    entry = _locked(entry)
    if not entry.is_active:
        raise ValidationError(_("This entry is already retired."))
    with audit_context(reason=reason):
        entry.is_active = False
        entry.save(update_fields=["is_active", "updated_at"])
        for control in Control._base_manager.select_for_update().filter(entry=entry, is_active=True):
            control.is_active = False
            control.save(update_fields=["is_active", "updated_at"])
    return entry


@transaction.atomic
def entry_reviewed(*, actor, entry: RiskEntry, next_review: datetime.date, reason: str | None = None) -> RiskEntry:
    """The owner reviewed the entry: only the next review date moves."""
    return entry_update(
        actor=actor, entry=entry, data={"review_date": next_review}, reason=reason or _("Entry reviewed")
    )


# --- Controls ------------------------------------------------------------------------------------------------


def _validate_control(control: Control, *, actor) -> None:
    errors: dict[str, str] = {}
    site_id = control.entry.site_id
    if not (control.description or "").strip() and not (control.procedure_id or control.course_id or control.capa_id):
        errors["description"] = _("Link a procedure, a training course or a CAPA, or describe the control.")
    if control.procedure_id is not None:
        document = control.procedure
        if _not_visible(actor, ControlledDocument, document):
            errors["procedure"] = _("Not visible to you: %(name)s.") % {"name": document.number}
        elif not document.sites.filter(pk=site_id).exists():
            errors["procedure"] = _("%(name)s does not apply at %(site)s.") % {
                "name": document.number,
                "site": control.entry.site.code,
            }
    if control.course_id is not None:
        course_model = apps.get_model("training", "Course")
        if _not_visible(actor, course_model, control.course):
            errors["course"] = _("Not visible to you: %(name)s.") % {"name": control.course}
        elif not course_model._base_manager.filter(pk=control.course_id, sites=site_id).exists():
            errors["course"] = _("%(name)s is not given at %(site)s.") % {
                "name": control.course,
                "site": control.entry.site.code,
            }
    if control.capa_id is not None:
        capa = control.capa
        if _not_visible(actor, apps.get_model("capa", "Capa"), capa):
            errors["capa"] = _("Not visible to you: %(name)s.") % {"name": capa.reference}
        elif capa.site_id != site_id:
            errors["capa"] = _("%(name)s belongs to another site.") % {"name": capa.reference}
    if errors:
        raise ValidationError(errors)
    control.full_clean(validate_constraints=False)


@transaction.atomic
def control_create(
    *, actor, entry: RiskEntry, description: str = "", procedure=None, course=None, capa=None
) -> Control:
    """Record a control of ``entry`` (the actor needs to be able to change the entry)."""
    _require(actor, "change", entry)
    entry = _locked(entry)
    if not entry.is_active:
        raise ValidationError(_("A retired entry takes no new controls."))
    control = Control(
        entry=entry, description=(description or "").strip(), procedure=procedure, course=course, capa=capa
    )
    _validate_control(control, actor=actor)
    control.save()
    return control


@transaction.atomic
def control_update(*, actor, control: Control, data: dict, reason: str | None = None) -> Control:
    _require(actor, "change", control)
    reason = change_reason(reason)
    control = Control._base_manager.select_for_update(of=("self",)).select_related("entry__site").get(pk=control.pk)
    if not control.is_active:
        raise ValidationError(_("A retired control cannot be changed."))
    unknown = set(data) - set(CONTROL_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown fields: %(names)s.") % {"names": ", ".join(sorted(unknown))})
    for name, value in data.items():
        setattr(control, name, (value or "").strip() if name == "description" else value)
    _validate_control(control, actor=actor)
    with audit_context(reason=reason):
        control.save()
    return control


@transaction.atomic
def control_retire(*, actor, control: Control, reason: str | None = None) -> Control:
    _require(actor, "delete", control)
    reason = change_reason(reason)
    control = Control._base_manager.select_for_update().get(pk=control.pk)
    if not control.is_active:
        raise ValidationError(_("This control is already retired."))
    with audit_context(reason=reason):
        control.is_active = False
        control.save(update_fields=["is_active", "updated_at"])
    return control


def entries_visible(actor, pks: Iterable[int]) -> set[int]:
    return set(RiskEntry.objects.restrict(actor, "view").filter(pk__in=list(pks)).values_list("pk", flat=True))

"""Every change to procedure records and monitoring-plan items (pages, API, demo alike).

Who may (``ims.org.roles``: quality managers and compliance officers manage both at their sites):

* a procedure record is declared by someone who may add procedure records at one of the procedure's sites;
  it is changed or retired by someone who may change or retire it (at one of those sites);
* a monitoring-plan item is added by someone who may add items at one of the process's sites, and changed or
  retired like a record.

Every record named (procedure, form, process, objective, person) must be visible to the actor; otherwise the
service answers as if it did not exist. ``actor=None`` is the trusted command-line channel (demo seed).
Updates carry the reason for change of the interface (``audit_context``); retired rows are kept.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from ims.access.permissions import user_can, user_can_at_site
from ims.documents.choices import DocumentType
from ims.documents.models import ControlledDocument

from .choices import Frequency, ReportedTo
from .models import MonitoringPlanItem, ProcedureRecord

PERM_ADD_RECORD = "framework.add_procedurerecord"
PERM_ADD_ITEM = "framework.add_monitoringplanitem"
RECORD_FIELDS = ("name", "form_document", "retention", "location")
ITEM_FIELDS = (
    "objective",
    "measure",
    "method",
    "frequency",
    "responsible_role",
    "responsible_person",
    "reported_to",
)


def _visible(actor, record, field: str) -> None:
    """Refuse a record the actor cannot see as if it did not exist (no hint of another site's data)."""
    if actor is None or record is None:
        return
    if not type(record)._default_manager.restrict(actor, "view").filter(pk=record.pk).exists():
        raise ValidationError({field: _("Choose a record you may see; this one does not exist for you.")})


def _may_at_one_site(actor, perm: str, sites) -> bool:
    return actor is None or any(user_can_at_site(actor, perm, site) for site in sites)


def _require(actor, action: str, obj) -> None:
    if actor is not None and not user_can(actor, action, obj):
        raise PermissionDenied(
            _("You may not %(action)s this %(thing)s.") % {"action": action, "thing": obj._meta.verbose_name}
        )


def _text(value, field: str, errors: dict, *, required: bool = True) -> str:
    text = (value or "").strip()
    if required and not text:
        errors.setdefault(field, []).append(_("This field is required."))
    return text


# --- Procedure records ------------------------------------------------------------------------------------


def may_add_record(actor, document: ControlledDocument) -> bool:
    """May ``actor`` declare records of ``document`` (the add permission at one of its sites)?"""
    return _may_at_one_site(actor, PERM_ADD_RECORD, document.sites.all())


def _record_check(record: ProcedureRecord, *, actor) -> None:
    errors: dict[str, list[str]] = {}
    document = record.document
    if document.doc_type != DocumentType.PROCEDURE:
        errors.setdefault("document", []).append(
            _("%(doc)s is not a procedure; records are declared on procedures (SOPs).") % {"doc": document.number}
        )
    elif not document.is_active:
        errors.setdefault("document", []).append(
            _("%(doc)s is retired; declare records on a procedure in use.") % {"doc": document.number}
        )
    record.name = _text(record.name, "name", errors)
    record.retention = _text(record.retention, "retention", errors)
    record.location = _text(record.location, "location", errors)
    form = record.form_document
    if form is not None:
        if form.pk == document.pk:
            errors.setdefault("form_document", []).append(_("A procedure is not the form of its own records."))
        elif form.doc_type != DocumentType.FORM:
            errors.setdefault("form_document", []).append(
                _("%(doc)s is not a form; choose a controlled document of type “form”.") % {"doc": form.number}
            )
    if record.name:
        duplicate = ProcedureRecord._base_manager.filter(
            document=document, name__iexact=record.name, is_active=True
        ).exclude(pk=record.pk)
        if duplicate.exists():
            errors.setdefault("name", []).append(
                _("%(doc)s already declares a record called “%(name)s”.")
                % {"doc": document.number, "name": record.name}
            )
    if errors:
        raise ValidationError(errors)
    _visible(actor, form, "form_document")
    record.full_clean(validate_constraints=False)


@transaction.atomic
def procedure_record_create(
    *,
    actor,
    document: ControlledDocument,
    name: str,
    retention: str,
    location: str,
    form_document: ControlledDocument | None = None,
) -> ProcedureRecord:
    """Declare a record that ``document`` (a procedure) produces."""
    _visible(actor, document, "document")
    document = ControlledDocument._base_manager.get(pk=document.pk)  # its state now, not as the caller read it
    if not may_add_record(actor, document):
        raise PermissionDenied(_("You may not declare the records of %(doc)s.") % {"doc": document.number})
    record = ProcedureRecord(
        document=document, name=name, retention=retention, location=location, form_document=form_document
    )
    _record_check(record, actor=actor)
    record.save()
    return record


@transaction.atomic
def procedure_record_update(*, actor, record: ProcedureRecord, data: dict) -> ProcedureRecord:
    """Change the name, form, retention or place of a record (the procedure it belongs to never changes)."""
    _require(actor, "change", record)
    record = ProcedureRecord.objects.select_for_update().select_related("document").get(pk=record.pk)
    if not record.is_active:
        raise ValidationError(_("This record is retired; declare it again instead."))
    unknown = set(data) - set(RECORD_FIELDS) - {"document"}
    if unknown:
        raise ValidationError(_("Unknown fields: %(names)s.") % {"names": ", ".join(sorted(unknown))})
    if "document" in data and data["document"].pk != record.document_id:
        raise ValidationError({"document": _("A record stays with its procedure; retire it and declare a new one.")})
    for name in RECORD_FIELDS:
        if name in data:
            setattr(record, name, data[name])
    _record_check(record, actor=actor)
    record.save()
    return record


@transaction.atomic
def procedure_record_retire(*, actor, record: ProcedureRecord) -> ProcedureRecord:
    """The procedure no longer produces this record (kept, retired)."""
    _require(actor, "delete", record)
    record = ProcedureRecord.objects.select_for_update().get(pk=record.pk)
    if not record.is_active:
        raise ValidationError(_("This record is already retired."))
    record.is_active = False
    record.save(update_fields=["is_active", "updated_at"])
    return record


# --- Monitoring and measurement plan ------------------------------------------------------------------------


def may_add_item(actor, process) -> bool:
    """May ``actor`` add to the monitoring plan of ``process`` (the add permission at one of its sites)?"""
    return _may_at_one_site(actor, PERM_ADD_ITEM, process.sites.all())


def _item_check(item: MonitoringPlanItem, *, actor) -> None:
    errors: dict[str, list[str]] = {}
    process = item.process
    if not process.is_active:
        errors.setdefault("process", []).append(
            _("%(process)s is retired; plan the measurement of a process in use.") % {"process": process.code}
        )
    objective = item.objective
    if not (item.measure or "").strip() and objective is not None:
        item.measure = objective.kpi
    item.measure = _text(item.measure, "measure", errors)
    item.method = _text(item.method, "method", errors)
    if item.frequency not in Frequency.values:
        errors.setdefault("frequency", []).append(_("Choose one of the listed frequencies."))
    if item.reported_to not in ReportedTo.values:
        errors.setdefault("reported_to", []).append(_("Choose where the result is reported."))
    if objective is not None and objective.site_id is not None:
        site_ids = {site.pk for site in process.sites.all()}
        if objective.site_id not in site_ids:
            errors.setdefault("objective", []).append(
                _("The objective belongs to site %(site)s, where %(process)s does not run.")
                % {"site": objective.site.code, "process": process.code}
            )
    person = item.responsible_person
    if person is not None and not person.is_active:
        errors.setdefault("responsible_person", []).append(_("The responsible person must be an active person."))
    if item.measure:
        duplicate = MonitoringPlanItem._base_manager.filter(
            process=process, measure__iexact=item.measure, is_active=True
        ).exclude(pk=item.pk)
        if duplicate.exists():
            errors.setdefault("measure", []).append(
                _("The plan of %(process)s already measures “%(measure)s”.")
                % {"process": process.code, "measure": item.measure}
            )
    if errors:
        raise ValidationError(errors)
    _visible(actor, objective, "objective")
    _visible(actor, person, "responsible_person")
    item.full_clean(validate_constraints=False)


@transaction.atomic
def monitoring_item_create(
    *,
    actor,
    process,
    measure: str = "",
    method: str,
    frequency: str,
    responsible_role,
    reported_to: str,
    objective=None,
    responsible_person=None,
) -> MonitoringPlanItem:
    """Add one measurement to the monitoring plan of ``process``."""
    _visible(actor, process, "process")
    process = type(process)._base_manager.get(pk=process.pk)  # its state now, not as the caller read it
    if not may_add_item(actor, process):
        raise PermissionDenied(_("You may not plan the measurement of %(process)s.") % {"process": process.code})
    item = MonitoringPlanItem(
        process=process,
        objective=objective,
        measure=measure,
        method=method,
        frequency=frequency,
        responsible_role=responsible_role,
        responsible_person=responsible_person,
        reported_to=reported_to,
    )
    _item_check(item, actor=actor)
    item.save()
    return item


@transaction.atomic
def monitoring_item_update(*, actor, item: MonitoringPlanItem, data: dict) -> MonitoringPlanItem:
    """Change what, how, how often, by whom or to whom (the process never changes)."""
    _require(actor, "change", item)
    item = MonitoringPlanItem.objects.select_for_update().select_related("process").get(pk=item.pk)
    if not item.is_active:
        raise ValidationError(_("This item is retired; add it to the plan again instead."))
    unknown = set(data) - set(ITEM_FIELDS) - {"process"}
    if unknown:
        raise ValidationError(_("Unknown fields: %(names)s.") % {"names": ", ".join(sorted(unknown))})
    if "process" in data and data["process"].pk != item.process_id:
        raise ValidationError({"process": _("An item stays with its process; retire it and add a new one.")})
    for name in ITEM_FIELDS:
        if name in data:
            setattr(item, name, data[name])
    _item_check(item, actor=actor)
    item.save()
    return item


@transaction.atomic
def monitoring_item_retire(*, actor, item: MonitoringPlanItem) -> MonitoringPlanItem:
    """Take an item out of the plan (kept, retired)."""
    _require(actor, "delete", item)
    item = MonitoringPlanItem.objects.select_for_update().get(pk=item.pk)
    if not item.is_active:
        raise ValidationError(_("This item is already retired."))
    item.is_active = False
    item.save(update_fields=["is_active", "updated_at"])
    return item

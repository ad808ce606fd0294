"""The process register: services (every change, with the acting person) and selectors (what pages read).

Who may do what (``ims.org.roles``: every role reads processes at its sites; quality managers and compliance
officers add, change and retire them):

* a process is created at sites where the actor holds ``processes.add_process`` — at *every* one of them;
* it is changed by someone who may change it (``processes.change_process`` at one of its sites); a site added
  needs the add permission there, a site taken away needs the change permission there;
* it is retired (kept, never deleted) with ``processes.delete_process``; its interactions are retired with it;
* an interaction is recorded on its source process (``processes.add_processinteraction`` at one of the
  source's sites) towards any active process the actor may view.

``actor=None`` is the trusted command-line channel (demo seed, imports).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from ims.access.permissions import has_global_permission, site_id_list, user_can, user_can_at_site
from ims.audit.context import audit_context
from ims.audit.context import current as current_audit_context
from ims.documents.choices import DocumentType, VersionStatus
from ims.documents.models import ControlledDocument, DocumentVersion

from .models import Clause, Process, ProcessInteraction

PERM_ADD = "processes.add_process"
PERM_CHANGE = "processes.change_process"
PERM_RETIRE = "processes.delete_process"
PERM_ADD_INTERACTION = "processes.add_processinteraction"
#: The fields of a process a form or the API may set (the relations are lists of records).
TEXT_FIELDS = ("code", "name", "process_type", "purpose", "suppliers", "inputs", "outputs", "customers")
RELATION_FIELDS = ("sites", "functions", "objectives", "documents", "clauses")
EDITABLE_FIELDS = (*TEXT_FIELDS, "owner", "map_document", *RELATION_FIELDS)


def _reason(default: str):
    """The interface's reason for change when it gave one, else what the service does."""
    return audit_context(reason=current_audit_context().get("reason") or default)


# --- Who may ------------------------------------------------------------------------------------------------


def may_at_site(actor, perm: str, site) -> bool:
    return actor is None or user_can_at_site(actor, perm, site)


def _require_at_sites(actor, perm: str, sites: Iterable, verb: str) -> None:
    for site in sites:
        if not may_at_site(actor, perm, site):
            raise PermissionDenied(
                _("You may not %(verb)s processes at site %(site)s.") % {"verb": verb, "site": site.code}
            )


def _require(actor, action: str, obj) -> None:
    if actor is not None and not user_can(actor, action, obj):
        raise PermissionDenied(
            _("You may not %(action)s this %(thing)s.") % {"action": action, "thing": obj._meta.verbose_name}
        )


def _visible(actor, model, records: Iterable, field_name: str) -> list:
    """``records`` if the actor may view every one of them (a form restricts its choices; the API may not)."""
    records = list(records)
    if actor is None or not records:
        return records
    seen = set(
        model.objects.restrict(actor, "view").filter(pk__in=[r.pk for r in records]).values_list("pk", flat=True)
    )
    if missing := [str(r) for r in records if r.pk not in seen]:
        raise ValidationError({field_name: _("Not visible to you: %(names)s.") % {"names": ", ".join(missing)}})
    return records


# --- Processes ----------------------------------------------------------------------------------------------


def _validate(process: Process, *, actor, sites: list, relations: dict) -> None:
    errors: dict[str, list[str]] = {}
    if not sites:
        errors.setdefault("sites", []).append(_("Name at least one site where the process runs."))
    if process.owner_id is not None and not process.owner.is_active:
        errors.setdefault("owner", []).append(_("The owner must be an active person."))
    if process.map_document_id is not None and process.map_document.doc_type != DocumentType.PROCESS_MAP:
        errors.setdefault("map_document", []).append(
            _("%(document)s is not a process map; choose a controlled document of type “process map”.")
            % {"document": process.map_document.number}
        )
    duplicate = Process._base_manager.filter(code__iexact=process.code or "").exclude(pk=process.pk)
    if process.code and duplicate.exists():
        errors.setdefault("code", []).append(
            _("Process code %(code)s is already used (retired processes keep their code).") % {"code": process.code}
        )
    if errors:
        raise ValidationError(errors)
    process.full_clean(exclude=["code"] if duplicate.exists() else None, validate_unique=False)
    if actor is not None:
        _visible(actor, type(process.owner), [process.owner], "owner")
        if process.map_document_id is not None:
            _visible(actor, ControlledDocument, [process.map_document], "map_document")
        from policies.models import Objective

        _visible(actor, Objective, relations.get("objectives", ()), "objectives")
        _visible(actor, ControlledDocument, relations.get("documents", ()), "documents")


def _set_relations(process: Process, relations: dict) -> None:
    for name in RELATION_FIELDS:
        if name in relations:
            getattr(process, name).set(list(relations[name]))


@transaction.atomic
def process_create(
    *,
    actor,
    code: str,
    name: str,
    process_type: str,
    owner,
    sites: Iterable,
    purpose: str = "",
    suppliers: str = "",
    inputs: str = "",
    outputs: str = "",
    customers: str = "",
    map_document: ControlledDocument | None = None,
    functions: Iterable = (),
    objectives: Iterable = (),
    documents: Iterable = (),
    clauses: Iterable = (),
) -> Process:
    """Register a process at ``sites`` (the actor needs the add permission at every one of them)."""
    sites = list(sites)
    _require_at_sites(actor, PERM_ADD, sites, _("add"))
    process = Process(
        code=(code or "").strip().upper(),
        name=(name or "").strip(),
        process_type=process_type,
        owner=owner,
        purpose=purpose or "",
        suppliers=suppliers or "",
        inputs=inputs or "",
        outputs=outputs or "",
        customers=customers or "",
        map_document=map_document,
    )
    relations = {"functions": functions, "objectives": objectives, "documents": documents, "clauses": clauses}
    relations = {key: list(value) for key, value in relations.items()}
    _validate(process, actor=actor, sites=sites, relations=relations)
    try:
        with transaction.atomic():
            process.save()
    except IntegrityError as error:
        raise ValidationError({"code": _("Process code %(code)s is already used.") % {"code": process.code}}) from error
    _set_relations(process, {"sites": sites, **relations})
    return process


def _locked(process: Process) -> Process:
    return (
        Process._base_manager.select_for_update(of=("self",)).select_related("owner", "map_document").get(pk=process.pk)
    )


@transaction.atomic
def process_update(*, actor, process: Process, data: dict) -> Process:
    """Change the register entry; ``data`` holds only what changes (fields of ``EDITABLE_FIELDS``)."""
    _require(actor, "change", process)
    process = _locked(process)
    if not process.is_active:
        raise ValidationError(_("A retired process cannot be changed."))
    unknown = set(data) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown fields: %(names)s.") % {"names": ", ".join(sorted(unknown))})
    current_sites = list(process.sites.all())
    sites = list(data["sites"]) if "sites" in data else current_sites
    current_ids = {s.pk for s in current_sites}
    new_ids = {s.pk for s in sites}
    _require_at_sites(actor, PERM_ADD, [s for s in sites if s.pk not in current_ids], _("add"))
    _require_at_sites(actor, PERM_CHANGE, [s for s in current_sites if s.pk not in new_ids], _("change"))
    for name in (*TEXT_FIELDS, "owner", "map_document"):
        if name in data:
            value = data[name]
            if name == "code":
                value = (value or "").strip().upper()
            elif name in TEXT_FIELDS and value is None:
                value = ""
            setattr(process, name, value)
    relations = {name: list(data[name]) for name in RELATION_FIELDS if name in data and name != "sites"}
    _validate(process, actor=actor, sites=sites, relations=relations)
    process.save()
    if "sites" in data:
        relations["sites"] = sites
    _set_relations(process, relations)
    return process


@transaction.atomic
def process_retire(*, actor, process: Process) -> Process:
    """Retire the process and its interactions: kept in the register and the audit trail, never deleted."""
    _require(actor, "delete", process)
    process = _locked(process)
    if not process.is_active:
        raise ValidationError(_("This process is already retired."))
    with _reason(_("Process retired")):
        process.is_active = False
        process.save(update_fields=["is_active", "updated_at"])
        for interaction in ProcessInteraction._base_manager.select_for_update().filter(
            Q(source=process) | Q(target=process), is_active=True
        ):
            interaction.is_active = False
            interaction.save(update_fields=["is_active", "updated_at"])
    return process


# --- Interactions -------------------------------------------------------------------------------------------


def may_add_interaction(actor, source: Process) -> bool:
    if actor is None:
        return True
    if has_global_permission(actor, PERM_ADD_INTERACTION):
        return True
    held = set(site_id_list(actor, "processes", "add_processinteraction"))
    return bool(held) and source.sites.filter(pk__in=held).exists()


@transaction.atomic
def interaction_create(*, actor, source: Process, target: Process, description: str = "") -> ProcessInteraction:
    """Record that ``source`` hands something to ``target``; a retired interaction between them comes back."""
    if not may_add_interaction(actor, source):
        raise PermissionDenied(_("You may not record interactions of process %(code)s.") % {"code": source.code})
    errors: dict[str, list[str]] = {}
    if target is None:
        errors["target"] = [_("Choose the process that receives the output.")]
    elif target.pk == source.pk:
        errors["target"] = [_("A process cannot hand its output to itself.")]
    elif not target.is_active:
        errors["target"] = [_("%(code)s is retired.") % {"code": target.code}]
    if not source.is_active:
        errors.setdefault("source", []).append(_("%(code)s is retired.") % {"code": source.code})
    if errors:
        raise ValidationError(errors)
    if actor is not None:
        _visible(actor, Process, [target], "target")
    description = (description or "").strip()
    Process._base_manager.select_for_update().filter(pk=source.pk).first()
    existing = ProcessInteraction._base_manager.select_for_update().filter(source=source, target=target).first()
    if existing is not None:
        if existing.is_active:
            raise ValidationError(
                {
                    "target": _("%(source)s already hands output to %(target)s.")
                    % {"source": source.code, "target": target.code}
                }
            )
        existing.is_active = True
        existing.description = description
        existing.full_clean()
        with _reason(_("Interaction recorded again")):
            existing.save(update_fields=["is_active", "description", "updated_at"])
        return existing
    interaction = ProcessInteraction(source=source, target=target, description=description)
    interaction.full_clean(validate_unique=False, validate_constraints=False)
    interaction.save()
    return interaction


@transaction.atomic
def interaction_update(*, actor, interaction: ProcessInteraction, description: str) -> ProcessInteraction:
    _require(actor, "change", interaction)
    interaction = ProcessInteraction._base_manager.select_for_update().get(pk=interaction.pk)
    if not interaction.is_active:
        raise ValidationError(_("A retired interaction cannot be changed."))
    interaction.description = (description or "").strip()
    interaction.full_clean(validate_unique=False, validate_constraints=False)
    interaction.save(update_fields=["description", "updated_at"])
    return interaction


@transaction.atomic
def interaction_retire(*, actor, interaction: ProcessInteraction) -> ProcessInteraction:
    _require(actor, "delete", interaction)
    interaction = ProcessInteraction._base_manager.select_for_update().get(pk=interaction.pk)
    if not interaction.is_active:
        raise ValidationError(_("This interaction is already retired."))
    with _reason(_("Interaction retired")):
        interaction.is_active = False
        interaction.save(update_fields=["is_active", "updated_at"])
    return interaction


# --- Selectors ----------------------------------------------------------------------------------------------


def process_queryset() -> QuerySet:
    """What a list row shows: owner, sites and functions without a query per row."""
    return Process.objects.select_related("owner").prefetch_related("sites", "functions")


@dataclass
class ProcessDetail:
    sipoc: list[tuple[str, str, str, str]]
    kpis: list = field(default_factory=list)
    documents: list = field(default_factory=list)
    clause_groups: list[tuple[str, list[Clause]]] = field(default_factory=list)
    interactions_in: list = field(default_factory=list)
    interactions_out: list = field(default_factory=list)
    map_version: DocumentVersion | None = None
    map_svg: str | None = None


def sipoc_rows(process: Process) -> list[tuple[str, str, str, str]]:
    """The four SIPOC columns side by side, one line of each per row."""
    columns = [Process.lines(process.suppliers), Process.lines(process.inputs)]
    columns += [Process.lines(process.outputs), Process.lines(process.customers)]
    height = max((len(c) for c in columns), default=0)
    return [tuple(c[i] if i < len(c) else "" for c in columns) for i in range(height)]


def process_detail(*, user, process: Process) -> ProcessDetail:
    """Everything the process page shows, restricted to what ``user`` may view, in a fixed number of queries."""
    from policies.models import Objective

    detail = ProcessDetail(sipoc=sipoc_rows(process))
    detail.kpis = list(
        Objective.objects.restrict(user, "view")
        .filter(processes=process)
        .select_related("site")
        .with_latest_reading()
        .order_by("title")
    )
    effective = DocumentVersion.objects.filter(status=VersionStatus.EFFECTIVE).order_by()
    detail.documents = list(
        ControlledDocument.objects.restrict(user, "view")
        .filter(processes=process)
        .prefetch_related(Prefetch("versions", effective, to_attr="effective_versions"))
        .order_by("number")
    )
    groups: dict[str, list[Clause]] = {}
    for clause in process.clauses.select_related("standard").order_by("standard__code", "position"):
        groups.setdefault(f"{clause.standard.code}:{clause.standard.edition}", []).append(clause)
    detail.clause_groups = list(groups.items())
    visible = Process.objects.restrict(user, "view").values("pk")
    interactions = ProcessInteraction.objects.restrict(user, "view").select_related("source", "target")
    detail.interactions_out = list(
        interactions.filter(source=process, target__in=visible).order_by("-is_active", "target__code")
    )
    detail.interactions_in = list(
        ProcessInteraction.objects.filter(target=process, source__in=visible)
        .select_related("source", "target")
        .order_by("-is_active", "source__code")
    )
    if process.map_document_id is not None:
        version = (
            DocumentVersion.objects.restrict(user, "view")
            .filter(document_id=process.map_document_id, status=VersionStatus.EFFECTIVE)
            .select_related("diagram", "document")
            .first()
        )
        detail.map_version = version
        diagram = getattr(version, "diagram", None) if version is not None else None
        detail.map_svg = diagram.svg if diagram is not None else None
    return detail


# --- Landscape data -----------------------------------------------------------------------------------------


def landscape_data(*, user, site=None) -> tuple[list[dict], list[dict]]:
    """The active processes ``user`` may view (at ``site`` when given) and the active interactions between them,
    as plain dictionaries for ``processes.landscape`` (two queries, whatever the number of processes)."""
    processes = Process.objects.restrict(user, "view").filter(is_active=True)
    if site is not None:
        processes = processes.filter(pk__in=Process._base_manager.filter(sites=site).values("pk"))
    rows = list(processes.order_by("code").values("pk", "code", "name", "process_type"))
    shown = processes.values("pk")
    arrows = list(
        ProcessInteraction._base_manager.filter(is_active=True, source_id__in=shown, target_id__in=shown)
        .order_by("source__code", "target__code")
        .values("source_id", "target_id", "description")
    )
    return rows, arrows

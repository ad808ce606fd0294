"""The standards library: loading it from its versioned data files, editing clause mappings, linking documents.

Loading the standards library from its versioned data files (``processes/standards/*.json``).

``standards_load()`` is idempotent: a standard (code and edition) that exists gets the clauses it lacks and the
titles and summaries that changed (audited edits); a new edition is a new standard, so assessments made against
the old one keep it. Nothing is ever deleted. Every file is read and checked before anything is written: one bad
file, clause or mapping refuses the whole load with every problem named (file, clause, what is wrong).
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ims.access.permissions import user_can, user_can_any_site, user_can_at_site
from ims.documents.choices import Discipline
from ims.documents.models import ControlledDocument

from .models import Clause, ClauseMapping, DocumentClause, MappingRelation, Standard, StandardKind

LIBRARY = Path(__file__).resolve().parent / "standards"
MAPPINGS_FILE = "mappings.json"
MAX_FILE_BYTES = 2_000_000


class LibraryError(ValueError):
    """The library's files are not valid; ``problems`` lists each one. Nothing was written."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass
class LoadReport:
    standards_created: int = 0
    standards_updated: int = 0
    clauses_created: int = 0
    clauses_updated: int = 0
    mappings_created: int = 0
    standards: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{len(self.standards)} standards in the library: {self.standards_created} added, "
            f"{self.standards_updated} updated; clauses {self.clauses_created} added, {self.clauses_updated} updated; "
            f"mappings {self.mappings_created} added."
        )


def standard_key(code: str, edition: str) -> str:
    """How mappings name a standard: code and edition, e.g. ``ISO 9001 2015``."""
    return f"{code} {edition}"


def _text(value, limit: int) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() and len(value.strip()) <= limit else None


def _check_standard(name: str, data, problems: list[str]) -> dict | None:
    if not isinstance(data, dict):
        problems.append(f"{name}: the file must hold one standard (a JSON object)")
        return None
    spec = {
        "code": _text(data.get("code"), 60),
        "edition": _text(data.get("edition"), 40),
        "title": _text(data.get("title"), 200),
        "kind": data.get("kind") if data.get("kind") in StandardKind.values else None,
    }
    for key, value in spec.items():
        if value is None:
            problems.append(f"{name}: '{key}' is missing or not valid")
    disciplines = data.get("disciplines", [])
    if not isinstance(disciplines, list) or any(d not in Discipline.values for d in disciplines):
        problems.append(f"{name}: 'disciplines' must be a list of {', '.join(Discipline.values)}")
        disciplines = []
    spec["disciplines"] = sorted(set(disciplines))
    clauses, seen = [], set()
    raw = data.get("clauses")
    if not isinstance(raw, list) or not raw:
        problems.append(f"{name}: 'clauses' must be a non-empty list")
        raw = []
    for position, clause in enumerate(raw, start=1):
        if not isinstance(clause, dict):
            problems.append(f"{name}: clause {position} is not an object")
            continue
        number, title = _text(clause.get("number"), 40), _text(clause.get("title"), 300)
        summary, parent = clause.get("summary", ""), clause.get("parent")
        where = f"{name}: clause {number or position}"
        if number is None:
            problems.append(f"{where}: 'number' is missing or longer than 40 characters")
            continue
        if number in seen:
            problems.append(f"{where}: the number is used twice")
        if title is None:
            problems.append(f"{where}: 'title' is missing or longer than 300 characters")
        if not isinstance(summary, str):
            problems.append(f"{where}: 'summary' must be text")
            summary = ""
        if parent is not None and parent not in seen:
            problems.append(f"{where}: its parent {parent} is not a clause listed before it")
        seen.add(number)
        clauses.append(
            {"number": number, "title": title, "summary": summary.strip(), "parent": parent, "position": position}
        )
    spec["clauses"] = clauses
    return spec


def _check_mappings(data, numbers: dict[str, set[str]], problems: list[str]) -> list[dict]:
    if not isinstance(data, list):
        problems.append(f"{MAPPINGS_FILE}: the file must hold a list of mappings")
        return []
    mappings, seen = [], set()
    for index, row in enumerate(data, start=1):
        where = f"{MAPPINGS_FILE}: mapping {index}"
        if not isinstance(row, dict):
            problems.append(f"{where}: not an object")
            continue
        ends = []
        for end in ("from", "to"):
            standard, _sep, number = str(row.get(end, "")).rpartition("|")
            if standard not in numbers or number not in numbers[standard]:
                problems.append(f"{where}: '{end}' {row.get(end)!r} names no clause of the library")
            ends.append((standard, number))
        if row.get("relation") not in MappingRelation.values:
            problems.append(f"{where}: 'relation' must be one of {', '.join(MappingRelation.values)}")
        if ends[0] == ends[1]:
            problems.append(f"{where}: a clause cannot map to itself")
        if tuple(ends) in seen:
            problems.append(f"{where}: the same two clauses are mapped twice")
        seen.add(tuple(ends))
        note = row.get("note", "")
        if not isinstance(note, str) or len(note) > 300:
            problems.append(f"{where}: 'note' must be text of at most 300 characters")
        mappings.append({"source": ends[0], "target": ends[1], "relation": row.get("relation"), "note": str(note)})
    return mappings


def library_read(directory: Path | None = None) -> tuple[list[dict], list[dict]]:
    """The standards and mappings of ``directory`` (the repository's library by default), checked; raises
    ``LibraryError`` naming every problem."""
    directory = Path(directory or LIBRARY)
    problems: list[str] = []
    standards: list[dict] = []

    def load(path: Path):
        if path.stat().st_size > MAX_FILE_BYTES:
            problems.append(f"{path.name}: larger than {MAX_FILE_BYTES // 1_000_000} MB")
            return None
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            problems.append(f"{path.name}: not valid JSON ({error})")
            return None

    for path in sorted(directory.glob("*.json")):
        if path.name == MAPPINGS_FILE:
            continue
        data = load(path)
        spec = _check_standard(path.name, data, problems) if data is not None else None
        if spec is not None:
            standards.append(spec)
    keys = defaultdict(list)
    for spec in standards:
        keys[standard_key(spec["code"] or "", spec["edition"] or "")].append(spec)
    for key, specs in keys.items():
        if len(specs) > 1:
            problems.append(f"{key}: the same standard and edition is defined by more than one file")
    numbers = {key: {c["number"] for c in specs[0]["clauses"]} for key, specs in keys.items()}
    for standard in Standard.objects.prefetch_related("clauses"):  # mappings may name standards already loaded
        numbers.setdefault(standard_key(standard.code, standard.edition), {c.number for c in standard.clauses.all()})
    mappings_path = directory / MAPPINGS_FILE
    mappings = []
    if mappings_path.exists():
        data = load(mappings_path)
        mappings = _check_mappings(data, numbers, problems) if data is not None else []
    if problems:
        raise LibraryError(problems)
    return standards, mappings


@transaction.atomic
def standards_load(*, directory: Path | None = None) -> LoadReport:
    """Bring the database's library in line with the data files (adds and updates, never deletes)."""
    standards, mappings = library_read(directory)
    report = LoadReport()
    for spec in standards:
        _standard_load(spec, report)
    clause_ids = {
        (standard_key(code, edition), number): pk
        for pk, code, edition, number in Clause.objects.values_list(
            "pk", "standard__code", "standard__edition", "number"
        )
    }
    existing = set(ClauseMapping.objects.values_list("source_id", "target_id"))
    new = []
    for mapping in mappings:
        pair = (clause_ids[mapping["source"]], clause_ids[mapping["target"]])
        if pair not in existing:
            existing.add(pair)
            new.append(
                ClauseMapping(source_id=pair[0], target_id=pair[1], relation=mapping["relation"], note=mapping["note"])
            )
    ClauseMapping.objects.bulk_create(new)
    report.mappings_created = len(new)
    return report


def _standard_load(spec: dict, report: LoadReport) -> None:
    fields = {"title": spec["title"], "kind": spec["kind"], "disciplines": spec["disciplines"]}
    standard, created = Standard.objects.get_or_create(code=spec["code"], edition=spec["edition"], defaults=fields)
    report.standards.append(str(standard))
    if created:
        report.standards_created += 1
    elif any(getattr(standard, name) != value for name, value in fields.items()):
        for name, value in fields.items():
            setattr(standard, name, value)
        standard.save(update_fields=[*fields, "updated_at"])
        report.standards_updated += 1
    clauses = {clause.number: clause for clause in standard.clauses.all()}
    changed = []
    pending = [c for c in spec["clauses"] if c["number"] not in clauses]
    while pending:  # parents before children: one insert per level of the clause tree
        level = [c for c in pending if c["parent"] is None or c["parent"] in clauses]
        created_now = Clause.objects.bulk_create(
            [
                Clause(
                    standard=standard, number=c["number"], title=c["title"], summary=c["summary"],
                    parent=clauses.get(c["parent"]), position=c["position"],
                )
                for c in level
            ]
        )  # fmt: skip
        clauses.update({clause.number: clause for clause in created_now})
        report.clauses_created += len(created_now)
        pending = [c for c in pending if c["number"] not in clauses]
    for c in spec["clauses"]:
        clause = clauses[c["number"]]
        parent_id = clauses[c["parent"]].pk if c["parent"] else None
        wanted = {"title": c["title"], "summary": c["summary"], "position": c["position"], "parent_id": parent_id}
        if any(getattr(clause, name) != value for name, value in wanted.items()):
            for name, value in wanted.items():
                setattr(clause, name, value)
            changed.append(clause)
    Clause.objects.bulk_update(changed, ["title", "summary", "position", "parent"])
    report.clauses_updated += len(changed)


# --- Clause mappings ------------------------------------------------------------------------------------

MAPPING_ADD = "processes.add_clausemapping"


def _mapping_check(source: Clause, target: Clause) -> None:
    if source.pk == target.pk:
        raise ValidationError({"target": "A clause cannot map to itself."})
    if source.standard_id == target.standard_id:
        raise ValidationError(
            {"target": f"Both clauses belong to {source.standard}: map clauses of different standards only."}
        )


@transaction.atomic
def clause_mapping_create(*, actor, source: Clause, target: Clause, relation: str, note: str = "") -> ClauseMapping:
    """Map ``source`` to ``target``. The same two clauses are mapped once, in either direction; a deactivated
    mapping of the same direction is brought back into use with the new relation and note (its history kept)."""
    if actor is not None and not user_can_any_site(actor, MAPPING_ADD):
        raise PermissionDenied("You may not map clauses.")
    _mapping_check(source, target)
    if relation not in MappingRelation.values:
        raise ValidationError({"relation": f"Choose one of {', '.join(MappingRelation.values)}."})
    pair = Q(source=source, target=target) | Q(source=target, target=source)
    existing = ClauseMapping.objects.select_for_update().filter(pair).first()
    if existing is not None:
        if existing.is_active or existing.source_id != source.pk:
            state = "in use" if existing.is_active else "deactivated"
            raise ValidationError(
                {"target": f"These two clauses are already mapped ({existing}; {state}): change that mapping instead."}
            )
        existing.relation, existing.note, existing.is_active = relation, note.strip(), True
        existing.full_clean()
        existing.save(update_fields=["relation", "note", "is_active", "updated_at"])
        return existing
    mapping = ClauseMapping(source=source, target=target, relation=relation, note=note.strip())
    mapping.full_clean(validate_constraints=False)
    mapping.save()
    return mapping


@transaction.atomic
def clause_mapping_update(*, actor, mapping: ClauseMapping, relation: str, note: str) -> ClauseMapping:
    """Change how two mapped clauses relate, or the note (the reason for change comes with the audit context)."""
    if actor is not None and not user_can(actor, "change", mapping):
        raise PermissionDenied("You may not change clause mappings.")
    mapping = ClauseMapping.objects.select_for_update().get(pk=mapping.pk)
    if not mapping.is_active:
        raise ValidationError("This mapping is deactivated; map the clauses again to bring it back into use.")
    if relation not in MappingRelation.values:
        raise ValidationError({"relation": f"Choose one of {', '.join(MappingRelation.values)}."})
    mapping.relation, mapping.note = relation, note.strip()
    mapping.full_clean(validate_constraints=False)
    mapping.save(update_fields=["relation", "note", "updated_at"])
    return mapping


@transaction.atomic
def clause_mapping_deactivate(*, actor, mapping: ClauseMapping) -> ClauseMapping:
    """Take a mapping out of use (kept for the audit trail; the overlap view no longer joins through it)."""
    if actor is not None and not user_can(actor, "delete", mapping):
        raise PermissionDenied("You may not deactivate clause mappings.")
    mapping = ClauseMapping.objects.select_for_update().get(pk=mapping.pk)
    if not mapping.is_active:
        raise ValidationError("This mapping is already deactivated.")
    mapping.is_active = False
    mapping.save(update_fields=["is_active", "updated_at"])
    return mapping


# --- Which clauses a controlled document addresses ------------------------------------------------------

DOCUMENT_CLAUSE_ADD = "processes.add_documentclause"


def document_clause_may_add(user, document: ControlledDocument) -> bool:
    """May ``user`` set the clauses of ``document``? They may change the document and link clauses at one of
    its sites."""
    if not user_can(user, "change", document):
        return False
    return any(user_can_at_site(user, DOCUMENT_CLAUSE_ADD, site) for site in document.sites.all())


@transaction.atomic
def document_clause_add(*, actor, document: ControlledDocument, clause: Clause, note: str = "") -> DocumentClause:
    """Record that ``document`` addresses ``clause``; a deactivated link is brought back into use."""
    if actor is not None and not document_clause_may_add(actor, document):
        raise PermissionDenied(f"You may not set the clauses of {document.number}.")
    if not document.is_active:
        raise ValidationError({"document": f"{document.number} is retired; link clauses to a document in use."})
    link = DocumentClause.objects.select_for_update().filter(document=document, clause=clause).first()
    if link is not None:
        if link.is_active:
            raise ValidationError({"clause": f"{document.number} already addresses {clause}."})
        link.is_active, link.note = True, note.strip() or link.note
        link.save(update_fields=["is_active", "note", "updated_at"])
        return link
    link = DocumentClause(document=document, clause=clause, note=note.strip())
    link.full_clean(validate_constraints=False)
    link.save()
    return link


@transaction.atomic
def document_clause_update(*, actor, link: DocumentClause, note: str) -> DocumentClause:
    if actor is not None and not user_can(actor, "change", link):
        raise PermissionDenied("You may not change this link.")
    link = DocumentClause.objects.select_for_update().get(pk=link.pk)
    link.note = note.strip()
    link.full_clean(validate_constraints=False)
    link.save(update_fields=["note", "updated_at"])
    return link


@transaction.atomic
def document_clause_deactivate(*, actor, link: DocumentClause) -> DocumentClause:
    """The document no longer addresses the clause (the link is kept, deactivated)."""
    if actor is not None and not user_can(actor, "delete", link):
        raise PermissionDenied("You may not remove clauses from this document.")
    link = DocumentClause.objects.select_for_update().get(pk=link.pk)
    if not link.is_active:
        raise ValidationError("This link is already deactivated.")
    link.is_active = False
    link.save(update_fields=["is_active", "updated_at"])
    return link


def library_ready() -> None:
    """Registrations of the library part, called from ``ProcessesConfig.ready()``: the clause lookup of the
    search-as-you-type fields (clauses are company-wide reference data, read by every active user)."""
    from ims.documents.related import related_page_register
    from ims.web.lookups import lookup_register

    related_page_register(label=_("Clauses addressed"), url_name="processes:document_clauses", icon="list-check")

    lookup_register(
        "processes-clause",
        queryset=lambda user: Clause.objects.restrict(user, "view").select_related("standard"),
        search_fields=("number", "title", "standard__code"),
        ordering=("standard__code", "standard__edition", "position"),
        label=lambda clause: f"{clause.standard} {clause.number} · {clause.title}",
    )

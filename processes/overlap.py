"""The overlap and redundancy selector: which requirements of the chosen standards are one requirement, and who
meets each.

A *requirement group* is a connected component of the chosen standards' clauses joined through active clause
mappings (a clause mapped to nothing is a group of its own). For each group: its clauses, the active processes
that address one of them and the active controlled documents that do (both restricted to what the user sees),
and two flags: **gap** (no process and no document addresses the group) and **redundancy** (two or more
documents of the same type address it: candidates for merging).

Six queries whatever the size of the library (clauses, mappings, the processes' and the documents' links to them as
ids, then the processes and documents named once each; the default standards are a seventh); the groups are
computed in Python with a union–find. The page, its CSV export and the management-system manual read
the same plain data.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from ims.documents.choices import DocumentType
from ims.documents.models import ControlledDocument

from .models import Clause, ClauseMapping, DocumentClause, Process, Standard

#: The standards shown when none is chosen: the current editions of the three management-system standards.
DEFAULT_CODES = ("ISO 9001", "ISO 14001", "ISO 45001")
ONLY_GAPS = "gaps"
ONLY_REDUNDANCY = "redundancy"
#: Processes and documents named per group on the page (the CSV export names all).
SHOWN = 8


@dataclass(frozen=True)
class GroupClause:
    pk: int
    standard_id: int
    standard: str
    number: str
    title: str


@dataclass(frozen=True)
class GroupProcess:
    pk: int
    code: str
    name: str


@dataclass(frozen=True)
class GroupDocument:
    pk: int
    number: str
    title: str
    doc_type: str

    @property
    def type_label(self) -> str:
        return str(DocumentType(self.doc_type).label) if self.doc_type in DocumentType.values else self.doc_type


@dataclass
class RequirementGroup:
    number: int
    clauses: list[GroupClause]
    processes: list[GroupProcess] = field(default_factory=list)
    documents: list[GroupDocument] = field(default_factory=list)

    @property
    def processes_shown(self) -> list[GroupProcess]:
        return self.processes[:SHOWN]

    @property
    def documents_shown(self) -> list[GroupDocument]:
        return self.documents[:SHOWN]

    @property
    def processes_more(self) -> int:
        return max(0, len(self.processes) - SHOWN)

    @property
    def documents_more(self) -> int:
        return max(0, len(self.documents) - SHOWN)

    @property
    def gap(self) -> bool:
        return not self.processes and not self.documents

    @property
    def redundant_types(self) -> list[str]:
        """The document types of which two or more documents address the group."""
        counts: dict[str, int] = defaultdict(int)
        for document in self.documents:
            counts[document.doc_type] += 1
        return sorted(doc_type for doc_type, count in counts.items() if count > 1)

    @property
    def redundancy(self) -> bool:
        return bool(self.redundant_types)

    @property
    def standards(self) -> list[str]:
        return list(dict.fromkeys(clause.standard for clause in self.clauses))

    def clauses_by_standard(self) -> list[tuple[str, list[GroupClause]]]:
        by_standard: dict[str, list[GroupClause]] = {}
        for clause in self.clauses:
            by_standard.setdefault(clause.standard, []).append(clause)
        return list(by_standard.items())


@dataclass
class Overlap:
    standards: list[Standard]
    groups: list[RequirementGroup]
    #: Counts over every group of the chosen standards (before the "only gaps / only redundancy" filter).
    total_groups: int = 0
    total_clauses: int = 0
    gaps: int = 0
    redundancies: int = 0
    shared: int = 0

    @property
    def addressed(self) -> int:
        return self.total_groups - self.gaps


def default_standards() -> list[Standard]:
    return list(Standard.objects.filter(code__in=DEFAULT_CODES, is_active=True).order_by("code", "edition"))


def _components(clause_ids: list[int], edges: list[tuple[int, int]]) -> dict[int, int]:
    """Union–find: clause id → the id of its group's representative."""
    parent = {pk: pk for pk in clause_ids}

    def find(pk: int) -> int:
        root = pk
        while parent[root] != root:
            root = parent[root]
        while parent[pk] != root:
            parent[pk], pk = root, parent[pk]
        return root

    for a, b in edges:
        root_a, root_b = find(a), find(b)
        if root_a != root_b:
            parent[max(root_a, root_b)] = min(root_a, root_b)
    return {pk: find(pk) for pk in clause_ids}


def overlap_compute(
    *,
    user,
    standards: list[Standard] | None = None,
    discipline: str | None = None,
    site=None,
    only: str | None = None,
) -> Overlap:
    """The requirement groups of ``standards`` (default: the current 9001/14001/45001), what addresses each, and
    the summary counts. ``discipline`` keeps the standards of that discipline; ``site`` counts only the processes
    and documents of that site; ``only`` keeps the gaps or the redundancies."""
    chosen = list(standards) if standards is not None else default_standards()
    if discipline:
        chosen = [standard for standard in chosen if discipline in (standard.disciplines or [])]
    order = {standard.pk: index for index, standard in enumerate(chosen)}
    ids = list(order)
    names = {standard.pk: str(standard) for standard in chosen}
    clauses = [
        GroupClause(pk, standard_id, names[standard_id], number, title)
        for pk, standard_id, number, title in Clause.objects.filter(standard_id__in=ids)
        .order_by("standard_id", "position")
        .values_list("pk", "standard_id", "number", "title")
    ]
    clauses.sort(key=lambda clause: order[clause.standard_id])  # stable: each standard keeps its clause order
    edges = list(
        ClauseMapping.objects.filter(
            is_active=True, source__standard_id__in=ids, target__standard_id__in=ids
        ).values_list("source_id", "target_id")
    )
    root_of = _components([clause.pk for clause in clauses], edges)
    groups_by_root: dict[int, RequirementGroup] = {}
    for clause in clauses:
        root = root_of[clause.pk]
        group = groups_by_root.get(root)
        if group is None:
            group = groups_by_root[root] = RequirementGroup(number=len(groups_by_root) + 1, clauses=[])
        group.clauses.append(clause)

    processes = Process.objects.restrict(user, "view").filter(is_active=True)
    documents = ControlledDocument.objects.restrict(user, "view").filter(is_active=True)
    if site is not None:
        processes = processes.filter(sites=site)
        documents = documents.filter(sites=site)
    # The links as ids only (the bulk of the rows), then each process and document named once; every list of ids
    # stays in SQL as a subquery.
    process_links = Process.clauses.through.objects.filter(
        clause__standard_id__in=ids, process_id__in=processes.values("pk")
    )
    addressing: dict[int, set[int]] = defaultdict(set)
    for clause_id, pk in process_links.values_list("clause_id", "process_id"):
        addressing[root_of[clause_id]].add(pk)
    document_links = DocumentClause.objects.restrict(user, "view").filter(
        is_active=True, clause__standard_id__in=ids, document_id__in=documents.values("pk")
    )
    documented: dict[int, set[int]] = defaultdict(set)
    for clause_id, pk in document_links.values_list("clause_id", "document_id"):
        documented[root_of[clause_id]].add(pk)
    process_of = {
        pk: GroupProcess(pk, code, name)
        for pk, code, name in Process.objects.filter(pk__in=process_links.values("process_id"))
        .order_by("code")
        .values_list("pk", "code", "name")
    }
    document_of = {
        pk: GroupDocument(pk, number, title, doc_type)
        for pk, number, title, doc_type in ControlledDocument.objects.filter(
            pk__in=document_links.values("document_id")
        )
        .order_by("number")
        .values_list("pk", "number", "title", "doc_type")
    }
    process_order = {pk: index for index, pk in enumerate(process_of)}
    document_order = {pk: index for index, pk in enumerate(document_of)}
    for root, found in addressing.items():
        groups_by_root[root].processes = [process_of[pk] for pk in sorted(found, key=process_order.__getitem__)]
    for root, found in documented.items():
        groups_by_root[root].documents = [document_of[pk] for pk in sorted(found, key=document_order.__getitem__)]

    groups = list(groups_by_root.values())
    result = Overlap(
        standards=chosen,
        groups=groups,
        total_groups=len(groups),
        total_clauses=len(clauses),
        gaps=sum(group.gap for group in groups),
        redundancies=sum(group.redundancy for group in groups),
        shared=sum(len(group.standards) > 1 for group in groups),
    )
    if only == ONLY_GAPS:
        result.groups = [group for group in groups if group.gap]
    elif only == ONLY_REDUNDANCY:
        result.groups = [group for group in groups if group.redundancy]
    return result


def overlap_rows(overlap: Overlap) -> list[list[str]]:
    """One row per group for the CSV export (and any tabular report)."""
    rows = []
    for group in overlap.groups:
        rows.append(
            [
                str(group.number),
                "; ".join(f"{clause.standard} {clause.number}" for clause in group.clauses),
                "; ".join(f"{clause.number} {clause.title}" for clause in group.clauses),
                "; ".join(process.code for process in group.processes),
                "; ".join(document.number for document in group.documents),
                "yes" if group.gap else "no",
                "yes" if group.redundancy else "no",
                "; ".join(group.redundant_types),
            ]
        )
    return rows


OVERLAP_CSV_HEADER = (
    "group",
    "clauses",
    "clause_titles",
    "processes",
    "documents",
    "gap",
    "redundancy",
    "redundant_document_types",
)

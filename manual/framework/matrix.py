"""The procedure × clause matrix: which procedures fulfil which clauses of the chosen standards.

Rows are the clauses of the chosen standards (library order), columns the procedures (SOPs) the user may see.
A procedure linked to a clause also covers its sub-clauses (a procedure for 6.1 covers 6.1.1–6.1.4), so the
flags are computed on the *leaf* clauses, the requirements one can meet:

* **no procedure** — a leaf clause that no procedure covers (a gap in the framework);
* **several procedures** — a leaf clause covered by two or more procedures (candidates for one integrated one);
* **procedure with no clause** — a procedure in scope that fulfils no clause of the chosen standards.

Four queries whatever the size: the clauses, the active links of procedures in scope to them (ids only), the
procedures in scope (id, number, title, disciplines), and the standards chosen by the form. The page, the CSV and
the API read the same plain data.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from ims.documents.choices import Discipline, DocumentType
from ims.documents.models import ControlledDocument
from processes.models import Clause, DocumentClause, Standard
from processes.overlap import default_standards

MAX_STANDARDS = 6
#: Procedure columns drawn on the page (the CSV and the API hold all of them).
MAX_COLUMNS = 30


@dataclass(frozen=True)
class MatrixProcedure:
    pk: int
    number: str
    title: str
    disciplines: tuple[str, ...]


@dataclass
class MatrixRow:
    pk: int
    standard_id: int
    standard: str
    number: str
    title: str
    depth: int
    is_leaf: bool
    #: Procedures linked to this clause itself.
    direct: list[int] = field(default_factory=list)
    #: Procedures that cover it: its own links and those of the clauses it belongs to.
    covering: list[int] = field(default_factory=list)

    @property
    def gap(self) -> bool:
        return self.is_leaf and not self.covering

    @property
    def several(self) -> bool:
        return self.is_leaf and len(self.covering) > 1


@dataclass
class Matrix:
    standards: list[Standard]
    rows: list[MatrixRow]
    procedures: list[MatrixProcedure]
    #: Procedures in scope that fulfil no clause of the chosen standards.
    unlinked: list[MatrixProcedure]

    @property
    def leaf_rows(self) -> list[MatrixRow]:
        return [row for row in self.rows if row.is_leaf]

    @property
    def gaps(self) -> int:
        return sum(row.gap for row in self.rows)

    @property
    def several(self) -> int:
        return sum(row.several for row in self.rows)

    @property
    def covered(self) -> int:
        return sum(1 for row in self.rows if row.is_leaf and row.covering)

    @property
    def linked_procedures(self) -> list[MatrixProcedure]:
        """The columns: procedures that fulfil at least one chosen clause, most clauses first."""
        counts: dict[int, int] = defaultdict(int)
        for row in self.rows:
            for pk in row.direct:
                counts[pk] += 1
        linked = [procedure for procedure in self.procedures if counts.get(procedure.pk)]
        return sorted(linked, key=lambda procedure: (-counts[procedure.pk], procedure.number))

    @property
    def integrated(self) -> list[MatrixProcedure]:
        """Procedures that fulfil clauses of more than one chosen standard (one procedure instead of several)."""
        standards: dict[int, set[int]] = defaultdict(set)
        for row in self.rows:
            for pk in row.direct:
                standards[pk].add(row.standard_id)
        return [procedure for procedure in self.procedures if len(standards.get(procedure.pk, ())) > 1]


def procedures_in_scope(*, user, site=None, discipline: str | None = None):
    """The active procedures (SOPs) ``user`` may see, optionally at one site or serving one discipline."""
    documents = ControlledDocument.objects.restrict(user, "view").filter(
        is_active=True, doc_type=DocumentType.PROCEDURE
    )
    if site is not None:
        through = ControlledDocument.sites.through
        documents = documents.filter(pk__in=through.objects.filter(site=site).values("controlleddocument_id"))
    if discipline:
        documents = documents.filter(disciplines__contains=[discipline])
    return documents


def matrix_compute(
    *, user, standards: list[Standard] | None = None, site=None, discipline: str | None = None
) -> Matrix:
    """The matrix of ``standards`` (default: the current 9001/14001/45001) × the procedures in scope."""
    chosen = list(standards) if standards else default_standards()
    chosen = chosen[:MAX_STANDARDS]
    order = {standard.pk: index for index, standard in enumerate(chosen)}
    names = {standard.pk: str(standard) for standard in chosen}
    clauses = list(
        Clause.objects.filter(standard_id__in=list(order))
        .order_by("standard_id", "position")
        .values_list("pk", "standard_id", "number", "title", "parent_id")
    )
    clauses.sort(key=lambda clause: order[clause[1]])  # stable: each standard keeps its library order
    parent_of = {pk: parent for pk, _standard, _number, _title, parent in clauses}
    has_children = {parent for parent in parent_of.values() if parent is not None}

    procedures = procedures_in_scope(user=user, site=site, discipline=discipline)
    links = DocumentClause._base_manager.filter(
        is_active=True, clause__standard_id__in=list(order), document_id__in=procedures.values("pk")
    ).values_list("clause_id", "document_id")
    direct: dict[int, set[int]] = defaultdict(set)
    for clause_id, document_id in links:
        direct[clause_id].add(document_id)

    listed = [
        MatrixProcedure(pk, number, title, tuple(disciplines or ()))
        for pk, number, title, disciplines in procedures.order_by("number").values_list(
            "pk", "number", "title", "disciplines"
        )
    ]
    position = {procedure.pk: index for index, procedure in enumerate(listed)}

    def ordered(pks: set[int]) -> list[int]:
        return sorted((pk for pk in pks if pk in position), key=position.__getitem__)

    rows = []
    for pk, standard_id, number, title, _parent in clauses:
        covering, depth, ancestor = set(direct.get(pk, ())), 0, parent_of.get(pk)
        while ancestor is not None:
            covering |= direct.get(ancestor, set())
            depth += 1
            ancestor = parent_of.get(ancestor)
        rows.append(
            MatrixRow(
                pk=pk,
                standard_id=standard_id,
                standard=names[standard_id],
                number=number,
                title=title,
                depth=depth,
                is_leaf=pk not in has_children,
                direct=ordered(direct.get(pk, set())),
                covering=ordered(covering),
            )
        )
    linked = {pk for pks in direct.values() for pk in pks}
    unlinked = [procedure for procedure in listed if procedure.pk not in linked]
    return Matrix(standards=chosen, rows=rows, procedures=listed, unlinked=unlinked)


MATRIX_CSV_HEADER = ("standard", "clause", "title", "leaf", "procedures_linked", "procedures_covering", "flag")


def matrix_rows(matrix: Matrix) -> list[list[str]]:
    """One row per clause for the CSV export, then one per procedure that fulfils no chosen clause."""
    number_of = {procedure.pk: procedure.number for procedure in matrix.procedures}
    rows = []
    for row in matrix.rows:
        flag = "no procedure" if row.gap else "several procedures" if row.several else ""
        rows.append(
            [
                row.standard,
                row.number,
                row.title,
                "yes" if row.is_leaf else "no",
                "; ".join(number_of[pk] for pk in row.direct),
                "; ".join(number_of[pk] for pk in row.covering),
                flag,
            ]
        )
    for procedure in matrix.unlinked:
        rows.append(["", "", procedure.title, "", procedure.number, "", "procedure with no clause"])
    return rows


def discipline_label(value: str) -> str:
    return str(dict(Discipline.choices).get(value, value))

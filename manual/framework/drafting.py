"""A draft integrated procedure from a requirement group of the overlap view: one procedure per group, not one per
standard.

The group (clauses of several standards joined by clause mappings, ``processes.overlap``) becomes a new controlled
document of type procedure, in draft, whose disciplines are those of the group's standards, whose Markdown body is
a skeleton (purpose, scope, responsibilities, the clauses fulfilled per standard, records, and the quality,
environmental and OH&S impact sections), and which is linked to every clause of the group. Everything happens in
one transaction through the document-control and library services: if one link is refused, nothing is created.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from ims.documents import services as document_services
from ims.documents.choices import Discipline, DocumentType
from ims.documents.models import ControlledDocument
from processes import library
from processes.models import Clause, Standard
from processes.overlap import RequirementGroup, overlap_compute

IMPACT_SECTIONS = {
    Discipline.QUALITY: ("Quality impact", "Effect on product quality, patient safety and compliance (GMP, ISO 9001)."),
    Discipline.ENVIRONMENT: (
        "Environmental impact",
        "Environmental aspects concerned (emissions, waste, energy, spills) and how they are controlled (ISO 14001).",
    ),
    Discipline.OHS: (
        "Occupational health and safety impact",
        "Hazards to workers and contractors, consultation and participation of workers (ISO 45001).",
    ),
}


def group_find(*, user, standards: list[Standard], clause: Clause) -> RequirementGroup:
    """The requirement group of ``standards`` that holds ``clause`` (as the overlap view computes it)."""
    if clause.standard_id not in {standard.pk for standard in standards}:
        raise ValidationError({"clause": _("The clause does not belong to one of the chosen standards.")})
    overlap = overlap_compute(user=user, standards=standards)
    for group in overlap.groups:
        if any(member.pk == clause.pk for member in group.clauses):
            return group
    raise ValidationError({"clause": _("No requirement group holds this clause.")})


def group_disciplines(group: RequirementGroup, standards: Iterable[Standard]) -> list[str]:
    by_pk = {standard.pk: standard for standard in standards}
    found = {d for clause in group.clauses for d in (by_pk[clause.standard_id].disciplines or [])}
    return sorted(found) or [Discipline.QUALITY]


def skeleton(*, title: str, group: RequirementGroup, disciplines: list[str]) -> str:
    """The Markdown body of the draft: the headings every integrated procedure has, the clause table filled in."""
    lines = [
        f"# {title}",
        "",
        "## 1. Purpose",
        "",
        "_What this procedure achieves, for quality, the environment and health and safety at once._",
        "",
        "## 2. Scope",
        "",
        "_Sites, functions, activities and products covered; what is excluded and why._",
        "",
        "## 3. Responsibilities",
        "",
        "| Role | R / A / C / I | What the role does |",
        "|---|---|---|",
        "| Quality Manager | A | _…_ |",
        "| Process Owner | R | _…_ |",
        "",
        "## 4. Requirements fulfilled",
        "",
        "| Standard | Clause | Title |",
        "|---|---|---|",
    ]
    for standard, clauses in group.clauses_by_standard():
        for clause in clauses:
            lines.append(f"| {standard} | {clause.number} | {clause.title.replace('|', '/')} |")
    lines += ["", "## 5. Procedure", "", "1. _…_", ""]
    number = 6
    for discipline in (Discipline.QUALITY, Discipline.ENVIRONMENT, Discipline.OHS):
        if discipline in disciplines:
            heading, hint = IMPACT_SECTIONS[discipline]
            lines += [f"## {number}. {heading}", "", f"_{hint}_", ""]
            number += 1
    lines += [
        f"## {number}. Records",
        "",
        "| Record | Form | Retention | Kept in |",
        "|---|---|---|---|",
        "| _…_ | _…_ | _…_ | IMS portal |",
        "",
    ]
    return "\n".join(lines)


@transaction.atomic
def integrated_procedure_draft(
    *,
    actor,
    standards: list[Standard],
    clause: Clause,
    number: str,
    title: str,
    sites: Iterable,
    owner=None,
) -> ControlledDocument:
    """Create the draft integrated procedure for the group of ``clause`` and link it to each clause of the group."""
    group = group_find(user=actor, standards=standards, clause=clause)
    disciplines = group_disciplines(group, standards)
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": _("Give the procedure a title.")})
    document = document_services.document_create(
        actor=actor,
        number=number,
        title=title,
        doc_type=DocumentType.PROCEDURE,
        disciplines=disciplines,
        owner=owner or actor,
        sites=sites,
        body=skeleton(title=title, group=group, disciplines=disciplines),
    )
    clauses = Clause.objects.in_bulk([member.pk for member in group.clauses])
    for member in group.clauses:
        library.document_clause_add(
            actor=actor,
            document=document,
            clause=clauses[member.pk],
            note=_("Requirement group drafted as one integrated procedure"),
        )
    return document

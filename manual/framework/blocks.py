"""Live blocks of the IMS manual owned by the framework (registered in ``FrameworkConfig.ready()``):

- ``procedure_register``: the procedure register by harmonized clause (4–10) for the sites in scope — each
  procedure under the chapters whose clauses it fulfils, with its effective version and disciplines;
- ``monitoring_plan``: the monitoring and measurement plan of the processes at the sites (or of one process).

Each block shows only what the author may see and names one source per procedure or plan item, with a digest of
what was shown (effective version, title and clauses; the item's last change), so that the manual can say what
changed since approval.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from ims.documents.choices import Discipline, VersionStatus
from ims.documents.models import ControlledDocument, DocumentVersion
from manual.blockkit import digest, table
from manual.blocks import BlockContent, LiveBlock, Source, register_block
from processes.models import DocumentClause, Process

from .matrix import procedures_in_scope
from .selectors import monitoring_plan_rows

#: The harmonized structure (Annex SL) of ISO 9001, 14001 and 45001.
CHAPTERS = {
    "4": "Context of the organization",
    "5": "Leadership",
    "6": "Planning",
    "7": "Support",
    "8": "Operation",
    "9": "Performance evaluation",
    "10": "Improvement",
}
OTHER = "other"
HARMONIZED = re.compile(r"^(10|[4-9])(\.|$)")


def _site_ids(sites) -> list[int]:
    return [getattr(site, "pk", site) for site in sites or ()]


# --- The procedure register by clause -------------------------------------------------------------------


def procedure_register_render(*, user, sites, params) -> BlockContent:
    site_ids = _site_ids(sites)
    procedures = procedures_in_scope(user=user).filter(
        pk__in=ControlledDocument.sites.through.objects.filter(site_id__in=site_ids).values("controlleddocument_id")
    )
    documents = {
        pk: (number, title, disciplines)
        for pk, number, title, disciplines in procedures.values_list("pk", "number", "title", "disciplines")
    }
    versions = dict(
        DocumentVersion._base_manager.filter(
            document_id__in=list(documents), status=VersionStatus.EFFECTIVE
        ).values_list("document_id", "number")
    )
    links = (
        DocumentClause._base_manager.filter(is_active=True, document_id__in=list(documents))
        .order_by("clause__standard__code", "clause__position")
        .values_list("document_id", "clause__standard__code", "clause__standard__kind", "clause__number")
    )
    by_chapter: dict[str, dict[int, list[str]]] = {}
    shown: dict[int, list[str]] = {}
    for document_id, code, kind, number in links:
        match = HARMONIZED.match(number) if kind == "iso" else None
        chapter = match.group(1) if match else OTHER
        by_chapter.setdefault(chapter, {}).setdefault(document_id, []).append(f"{code} {number}")
        shown.setdefault(document_id, []).append(f"{code} {number}")
    labels = dict(Discipline.choices)
    rows = []
    for chapter in [*CHAPTERS, OTHER]:
        heading = f"{chapter} {CHAPTERS[chapter]}" if chapter in CHAPTERS else _("Regulations and guidance")
        for document_id, clauses in sorted(by_chapter.get(chapter, {}).items(), key=lambda i: documents[i[0]][0]):
            number, title, disciplines = documents[document_id]
            version = versions.get(document_id)
            rows.append(
                (
                    heading,
                    f"{number} · {title}",
                    f"v{version}" if version else _("not yet effective"),
                    "; ".join(clauses),
                    ", ".join(str(labels.get(d, d)) for d in disciplines),
                )
            )
    html = table(
        [_("Clause"), _("Procedure"), _("Version"), _("Requirements fulfilled"), _("Disciplines")],
        rows,
        empty=_("No procedure with clause links for the sites in scope."),
    )
    sources = tuple(
        Source(
            ref=f"documents.controlleddocument:{document_id}",
            label=f"{documents[document_id][0]} · {documents[document_id][1]}",
            digest=digest(versions.get(document_id), documents[document_id][1], sorted(clauses)),
        )
        for document_id, clauses in sorted(shown.items(), key=lambda i: documents[i[0]][0])
    )
    return BlockContent(html=html, sources=sources)


# --- The monitoring and measurement plan ------------------------------------------------------------------


def _process_param(*, user, params) -> int | None:
    value = (params or {}).get("process")
    if value in (None, ""):
        return None
    try:
        pk = int(value)
    except (TypeError, ValueError):
        raise ValidationError({"params": _("“%(v)s” is not a valid process.") % {"v": value}}) from None
    if not Process.objects.restrict(user, "view").filter(pk=pk).exists():
        raise ValidationError({"params": _("The process chosen for this block does not exist or you may not see it.")})
    return pk


def monitoring_plan_validate(*, user, sites, params) -> dict:
    pk = _process_param(user=user, params=params)
    return {} if pk is None else {"process": pk}


def monitoring_plan_render(*, user, sites, params) -> BlockContent:
    pk = _process_param(user=user, params=params)
    process = Process.objects.restrict(user, "view").filter(pk=pk).first() if pk else None
    items = monitoring_plan_rows(user=user, sites=None if process else _site_ids(sites), process=process)
    rows, sources = [], []
    for item in items:
        objective = item.objective
        kpi = f"{objective.title}: {item.measure}" if objective is not None else item.measure
        person = item.responsible_person
        responsible = f"{item.responsible_role.name} · {person.display_name}" if person else item.responsible_role.name
        rows.append(
            (
                f"{item.process.code} · {item.process.name}",
                kpi,
                item.method,
                item.get_frequency_display(),
                responsible,
                item.get_reported_to_display(),
            )
        )
        sources.append(
            Source(
                ref=f"framework.monitoringplanitem:{item.pk}",
                label=str(item),
                digest=digest(item.updated_at.isoformat(), objective.title if objective else "", item.process.name),
            )
        )
    html = table(
        [_("Process"), _("KPI and measure"), _("Method"), _("Frequency"), _("Responsible"), _("Reported to")],
        rows,
        empty=_("No monitoring plan for the sites in scope."),
    )
    return BlockContent(html=html, sources=tuple(sources))


def monitoring_plan_choices(*, user) -> list[tuple[str, str]]:
    processes = Process.objects.restrict(user, "view").filter(is_active=True).order_by("code")
    return [(str(pk), f"{code} · {name}") for pk, code, name in processes.values_list("pk", "code", "name")]


def blocks_register() -> None:
    from django.utils.translation import gettext_lazy as _

    register_block(
        LiveBlock(
            key="procedure_register",
            label=_("Procedure register by clause"),
            description=_("The procedures of the sites in scope under the harmonized clauses (4–10) they fulfil."),
            render=procedure_register_render,
            clause_hint="7",
        )
    )
    register_block(
        LiveBlock(
            key="monitoring_plan",
            label=_("Monitoring and measurement plan"),
            description=_("Per process: what is measured, how, how often, by whom and where it is reported."),
            render=monitoring_plan_render,
            validate=monitoring_plan_validate,
            param_name="process",
            param_label=_("Process (optional)"),
            param_choices=monitoring_plan_choices,
            clause_hint="9",
        )
    )

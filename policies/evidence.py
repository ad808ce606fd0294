"""The policies app's sections of an inspector's evidence pack: ``policy`` (the IMS policy and the objectives) and
``acknowledgements`` (who read and acknowledged the distributed versions).

Every read is of the pack's sites and period, without a user scope: the pack's sites were checked when a quality
manager asked for it. Each part is a bounded page of rows, read with a fixed number of queries.
"""

from __future__ import annotations

import html
import re

from django.db.models import F, Q, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from ims.documents.choices import DocumentType
from ims.documents.content import render_markdown
from ims.documents.models import ControlledDocument, DocumentVersion
from ims.documents.selectors import versions_in_force
from ims.esign.canonical import record_hash
from ims.esign.selectors import local_text, manifestation, signatures_by_record, viewer_timezone
from ims.reports.manifest import manifest_records
from ims.reports.registry import EvidenceSection, PackScope, SectionPart, register_section
from ims.reports.render import ROWS_PER_PART, page_slice, paged_keys, render_by_prefix, table_html

from . import coverage
from .choices import ObjectiveLevel
from .models import Acknowledgement, AcknowledgementStatus, Distribution, Objective, ObjectiveReading, Responsibility

POLICY_CODE = "policy"
POLICY_TITLE = "IMS policy and objectives"
ACKNOWLEDGEMENT_CODE = "acknowledgements"
ACKNOWLEDGEMENT_TITLE = "Acknowledgement coverage"

#: Policy versions per part: each shows its heading, a summary of its text and its signatures.
POLICIES_PER_PART = 25
OBJECTIVES_PER_PART = COVERAGE_PER_PART = TASKS_PER_PART = ROWS_PER_PART
#: Characters of a policy's text shown as its summary.
SUMMARY_CHARS = 700
POLICY_PREFIX, OBJECTIVE_PREFIX = "policies-", "objectives-"
COVERAGE_PREFIX, TASK_PREFIX = "coverage-", "acknowledgements-"
HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(?P<text>.+?)\s*#*\s*$")


def _span(window: slice, count: int) -> str:
    return f" {window.start + 1}–{window.start + count}" if count else ""


# --- IMS policy and objectives ------------------------------------------------------------------------------------


def scope_policies(scope: PackScope) -> QuerySet:
    """The policy versions in force at the scope's sites during its period."""
    return versions_in_force(site_ids=scope.site_ids, start=scope.period_start_dt, end=scope.period_end_dt).filter(
        document__doc_type=DocumentType.POLICY
    )


def scope_objectives(scope: PackScope) -> QuerySet:
    """The objectives of the scope's sites and of the company that run during some of its period, in cascade order."""
    return Objective._base_manager.filter(
        Q(site_id__in=scope.site_ids) | Q(site__isnull=True),
        start_date__lte=scope.period_end,
        due_date__gte=scope.period_start,
    ).order_by(
        F("site__code").asc(nulls_first=True),
        F("function__name").asc(nulls_first=True),
        "due_date",
        "title",
        "pk",
    )


def policy_heading_and_summary(body: str, *, length: int = SUMMARY_CHARS) -> tuple[str, str]:
    """The first Markdown heading of ``body`` and the start of the text after it, as plain text."""
    lines = body.splitlines()
    heading = ""
    for index, line in enumerate(lines):
        found = HEADING.match(line)
        if found:
            heading = found.group("text")
            del lines[index]
            break
    text = " ".join(html.unescape(strip_tags(render_markdown("\n".join(lines)))).split())
    return heading, Truncator(text).chars(length)


def policy_parts(scope: PackScope) -> list[str]:
    return paged_keys(scope_policies(scope).count(), per_part=POLICIES_PER_PART, prefix=POLICY_PREFIX) + paged_keys(
        scope_objectives(scope).count(), per_part=OBJECTIVES_PER_PART, prefix=OBJECTIVE_PREFIX
    )


def _policies_render(scope: PackScope, key: str) -> SectionPart:
    window = page_slice(key, per_part=POLICIES_PER_PART, prefix=POLICY_PREFIX)
    versions = list(scope_policies(scope).select_related("document__owner")[window])
    tz = viewer_timezone(scope.viewer())
    signatures = signatures_by_record(DocumentVersion, [v.pk for v in versions])
    entries = []
    for version in versions:
        heading, summary = policy_heading_and_summary(version.body)
        ended = version.superseded_at or version.retired_at
        entries.append(
            {
                "version": version,
                "document": version.document,
                "heading": heading or version.document.title,
                "summary": summary,
                "in_force_until": local_text(ended, tz) if ended else _("in force"),
                "signatures": [
                    {
                        "manifestation": manifestation(
                            signature, tz=tz, current_hash=record_hash(version, meaning=signature.meaning)
                        ),
                        "local": local_text(signature.signed_at, tz),
                    }
                    for signature in signatures.get(str(version.pk), [])
                ],
            }
        )
    body = render_to_string(
        "policies/evidence/policies.html",
        {"entries": entries, "scope": scope, "zone": tz.key, "span": _span(window, len(versions))},
    )
    documents = list({v.document_id: v.document for v in versions}.values())
    return SectionPart(
        title=_("Policies") + _span(window, len(versions)),
        html=body,
        records=manifest_records(documents) + manifest_records(versions, version_field="number"),
    )


def objective_level(objective: Objective) -> str:
    if objective.level == ObjectiveLevel.COMPANY:
        return str(ObjectiveLevel.COMPANY.label)
    if objective.level == ObjectiveLevel.SITE:
        return objective.site.code
    return f"{objective.site.code} · {objective.function.name}"


def _objectives_render(scope: PackScope, key: str) -> SectionPart:
    window = page_slice(key, per_part=OBJECTIVES_PER_PART, prefix=OBJECTIVE_PREFIX)
    objectives = list(scope_objectives(scope).select_related("site", "function", "owner", "parent")[window])
    readings = list(
        ObjectiveReading._base_manager.filter(
            objective_id__in=[o.pk for o in objectives],
            is_void=False,
            period_end__gte=scope.period_start,
            period_end__lte=scope.period_end,
        )
        .order_by("objective_id", "-period_end", "-pk")
        .distinct("objective_id")
    )
    latest = {r.objective_id: r for r in readings}
    rows = []
    for objective in objectives:
        reading = latest.get(objective.pk)
        unit = f" {objective.unit}" if objective.unit else ""
        rows.append(
            [
                objective_level(objective),
                objective.title,
                objective.parent.title if objective.parent_id else "—",
                objective.kpi,
                objective.target_display(),
                f"{reading.value.normalize():f}{unit} ({reading.period_end:%Y-%m-%d})" if reading else "—",
                objective.owner.display_name,
                objective.start_date.isoformat(),
                objective.due_date.isoformat(),
                objective.get_status_display(),
            ]
        )
    body = table_html(
        title=_("Objectives") + _span(window, len(objectives)),
        lead=_(
            "Company objectives and the objectives of the pack's sites and their functions that ran during "
            "%(start)s – %(end)s, in cascade order; the latest reading is the newest valid one of the period."
        )
        % {"start": scope.period_start, "end": scope.period_end},
        columns=[
            _("Level"),
            _("Objective"),
            _("Contributes to"),
            _("KPI"),
            _("Target"),
            _("Latest reading"),
            _("Owner"),
            _("Start"),
            _("Due"),
            _("Status"),
        ],
        rows=rows,
        empty=_("No objective ran at these sites in this period."),
    )
    return SectionPart(
        title=_("Objectives") + _span(window, len(objectives)),
        html=body,
        records=manifest_records(objectives) + manifest_records(readings),
    )


def policy_render(scope: PackScope, key: str) -> SectionPart:
    renderers = {POLICY_PREFIX: _policies_render, OBJECTIVE_PREFIX: _objectives_render}
    return render_by_prefix(renderers, scope, key, section=POLICY_CODE)


# --- Acknowledgement coverage -------------------------------------------------------------------------------------


def policy_included(scope: PackScope) -> list[QuerySet]:
    versions = scope_policies(scope)
    objectives = scope_objectives(scope)
    latest_readings = (
        ObjectiveReading._base_manager.filter(
            objective__in=objectives.values("pk"),
            is_void=False,
            period_end__gte=scope.period_start,
            period_end__lte=scope.period_end,
        )
        .order_by("objective_id", "-period_end", "-pk")
        .distinct("objective_id")
    )
    readings = ObjectiveReading._base_manager.filter(pk__in=latest_readings.values("pk"))
    documents = ControlledDocument._base_manager.filter(pk__in=versions.values("document_id"))
    return [documents, versions, objectives, readings]


def scope_coverage(scope: PackScope) -> QuerySet:
    """Per effective version × site: the live tasks' states today, for versions distributed by the period's end."""
    return coverage.coverage_by_version_and_site(site_ids=scope.site_ids, distributed_before=scope.period_end_dt)


def scope_acknowledgements(scope: PackScope) -> QuerySet:
    """The read-and-acknowledge tasks asked at the scope's sites during its period (whatever their state now)."""
    return Acknowledgement._base_manager.filter(
        site_id__in=scope.site_ids, created_at__gte=scope.period_start_dt, created_at__lt=scope.period_end_dt
    ).order_by(
        "version__document__number", "version__number", "site__code", "person__last_name", "person__first_name", "pk"
    )


def acknowledgement_parts(scope: PackScope) -> list[str]:
    coverage_keys = paged_keys(scope_coverage(scope).count(), per_part=COVERAGE_PER_PART, prefix=COVERAGE_PREFIX)
    task_keys = paged_keys(scope_acknowledgements(scope).count(), per_part=TASKS_PER_PART, prefix=TASK_PREFIX)
    return coverage_keys + task_keys


def _coverage_render(scope: PackScope, key: str) -> SectionPart:
    window = page_slice(key, per_part=COVERAGE_PER_PART, prefix=COVERAGE_PREFIX)
    rows = [coverage.coverage_row(row) for row in scope_coverage(scope)[window]]
    distributions = list(
        Distribution._base_manager.filter(version_id__in={row["version_id"] for row in rows}).order_by("pk")
    )
    body = table_html(
        title=_("Coverage per version and site") + _span(window, len(rows)),
        lead=_(
            "The people asked to read and acknowledge each effective version at the pack's sites (distributed by "
            "%(end)s), and their state on %(today)s."
        )
        % {"end": scope.period_end, "today": timezone.localdate()},
        columns=[
            _("Version"),
            _("Title"),
            _("Site"),
            (_("In scope"), True),
            (_("Acknowledged"), True),
            (_("Read, not signed"), True),
            (_("Not started"), True),
            (_("Overdue"), True),
            (_("%"), True),
        ],
        rows=[
            [
                f"{row['version__document__number']} v{row['version__number']}",
                row["version__document__title"],
                row["site__code"],
                row["total"],
                row["acknowledged"],
                row["in_progress"],
                row["not_started"],
                row["overdue"],
                "—" if row["percent"] is None else f"{row['percent']:.1f} %",
            ]
            for row in rows
        ],
        empty=_("No version distributed for acknowledgement at these sites."),
    )
    return SectionPart(
        title=_("Coverage") + _span(window, len(rows)), html=body, records=manifest_records(distributions)
    )


def acknowledgement_state_label(task: Acknowledgement) -> str:
    if task.status == AcknowledgementStatus.CANCELLED:
        return f"{AcknowledgementStatus.CANCELLED.label} ({task.get_cancel_reason_display()})"
    return str(dict(coverage.STATES)[task.state])


def _tasks_render(scope: PackScope, key: str) -> SectionPart:
    window = page_slice(key, per_part=TASKS_PER_PART, prefix=TASK_PREFIX)
    tasks = list(
        scope_acknowledgements(scope).select_related("person", "site", "function", "version__document", "signature")[
            window
        ]
    )
    rows = []
    for task in tasks:
        tz = task.site.tzinfo
        signature = task.signature
        rows.append(
            [
                f"{task.version.document.number} v{task.version.number}",
                f"{task.person.display_name} ({task.person.employee_id})",
                f"{task.site.code} · {task.function.name}",
                local_text(task.created_at, tz),
                task.due_date.isoformat(),
                acknowledgement_state_label(task),
                local_text(task.acknowledged_at, tz) or "—",
                f"{signature.signer_name} · {signature.get_meaning_display()}" if signature else "—",
            ]
        )
    body = table_html(
        title=_("Acknowledgements") + _span(window, len(tasks)),
        lead=_(
            "Every read-and-acknowledge task asked at the pack's sites between %(start)s and %(end)s, with its "
            "state today; times in the site's time zone."
        )
        % {"start": scope.period_start, "end": scope.period_end},
        columns=[
            _("Version"),
            _("Person (employee ID)"),
            _("Site · function"),
            _("Asked"),
            _("Due"),
            _("State"),
            _("Signed at"),
            _("Signature"),
        ],
        rows=rows,
        empty=_("No acknowledgement was asked at these sites in this period."),
    )
    return SectionPart(
        title=_("Acknowledgements") + _span(window, len(tasks)), html=body, records=manifest_records(tasks)
    )


def acknowledgement_included(scope: PackScope) -> list[QuerySet]:
    """The distributions of the versions the coverage counts, and the tasks asked in the period."""
    counted = coverage.tasks_at_sites(site_ids=scope.site_ids, distributed_before=scope.period_end_dt)
    distributions = Distribution._base_manager.filter(version_id__in=counted.values("version_id"))
    return [distributions, scope_acknowledgements(scope)]


def acknowledgement_render(scope: PackScope, key: str) -> SectionPart:
    renderers = {COVERAGE_PREFIX: _coverage_render, TASK_PREFIX: _tasks_render}
    return render_by_prefix(renderers, scope, key, section=ACKNOWLEDGEMENT_CODE)


def register() -> None:
    register_section(
        EvidenceSection(
            code=POLICY_CODE,
            title=POLICY_TITLE,
            order=10,
            models=(
                ControlledDocument._meta.label_lower,
                DocumentVersion._meta.label_lower,
                Objective._meta.label_lower,
                ObjectiveReading._meta.label_lower,
                Responsibility._meta.label_lower,
            ),
            parts=policy_parts,
            render=policy_render,
            description=(
                "The IMS policies in force at the pack's sites during the period (heading, summary, signatures) "
                "and the company, site and function objectives that ran during it, with their latest reading."
            ),
            pages=(
                ("Policies", "policies:document_list"),
                ("Objectives", "policies:objective_list"),
                ("Objective roll-up", "policies:objective_tree"),
                ("Objective readings", "policies:reading_list"),
                ("Roles and responsibilities", "policies:raci_matrix"),
            ),
            period_lookups={ObjectiveReading._meta.label_lower: "period_end"},
            included=policy_included,
        )
    )
    register_section(
        EvidenceSection(
            code=ACKNOWLEDGEMENT_CODE,
            title=ACKNOWLEDGEMENT_TITLE,
            order=30,
            models=(Distribution._meta.label_lower, Acknowledgement._meta.label_lower),
            parts=acknowledgement_parts,
            render=acknowledgement_render,
            description=(
                "Coverage of read-and-acknowledge per effective version and site (people in scope, acknowledged, "
                "overdue, %), then every acknowledgement task asked at the pack's sites during the period."
            ),
            pages=(("Acknowledgement coverage", "policies:coverage"),),
            period_lookups={Acknowledgement._meta.label_lower: "created_at"},
            included=acknowledgement_included,
        )
    )

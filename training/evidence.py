"""The training section of an inspector's evidence pack (``training``): the matrix summary per site, then the
training records completed at the pack's sites during its period, narrowed to the people and courses the pack
names (options ``training.people`` and ``training.courses``).

No user scope: the pack's sites were checked when a quality manager asked for it.
"""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from ims.esign.selectors import local_text
from ims.reports.manifest import manifest_records
from ims.reports.registry import EvidenceSection, OptionReferences, PackScope, SectionPart, register_section
from ims.reports.render import ROWS_PER_PART, page_slice, paged_keys, table_html

from .choices import AssignmentStatus
from .matrix import compliance_summary
from .models import (
    AssessmentSettings,
    Assignment,
    Attempt,
    AttemptAnswer,
    Attendance,
    Choice,
    Course,
    CourseMaterial,
    Curriculum,
    Question,
    SignerQualification,
    TrainingRecord,
    TrainingRequirement,
    TrainingSession,
)

SECTION_CODE = "training"
SECTION_TITLE = "Training matrix and records"
PEOPLE_OPTION, COURSES_OPTION = "training.people", "training.courses"
SUMMARY_KEY = "summary"
RECORD_PREFIX = "records-"
RECORDS_PER_PART = ROWS_PER_PART


def scope_records(scope: PackScope) -> QuerySet:
    """The training records completed at the scope's sites in its period (of its people and courses, if named)."""
    records = TrainingRecord._base_manager.filter(
        site_id__in=scope.site_ids, completed_on__gte=scope.period_start, completed_on__lte=scope.period_end
    )
    if people := scope.option(PEOPLE_OPTION):
        records = records.filter(person_id__in=people)
    if courses := scope.option(COURSES_OPTION):
        records = records.filter(course_id__in=courses)
    return records.order_by("completed_on", "site__code", "person__last_name", "person__first_name", "pk")


def people_references(references, site_ids) -> dict[str, int]:
    """Employee IDs or user names of people who are or were members of the sites → their ids."""
    from ims.org.models import Person

    wanted = [r.strip() for r in references]
    people = Person._base_manager.filter(
        Q(employee_id__in=wanted) | Q(username__in=wanted), memberships__site_id__in=list(site_ids)
    ).distinct()
    found = {}
    for pk, employee_id, username in people.values_list("pk", "employee_id", "username"):
        for reference in references:
            if reference.strip() in (employee_id, username):
                found[reference] = pk
    return found


def course_references(references, site_ids) -> dict[str, int]:
    """Codes (any case) of the courses of the sites → their ids."""
    wanted = {r.strip().upper(): r for r in references}
    found = Course._base_manager.filter(code__in=list(wanted), sites__in=list(site_ids)).distinct()
    return {wanted[code]: pk for code, pk in found.values_list("code", "pk")}


def people_described(ids) -> list[str]:
    from ims.org.models import Person

    people = Person._base_manager.filter(pk__in=list(ids)).order_by("last_name", "first_name", "pk")
    return [f"{p.display_name} ({p.employee_id or p.username})" for p in people]


def courses_described(ids) -> list[str]:
    return list(Course._base_manager.filter(pk__in=list(ids)).order_by("code").values_list("code", flat=True))


def training_included(scope: PackScope) -> list[QuerySet]:
    return [scope_records(scope)]


def training_parts(scope: PackScope) -> list[str]:
    return [SUMMARY_KEY, *paged_keys(scope_records(scope).count(), per_part=RECORDS_PER_PART, prefix=RECORD_PREFIX)]


def _counts_by_site(queryset: QuerySet, **counts) -> dict[int, dict]:
    return {row["site_id"]: row for row in queryset.order_by().values("site_id").annotate(**counts)}


def _summary_render(scope: PackScope) -> SectionPart:
    from ims.org.models import Site

    today = timezone.localdate()
    sites = list(Site._base_manager.filter(pk__in=scope.site_ids).order_by("code"))
    requirements = _counts_by_site(
        TrainingRequirement._base_manager.filter(site_id__in=scope.site_ids, is_active=True), n=Count("pk")
    )
    assignments = _counts_by_site(
        Assignment._base_manager.filter(
            site_id__in=scope.site_ids, due_date__gte=scope.period_start, due_date__lte=scope.period_end
        ).exclude(status=AssignmentStatus.CANCELLED),
        due=Count("pk"),
        completed=Count("pk", filter=Q(status=AssignmentStatus.COMPLETED)),
        overdue=Count("pk", filter=Q(status=AssignmentStatus.OPEN, due_date__lt=today)),
    )
    records = _counts_by_site(
        TrainingRecord._base_manager.filter(
            site_id__in=scope.site_ids, completed_on__gte=scope.period_start, completed_on__lte=scope.period_end
        ),
        n=Count("pk"),
    )
    compliance = {
        row["site_id"]: row for row in compliance_summary(site_ids=[s.pk for s in sites], on=today)["by_site"]
    }
    rows = []
    for site in sites:
        due = assignments.get(site.pk, {})
        figures = compliance.get(site.pk, {})
        percent = figures.get("percent")
        rows.append(
            [
                site.code,
                requirements.get(site.pk, {}).get("n", 0),
                due.get("due", 0),
                due.get("completed", 0),
                due.get("overdue", 0),
                records.get(site.pk, {}).get("n", 0),
                "—"
                if percent is None
                else _("%(percent).1f %% (%(current)s of %(required)s)")
                % {"percent": percent, "current": figures["current"], "required": figures["required"]},
            ]
        )
    html = table_html(
        title=_("Training matrix per site"),
        lead=_(
            "Active requirements; the assignments due between %(start)s and %(end)s, how many were completed and "
            "how many are open past their due date; the training records completed in the period; and the "
            "compliance of the matrix on %(today)s (the required trainings that are current)."
        )
        % {"start": scope.period_start, "end": scope.period_end, "today": today},
        columns=[
            _("Site"),
            (_("Requirements"), True),
            (_("Assignments due"), True),
            (_("Completed"), True),
            (_("Overdue"), True),
            (_("Records in period"), True),
            (_("Compliance now"), True),
        ],
        rows=rows,
    )
    return SectionPart(title=_("Training matrix per site"), html=html)


def _result(record: TrainingRecord) -> str:
    parts = [record.get_method_display()]
    if record.score is not None:
        parts.append(f"{record.score.normalize():f} %")
    if record.valid_until:
        parts.append(_("valid until %(day)s") % {"day": record.valid_until.isoformat()})
    return " · ".join(parts)


def _trainer(record: TrainingRecord, tz) -> str:
    names = []
    if record.trainer_id:
        names.append(_("Trainer: %(name)s") % {"name": record.trainer.display_name})
    if record.verified_by_id:
        names.append(
            _("Verified by %(name)s, %(at)s")
            % {"name": record.verified_by.display_name, "at": local_text(record.verified_at, tz)}
        )
    return "; ".join(names) or "—"


def _records_render(scope: PackScope, key: str) -> SectionPart:
    window = page_slice(key, per_part=RECORDS_PER_PART, prefix=RECORD_PREFIX)
    records = list(
        scope_records(scope).select_related(
            "person", "course", "site", "document_version__document", "trainer", "verified_by", "signature"
        )[window]
    )
    rows = []
    for record in records:
        tz = record.site.tzinfo
        signature = record.signature
        rows.append(
            [
                record.person.display_name,
                record.person.employee_id,
                record.site.code,
                f"{record.course.code} · {record.course.title}",
                str(record.document_version) if record.document_version_id else "—",
                record.completed_on.isoformat(),
                (f"{signature.signer_name} · {signature.get_meaning_display()} · {local_text(signature.signed_at, tz)}")
                if signature
                else _("not signed"),
                _trainer(record, tz),
                _result(record),
            ]
        )
    span = f" {window.start + 1}–{window.start + len(records)}" if records else ""
    narrowed = []
    if scope.option(PEOPLE_OPTION):
        narrowed.append(_("the people chosen"))
    if scope.option(COURSES_OPTION):
        narrowed.append(_("the courses chosen"))
    html = table_html(
        title=_("Training records") + span,
        lead=_(
            "Training completed at the pack's sites between %(start)s and %(end)s%(narrowed)s; "
            "times in the time zone of the record's site."
        )
        % {
            "start": scope.period_start,
            "end": scope.period_end,
            "narrowed": (_(", of %(what)s") % {"what": _(" and ").join(narrowed)}) if narrowed else "",
        },
        columns=[
            _("Person"),
            _("Employee ID"),
            _("Site"),
            _("Course"),
            _("Document version"),
            _("Completed on"),
            _("Signature"),
            _("Trainer / verification"),
            _("Result"),
        ],
        rows=rows,
        empty=_("No training record was completed at these sites in this period."),
    )
    return SectionPart(title=_("Training records") + span, html=html, records=manifest_records(records))


def training_render(scope: PackScope, key: str) -> SectionPart:
    if key == SUMMARY_KEY:
        return _summary_render(scope)
    if key.startswith(RECORD_PREFIX):
        return _records_render(scope, key)
    raise ValueError(f"unknown part {key!r}")


def register() -> None:
    register_section(
        EvidenceSection(
            code=SECTION_CODE,
            title=SECTION_TITLE,
            order=40,
            models=tuple(
                model._meta.label_lower
                for model in (
                    TrainingRecord,
                    Assignment,
                    TrainingRequirement,
                    Course,
                    CourseMaterial,
                    Curriculum,
                    TrainingSession,
                    Attendance,
                    Attempt,
                    AttemptAnswer,
                    Question,
                    Choice,
                    AssessmentSettings,
                    SignerQualification,
                )
            ),
            parts=training_parts,
            render=training_render,
            description=(
                "The training matrix per site (requirements, assignments due in the period, completed, overdue, "
                "compliance today), then the training records completed at the pack's sites in the period with "
                "their signatures, trainers and results."
            ),
            pages=(
                ("Training matrix", "training:matrix"),
                ("Training compliance", "training:compliance"),
                ("Training records", "training:record_list"),
                ("Assignments", "training:assignment_list"),
                ("Requirements", "training:requirement_list"),
                ("Courses", "training:course_list"),
                ("Sessions", "training:session_list"),
            ),
            option_labels={PEOPLE_OPTION: "People", COURSES_OPTION: "Courses"},
            option_references={
                PEOPLE_OPTION: OptionReferences(
                    help_text="Employee IDs or user names; only their training records are listed.",
                    resolve=people_references,
                    describe=people_described,
                ),
                COURSES_OPTION: OptionReferences(
                    help_text="Course codes; only the records of these courses are listed.",
                    resolve=course_references,
                    describe=courses_described,
                ),
            },
            included=training_included,
            period_lookups={
                TrainingRecord._meta.label_lower: "completed_on",
                Assignment._meta.label_lower: "due_date",
                TrainingSession._meta.label_lower: "starts_at",
                Attendance._meta.label_lower: "session__starts_at",
                Attempt._meta.label_lower: "started_at",
                AttemptAnswer._meta.label_lower: "attempt__started_at",
            },
        )
    )

"""Tables of the training pages. Related rows come from the views' select/prefetch: no query per row."""

from __future__ import annotations

import django_tables2 as tables
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from ims.web.tables import OPTIONAL, BaseTable
from ims.web.templatetags.ims_ui import active_badge, status_pill

from .choices import AssignmentStatus
from .models import Assignment, Course, CourseMaterial, Curriculum, TrainingRecord, TrainingRequirement

STATUS_STYLE = {
    AssignmentStatus.OPEN: "info",
    AssignmentStatus.COMPLETED: "success",
    AssignmentStatus.CANCELLED: "muted",
}
END = {"td": {"class": "text-end"}, "th": {"class": "text-end"}}


def site_badges(sites):
    return format_html_join(" ", '<span class="badge site-badge">{}</span>', ((s.code,) for s in sites))


def assignment_pill(assignment: Assignment):
    if assignment.status == AssignmentStatus.OPEN and assignment.due_date < timezone.localdate():
        return status_pill("danger", _("Overdue"))
    status = AssignmentStatus(assignment.status)
    return status_pill(STATUS_STYLE[status], status.label)


class CourseTable(BaseTable):
    code = tables.Column(linkify=True, attrs={"td": {"class": "fw-semibold text-nowrap"}})
    title = tables.Column(linkify=True)
    sites = tables.Column(empty_values=(), orderable=False, verbose_name=_("Sites"))
    duration_minutes = tables.Column(verbose_name=_("Minutes"), attrs=END)
    has_assessment = tables.BooleanColumn(verbose_name=_("Assessment"), attrs=OPTIONAL)
    requires_practical = tables.BooleanColumn(verbose_name=_("Practical"), attrs=OPTIONAL)
    is_active = tables.Column(verbose_name=_("Status"))

    class Meta(BaseTable.Meta):
        model = Course
        fields = ("code", "title", "sites", "duration_minutes", "has_assessment", "requires_practical", "is_active")

    def render_sites(self, record):
        return site_badges(record.sites.all())

    def render_is_active(self, value):
        return active_badge(value)


class CourseMaterialTable(BaseTable):
    title = tables.Column(
        linkify=("training:material_detail", [tables.A("pk")]), attrs={"td": {"class": "fw-semibold"}}
    )
    course = tables.Column(linkify=True, order_by=("course__code",))
    kind = tables.Column(empty_values=(), orderable=False, verbose_name=_("Kind"))
    is_active = tables.Column(verbose_name=_("Status"))

    class Meta(BaseTable.Meta):
        model = CourseMaterial
        fields = ("title", "course", "kind", "is_active")

    def render_kind(self, record):
        return _("File") if record.file else _("Link")

    def render_is_active(self, value):
        return active_badge(value)


class CurriculumTable(BaseTable):
    code = tables.Column(linkify=True, attrs={"td": {"class": "fw-semibold text-nowrap"}})
    title = tables.Column(linkify=True)
    sites = tables.Column(empty_values=(), orderable=False, verbose_name=_("Sites"))
    course_count = tables.Column(verbose_name=_("Courses"), attrs=END)
    is_active = tables.Column(verbose_name=_("Status"))

    class Meta(BaseTable.Meta):
        model = Curriculum
        fields = ("code", "title", "sites", "course_count", "is_active")

    def render_sites(self, record):
        return site_badges(record.sites.all())

    def render_is_active(self, value):
        return active_badge(value)


class TrainingRequirementTable(BaseTable):
    id = tables.Column(linkify=True, verbose_name=_("#"))
    site = tables.Column(order_by=("site__code",), accessor="site__code", verbose_name=_("Site"))
    function = tables.Column(order_by=("function__name",), default=_("All functions"))
    role = tables.Column(order_by=("role__name",), default=_("All roles"))
    training = tables.Column(empty_values=(), orderable=False, verbose_name=_("Course or curriculum"))
    recurrence_months = tables.Column(verbose_name=_("Every (months)"), default="—", attrs=OPTIONAL)
    grace_days = tables.Column(verbose_name=_("Days to complete"), attrs=OPTIONAL)
    is_active = tables.Column(verbose_name=_("Status"))

    class Meta(BaseTable.Meta):
        model = TrainingRequirement
        fields = ("id", "site", "function", "role", "training", "recurrence_months", "grace_days", "is_active")

    def render_training(self, record):
        return str(record.course or record.curriculum)

    def render_is_active(self, value):
        return active_badge(value)


class AssignmentTable(BaseTable):
    course = tables.Column(linkify=lambda record: record.get_absolute_url(), order_by=("course__code",))
    person = tables.Column(order_by=("person__last_name", "person__first_name"))
    site = tables.Column(accessor="site__code", order_by=("site__code",), verbose_name=_("Site"))
    reason = tables.Column(attrs=OPTIONAL)
    due_date = tables.DateColumn(verbose_name=_("Due"))
    status = tables.Column()

    class Meta(BaseTable.Meta):
        model = Assignment
        fields = ("course", "person", "site", "reason", "due_date", "status")

    def render_course(self, record):
        return str(record.course)

    def render_status(self, record):
        return assignment_pill(record)


class TrainingRecordTable(BaseTable):
    completed_on = tables.DateColumn(linkify=True, verbose_name=_("Completed"))
    course = tables.Column(order_by=("course__code",))
    person = tables.Column(order_by=("person__last_name", "person__first_name"))
    site = tables.Column(accessor="site__code", order_by=("site__code",), verbose_name=_("Site"))
    method = tables.Column(attrs=OPTIONAL)
    score = tables.Column(attrs=OPTIONAL, default="—")
    valid_until = tables.DateColumn(verbose_name=_("Valid until"), default=_("No expiry"), attrs=OPTIONAL)
    signed = tables.Column(empty_values=(), orderable=False, verbose_name=_("Signed"))

    class Meta(BaseTable.Meta):
        model = TrainingRecord
        fields = ("completed_on", "course", "person", "site", "method", "score", "valid_until", "signed")

    def render_signed(self, record):
        if record.signature_id:
            return format_html('<i class="bi bi-pen text-success" title="{}"></i>', _("Signed “trained”"))
        return status_pill("warning", _("Not signed"))

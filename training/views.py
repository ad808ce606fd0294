"""Training catalogue, requirement, assignment and record pages: thin subclasses of the generic views.

Every write calls ``training.catalogue`` (courses, materials, curricula) or ``training.services`` (requirements,
manual assignments, withdrawals), which reconcile the assignments. Reads go through ``restrict()``; a person also
sees their own assignments and records, whatever their role lets them see of their colleagues'.
"""

from __future__ import annotations

from collections import defaultdict

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from ims.access.permissions import user_can, user_sites
from ims.audit.context import audit_context
from ims.documents.uploads import download_response, kind_of_name
from ims.web.links import may_open
from ims.web.views import (
    ObjectDeactivateView,
    ObjectDetailView,
    ObjectEditView,
    ObjectListView,
    ScopedViewMixin,
    apply_validation_error,
)

from . import catalogue, services
from .assignments import required_rows
from .choices import AssignmentStatus
from .filtersets import (
    AssignmentFilterSet,
    CourseFilterSet,
    CourseMaterialFilterSet,
    CurriculumFilterSet,
    TrainingRecordFilterSet,
    TrainingRequirementFilterSet,
)
from .forms import (
    AssignmentForm,
    AssignmentWithdrawForm,
    CourseForm,
    CourseMaterialForm,
    CurriculumForm,
    TrainingRequirementForm,
)
from .models import Assignment, Course, CourseMaterial, Curriculum, TrainingRecord, TrainingRequirement
from .tables import (
    AssignmentTable,
    CourseMaterialTable,
    CourseTable,
    CurriculumTable,
    TrainingRecordTable,
    TrainingRequirementTable,
    assignment_pill,
)

CATALOGUE_ACTIONS = (
    (gettext_lazy("Curricula"), "training:curriculum_list", "collection"),
    (gettext_lazy("Materials"), "training:material_list", "paperclip"),
    (gettext_lazy("Requirements"), "training:requirement_list", "diagram-2"),
)
PEOPLE_SHOWN = 20


class PageUrlsMixin:
    url_base = ""
    deactivate_page = "deactivate"
    edit_page = "edit"

    def page_urls(self, obj=None) -> dict:
        urls = {
            "list_url": reverse(f"training:{self.url_base}_list"),
            "list_label": str(self.model._meta.verbose_name_plural).capitalize(),
        }
        if obj is not None and obj.pk:
            if self.edit_page:
                urls["edit_url"] = reverse(f"training:{self.url_base}_{self.edit_page}", args=[obj.pk])
            if self.deactivate_page:
                urls["deactivate_url"] = reverse(f"training:{self.url_base}_{self.deactivate_page}", args=[obj.pk])
        return urls


class DetailPageMixin(PageUrlsMixin):
    detail_fields: tuple[str, ...] = ()
    icon = "card-text"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        obj = kwargs["object"]
        context.update(self.page_urls(obj))
        context.update({"detail_fields": self.detail_fields, "icon": self.icon})
        if hasattr(obj, "is_active"):
            context.update({"has_status": True, "is_active": obj.is_active})
        return context


class EditPageMixin(PageUrlsMixin):
    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(self.page_urls())
        context["cancel_url"] = self.object.get_absolute_url() if self.object else context["list_url"]
        return context


class OwnRowsMixin:
    """Detail pages of assignments and records: the rows one may view, and one's own."""

    def get_queryset(self, action: str | None = None):
        visible = super().get_queryset(action)
        if (action or self.action) != "view":
            return visible
        return self.queryset.filter(Q(person_id=self.request.user.pk) | Q(pk__in=visible.values("pk")))


# --- Courses ----------------------------------------------------------------------------------------------------


class CourseListView(ObjectListView):
    queryset = Course.objects.prefetch_related("sites")
    table_class = CourseTable
    filterset_class = CourseFilterSet
    export_fields = (
        "id",
        "code",
        "title",
        "duration_minutes",
        "has_assessment",
        "requires_practical",
        "is_active",
        "created_at",
    )
    add_url_name = "training:course_add"
    extra_actions = CATALOGUE_ACTIONS


class CourseDetailView(DetailPageMixin, ObjectDetailView):
    queryset = Course.objects.prefetch_related("sites", "documents")
    template_name = "training/course_detail.html"
    url_base = "course"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        course = kwargs["object"]
        user = self.request.user
        context.update(
            {
                "materials": course.materials.order_by("-is_active", "title"),
                "documents": course.documents.all(),
                "curricula": Curriculum.objects.restrict(user, "view").filter(courses=course),
                "requirements": TrainingRequirement.objects.restrict(user, "view")
                .filter(Q(course=course) | Q(curriculum__courses=course))
                .select_related("site", "function", "role", "course", "curriculum")
                .distinct(),
                "can_add_material": user_can(user, "change", course),
                "can_add_requirement": may_open(user, "training:requirement_add"),
                **course_people(user=user, course=course),
            }
        )
        return context


def course_people(*, user, course: Course) -> dict:
    """Who must take ``course`` at the sites where ``user`` may view assignments: required, current, assigned."""
    sites = {s.pk: s for s in user_sites(user, "training.view_assignment")}
    if not sites:
        return {"people_visible": False}
    today = timezone.localdate()
    required: dict[int, set[int]] = defaultdict(set)
    for person_id, _course, site_id, *_rest in required_rows(on=today, course_ids=[course.pk]):
        if site_id in sites:
            required[site_id].add(person_id)
    open_rows = Assignment.objects.restrict(user, "view").filter(course=course, status=AssignmentStatus.OPEN)
    counts = {
        row["site_id"]: row
        for row in open_rows.values("site_id").annotate(
            open=Count("pk"), overdue=Count("pk", filter=Q(due_date__lt=today))
        )
    }
    open_people = set(open_rows.values_list("person_id", flat=True))
    everyone = set().union(*required.values()) if required else set()
    records = TrainingRecord._base_manager.filter(course=course, person_id__in=everyone, signature__isnull=False)
    records = records.filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today))
    if course.requires_practical:
        records = records.filter(verified_at__isnull=False)
    trained = set(records.values_list("person_id", flat=True))
    rows = []
    for site_id in sorted(set(required) | set(counts), key=lambda pk: sites[pk].code):
        people = required.get(site_id, set())
        row = counts.get(site_id, {})
        rows.append(
            {
                "site": sites[site_id],
                "required": len(people),
                "current": len((people & trained) - open_people),
                "open": row.get("open", 0),
                "overdue": row.get("overdue", 0),
            }
        )
    latest = open_rows.select_related("person", "site").order_by("due_date", "pk")[:PEOPLE_SHOWN]
    return {
        "people_visible": True,
        "people_rows": rows,
        "open_assignments": [(a, assignment_pill(a)) for a in latest],
    }


class CourseEditView(EditPageMixin, ObjectEditView):
    queryset = Course.objects.all()
    form_class = CourseForm
    url_base = "course"

    def save(self, form) -> Course:
        data = form.course_data
        if self.object is None:
            return catalogue.course_create(actor=self.request.user, **data)
        data.pop("code", None)
        return catalogue.course_update(actor=self.request.user, course=self.object, data=data)


class CourseDeactivateView(ObjectDeactivateView):
    queryset = Course.objects.all()

    def deactivate(self, obj) -> None:
        catalogue.course_deactivate(actor=self.request.user, course=obj)


# --- Materials --------------------------------------------------------------------------------------------------


def with_url(material: CourseMaterial) -> CourseMaterial:
    """``CourseMaterial`` has no ``get_absolute_url``; the generic views redirect to it (see the report)."""
    if not hasattr(material, "get_absolute_url"):
        material.get_absolute_url = lambda: reverse("training:material_detail", args=[material.pk])
    return material


class MaterialUrlMixin:
    def get_object(self, action: str = "view"):
        return with_url(super().get_object(action))


class MaterialListView(ObjectListView):
    queryset = CourseMaterial.objects.select_related("course")
    table_class = CourseMaterialTable
    filterset_class = CourseMaterialFilterSet
    export_fields = ("id", "course__code", "title", "url", "file", "is_active")
    add_url_name = "training:material_add"
    title = gettext_lazy("Course materials")


class MaterialDetailView(MaterialUrlMixin, DetailPageMixin, ObjectDetailView):
    queryset = CourseMaterial.objects.select_related("course")
    url_base = "material"
    detail_fields = ("course", "title", "url", "file", "updated_at")
    icon = "paperclip"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["deactivate_label"] = _("Withdraw material")
        return context


class MaterialEditView(MaterialUrlMixin, EditPageMixin, ObjectEditView):
    queryset = CourseMaterial.objects.select_related("course")
    form_class = CourseMaterialForm
    template_name = "training/material_edit.html"
    url_base = "material"

    def get_form_kwargs(self) -> dict:
        kwargs = super().get_form_kwargs()
        course = self.request.GET.get("course")
        if self.object is None and course and course.isdigit():
            kwargs["initial"] = {"course": int(course)}
        return kwargs

    def save(self, form) -> CourseMaterial:
        if self.object is None:
            course = form.cleaned_data["course"]
            return with_url(catalogue.material_create(actor=self.request.user, course=course, **form.material_data))
        return with_url(
            catalogue.material_update(actor=self.request.user, material=self.object, data=form.material_data)
        )


class MaterialFileView(ScopedViewMixin, View):
    """GET: the material's uploaded file, for whoever may view the material (a download that never runs here)."""

    queryset = CourseMaterial.objects.all()

    def get(self, request, pk: int):
        material = self.get_object("view")
        if not material.file:
            raise Http404
        kind = kind_of_name(material.file.name)
        extension = kind.extensions[0] if kind else ""
        return download_response(
            material.file,
            filename=f"{material.title[:100]}{extension}",
            content_type=kind.content_type if kind else "application/octet-stream",
        )


class MaterialDeactivateView(MaterialUrlMixin, ObjectDeactivateView):
    queryset = CourseMaterial.objects.all()
    success_message = gettext_lazy("Material “%(obj)s” withdrawn.")

    def deactivate(self, obj) -> None:
        catalogue.material_deactivate(actor=self.request.user, material=obj)


# --- Curricula --------------------------------------------------------------------------------------------------


class CurriculumListView(ObjectListView):
    queryset = Curriculum.objects.prefetch_related("sites").annotate(course_count=Count("courses", distinct=True))
    table_class = CurriculumTable
    filterset_class = CurriculumFilterSet
    export_fields = ("id", "code", "title", "is_active")
    add_url_name = "training:curriculum_add"


class CurriculumDetailView(DetailPageMixin, ObjectDetailView):
    queryset = Curriculum.objects.prefetch_related("sites")
    template_name = "training/curriculum_detail.html"
    url_base = "curriculum"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        curriculum = kwargs["object"]
        user = self.request.user
        context.update(
            {
                "courses": Course.objects.restrict(user, "view").filter(curricula=curriculum),
                "requirements": TrainingRequirement.objects.restrict(user, "view")
                .filter(curriculum=curriculum)
                .select_related("site", "function", "role"),
            }
        )
        return context


class CurriculumEditView(EditPageMixin, ObjectEditView):
    queryset = Curriculum.objects.all()
    form_class = CurriculumForm
    url_base = "curriculum"

    def save(self, form) -> Curriculum:
        data = form.curriculum_data
        if self.object is None:
            return catalogue.curriculum_create(actor=self.request.user, **data)
        data.pop("code", None)
        return catalogue.curriculum_update(actor=self.request.user, curriculum=self.object, data=data)


class CurriculumDeactivateView(ObjectDeactivateView):
    queryset = Curriculum.objects.all()

    def deactivate(self, obj) -> None:
        catalogue.curriculum_deactivate(actor=self.request.user, curriculum=obj)


# --- Requirements -----------------------------------------------------------------------------------------------


class RequirementListView(ObjectListView):
    queryset = TrainingRequirement.objects.select_related("site", "function", "role", "course", "curriculum")
    table_class = TrainingRequirementTable
    filterset_class = TrainingRequirementFilterSet
    export_fields = (
        "id",
        "site__code",
        "function__code",
        "role__code",
        "course__code",
        "curriculum__code",
        "recurrence_months",
        "grace_days",
        "is_active",
        "created_at",
    )
    add_url_name = "training:requirement_add"
    title = gettext_lazy("Training requirements")


class RequirementDetailView(DetailPageMixin, ObjectDetailView):
    queryset = TrainingRequirement.objects.select_related("site", "function", "role", "course", "curriculum")
    url_base = "requirement"
    edit_page = ""
    detail_fields = (
        "site",
        "function",
        "role",
        "course",
        "curriculum",
        "recurrence_months",
        "grace_days",
        "created_at",
        "updated_at",
    )
    icon = "diagram-2"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        requirement = kwargs["object"]
        context["can_change"] = False
        context["open_assignments"] = (
            Assignment.objects.restrict(self.request.user, "view")
            .filter(requirement=requirement, status=AssignmentStatus.OPEN)
            .count()
        )
        return context


class RequirementAddView(EditPageMixin, ObjectEditView):
    """Requirements are added and deactivated, never edited: a change is a new requirement (assignments follow)."""

    queryset = TrainingRequirement.objects.all()
    form_class = TrainingRequirementForm
    url_base = "requirement"

    def save(self, form) -> TrainingRequirement:
        return services.requirement_create(actor=self.request.user, **form.requirement_data)


class RequirementDeactivateView(ObjectDeactivateView):
    queryset = TrainingRequirement.objects.all()

    def deactivate(self, obj) -> None:
        services.requirement_deactivate(actor=self.request.user, requirement=obj)


# --- Assignments ------------------------------------------------------------------------------------------------


class AssignmentListView(ObjectListView):
    queryset = Assignment.objects.select_related("course", "person", "site")
    table_class = AssignmentTable
    filterset_class = AssignmentFilterSet
    export_fields = (
        "id",
        "person__employee_id",
        "person__username",
        "course__code",
        "site__code",
        "reason",
        "status",
        "due_date",
        "completed_at",
        "cancel_reason",
        "created_at",
    )
    add_url_name = "training:assignment_add"
    title = gettext_lazy("Training assignments")


class AssignmentDetailView(OwnRowsMixin, DetailPageMixin, ObjectDetailView):
    queryset = Assignment.objects.select_related(
        "course", "person", "site", "requirement", "document_version__document", "assigned_by"
    )
    template_name = "training/assignment_detail.html"
    url_base = "assignment"
    edit_page = ""
    deactivate_page = ""
    detail_fields = (
        "person",
        "course",
        "site",
        "reason",
        "requirement",
        "document_version",
        "due_date",
        "assigned_by",
        "created_at",
        "completed_at",
        "cancelled_at",
        "cancel_reason",
        "cancel_note",
    )
    icon = "person-check"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        assignment = kwargs["object"]
        context.update(
            {
                "status_pill": assignment_pill(assignment),
                "can_withdraw": assignment.status == AssignmentStatus.OPEN and context["can_change"],
                "withdraw_form": AssignmentWithdrawForm(),
                "record": TrainingRecord.objects.filter(assignment=assignment).first(),
            }
        )
        return context


class AssignmentAddView(EditPageMixin, ObjectEditView):
    queryset = Assignment.objects.all()
    form_class = AssignmentForm
    url_base = "assignment"

    def save(self, form) -> Assignment:
        return services.assignment_create_manual(actor=self.request.user, **form.cleaned_data)


class AssignmentWithdrawView(AssignmentDetailView):
    """POST a note: the open assignment is cancelled (withdrawn by hand), the note kept on it and in the audit trail."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        self.object = self.get_object("change")
        form = AssignmentWithdrawForm(request.POST)
        if form.is_valid():
            note = form.cleaned_data["note"]
            try:
                with audit_context(reason=note):
                    services.assignment_withdraw(actor=request.user, assignment=self.object, note=note)
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(request, _("Assignment “%(obj)s” withdrawn.") % {"obj": self.object})
                return redirect(self.object.get_absolute_url())
        messages.error(request, _("Nothing was withdrawn."))
        context = self.get_context_data(object=self.object)
        context["withdraw_form"] = form
        return self.render_to_response(context, status=400)


# --- Records ----------------------------------------------------------------------------------------------------


class RecordListView(ObjectListView):
    queryset = TrainingRecord.objects.select_related("course", "person", "site")
    table_class = TrainingRecordTable
    filterset_class = TrainingRecordFilterSet
    export_fields = (
        "id",
        "person__employee_id",
        "person__username",
        "course__code",
        "site__code",
        "method",
        "completed_on",
        "valid_until",
        "score",
        "document_version_id",
        "signature_id",
        "verified_at",
    )
    title = gettext_lazy("Training records")


class RecordDetailView(OwnRowsMixin, DetailPageMixin, ObjectDetailView):
    queryset = TrainingRecord.objects.select_related(
        "course", "person", "site", "assignment", "document_version__document", "trainer", "verified_by"
    )
    template_name = "training/record_detail.html"
    url_base = "record"
    edit_page = ""
    deactivate_page = ""
    detail_fields = (
        "person",
        "course",
        "site",
        "assignment",
        "document_version",
        "method",
        "completed_on",
        "valid_until",
        "score",
        "trainer",
        "verified_at",
        "verified_by",
        "created_at",
    )
    icon = "patch-check"

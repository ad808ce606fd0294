"""Pages of training for managers and for each employee: the matrix (with XLSX), compliance, "My training"."""

from __future__ import annotations

import datetime
import io

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from ims.access.permissions import user_can_any_site
from ims.documents.forms import SignatureStepForm
from ims.documents.views import client_ip
from ims.esign.choices import SignatureChannel
from ims.esign.services import SignatureRefused, username_required
from ims.org.models import Function
from ims.web.exports import xlsx_cell
from ims.web.lookups import SearchSelect
from ims.web.tables import CappedCountPaginator
from ims.web.views import _bounded_int, apply_validation_error

from . import matrix, services
from .charts import compliance_trend_chart
from .choices import AssignmentStatus, CellState
from .models import Assignment, Course

PEOPLE_PER_PAGE = 50
# Course columns shown at once (a window moved with ``courses_from``): readable, and a page stays small whatever
# the number of courses a site gives. The XLSX export has every course.
COURSES_PER_PAGE = 40
EXPORT_CHUNK = 1000
OVERDUE_PER_PAGE = 25
# Courses listed on the compliance page: the lowest % current first; "show all" lists every one.
COURSES_SHOWN = 25
TREND_DAYS = 90
# Cell colours (the screen uses the same through CSS classes; the legend names them, so colour is never alone).
CELL_FILLS = {
    CellState.CURRENT: "C6EFCE",
    CellState.DUE_SOON: "FFEB9C",
    CellState.OVERDUE: "FFC7CE",
    CellState.IN_PROGRESS: "DDEBF7",
    CellState.NOT_REQUIRED: "F2F2F2",
}


def _int(value) -> int | None:
    return int(value) if value and str(value).isdigit() else None


def _chosen(queryset, value):
    """The row of ``queryset`` picked by a GET parameter; a value out of the user's reach is a 404."""
    pk = _int(value)
    if value and pk is None:
        raise Http404
    if pk is None:
        return None
    found = queryset.filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


CELL_ICONS = {
    CellState.CURRENT: mark_safe('<i class="bi bi-check-lg"></i>'),
    CellState.DUE_SOON: mark_safe('<i class="bi bi-clock"></i>'),
    CellState.OVERDUE: mark_safe('<i class="bi bi-exclamation-lg"></i>'),
    CellState.IN_PROGRESS: mark_safe('<i class="bi bi-hourglass-split"></i>'),
    CellState.NOT_REQUIRED: "·",
}


def _cell_display(cell: matrix.Cell, state_filter: str | None) -> tuple[str, str, str, str]:
    """``(state, css class, title, icon)`` of a cell, computed here: thousands of cells render in one loop."""
    label = CellState(cell.state).label
    date = cell.due_date or (cell.valid_until if cell.state == CellState.CURRENT else None)
    title = f"{label} · {date.isoformat()}" if date else str(label)
    css = f"cell cell-{cell.state}" + (" cell-dim" if state_filter and cell.state != state_filter else "")
    return cell.state, css, title, CELL_ICONS[cell.state]


class MatrixScopeMixin:
    """The sites where the user may view training assignments; none at all is a 403."""

    @classmethod
    def user_may_open(cls, user, **url_kwargs) -> bool:
        if not user_can_any_site(user, matrix.VIEW_PERMISSION):
            return False
        cached = getattr(user, "_ims_matrix_sites", None)
        if cached is None:
            cached = matrix.matrix_sites(user=user).exists()
            user._ims_matrix_sites = cached
        return cached

    def dispatch(self, request, *args, **kwargs):
        self.sites = list(matrix.matrix_sites(user=request.user))
        if not self.sites:
            raise PermissionDenied(_("You may not view the training of any site."))
        return super().dispatch(request, *args, **kwargs)


class TrainingMatrixView(MatrixScopeMixin, TemplateView):
    """People × courses at one site (and function), paged by people; the same filter exports to XLSX."""

    template_name = "training/matrix/matrix.html"

    def get(self, request, *args, **kwargs):
        params = request.GET
        site = _chosen(matrix.matrix_sites(user=request.user), params.get("site")) or self.sites[0]
        function = _chosen(Function.objects.filter(is_active=True), params.get("function"))
        course_id = _int(params.get("course"))
        state = params.get("state") if params.get("state") in CellState.values else None
        all_courses = matrix.matrix_courses(user=request.user, site=site)
        courses = [c for c in all_courses if c.pk == course_id] if course_id else all_courses
        course_ids = [c.pk for c in courses]
        people = matrix.matrix_people(
            site=site,
            function_id=function.pk if function else None,
            course_ids=course_ids,
            state=state if state in matrix.PEOPLE_STATES else None,
        )
        if params.get("export") == "xlsx":
            return self.xlsx(site, function, courses, people)
        per_page = _bounded_int(params.get("per_page"), PEOPLE_PER_PAGE, 10, 200)
        page = Paginator(people, per_page).get_page(params.get("page"))
        page_people = list(page.object_list)
        first = _bounded_int(params.get("courses_from"), 1, 1, max(len(courses), 1))
        first -= (first - 1) % COURSES_PER_PAGE  # windows start at 1, 41, 81, …
        shown = courses[first - 1 : first - 1 + COURSES_PER_PAGE]
        cells = matrix.matrix_cells(
            user=request.user, person_ids=[p.pk for p in page_people], course_ids=[c.pk for c in shown]
        )
        rows = matrix.matrix_rows(people=page_people, courses=shown, cells=cells)
        display = [(person, [_cell_display(cell, state) for cell in row]) for person, row in rows]
        query = params.copy()
        query.pop("page", None)
        query.pop("export", None)
        course_query = params.copy()
        course_query.pop("courses_from", None)
        course_query.pop("export", None)
        course_field = forms.ModelChoiceField(
            queryset=Course.objects.filter(pk__in=[c.pk for c in all_courses]),
            required=False,
            empty_label=_("All courses of the site"),
            widget=SearchSelect(lookup="courses", attrs={"id": "mx-course", "aria_label": _("Course")}),
        )
        chosen_course = next((c for c in all_courses if c.pk == course_id), None)
        context = self.get_context_data(
            title=_("Training matrix"),
            sites=self.sites,
            site=site,
            functions=Function.objects.filter(is_active=True).order_by("name"),
            function=function,
            course_id=course_id,
            course_widget=course_field.widget.render("course", chosen_course.pk if chosen_course else None),
            courses=shown,
            course_count=len(courses),
            courses_first=first,
            courses_last=first - 1 + len(shown),
            courses_previous=max(first - COURSES_PER_PAGE, 1) if first > 1 else None,
            courses_next=first + COURSES_PER_PAGE if first - 1 + COURSES_PER_PAGE < len(courses) else None,
            course_query=course_query.urlencode(),
            states=CellState.choices,
            state=state,
            page=page,
            rows=rows,
            display_rows=display,
            counts=matrix.state_counts(rows),
            due_soon_days=matrix.due_soon_days(),
            query=query.urlencode(),
            today=timezone.localdate(),
        )
        return self.render_to_response(context)

    def xlsx(self, site, function, courses, people) -> HttpResponse:
        """One sheet: a header row of course codes, one row per person, each cell coloured by its state."""
        from openpyxl import Workbook
        from openpyxl.styles import Alignment, Font, PatternFill

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(_("Training matrix")[:31])
        sheet.freeze_panes = "C2"
        sheet.column_dimensions["A"].width = 14
        sheet.column_dimensions["B"].width = 28
        bold, rotated = Font(bold=True), Alignment(text_rotation=90, horizontal="center")
        fills = {
            state: PatternFill("solid", start_color=colour, end_color=colour) for state, colour in CELL_FILLS.items()
        }
        labels = dict(CellState.choices)

        def header(value, align=None):
            cell = xlsx_cell(sheet, value)
            cell.font = bold
            if align is not None:
                cell.alignment = align
            return cell

        sheet.append([header(_("Employee ID")), header(_("Name"))] + [header(c.code, rotated) for c in courses])
        course_ids = [c.pk for c in courses]
        chunk: list = []

        def flush():
            cells = matrix.matrix_cells(user=self.request.user, person_ids=[p.pk for p in chunk], course_ids=course_ids)
            for person, row in matrix.matrix_rows(people=chunk, courses=courses, cells=cells):
                values = [xlsx_cell(sheet, person.employee_id), xlsx_cell(sheet, person.display_name)]
                for cell in row:
                    text = str(labels[cell.state])
                    date = cell.due_date or (cell.valid_until if cell.state == CellState.CURRENT else None)
                    if date:
                        text = f"{text} {date.isoformat()}"
                    styled = xlsx_cell(sheet, text if cell.state != CellState.NOT_REQUIRED else "")
                    styled.fill = fills[cell.state]
                    values.append(styled)
                sheet.append(values)
            chunk.clear()

        for person in people.iterator(chunk_size=EXPORT_CHUNK):
            chunk.append(person)
            if len(chunk) >= EXPORT_CHUNK:
                flush()
        if chunk:
            flush()
        buffer = io.BytesIO()
        workbook.save(buffer)
        name = f"training-matrix-{site.code}{'-' + function.code if function else ''}-{timezone.localdate()}.xlsx"
        response = HttpResponse(
            buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


class ComplianceView(MatrixScopeMixin, TemplateView):
    """% current per site → per function and course at a site; overdue list; the daily trend as an SVG chart."""

    template_name = "training/matrix/compliance.html"

    def get(self, request, *args, **kwargs):
        user = request.user
        site = _chosen(matrix.matrix_sites(user=user), request.GET.get("site"))
        function = _chosen(Function.objects.filter(is_active=True), request.GET.get("function"))
        site_ids = [site.pk] if site else [s.pk for s in self.sites]
        summary = matrix.compliance_summary(site_ids=site_ids, function_id=function.pk if function else None)
        sites_by_id = {s.pk: s for s in self.sites}
        functions = {f.pk: f for f in Function.objects.all()}
        by_site = sorted(
            ({**r, "site": sites_by_id[r["site_id"]]} for r in summary["by_site"] if r["site_id"] in sites_by_id),
            key=lambda r: r["site"].code,
        )
        by_function = sorted(
            ({**r, "function": functions[r["function_id"]]} for r in summary["by_function"]),
            key=lambda r: r["function"].name,
        )
        course_rows = sorted(
            summary["by_course"], key=lambda r: (r["percent"] if r["percent"] is not None else 101, r["course_id"])
        )
        all_courses = request.GET.get("courses") == "all"
        shown_courses = course_rows if all_courses else course_rows[:COURSES_SHOWN]
        courses = Course.objects.in_bulk([r["course_id"] for r in shown_courses])
        by_course = sorted(
            ({**r, "course": courses[r["course_id"]]} for r in shown_courses),
            key=lambda r: (r["percent"] if r["percent"] is not None else 101, r["course"].code),
        )
        overdue = CappedCountPaginator(
            matrix.overdue_assignments(user=user, site_ids=site_ids, function_id=function.pk if function else None),
            OVERDUE_PER_PAGE,
        ).get_page(request.GET.get("page"))
        trend = matrix.compliance_trend(
            site_ids=site_ids, function_id=function.pk if function else None, days=TREND_DAYS
        )
        query = request.GET.copy()
        query.pop("page", None)
        context = self.get_context_data(
            title=_("Training compliance"),
            sites=self.sites,
            site=site,
            function=function,
            functions=Function.objects.filter(is_active=True).order_by("name"),
            totals=summary["totals"],
            as_of=summary["as_of"],
            course_count=len(course_rows),
            all_courses=all_courses,
            by_site=by_site if not site else [],
            by_function=by_function,
            by_course=by_course,
            overdue=overdue,
            trend=trend,
            trend_chart=compliance_trend_chart(trend),
            trend_days=TREND_DAYS,
            query=query.urlencode(),
        )
        return self.render_to_response(context)


class MyTrainingView(TemplateView):
    """The person's own open trainings (overdue first) and recent records; made for a phone."""

    template_name = "training/matrix/my_training.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        person = self.request.user
        assignments = list(matrix.my_open_assignments(person=person))
        context.update(
            title=_("My training"),
            assignments=assignments,
            overdue=sum(1 for a in assignments if a.is_overdue),
            soon_limit=timezone.localdate() + datetime.timedelta(days=matrix.due_soon_days()),
            records=matrix.my_recent_records(person=person),
        )
        return context


class SelfStudyForm(SignatureStepForm):
    """User ID (first signing of a session) and password; the statement signed is fixed."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["reason"]


class MyAssignmentView(View):
    """GET: what to study (document version, materials); POST: sign "trained" for a self-study course."""

    template_name = "training/matrix/my_assignment.html"

    def assignment(self, pk: int) -> Assignment:
        assignment = get_object_or_404(
            Assignment._base_manager.select_related("course", "site", "document_version__document"),
            pk=pk,
            person=self.request.user,
        )
        return assignment

    def render(self, assignment, form, status=200, refusal=None):
        course = assignment.course
        return TemplateResponse(
            self.request,
            self.template_name,
            {
                "title": course.title,
                "assignment": assignment,
                "course": course,
                "materials": course.materials.filter(is_active=True).order_by("title"),
                "form": form,
                "refusal": refusal,
                "self_study": assignment.status == AssignmentStatus.OPEN and not course.has_assessment,
                "today": timezone.localdate(),
            },
            status=status,
        )

    def get(self, request, pk: int):
        assignment = self.assignment(pk)
        return self.render(assignment, SelfStudyForm(ask_username=username_required(session=request.session)))

    def post(self, request, pk: int):
        assignment = self.assignment(pk)
        form = SelfStudyForm(request.POST, ask_username=True)
        if not form.is_valid():
            return self.render(assignment, form, status=400)
        data = form.cleaned_data
        try:
            record = services.self_study_complete(
                actor=request.user,
                assignment=assignment,
                password=data["password"],
                username=data.get("username"),
                session=request.session,
                channel=SignatureChannel.WEB,
                ip=client_ip(request),
            )
        except SignatureRefused as refusal:
            return self.render(assignment, SelfStudyForm(ask_username=True), status=refusal.status, refusal=refusal)
        except ValidationError as error:
            apply_validation_error(form, error)
            return self.render(assignment, form, status=409)
        messages.success(request, _("Signed: trained on %(course)s.") % {"course": record.course.code})
        return redirect("training:my_training")

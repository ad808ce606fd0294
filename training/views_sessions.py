"""Pages of instructor-led sessions: list, detail with the roster, plan/edit, check-in (phone), sign, sheet PDF.

Thin adapters over ``training.sessions``. Times are entered and shown in the session site's time zone and stored
in UTC. The filter set is shared with the API (``training.api.sessions``).
"""

from __future__ import annotations

import datetime

import django_filters
import django_tables2 as tables
from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from weasyprint import HTML

from ims.access.permissions import user_can_at_site, user_sites
from ims.documents.forms import SignatureStepForm
from ims.documents.pdf import LockedURLFetcher
from ims.documents.views import pdf_response
from ims.esign.choices import SignatureChannel
from ims.esign.selectors import manifestation
from ims.esign.services import SignatureRefused, username_required
from ims.esign.views import client_ip
from ims.org.filtersets import SearchFilterSet
from ims.org.forms import UserFormMixin
from ims.org.models import Person, Site
from ims.web.lookups import SearchSelect
from ims.web.tables import OPTIONAL, BaseTable
from ims.web.templatetags.ims_ui import status_pill
from ims.web.views import (
    ObjectDeactivateView,
    ObjectDetailView,
    ObjectEditView,
    ObjectListView,
    ScopedViewMixin,
    apply_validation_error,
)

from . import sessions
from .choices import AssignmentStatus
from .models import Attendance, Course, SessionStatus, TrainingSession

LOCAL_FORMAT = "%Y-%m-%d %H:%M"
STATUS_STYLE = {SessionStatus.PLANNED: "info", SessionStatus.HELD: "success", SessionStatus.CANCELLED: "muted"}
SESSION_EXPORT = (
    "id",
    "course__code",
    "course__title",
    "site__code",
    "starts_at",
    "ends_at",
    "location",
    "trainer__employee_id",
    "trainer_name",
    "trainer_organisation",
    "capacity",
    "status",
)
#: People with an open assignment of the course offered for one-click enrolment on the session page.
ASSIGNED_SHOWN = 50


def session_status_pill(status: str):
    return status_pill(STATUS_STYLE[SessionStatus(status)], SessionStatus(status).label)


def local(value: datetime.datetime | None, site: Site) -> str:
    return value.astimezone(site.tzinfo).strftime(LOCAL_FORMAT) if value else ""


def may_view_roster(user, session: TrainingSession) -> bool:
    return user_can_at_site(user, "training.view_attendance", session.site) or sessions.may_run(user, session)


# --- Filter set, table, form ----------------------------------------------------------------------------------


class TrainingSessionFilterSet(SearchFilterSet):
    search_fields = ("course__code", "course__title", "location", "trainer_name", "trainer__last_name")
    site = django_filters.ModelMultipleChoiceFilter(queryset=Site.objects.all(), label=gettext_lazy("Site"))
    course = django_filters.ModelChoiceFilter(
        queryset=Course.objects.all(), label=gettext_lazy("Course"), widget=SearchSelect(lookup="courses")
    )
    status = django_filters.MultipleChoiceFilter(choices=SessionStatus.choices, label=gettext_lazy("Status"))
    trainer = django_filters.NumberFilter(field_name="trainer_id", label=gettext_lazy("Trainer (id)"))
    starts_from = django_filters.DateFilter(field_name="starts_at", lookup_expr="date__gte", label=gettext_lazy("From"))
    starts_to = django_filters.DateFilter(field_name="starts_at", lookup_expr="date__lte", label=gettext_lazy("To"))

    class Meta:
        model = TrainingSession
        fields = ["q", "site", "course", "status", "trainer", "starts_from", "starts_to"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        user = getattr(request, "user", None)
        if user is not None:
            self.filters["site"].queryset = Site.objects.restrict(user, "view")
            self.filters["course"].queryset = Course.objects.restrict(user, "view")


class TrainingSessionTable(BaseTable):
    starts_at = tables.Column(linkify=True, verbose_name=gettext_lazy("Starts (site time)"))
    course = tables.Column(order_by=("course__code",))
    site = tables.Column(order_by=("site__code",), attrs=OPTIONAL)
    location = tables.Column(attrs=OPTIONAL)
    trainer = tables.Column(empty_values=(), order_by=("trainer__last_name", "trainer_name"))
    enrolled = tables.Column(empty_values=(), orderable=False, verbose_name=gettext_lazy("Enrolled"))
    status = tables.Column()

    class Meta(BaseTable.Meta):
        model = TrainingSession
        fields = ("starts_at", "course", "site", "location", "trainer", "enrolled", "status")

    def render_starts_at(self, value, record):
        return format_html(
            '{} <span class="text-body-secondary small">{}</span>', local(value, record.site), record.site.timezone
        )

    def render_course(self, record):
        return record.course.code

    def render_site(self, record):
        return record.site.code

    def render_trainer(self, record):
        return record.trainer_display

    def render_enrolled(self, record):
        return f"{record.enrolled_count} / {record.capacity}"

    def render_status(self, record):
        return session_status_pill(record.status)


class LocalDateTimeField(forms.DateTimeField):
    """A wall-clock time, without a zone: the form makes it aware in the session site's time zone."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")

    def to_python(self, value):
        result = super().to_python(value)
        if result is not None and timezone.is_aware(result):
            result = timezone.make_naive(result, timezone.get_current_timezone())
        return result

    def prepare_value(self, value):
        if isinstance(value, datetime.datetime) and timezone.is_aware(value):
            return timezone.make_naive(value, timezone.get_current_timezone())
        return value


class TrainingSessionForm(UserFormMixin, forms.ModelForm):
    """Sites where the user may plan sessions; times in the site's time zone; the site never changes."""

    immutable_fields = ("site",)
    starts_at = LocalDateTimeField(label=gettext_lazy("Starts (site time)"))
    ends_at = LocalDateTimeField(label=gettext_lazy("Ends (site time)"))

    class Meta:
        model = TrainingSession
        fields = [
            "course",
            "site",
            "starts_at",
            "ends_at",
            "location",
            "capacity",
            "trainer",
            "trainer_name",
            "trainer_organisation",
            "notes",
        ]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        sites = user_sites(self.user, sessions.PERM_ADD if not self.instance.pk else sessions.PERM_CHANGE)
        self.fields["site"].queryset = sites if self.instance.pk else sites.filter(is_active=True)
        self.fields["course"].queryset = Course.objects.restrict(self.user, "view").filter(is_active=True)
        self.fields["trainer"].queryset = Person.objects.restrict(self.user, "view").filter(is_active=True)
        if self.instance.pk:
            tz = self.instance.site.tzinfo
            self.initial["starts_at"] = timezone.make_naive(self.instance.starts_at, tz)
            self.initial["ends_at"] = timezone.make_naive(self.instance.ends_at, tz)

    def clean(self):
        data = super().clean()
        site = self.instance.site if self.instance.pk else data.get("site")
        if site is not None:
            for name in ("starts_at", "ends_at"):
                value = data.get(name)
                if isinstance(value, datetime.datetime) and timezone.is_naive(value):
                    data[name] = timezone.make_aware(value, site.tzinfo)
        return data

    def _post_clean(self):
        """The service validates (with the site's people and the course's sites); nothing is saved here."""

    @property
    def session_data(self) -> dict:
        names = [n for n in self._meta.fields if n in self.cleaned_data]
        if self.instance.pk:
            names.remove("site")
        return {name: self.cleaned_data[name] for name in names}


# --- List, detail, edit -------------------------------------------------------------------------------------


class TrainingSessionListView(ObjectListView):
    queryset = (
        TrainingSession.objects.select_related("course", "site", "trainer")
        .with_enrolled()
        .order_by("-starts_at", "-pk")
    )
    table_class = TrainingSessionTable
    filterset_class = TrainingSessionFilterSet
    export_fields = SESSION_EXPORT
    add_url_name = "training:session_add"
    extra_actions = ((gettext_lazy("Check in"), "training:session_checkin", "qr-code-scan"),)


class TrainingSessionDetailView(ObjectDetailView):
    queryset = (
        TrainingSession.objects.select_related("course", "site", "trainer", "created_by")
        .with_enrolled()
        .order_by("-starts_at", "-pk")
    )
    template_name = "training/sessions/session_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        session: TrainingSession = kwargs["object"]
        user = self.request.user
        runs = sessions.may_run(user, session)
        roster_visible = may_view_roster(user, session)
        attendances = session.attendances.select_related("person", "record__signature", "marked_by")
        if not roster_visible:
            attendances = attendances.filter(person=user)
        tz = session.site.tzinfo
        rows = [
            (a, manifestation(a.record.signature, tz=tz) if a.record_id and a.record.signature_id else None)
            for a in attendances
        ]
        own = next((a for a, _m in rows if a.person_id == user.pk), None)
        assigned = []
        can_enrol = session.status == SessionStatus.PLANNED and sessions.may_enrol(user, session)
        if can_enrol:
            enrolled = session.attendances.values("person_id")
            assigned = list(
                sessions.site_people(session.site)
                .filter(
                    training_assignments__course=session.course,
                    training_assignments__status=AssignmentStatus.OPEN,
                )
                .exclude(pk__in=enrolled)
                .distinct()
                .order_by("last_name", "first_name")[:ASSIGNED_SHOWN]
            )
        context.update(
            {
                "session": session,
                "status_pill": session_status_pill(session.status),
                "starts_local": local(session.starts_at, session.site),
                "ends_local": local(session.ends_at, session.site),
                "check_in_opens": local(session.check_in_opens, session.site),
                "check_in_closes": local(session.check_in_closes, session.site),
                "runs": runs,
                "roster_visible": roster_visible,
                "rows": rows,
                "own": own,
                "own_sign_refusal": sessions.sign_refusal(own) if own else None,
                "can_enrol": can_enrol,
                "assigned": assigned,
                "can_close": runs and session.status == SessionStatus.PLANNED,
                "can_mark": runs and session.status != SessionStatus.CANCELLED,
                "list_url": reverse("training:session_list"),
                "list_label": _("Training sessions"),
                "edit_url": reverse("training:session_edit", args=[session.pk]),
                "deactivate_url": reverse("training:session_cancel", args=[session.pk]),
                "deactivate_label": _("Cancel session"),
                "is_active": session.status == SessionStatus.PLANNED,
            }
        )
        context["can_change"] = context["can_change"] and session.status == SessionStatus.PLANNED
        return context


class TrainingSessionEditView(ObjectEditView):
    queryset = TrainingSession.objects.select_related("course", "site", "trainer")
    form_class = TrainingSessionForm

    def save(self, form) -> TrainingSession:
        data = form.session_data
        if self.object is None:
            return sessions.session_create(actor=self.request.user, **data)
        return sessions.session_update(actor=self.request.user, session=self.object, data=data)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["list_url"] = reverse("training:session_list")
        context["list_label"] = _("Training sessions")
        context["cancel_url"] = self.object.get_absolute_url() if self.object else context["list_url"]
        return context


class TrainingSessionCancelView(ObjectDeactivateView):
    queryset = TrainingSession.objects.select_related("site")
    success_message = gettext_lazy("Session “%(obj)s” cancelled.")

    def deactivate(self, obj) -> None:
        sessions.session_cancel(actor=self.request.user, session=obj)


# --- The trainer's actions ------------------------------------------------------------------------------------


class SessionActionView(ScopedViewMixin, View):
    """POST only, on a session the user may view; the service decides whether they may run it."""

    queryset = TrainingSession.objects.select_related("site", "course", "trainer")
    http_method_names = ["post"]

    def post(self, request, pk: int):
        session = self.get_object("view")
        try:
            message = self.act(session)
        except PermissionDenied:
            raise
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, message)
        return redirect(session.get_absolute_url())

    def act(self, session) -> str:
        raise NotImplementedError


class TrainingSessionCloseView(SessionActionView):
    def act(self, session) -> str:
        sessions.session_close(actor=self.request.user, session=session)
        return _("Session closed: people not marked present are recorded absent.")


class AttendanceEnrolView(SessionActionView):
    """Enrol by person id (the assigned list) or by employee ID / user ID (anyone of the site)."""

    def act(self, session) -> str:
        value = (self.request.POST.get("person") or "").strip()
        people = sessions.site_people(session.site)
        person = (
            people.filter(pk=int(value)).first()
            if value.isdigit()
            else people.filter(Q(employee_id__iexact=value) | Q(username__iexact=value)).first()
        )
        if person is None:
            raise ValidationError(_("Nobody at site %(site)s has this ID.") % {"site": session.site.code})
        sessions.attendance_enrol(actor=self.request.user, session=session, person=person)
        return _("%(person)s enrolled.") % {"person": person}


class AttendanceMarkView(View):
    http_method_names = ["post"]

    def post(self, request, pk: int):
        visible = Attendance.objects.restrict(request.user, "view").values("pk")
        attendance = get_object_or_404(
            Attendance._base_manager.select_related("session__site", "person").filter(
                Q(pk__in=visible) | Q(session__trainer=request.user)
            ),
            pk=pk,
        )
        attended = request.POST.get("attended") == "1"
        try:
            sessions.attendance_mark(actor=request.user, attendance=attendance, attended=attended)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            state = _("present") if attended else _("absent")
            messages.success(request, _("%(person)s: %(state)s.") % {"person": attendance.person, "state": state})
        return redirect(attendance.get_absolute_url())


# --- Check-in and signing (phone first) ----------------------------------------------------------------------


class CheckInForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Session code"),
        max_length=20,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "inputmode": "text",
                "class": "text-uppercase fs-3 text-center",
                "autofocus": True,
            }
        ),
    )


class SessionCheckInView(View):
    """Any signed-in person: enter the code shown by the trainer; then sign "trained" when it applies."""

    template_name = "training/sessions/checkin.html"

    def render(self, form, status=200):
        return TemplateResponse(
            self.request,
            self.template_name,
            {
                "title": _("Check in to a training session"),
                "form": form,
                "to_sign": sessions.attendances_to_sign(person=self.request.user),
            },
            status=status,
        )

    def get(self, request):
        return self.render(CheckInForm())

    def post(self, request):
        form = CheckInForm(request.POST)
        if not form.is_valid():
            return self.render(form, status=400)
        try:
            attendance = sessions.attendance_check_in(actor=request.user, code=form.cleaned_data["code"])
        except ValidationError as error:
            apply_validation_error(form, error)
            return self.render(form, status=400)
        messages.success(request, _("You are checked in to %(session)s.") % {"session": attendance.session})
        if sessions.sign_refusal(attendance) is None:
            return redirect("training:attendance_sign", pk=attendance.pk)
        return redirect("training:session_checkin")


class AttendanceSignForm(SignatureStepForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["reason"]


class AttendanceSignView(View):
    """The attendee's own attendance: sign "trained" with user ID (first signing of a session) and password."""

    template_name = "training/sessions/sign.html"

    def attendance(self, pk: int) -> Attendance:
        attendance = get_object_or_404(
            Attendance._base_manager.select_related("session__course", "session__site", "session__trainer"), pk=pk
        )
        if attendance.person_id != self.request.user.pk:
            raise Http404
        return attendance

    def render(self, attendance, form, status=200, refusal=None):
        session = attendance.session
        return TemplateResponse(
            self.request,
            self.template_name,
            {
                "title": _("Sign your training"),
                "attendance": attendance,
                "session": session,
                "starts_local": local(session.starts_at, session.site),
                "form": form,
                "refusal": refusal,
                "blocked": sessions.sign_refusal(attendance),
                "statement": _("I was trained on %(course)s.")
                % {"course": f"{session.course.code} {session.course.title}"},
            },
            status=status,
        )

    def get(self, request, pk: int):
        attendance = self.attendance(pk)
        return self.render(attendance, AttendanceSignForm(ask_username=username_required(session=request.session)))

    def post(self, request, pk: int):
        attendance = self.attendance(pk)
        form = AttendanceSignForm(request.POST, ask_username=True)
        if not form.is_valid():
            return self.render(attendance, form, status=400)
        data = form.cleaned_data
        try:
            sessions.attendance_sign(
                actor=request.user,
                attendance=attendance,
                password=data["password"],
                username=data.get("username"),
                session=request.session,
                channel=SignatureChannel.WEB,
                ip=client_ip(request),
            )
        except SignatureRefused as refusal:
            return self.render(
                attendance, AttendanceSignForm(ask_username=True), status=refusal.status, refusal=refusal
            )
        except ValidationError as error:
            apply_validation_error(form, error)
            return self.render(attendance, form, status=409)
        messages.success(request, _("Signed: you were trained on %(course)s.") % {"course": attendance.session.course})
        return redirect("training:session_checkin")


# --- Attendance sheet (PDF) -----------------------------------------------------------------------------------


def attendance_sheet_context(session: TrainingSession) -> dict:
    site = session.site
    tz = site.tzinfo
    rows = []
    for attendance in session.attendances.select_related("person", "record__signature"):
        signature = attendance.record.signature if attendance.record_id else None
        rows.append(
            {
                "attendance": attendance,
                "recorded_at": local(attendance.checked_in_at, site),
                "manifestation": manifestation(signature, tz=tz) if signature else None,
            }
        )
    return {
        "session": session,
        "rows": rows,
        "starts_local": local(session.starts_at, site),
        "ends_local": local(session.ends_at, site),
        "ends_time": session.ends_at.astimezone(tz).strftime("%H:%M"),
        "footer_label": f"{session.course.code} · {session.starts_at.astimezone(tz):%Y-%m-%d} · {site.code}",
        "generated_local": local(timezone.now(), site),
    }


def render_attendance_sheet(session: TrainingSession) -> bytes:
    html = render_to_string("training/sessions/attendance_sheet.html", attendance_sheet_context(session))
    return HTML(string=html, base_url=None, url_fetcher=LockedURLFetcher()).write_pdf()


class AttendanceSheetView(ScopedViewMixin, View):
    """The attendance sheet as PDF: for the trainer and for those who may view attendance at the site."""

    queryset = TrainingSession.objects.select_related("course", "site", "trainer")

    def get(self, request, pk: int):
        session = self.get_object("view")
        if not may_view_roster(request.user, session):
            raise PermissionDenied(_("You may not view the attendance of this session."))
        local_day = session.starts_at.astimezone(session.site.tzinfo).date().isoformat()
        filename = f"attendance-{slugify(session.course.code)}-{local_day}-{session.pk}.pdf"
        return pdf_response(render_attendance_sheet(session), filename)

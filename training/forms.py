"""Forms of the training pages. Each accepts ``user``: sites, courses and people offered are those the user may use.

Forms validate input; ``training.catalogue`` and ``training.services`` make the change and check the rules again.
"""

from __future__ import annotations

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ims.access.permissions import user_sites
from ims.documents.models import ControlledDocument
from ims.org.forms import DateInput, UserFormMixin
from ims.org.models import Function, Person, Role, Site

from .models import Course, CourseMaterial, Curriculum, TrainingRequirement

COURSE_FORM_FIELDS = [
    "code",
    "title",
    "description",
    "sites",
    "documents",
    "duration_minutes",
    "has_assessment",
    "requires_practical",
]


def _sites_for(user, perm: str, instance):
    sites = user_sites(user, perm).filter(is_active=True)
    if instance is not None and instance.pk:
        sites = sites | instance.sites.all()
    return sites.distinct().order_by("code")


class CourseForm(UserFormMixin, forms.ModelForm):
    immutable_fields = ("code",)

    class Meta:
        model = Course
        fields = COURSE_FORM_FIELDS
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "sites": forms.CheckboxSelectMultiple,
            "documents": forms.SelectMultiple(attrs={"size": 8}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sites"].queryset = _sites_for(self.user, "training.add_course", self.instance)
        documents = ControlledDocument.objects.restrict(self.user, "view").filter(is_active=True)
        if self.instance.pk:
            documents = documents | self.instance.documents.all()
        self.fields["documents"].queryset = documents.distinct().order_by("number")
        self.fields["documents"].required = False

    def clean_code(self):
        return (self.cleaned_data.get("code") or "").strip().upper()

    @property
    def course_data(self) -> dict:
        data = {name: self.cleaned_data[name] for name in COURSE_FORM_FIELDS if name in self.cleaned_data}
        data["sites"] = list(data.get("sites") or [])
        data["documents"] = list(data.get("documents") or [])
        return data


class CourseMaterialForm(UserFormMixin, forms.ModelForm):
    immutable_fields = ("course",)

    class Meta:
        model = CourseMaterial
        fields = ["course", "title", "url", "file"]

    # Links typed without a scheme are https (the Django 6 default).
    url = forms.URLField(
        label=CourseMaterial._meta.get_field("url").verbose_name, required=False, assume_scheme="https"
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        courses = Course.objects.restrict(self.user, "change").filter(is_active=True)
        if self.instance.pk:
            courses = courses | Course.objects.filter(pk=self.instance.course_id)
        self.fields["course"].queryset = courses.distinct()

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("url") and not cleaned.get("file") and not (self.instance.pk and self.instance.file):
            raise forms.ValidationError(_("Give a link or upload a file."))
        return cleaned

    @property
    def material_data(self) -> dict:
        data = {name: self.cleaned_data.get(name) for name in ("title", "url")}
        if self.cleaned_data.get("file"):
            data["file"] = self.cleaned_data["file"]
        return data


class CurriculumForm(UserFormMixin, forms.ModelForm):
    immutable_fields = ("code",)

    class Meta:
        model = Curriculum
        fields = ["code", "title", "sites", "courses"]
        widgets = {"sites": forms.CheckboxSelectMultiple, "courses": forms.SelectMultiple(attrs={"size": 10})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sites"].queryset = _sites_for(self.user, "training.add_curriculum", self.instance)
        courses = Course.objects.restrict(self.user, "view").filter(is_active=True)
        if self.instance.pk:
            courses = courses | self.instance.courses.all()
        self.fields["courses"].queryset = courses.distinct().order_by("code")

    def clean_code(self):
        return (self.cleaned_data.get("code") or "").strip().upper()

    @property
    def curriculum_data(self) -> dict:
        return {
            "code": self.cleaned_data.get("code"),
            "title": self.cleaned_data["title"],
            "sites": list(self.cleaned_data["sites"]),
            "courses": list(self.cleaned_data["courses"]),
        }


class TrainingRequirementForm(UserFormMixin, forms.ModelForm):
    """Site × function (or all) × role (or all) → one course or one curriculum offered at that site."""

    class Meta:
        model = TrainingRequirement
        fields = ["site", "function", "role", "course", "curriculum", "recurrence_months", "grace_days"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = user_sites(self.user, "training.add_trainingrequirement").filter(is_active=True)
        self.fields["function"].queryset = Function.objects.filter(is_active=True)
        self.fields["function"].empty_label = _("All functions")
        self.fields["role"].queryset = Role.objects.filter(is_read_only=False).order_by("name")
        self.fields["role"].empty_label = _("All roles")
        self.fields["course"].queryset = Course.objects.restrict(self.user, "view").filter(is_active=True)
        self.fields["curriculum"].queryset = Curriculum.objects.restrict(self.user, "view").filter(is_active=True)

    def clean(self):
        cleaned = super().clean()
        site, course, curriculum = cleaned.get("site"), cleaned.get("course"), cleaned.get("curriculum")
        if bool(course) == bool(curriculum):
            raise forms.ValidationError(_("Choose either a course or a curriculum."))
        offered = course or curriculum
        if site is not None and not offered.sites.filter(pk=site.pk).exists():
            self.add_error(
                "course" if course else "curriculum",
                _("%(what)s is not offered at site %(site)s.") % {"what": offered, "site": site.code},
            )
        return cleaned

    def _post_clean(self):
        """The check constraint is the service's business; the form checked course-or-curriculum above."""
        if not self.errors:
            super()._post_clean()

    @property
    def requirement_data(self) -> dict:
        return dict(self.cleaned_data)


class AssignmentForm(forms.Form):
    """Assign a course by hand (reason: manual): the person by user ID, at a site where one may assign."""

    person = forms.ModelChoiceField(
        label=_("Person (user ID)"),
        queryset=Person.objects.none(),
        to_field_name="username",
        widget=forms.TextInput(attrs={"autocapitalize": "none", "spellcheck": "false"}),
        error_messages={"invalid_choice": _("No active person with this user ID is visible to you.")},
    )
    course = forms.ModelChoiceField(label=_("Course"), queryset=Course.objects.none())
    site = forms.ModelChoiceField(label=_("Site"), queryset=Site.objects.none())
    due_date = forms.DateField(label=_("Due"), widget=DateInput())

    def __init__(self, *args, user=None, instance=None, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = Person.objects.restrict(user, "view").filter(is_active=True)
        self.fields["course"].queryset = Course.objects.restrict(user, "view").filter(is_active=True)
        self.fields["site"].queryset = user_sites(user, "training.add_assignment").filter(is_active=True)
        if not self.is_bound:
            self.fields["due_date"].initial = timezone.localdate() + datetime.timedelta(days=30)

    def clean_due_date(self):
        due = self.cleaned_data["due_date"]
        if due < timezone.localdate():
            raise forms.ValidationError(_("The due date cannot be in the past."))
        return due


class AssignmentWithdrawForm(forms.Form):
    note = forms.CharField(
        label=_("Why is the assignment withdrawn?"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Say why the assignment is withdrawn.")},
        help_text=_("Kept on the assignment and in the audit trail."),
    )

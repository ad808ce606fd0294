"""Forms of the process-map pages. Each accepts ``user``: the sites and people offered are those the user may use.

The forms check input; ``processes.maps`` makes the change (and checks the BPMN and the rules again).
"""

from __future__ import annotations

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from ims.access.permissions import user_sites
from ims.documents.choices import Discipline
from ims.documents.models import ControlledDocument, number_validator
from ims.esign.services import MAX_REASON_LENGTH
from ims.org.filtersets import SearchFilterSet
from ims.org.forms import DateInput
from ims.org.models import Function, Person, Site

from .bpmn import MAX_BYTES

BPMN_ACCEPT = ".bpmn,.xml,application/xml,text/xml"


def bpmn_file_field(required: bool) -> forms.FileField:
    return forms.FileField(
        label=_("BPMN file (.bpmn)"),
        required=required,
        widget=forms.ClearableFileInput(attrs={"accept": BPMN_ACCEPT}),
        help_text=_("BPMN 2.0 XML as exported by Camunda Modeler, Signavio, Bizagi or this portal (at most 5 MB)."),
    )


def read_upload(upload) -> bytes:
    """The uploaded file's bytes, refusing a file over the limit before reading it all."""
    if upload.size is not None and upload.size > MAX_BYTES:
        raise forms.ValidationError(
            _("The BPMN file is %(size).1f MB; the limit is 5 MB.") % {"size": upload.size / 1024 / 1024}
        )
    return upload.read()


class MapCreateForm(forms.Form):
    number = forms.CharField(label=_("Number"), max_length=40, help_text=_("For example MAP-QA-001."))
    title = forms.CharField(label=_("Title"), max_length=200)
    disciplines = forms.MultipleChoiceField(
        label=_("Disciplines"), choices=Discipline.choices, widget=forms.CheckboxSelectMultiple
    )
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=Person.objects.none())
    sites = forms.ModelMultipleChoiceField(
        label=_("Sites"), queryset=Site.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    functions = forms.ModelMultipleChoiceField(
        label=_("Functions (lanes)"),
        queryset=Function.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("A blank map starts with one pool and one lane per function chosen here."),
    )
    bpmn_file = bpmn_file_field(required=False)
    effective_date = forms.DateField(label=_("Planned effective date"), required=False, widget=DateInput())

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["sites"].queryset = user_sites(user, "documents.add_controlleddocument").order_by("code")
        self.fields["owner"].queryset = Person.objects.restrict(user, "view").filter(is_active=True)
        self.fields["functions"].queryset = Function.objects.filter(is_active=True).order_by("name")
        self.fields["owner"].initial = getattr(user, "pk", None)

    def clean_number(self):
        number = (self.cleaned_data.get("number") or "").strip().upper()
        number_validator(number)
        if ControlledDocument._base_manager.filter(number=number).exists():
            raise forms.ValidationError(_("A controlled document with this number exists already."))
        return number

    def clean_bpmn_file(self):
        upload = self.cleaned_data.get("bpmn_file")
        return read_upload(upload) if upload else None


class MapImportForm(forms.Form):
    bpmn_file = bpmn_file_field(required=True)
    change_summary = forms.CharField(
        label=_("Change summary"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("What changes in the new version and why (needed when the import starts a new version)."),
    )
    change_reason = forms.CharField(
        label=_("Reason for change"),
        required=False,
        max_length=MAX_REASON_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Needed when the import replaces the content of a draft."),
    )

    def clean_bpmn_file(self):
        return read_upload(self.cleaned_data["bpmn_file"])


class MapNewVersionForm(forms.Form):
    change_summary = forms.CharField(
        label=_("Change summary"), widget=forms.Textarea(attrs={"rows": 2}), help_text=_("What changes and why.")
    )


class ProcessMapFilterSet(SearchFilterSet):
    search_fields = ("number", "title")
    discipline = django_filters.ChoiceFilter(choices=Discipline.choices, method="filter_discipline", label="Discipline")
    site = django_filters.ModelMultipleChoiceFilter(
        queryset=Site.objects.all(), field_name="sites", distinct=True, label="Site"
    )
    effective = django_filters.BooleanFilter(method="filter_effective", label="Has an effective version")
    is_active = django_filters.BooleanFilter(label="Active")

    class Meta:
        model = ControlledDocument
        fields = ["q", "discipline", "site", "effective", "is_active"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        user = getattr(request, "user", None)
        if user is not None:
            self.filters["site"].queryset = Site.objects.restrict(user, "view")

    def filter_discipline(self, queryset, name, value):
        return queryset.filter(disciplines__contains=[value]) if value else queryset

    def filter_effective(self, queryset, name, value: bool | None):
        if value is None:
            return queryset
        return queryset.filter(effective_number__isnull=not value)

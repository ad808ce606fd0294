"""Forms of the IMS framework: choices are only what the user may see (and, for sites, add at)."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from ims.access.permissions import user_sites
from ims.documents.choices import Discipline, DocumentType
from ims.documents.models import ControlledDocument
from ims.org.forms import UserFormMixin
from ims.org.models import Person, Role, Site
from ims.web.lookups import SearchSelect
from policies.models import Objective
from processes.models import Process, Standard

from .matrix import MAX_STANDARDS
from .models import MonitoringPlanItem, ProcedureRecord


def _documents(user):
    return ControlledDocument.objects.restrict(user, "view").filter(is_active=True).order_by("number")


class ProcedureRecordForm(UserFormMixin, forms.ModelForm):
    immutable_fields = ("document",)

    class Meta:
        model = ProcedureRecord
        fields = ["document", "name", "form_document", "retention", "location"]
        widgets = {"document": SearchSelect(lookup="framework-procedure")}

    def __init__(self, *args, document: ControlledDocument | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        documents = _documents(self.user)
        self.fields["document"].queryset = documents.filter(doc_type=DocumentType.PROCEDURE)
        self.fields["document"].label_from_instance = lambda d: f"{d.number} {d.title}"
        self.fields["form_document"].queryset = documents.filter(doc_type=DocumentType.FORM)
        self.fields["form_document"].label_from_instance = lambda d: f"{d.number} {d.title}"
        if document is not None and not self.instance.pk:
            self.initial["document"] = document.pk

    def _post_clean(self):
        """The service validates and saves."""

    @property
    def record_data(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in self._meta.fields if name in self.cleaned_data}


class MonitoringPlanItemForm(UserFormMixin, forms.ModelForm):
    immutable_fields = ("process",)

    class Meta:
        model = MonitoringPlanItem
        fields = [
            "process",
            "objective",
            "measure",
            "method",
            "frequency",
            "responsible_role",
            "responsible_person",
            "reported_to",
        ]
        widgets = {
            "method": forms.Textarea(attrs={"rows": 3}),
            "responsible_person": SearchSelect(lookup="people"),
            "process": SearchSelect(lookup="framework-process"),
        }

    def __init__(self, *args, process: Process | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        user = self.user
        self.fields["process"].queryset = Process.objects.restrict(user, "view").filter(is_active=True).order_by("code")
        self.fields["objective"].queryset = (
            Objective.objects.restrict(user, "view").select_related("site").order_by("title")
        )
        self.fields["objective"].label_from_instance = lambda o: f"{o.title} ({o.site.code if o.site else '—'})"
        self.fields["responsible_role"].queryset = Role.objects.order_by("name")
        self.fields["responsible_person"].queryset = Person.objects.restrict(user, "view").filter(is_active=True)
        self.fields["measure"].required = False
        self.fields["measure"].help_text = _("Leave empty to use the KPI of the objective.")
        if process is not None and not self.instance.pk:
            self.initial["process"] = process.pk

    def _post_clean(self):
        """The service validates and saves."""

    @property
    def item_data(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in self._meta.fields if name in self.cleaned_data}


class MatrixForm(forms.Form):
    standards = forms.ModelMultipleChoiceField(
        queryset=Standard.objects.order_by("code", "edition"),
        label=_("Standards"),
        required=False,
        help_text=_("Up to %(n)s; the current ISO 9001, 14001 and 45001 when none is chosen.") % {"n": MAX_STANDARDS},
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    site = forms.ModelChoiceField(queryset=Site.objects.none(), label=_("Site"), required=False)
    discipline = forms.ChoiceField(
        label=_("Discipline"), required=False, choices=[("", _("Any"))] + list(Discipline.choices)
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = Site.objects.restrict(user, "view").filter(is_active=True).order_by("code")

    def clean_standards(self):
        chosen = list(self.cleaned_data.get("standards") or [])
        if len(chosen) > MAX_STANDARDS:
            raise ValidationError(
                _("Choose at most %(n)s standards (you chose %(m)s).") % {"n": MAX_STANDARDS, "m": len(chosen)}
            )
        return chosen


class DraftProcedureForm(forms.Form):
    """Number, title and sites of the draft integrated procedure made from one requirement group."""

    number = forms.CharField(
        label=_("Number"), max_length=40, widget=forms.TextInput(attrs={"class": "text-uppercase"})
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    sites = forms.ModelMultipleChoiceField(queryset=Site.objects.none(), label=_("Sites"))

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        sites = user_sites(user, "documents.add_controlleddocument").filter(is_active=True).order_by("code")
        self.fields["sites"].queryset = sites
        self.fields["sites"].widget.attrs["size"] = 6

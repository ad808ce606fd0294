"""Forms of the manual's pages: choices limited to what the user may see."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ims.access.permissions import user_sites
from ims.org.forms import UserFormMixin
from ims.org.models import Person

from .blocks import blocks_all
from .choices import SectionSlot
from .models import ManualSection, SiteAnnex

TEXTAREA = forms.Textarea(attrs={"rows": 10, "class": "font-monospace"})


class ManualForm(forms.Form):
    number = forms.CharField(label=_("Number"), max_length=40, initial="IMS-MAN-001")
    title = forms.CharField(label=_("Title"), max_length=200, initial="Integrated management system manual")
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=Person.objects.none())
    sites = forms.ModelMultipleChoiceField(label=_("Sites in scope"), queryset=None)
    effective_date = forms.DateField(
        label=_("Planned effective date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, user=None, instance=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["sites"].queryset = user_sites(user, "documents.add_controlleddocument").order_by("code")
        self.fields["owner"].queryset = Person.objects.filter(is_active=True).order_by("last_name", "first_name")
        self.fields["owner"].initial = user.pk if user else None


class SectionForm(UserFormMixin, forms.ModelForm):
    class Meta:
        model = ManualSection
        fields = ["slot", "title", "body", "mandatory"]
        widgets = {"body": TEXTAREA}


class SectionAddForm(forms.Form):
    slot = forms.ChoiceField(
        label=_("Clause"), choices=SectionSlot.choices, widget=forms.Select(attrs={"class": "form-select"})
    )
    title = forms.CharField(label=_("Title"), max_length=200, widget=forms.TextInput(attrs={"class": "form-control"}))


class BlockAddForm(forms.Form):
    block_key = forms.ChoiceField(label=_("Live block"))
    param = forms.CharField(label=_("Parameter"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["block_key"].choices = [(b.key, b.label) for b in blocks_all()]


class AnnexForm(UserFormMixin, forms.ModelForm):
    class Meta:
        model = SiteAnnex
        fields = ["local_scope", "local_regulations", "local_roles"]
        widgets = {name: TEXTAREA for name in fields}


class NewDraftForm(forms.Form):
    change_summary = forms.CharField(
        label=_("Change summary"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )


class VersionMetaForm(forms.Form):
    """The kernel's fields of a draft that the manual's editor sets: when it takes effect and what changes."""

    effective_date = forms.DateField(
        label=_("Planned effective date"), widget=forms.DateInput(attrs={"type": "date", "class": "form-control"})
    )
    change_summary = forms.CharField(
        label=_("Change summary"),
        required=False,
        max_length=2000,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )

"""Forms of the standards library: company-standard import, clause mappings, document–clause links, overlap."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ims.documents.choices import Discipline
from ims.org.forms import UserFormMixin
from ims.org.models import Site
from ims.web.lookups import SearchSelect

from .imports import IMPORT_KINDS
from .models import Clause, ClauseMapping, Standard, StandardKind
from .overlap import ONLY_GAPS, ONLY_REDUNDANCY

CLAUSE_LOOKUP = "processes-clause"


class ClauseChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Clause) -> str:
        return f"{obj.standard} {obj.number} · {obj.title}"


class StandardImportForm(forms.Form):
    """The standard the file's clauses belong to (a JSON file may name it itself) and the file."""

    file = forms.FileField(label=_("CSV or JSON file"))
    code = forms.CharField(label=_("Code"), max_length=60, required=False, help_text=_("e.g. CS-QA-01"))
    edition = forms.CharField(
        label=_("Edition"), max_length=40, required=False, help_text=_("A new edition is a new standard.")
    )
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[(kind.value, kind.label) for kind in IMPORT_KINDS],
        initial=StandardKind.COMPANY,
    )
    disciplines = forms.MultipleChoiceField(
        label=_("Disciplines"), choices=Discipline.choices, required=False, widget=forms.CheckboxSelectMultiple
    )


class ClauseMappingForm(UserFormMixin, forms.ModelForm):
    """A new mapping names both clauses; a change alters only the relation and the note."""

    source = ClauseChoiceField(
        queryset=Clause.objects.select_related("standard"), label=_("Clause"), widget=SearchSelect(CLAUSE_LOOKUP)
    )
    target = ClauseChoiceField(
        queryset=Clause.objects.select_related("standard"), label=_("Maps to"), widget=SearchSelect(CLAUSE_LOOKUP)
    )

    class Meta:
        model = ClauseMapping
        fields = ["source", "target", "relation", "note"]

    def __init__(self, *args, initial_source: Clause | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            del self.fields["source"]
            del self.fields["target"]
        elif initial_source is not None:
            self.initial["source"] = initial_source.pk

    def _post_clean(self):
        """The service validates (self-mapping, same standard, duplicates) and reports on the fields."""


class DocumentClauseForm(forms.Form):
    clause = ClauseChoiceField(
        queryset=Clause.objects.select_related("standard"), label=_("Clause"), widget=SearchSelect(CLAUSE_LOOKUP)
    )
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class OverlapForm(forms.Form):
    standards = forms.ModelMultipleChoiceField(
        queryset=Standard.objects.order_by("code", "edition"),
        label=_("Standards"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    only = forms.ChoiceField(
        label=_("Show"),
        required=False,
        choices=[
            ("", _("All requirement groups")),
            (ONLY_GAPS, _("Only gaps")),
            (ONLY_REDUNDANCY, _("Only redundancy")),
        ],
    )
    discipline = forms.ChoiceField(
        label=_("Discipline"), required=False, choices=[("", _("Any"))] + list(Discipline.choices)
    )
    site = forms.ModelChoiceField(queryset=Site.objects.none(), label=_("Site"), required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = Site.objects.restrict(user, "view").filter(is_active=True).order_by("code")

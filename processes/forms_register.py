"""Forms of the process register: choices are only what the user may see (and, for sites, change)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ims.access.permissions import user_sites
from ims.documents.choices import DocumentType
from ims.documents.models import ControlledDocument
from ims.org.forms import UserFormMixin
from ims.org.models import Function, Person
from ims.web.lookups import SearchSelect

from . import register
from .models import Clause, Process, ProcessInteraction

TEXTAREA = forms.Textarea(attrs={"rows": 4})


class GroupedClauseField(forms.ModelMultipleChoiceField):
    """The clauses of the current editions, grouped by standard in the select (578 options, one query)."""

    def label_from_instance(self, obj: Clause) -> str:
        return f"{obj.number} {obj.title}"

    def grouped_choices(self) -> list:
        groups: dict[str, list[tuple[int, str]]] = {}
        for clause in self.queryset:
            standard = f"{clause.standard.code}:{clause.standard.edition}"
            groups.setdefault(standard, []).append((clause.pk, self.label_from_instance(clause)))
        return list(groups.items())


class ProcessForm(UserFormMixin, forms.ModelForm):
    immutable_fields = ("code",)
    clauses = GroupedClauseField(
        queryset=Clause.objects.none(),
        required=False,
        label=_("Clauses addressed"),
        help_text=_("Hold Ctrl (⌘ on a Mac) to choose several; type a clause number to jump to it."),
        widget=forms.SelectMultiple(attrs={"size": 14}),
    )

    class Meta:
        model = Process
        fields = [
            "code",
            "name",
            "process_type",
            "owner",
            "purpose",
            "sites",
            "functions",
            "suppliers",
            "inputs",
            "outputs",
            "customers",
            "objectives",
            "documents",
            "map_document",
            "clauses",
        ]
        widgets = {
            "purpose": forms.Textarea(attrs={"rows": 3}),
            "suppliers": TEXTAREA,
            "inputs": TEXTAREA,
            "outputs": TEXTAREA,
            "customers": TEXTAREA,
            "owner": SearchSelect(lookup="people"),
            "code": forms.TextInput(attrs={"class": "text-uppercase", "placeholder": "QA-CAPA"}),
        }

    fieldsets_spec = (
        (_("Process"), ("code", "name", "process_type", "owner", "purpose", "sites", "functions")),
        (_("SIPOC"), ("suppliers", "inputs", "outputs", "customers")),
        (_("Measured and documented by"), ("objectives", "documents", "map_document", "clauses")),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = self.user
        perm = register.PERM_CHANGE if self.instance.pk else register.PERM_ADD
        sites = user_sites(user, perm).filter(is_active=True)
        if self.instance.pk:
            # Sites the process already has stay choosable (and chosen) even where the user may not add.
            sites = sites | self.instance.sites.all()
        self.fields["sites"].queryset = sites.distinct().order_by("code")
        self.fields["owner"].queryset = Person.objects.restrict(user, "view").filter(is_active=True)
        self.fields["functions"].queryset = Function.objects.filter(is_active=True).order_by("name")
        from policies.models import Objective

        self.fields["objectives"].queryset = (
            Objective.objects.restrict(user, "view").select_related("site").order_by("title")
        )
        self.fields["objectives"].label_from_instance = lambda o: f"{o.title} ({o.site.code if o.site else '—'})"
        documents = ControlledDocument.objects.restrict(user, "view").filter(is_active=True).order_by("number")
        self.fields["documents"].queryset = documents.exclude(doc_type=DocumentType.PROCESS_MAP)
        self.fields["documents"].label_from_instance = lambda d: f"{d.number} {d.title}"
        self.fields["map_document"].queryset = documents.filter(doc_type=DocumentType.PROCESS_MAP)
        self.fields["map_document"].label_from_instance = lambda d: f"{d.number} {d.title}"
        clauses = self.fields["clauses"]
        clauses.queryset = Clause.objects.filter(standard__is_active=True).select_related("standard")
        clauses.widget.choices = clauses.grouped_choices()
        for name in ("sites", "functions", "objectives", "documents"):
            self.fields[name].widget.attrs.setdefault("size", 6)

    @property
    def fieldsets(self):
        return [(legend, [self[name] for name in names]) for legend, names in self.fieldsets_spec]

    def clean_code(self):
        return (self.cleaned_data.get("code") or "").strip().upper()

    def _post_clean(self):
        """The service validates and saves; nothing is written to the instance here."""

    @property
    def process_data(self) -> dict:
        data = {name: self.cleaned_data[name] for name in self._meta.fields if name in self.cleaned_data}
        if self.instance.pk:
            data.pop("code", None)
        return data


class InteractionForm(forms.Form):
    """On a process page: this process hands ``description`` to ``target``."""

    target = forms.ModelChoiceField(queryset=Process.objects.none(), label=_("Hands output to"))
    description = forms.CharField(label=_("What passes"), max_length=200, required=False)

    def __init__(self, *args, user=None, source: Process | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        targets = Process.objects.restrict(user, "view").filter(is_active=True).order_by("code")
        if source is not None:
            targets = targets.exclude(pk=source.pk)
        self.fields["target"].queryset = targets


class InteractionEditForm(UserFormMixin, forms.ModelForm):
    class Meta:
        model = ProcessInteraction
        fields = ["description"]

    def _post_clean(self):
        """The service validates and saves."""

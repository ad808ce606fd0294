"""Forms of the objective pages. Each accepts ``user``: choices are limited to what the user may do.

Forms validate input; ``policies.services`` makes the change and checks the cascade again.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ims.access.permissions import has_global_permission, user_sites
from ims.org.forms import DateInput, UserFormMixin
from ims.org.models import Function, Person, Site

from .choices import ObjectiveStatus
from .constants import RACI_DOCUMENT_TYPES
from .models import Objective, ObjectiveReading
from .services import TRANSITIONS, CellChange


class ObjectiveForm(UserFormMixin, forms.ModelForm):
    """Sites limited to those where the user may add (or change) objectives; company level for global holders."""

    class Meta:
        model = Objective
        fields = [
            "title",
            "description",
            "discipline",
            "site",
            "function",
            "parent",
            "kpi",
            "unit",
            "direction",
            "target",
            "target_min",
            "target_max",
            "baseline",
            "owner",
            "start_date",
            "due_date",
            "status",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 3}), "start_date": DateInput(), "due_date": DateInput()}
        help_texts = {"target": _("For “higher” or “lower is better”."), "target_min": _("For “within a range”.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        action = "change" if self.instance.pk else "add"
        perm = f"policies.{action}_objective"
        sites = user_sites(self.user, perm)
        self.fields["site"].queryset = sites if self.instance.pk else sites.filter(is_active=True)
        self.company_allowed = has_global_permission(self.user, perm)
        if not self.company_allowed:
            self.fields["site"].required = True
            self.fields["site"].help_text = _("Company-wide objectives are set by a global administrator.")
        self.fields["function"].queryset = Function.objects.filter(is_active=True)
        parents = Objective.objects.restrict(self.user, "view").exclude(status=ObjectiveStatus.CANCELLED)
        parents = parents.filter(function__isnull=True).select_related("site")
        if self.instance.pk:
            parents = parents.exclude(pk=self.instance.pk)
        self.fields["parent"].queryset = parents
        self.fields["owner"].queryset = Person.objects.restrict(self.user, "view").filter(is_active=True)
        current = self.instance.status if self.instance.pk else None
        allowed = (
            {ObjectiveStatus.DRAFT, ObjectiveStatus.ACTIVE} if current is None else {current, *TRANSITIONS[current]}
        )
        allowed.discard(ObjectiveStatus.CANCELLED)  # cancelling has its own button, with a reason
        self.fields["status"].choices = [(v, label) for v, label in ObjectiveStatus.choices if v in allowed]

    def fieldsets(self):
        sets = [
            (_("Objective"), ["title", "description", "discipline", "owner", "status"]),
            (_("Cascade"), ["site", "function", "parent"]),
            (_("Measure"), ["kpi", "unit", "direction", "target", "target_min", "target_max", "baseline"]),
            (_("Period"), ["start_date", "due_date"]),
        ]
        return [(legend, [self[n] for n in names if n in self.fields]) for legend, names in sets]

    @property
    def objective_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in self._meta.fields if name in self.cleaned_data}


class ObjectiveReadingForm(UserFormMixin, forms.ModelForm):
    class Meta:
        model = ObjectiveReading
        fields = ["objective", "period_end", "value", "comment"]
        widgets = {"period_end": DateInput(), "comment": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["objective"].disabled = True
            self.fields["objective"].queryset = Objective.objects.filter(pk=self.instance.objective_id)
            return
        self.fields["objective"].queryset = (
            Objective.objects.restrict(self.user, "view")
            .exclude(status=ObjectiveStatus.CANCELLED)
            .filter(site__in=user_sites(self.user, "policies.add_objectivereading"))
            if not has_global_permission(self.user, "policies.add_objectivereading")
            else Objective.objects.exclude(status=ObjectiveStatus.CANCELLED)
        ).select_related("site")

    @property
    def reading_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in self._meta.fields if name in self.cleaned_data}


# --- Roles and responsibilities ---------------------------------------------------------------------------

CELL_PREFIX = "cell"


def cell_name(document_id: int, role_id: int) -> str:
    """The name of a grid cell's ``<select>``: ``cell-<document id>-<role id>``."""
    return f"{CELL_PREFIX}-{document_id}-{role_id}"


def grid_changes(data) -> list[CellChange]:
    """The cells posted by the RACI grid; a malformed cell name is a ValidationError (nothing is saved)."""
    changes = []
    for name, value in data.items():
        if not name.startswith(f"{CELL_PREFIX}-"):
            continue
        parts = name.split("-")
        if len(parts) != 3 or not parts[1].isdigit() or not parts[2].isdigit():
            raise forms.ValidationError(_("The grid holds an unknown cell: %(name)s.") % {"name": name})
        changes.append(CellChange(document_id=int(parts[1]), role_id=int(parts[2]), assignment=value))
    return changes


class RaciFilterForm(forms.Form):
    """The grid's filters: one document type (procedures and policies) and one site."""

    doc_type = forms.ChoiceField(
        label=_("Document type"),
        required=False,
        choices=[("", _("Procedures and policies"))] + [(t.value, t.label) for t in RACI_DOCUMENT_TYPES],
    )
    site = forms.ModelChoiceField(
        label=_("Site"), required=False, queryset=Site.objects.none(), empty_label=_("All sites")
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = Site.objects.restrict(user, "view").active()

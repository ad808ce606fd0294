"""Forms of CAPA: open and describe, root-cause analysis, actions and their evidence, retraining, effectiveness
check, reopening. Choices are limited to what the user may do."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ims.access.permissions import user_sites
from ims.org.models import Person

from .choices import (
    REOPEN_TARGETS,
    ActionKind,
    CapaKind,
    CapaSource,
    CapaState,
    CheckCriterion,
    FishboneCategory,
    RootCauseCategory,
)
from .models import Capa

DATE = forms.DateInput(attrs={"type": "date"})
TEXT = forms.Textarea(attrs={"rows": 3})
RATINGS = [("", "—"), *[(n, str(n)) for n in range(1, 6)]]


def people_at_sites(sites):
    return Person.objects.filter(is_active=True, memberships__site__in=sites).distinct().order_by("last_name")


class CapaForm(forms.Form):
    site = forms.ModelChoiceField(label=_("Site"), queryset=None)
    kind = forms.ChoiceField(label=_("Kind"), choices=CapaKind.choices, initial=CapaKind.CAPA)
    title = forms.CharField(label=_("Title"), max_length=200)
    source = forms.ChoiceField(label=_("Source"), choices=CapaSource.choices)
    source_label = forms.CharField(
        label=_("Source reference"), max_length=200, required=False, help_text=_("e.g. complaint or 483 number")
    )
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=None)
    due_date = forms.DateField(label=_("Target date"), widget=DATE, required=False)
    description = forms.CharField(label=_("Description"), widget=TEXT, required=False)
    impact_quality = forms.CharField(label=_("Impact on quality"), widget=TEXT, required=False)
    impact_safety = forms.CharField(label=_("Impact on safety"), widget=TEXT, required=False)
    impact_environment = forms.CharField(label=_("Impact on the environment"), widget=TEXT, required=False)
    severity = forms.TypedChoiceField(
        label=_("Severity (1–5)"), choices=RATINGS, coerce=int, empty_value=None, required=False
    )
    occurrence = forms.TypedChoiceField(
        label=_("Occurrence (1–5)"), choices=RATINGS, coerce=int, empty_value=None, required=False
    )
    containment = forms.CharField(label=_("Containment"), widget=TEXT, required=False)

    def __init__(self, *args, user=None, instance: Capa | None = None, **kwargs):
        if instance is not None and not kwargs.get("data"):
            kwargs["initial"] = {
                name: getattr(instance, name) for name in (
                    "kind", "title", "source", "source_label", "due_date", "description", "impact_quality",
                    "impact_safety", "impact_environment", "severity", "occurrence", "containment",
                )
            } | {"site": instance.site_id, "owner": instance.owner_id}  # fmt: skip
        super().__init__(*args, **kwargs)
        self.instance = instance
        sites = user_sites(user, "capa.add_capa" if instance is None else "capa.change_capa").filter(is_active=True)
        self.fields["site"].queryset = sites
        self.fields["owner"].queryset = people_at_sites(sites)
        if instance is not None:
            for fixed in ("site", "source", "source_label"):
                self.fields[fixed].disabled = True
                self.fields[fixed].required = False


class RcaForm(forms.Form):
    whys = forms.CharField(
        label=_("5 Whys"), widget=forms.Textarea(attrs={"rows": 5}), required=False,
        help_text=_("One “why?” answer per line, in order; the last is the root cause."),
    )  # fmt: skip
    root_cause = forms.CharField(label=_("Root cause"), widget=TEXT, required=False)
    root_cause_category = forms.ChoiceField(
        label=_("Root cause category"), choices=[("", "—"), *RootCauseCategory.choices], required=False
    )

    def __init__(self, *args, capa: Capa, **kwargs):
        kwargs.setdefault(
            "initial",
            {
                "whys": "\n".join(capa.whys or []),
                "root_cause": capa.root_cause,
                "root_cause_category": capa.root_cause_category,
                **{f"fishbone_{c}": "\n".join((capa.fishbone or {}).get(c, [])) for c in FishboneCategory.values},
            },
        )
        super().__init__(*args, **kwargs)
        for value, label in FishboneCategory.choices:
            self.fields[f"fishbone_{value}"] = forms.CharField(
                label=label, widget=forms.Textarea(attrs={"rows": 2}), required=False,
                help_text=_("Causes, one per line."),
            )  # fmt: skip

    def rca(self) -> dict:
        data = self.cleaned_data
        return {
            "whys": data["whys"].splitlines(),
            "fishbone": {c: data[f"fishbone_{c}"].splitlines() for c in FishboneCategory.values},
            "root_cause": data["root_cause"],
            "root_cause_category": data["root_cause_category"],
        }


class ActionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=ActionKind.choices)
    title = forms.CharField(label=_("What is to be done"), max_length=200)
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=None)
    due_date = forms.DateField(label=_("Due"), widget=DATE)
    description = forms.CharField(label=_("Description"), widget=TEXT, required=False)

    def __init__(self, *args, capa: Capa, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = Person.objects.filter(is_active=True).order_by("last_name")


class ActionCompleteForm(forms.Form):
    evidence_note = forms.CharField(label=_("Evidence"), widget=TEXT, required=False)
    evidence_file = forms.FileField(
        label=_("Evidence file"), required=False, help_text=_("PDF, Word, Excel, PNG or JPEG.")
    )


class RetrainingForm(forms.Form):
    people = forms.ModelMultipleChoiceField(label=_("Who is retrained"), queryset=None)
    course_code = forms.CharField(label=_("Course code"), max_length=40)
    due_date = forms.DateField(label=_("Due"), widget=DATE)

    def __init__(self, *args, capa: Capa, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["people"].queryset = people_at_sites([capa.site_id])


class CheckForm(forms.Form):
    criterion = forms.ChoiceField(label=_("Criterion"), choices=[("", "—"), *CheckCriterion.choices], required=False)
    objective = forms.ModelChoiceField(label=_("Objective (KPI)"), queryset=None, required=False)
    window_start = forms.DateField(label=_("Window from"), widget=DATE, required=False)
    due_date = forms.DateField(label=_("Evaluate on (KPI)"), widget=DATE, required=False)
    months = forms.IntegerField(label=_("Months without recurrence"), min_value=1, max_value=60, required=False)

    def __init__(self, *args, capa: Capa, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        from policies.models import Objective

        self.fields["objective"].queryset = Objective.objects.restrict(user, "view").filter(
            site_id__in=[capa.site_id]
        ) | Objective.objects.restrict(user, "view").filter(site__isnull=True)


class ReopenForm(forms.Form):
    to_state = forms.ChoiceField(
        label=_("Back to"), choices=[(s, CapaState(s).label) for s in REOPEN_TARGETS], initial=CapaState.INVESTIGATION
    )
    reason = forms.CharField(label=_("Reason"), widget=TEXT)

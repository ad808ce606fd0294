"""Forms of rollout plans: choices are only what the user may see (and, for sites, manage)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ims.access.permissions import user_sites
from ims.org.forms import UserFormMixin
from ims.org.models import Person

from .choices import PlanStatus
from .models import Phase, PlanCriterion, RolloutPlan, Task
from .selectors import registered_criteria_choices

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _people(user):
    return Person.objects.restrict(user, "view").filter(is_active=True).order_by("last_name", "first_name")


class PlanForm(UserFormMixin, forms.ModelForm):
    immutable_fields = ("site",)

    class Meta:
        model = RolloutPlan
        fields = ["site", "title", "owner", "start_date", "target_go_live", "status"]
        widgets = {"start_date": DATE, "target_go_live": DATE}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = user_sites(self.user, "implementation.add_rolloutplan").order_by("code")
        self.fields["owner"].queryset = _people(self.user)
        if not self.instance.pk:
            del self.fields["status"]
        else:
            self.fields["status"].choices = [c for c in PlanStatus.choices if c[0] != PlanStatus.LIVE] if (
                self.instance.status != PlanStatus.LIVE) else PlanStatus.choices  # fmt: skip


class PhaseForm(UserFormMixin, forms.ModelForm):
    class Meta:
        model = Phase
        fields = ["name", "step", "position"]


class TaskForm(UserFormMixin, forms.ModelForm):
    evidence_url = forms.URLField(label=_("Evidence link"), required=False, assume_scheme="https", max_length=200)
    depends_on = forms.ModelMultipleChoiceField(
        queryset=Task.objects.none(), required=False, label=_("Depends on"),
        help_text=_("Tasks of this plan that must be done first."),
    )  # fmt: skip

    class Meta:
        model = Task
        fields = ["phase", "title", "owner", "start_date", "due_date", "status", "evidence", "evidence_url"]
        widgets = {"start_date": DATE, "due_date": DATE, "evidence": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, plan: RolloutPlan, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["phase"].queryset = plan.phases.filter(is_active=True).order_by("position")
        self.fields["owner"].queryset = _people(self.user)
        others = plan.tasks.filter(is_active=True)
        if self.instance.pk:
            others = others.exclude(pk=self.instance.pk)
            self.fields["depends_on"].initial = list(self.instance.depends_on.values_list("pk", flat=True))
        self.fields["depends_on"].queryset = others.order_by("due_date", "pk")


class CriterionForm(UserFormMixin, forms.ModelForm):
    key = forms.ChoiceField(label=_("Registered criterion"), required=False)

    class Meta:
        model = PlanCriterion
        fields = ["key", "description", "step", "threshold", "mandatory", "met", "evidence"]
        widgets = {"evidence": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["key"].choices = [("", _("— a manual criterion —")), *registered_criteria_choices()]
        if self.instance.pk:
            self.fields["key"].disabled = True
            if self.instance.key:
                del self.fields["met"]
        else:
            del self.fields["met"]
            del self.fields["evidence"]


class WaiverForm(forms.Form):
    justification = forms.CharField(label=_("Justification"), widget=forms.Textarea(attrs={"rows": 4}),
                                    max_length=4000)  # fmt: skip

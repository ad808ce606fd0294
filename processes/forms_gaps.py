"""Forms of gap analysis: plan an assessment, record a result, raise an action, draft a statement."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ims.access.permissions import user_sites
from ims.actions.registry import action_kinds
from ims.documents.models import ControlledDocument
from ims.org.models import Person, Site

from .models import AssessmentStatus, ClauseResult, GapAssessment, Process, ResultStatus, Standard

DATE = forms.DateInput(attrs={"type": "date"})


class AssessmentForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    sites = forms.ModelMultipleChoiceField(
        label=_("Sites"), queryset=Site.objects.none(), help_text=_("One site, or several for a campaign.")
    )
    standards = forms.ModelMultipleChoiceField(label=_("Standards"), queryset=Standard.objects.none())
    lead_assessor = forms.ModelChoiceField(label=_("Lead assessor"), queryset=Person.objects.none())
    planned_start = forms.DateField(label=_("Planned start"), widget=DATE)
    planned_end = forms.DateField(label=_("Planned end"), widget=DATE, required=False)
    scope = forms.CharField(label=_("Scope"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    based_on = forms.ModelChoiceField(
        label=_("Start from"),
        queryset=GapAssessment.objects.none(),
        required=False,
        help_text=_("Copy the answers and evidence of an earlier assessment for the same sites and clauses."),
    )

    def __init__(self, *args, user=None, instance=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sites"].queryset = user_sites(user, "processes.add_gapassessment").filter(is_active=True)
        self.fields["standards"].queryset = Standard.objects.filter(is_active=True)
        self.fields["lead_assessor"].queryset = Person.objects.filter(
            is_active=True, memberships__isnull=False
        ).distinct()
        self.fields["based_on"].queryset = GapAssessment.objects.restrict(user, "view").exclude(
            status=AssessmentStatus.DRAFT
        )


class ResultForm(forms.ModelForm):
    status = forms.ChoiceField(
        label=_("Result"), choices=[("", _("Not answered yet")), *ResultStatus.choices], required=False
    )

    class Meta:
        model = ClauseResult
        fields = [
            "status",
            "justification",
            "finding",
            "evidence_documents",
            "evidence_processes",
            "evidence_records",
            "owner",
            "due_date",
        ]
        widgets = {
            "justification": forms.Textarea(attrs={"rows": 2}),
            "finding": forms.Textarea(attrs={"rows": 3}),
            "evidence_records": forms.Textarea(attrs={"rows": 2}),
            "due_date": DATE,
        }

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["evidence_documents"].queryset = ControlledDocument.objects.restrict(user, "view")
        self.fields["evidence_processes"].queryset = Process.objects.restrict(user, "view")
        self.fields["evidence_documents"].required = False
        self.fields["evidence_processes"].required = False
        self.fields["owner"].queryset = Person.objects.filter(
            is_active=True, memberships__site=self.instance.site_id
        ).distinct()

    def _post_clean(self):
        """The service validates (with clear messages); the model's own check would pre-empt it."""


class RaiseActionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=())
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=Person.objects.none(), required=False)
    due_date = forms.DateField(label=_("Due"), widget=DATE, required=False)

    def __init__(self, *args, result=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(k.key, k.label) for k in action_kinds()]
        if result is not None:
            self.fields["owner"].queryset = Person.objects.filter(
                is_active=True, memberships__site=result.site_id
            ).distinct()


class StatementForm(forms.Form):
    site = forms.ModelChoiceField(label=_("Site"), queryset=Site.objects.none())
    standards = forms.ModelMultipleChoiceField(
        label=_("Standards"),
        queryset=Standard.objects.none(),
        required=False,
        help_text=_("Leave empty to keep those of the current statement."),
    )
    source_assessment = forms.ModelChoiceField(
        label=_("Take exclusions from"),
        queryset=GapAssessment.objects.none(),
        required=False,
        help_text=_("The clauses a completed assessment found not applicable at the site, with its justifications."),
    )
    change_summary = forms.CharField(
        label=_("Change summary"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )

    def __init__(self, *args, user=None, instance=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = user_sites(user, "processes.add_applicabilitystatement").filter(is_active=True)
        self.fields["standards"].queryset = Standard.objects.filter(is_active=True)
        self.fields["source_assessment"].queryset = GapAssessment.objects.restrict(user, "view").filter(
            status__in=[AssessmentStatus.COMPLETED, AssessmentStatus.APPROVED]
        )

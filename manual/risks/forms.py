"""Forms of the register: choices are only what the user may see (and, for sites, add at)."""

from __future__ import annotations

from django import forms
from django.apps import apps
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ims.access.permissions import user_sites
from ims.documents.models import ControlledDocument
from ims.org.forms import UserFormMixin
from ims.org.models import Person, Site
from ims.web.lookups import SearchSelect

from . import obligations, services
from .models import ComplianceEvaluation, Control, Obligation, RiskEntry, ScoringMethod

TEXTAREA = forms.Textarea(attrs={"rows": 3})
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ServiceSavedForm(UserFormMixin, forms.ModelForm):
    """The service validates and saves; nothing is written to the instance here."""

    def _post_clean(self):
        pass

    @property
    def data_for_service(self) -> dict:
        return {name: self.cleaned_data[name] for name in self._meta.fields if name in self.cleaned_data}


class EntryForm(ServiceSavedForm):
    immutable_fields = ("reference",)
    reference = forms.CharField(
        label=_("Reference"), max_length=40, required=False, help_text=_("Leave empty for the next free one.")
    )

    class Meta:
        model = RiskEntry
        fields = [
            "kind", "reference", "site", "process", "title", "description", "owner", "review_date",
            "hazard", "aspect", "impact", "operating_condition", "activity", "people_exposed", "existing_controls",
            "inherent_severity", "inherent_likelihood", "inherent_detectability",
            "residual_severity", "residual_likelihood", "residual_detectability", "residual_justification",
        ]  # fmt: skip
        widgets = {
            "description": TEXTAREA, "hazard": TEXTAREA, "aspect": TEXTAREA, "impact": TEXTAREA,
            "activity": TEXTAREA, "people_exposed": TEXTAREA, "existing_controls": TEXTAREA,
            "residual_justification": TEXTAREA, "review_date": DATE, "owner": SearchSelect(lookup="people"),
        }  # fmt: skip

    fieldsets_spec = (
        (_("Entry"), ("kind", "reference", "site", "process", "title", "description", "owner", "review_date")),
        (_("Quality risk (ICH Q9) and OH&S hazard"), ("hazard", "activity", "people_exposed", "existing_controls")),
        (_("Environmental aspect"), ("aspect", "impact", "operating_condition")),
        (_("Before controls (inherent)"), ("inherent_severity", "inherent_likelihood", "inherent_detectability")),
        (_("After controls (residual)"), ("residual_severity", "residual_likelihood", "residual_detectability",
                                          "residual_justification")),
    )  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = self.user
        perm = "risks.change_riskentry" if self.instance.pk else services.PERM_ADD
        sites = user_sites(user, perm).filter(is_active=True)
        if self.instance.pk:
            sites = sites | Site._base_manager.filter(pk=self.instance.site_id)
        self.fields["site"].queryset = sites.distinct().order_by("code")
        self.fields["process"].queryset = (
            apps.get_model("processes", "Process")
            .objects.restrict(user, "view")
            .filter(is_active=True)
            .order_by("code")
        )
        self.fields["owner"].queryset = Person.objects.restrict(user, "view").filter(is_active=True)
        if self.instance.pk:
            self.fields["reference"].initial = self.instance.reference
        for name in ("inherent_detectability", "residual_detectability"):
            self.fields[name].help_text = _("RPN methods only (quality risks by default).")

    @property
    def fieldsets(self):
        return [(legend, [self[name] for name in names]) for legend, names in self.fieldsets_spec]

    @property
    def entry_data(self) -> dict:
        data = self.data_for_service
        if self.instance.pk:
            data.pop("reference", None)
        return data


class ControlForm(ServiceSavedForm):
    class Meta:
        model = Control
        fields = ["description", "procedure", "course", "capa"]
        widgets = {"description": TEXTAREA}

    def __init__(self, *args, entry: RiskEntry | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        user = self.user
        entry = entry or (self.instance.entry if self.instance.pk else None)
        site_id = entry.site_id if entry is not None else None
        documents = ControlledDocument.objects.restrict(user, "view").filter(is_active=True).order_by("number")
        courses = apps.get_model("training", "Course").objects.restrict(user, "view").order_by("pk")
        capas = apps.get_model("capa", "Capa").objects.restrict(user, "view").order_by("-pk")
        if site_id is not None:
            documents = documents.filter(pk__in=ControlledDocument._base_manager.filter(sites=site_id).values("pk"))
            courses = courses.filter(pk__in=courses.model._base_manager.filter(sites=site_id).values("pk"))
            capas = capas.filter(site_id=site_id)
        self.fields["procedure"].queryset = documents
        self.fields["procedure"].label_from_instance = lambda d: f"{d.number} {d.title}"
        self.fields["course"].queryset = courses
        self.fields["capa"].queryset = capas


class ObligationForm(ServiceSavedForm):
    class Meta:
        model = Obligation
        fields = [
            "title", "obligation_type", "jurisdiction", "sites", "clause", "requirement_summary", "owner",
            "evaluation_interval_months", "next_evaluation",
        ]  # fmt: skip
        widgets = {
            "requirement_summary": TEXTAREA, "next_evaluation": DATE, "owner": SearchSelect(lookup="people"),
            "clause": forms.NumberInput,
        }  # fmt: skip
        help_texts = {"clause": _("Id of the clause in the standards library (optional).")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        perm = "risks.change_obligation" if self.instance.pk else obligations.PERM_ADD
        sites = user_sites(self.user, perm).filter(is_active=True)
        if self.instance.pk:
            sites = sites | self.instance.sites.all()
        self.fields["sites"].queryset = sites.distinct().order_by("code")
        self.fields["owner"].queryset = Person.objects.restrict(self.user, "view").filter(is_active=True)


class EvaluationForm(ServiceSavedForm):
    class Meta:
        model = ComplianceEvaluation
        fields = ["site", "evaluated_on", "result", "evidence", "evidence_document", "next_evaluation"]
        widgets = {"evaluated_on": DATE, "next_evaluation": DATE, "evidence": TEXTAREA}

    def __init__(self, *args, obligation: Obligation | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["next_evaluation"].required = False
        self.fields["next_evaluation"].help_text = _("Empty: the evaluation interval from the evaluation date.")
        self.fields["evaluated_on"].initial = timezone.localdate()
        sites = user_sites(self.user, obligations.PERM_EVALUATE).filter(is_active=True)
        obligation = obligation or (self.instance.obligation if self.instance.pk else None)
        if obligation is not None:
            sites = sites.filter(pk__in=obligation.sites.values("pk"))
        self.fields["site"].queryset = sites.order_by("code")
        self.fields["evidence_document"].queryset = (
            ControlledDocument.objects.restrict(self.user, "view").filter(is_active=True).order_by("number")
        )
        self.fields["evidence_document"].label_from_instance = lambda d: f"{d.number} {d.title}"
        if self.instance.pk:
            for name in ("site", "evaluated_on"):
                self.fields[name].disabled = True


class ScoringMethodForm(ServiceSavedForm):
    class Meta:
        model = ScoringMethod
        fields = ["kind", "severity_max", "likelihood_max", "detectability_max", "medium_from", "high_from"]


class EntryReviewForm(forms.Form):
    next_review = forms.DateField(label=_("Next review"), widget=DATE)

"""Forms of the KPI pages: choices are only what the user may see (and, for sites, add at)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ims.access.permissions import user_sites
from ims.indicators.kpi_sources import sources_all
from ims.org.forms import UserFormMixin
from ims.org.models import Person
from ims.web.lookups import SearchSelect

from .models import Kpi, Reading
from .services import KPI_FIELDS, PERM_ADD_KPI, PERM_ADD_READING


class KpiForm(UserFormMixin, forms.ModelForm):
    immutable_fields = ("code",)

    class Meta:
        model = Kpi
        fields = [*KPI_FIELDS[:13], "sites", *KPI_FIELDS[13:]]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "owner": SearchSelect(lookup="people"),
            "baseline_start": forms.DateInput(attrs={"type": "date"}),
            "baseline_end": forms.DateInput(attrs={"type": "date"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from policies.selectors import objective_queryset

        sites = user_sites(self.user, PERM_ADD_KPI).filter(is_active=True)
        if self.instance.pk:
            sites = sites | self.instance.sites.all()
        self.fields["sites"].queryset = sites.distinct().order_by("code")
        self.fields["owner"].queryset = Person.objects.restrict(self.user, "view").filter(is_active=True)
        self.fields["objective"].queryset = objective_queryset(user=self.user)
        self.fields["source_key"] = forms.ChoiceField(
            label=_("Computed source"),
            required=False,
            choices=[("", "—"), *[(s.key, s.label) for s in sources_all()]],
            help_text=_("For a computed KPI: what the portal measures."),
        )

    def clean_code(self):
        return (self.cleaned_data.get("code") or "").strip().upper()

    def _post_clean(self):
        """The service validates and saves."""

    @property
    def kpi_data(self) -> dict:
        data = {name: self.cleaned_data[name] for name in KPI_FIELDS if name in self.cleaned_data}
        if self.instance.pk:
            data.pop("code", None)
        data["sites"] = list(self.cleaned_data["sites"])
        return data


class ReadingForm(forms.Form):
    kpi = forms.ModelChoiceField(queryset=Kpi.objects.none(), label=_("KPI"))
    site = forms.ModelChoiceField(queryset=Kpi.objects.none(), label=_("Site"))
    period = forms.DateField(
        label=_("Period"), widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Any day of the month (or quarter) the value covers."),
    )  # fmt: skip
    value = forms.DecimalField(label=_("Value"), max_digits=14, decimal_places=4)
    denominator = forms.IntegerField(
        label=_("Denominator"), required=False, min_value=1, help_text=_("For a proportion: the units it counts.")
    )
    comment = forms.CharField(label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, user=None, instance=None, initial_kpi=None, **kwargs):
        self.user = user
        self.instance = instance
        super().__init__(*args, **kwargs)
        self.fields["kpi"].queryset = Kpi.objects.restrict(self.user, "view").active().order_by("code")
        self.fields["site"].queryset = user_sites(self.user, PERM_ADD_READING).filter(is_active=True).order_by("code")
        if initial_kpi is not None:
            self.fields["kpi"].initial = initial_kpi


class ReadingCorrectForm(UserFormMixin, forms.ModelForm):
    class Meta:
        model = Reading
        fields = ["value", "denominator", "comment"]
        widgets = {"comment": forms.Textarea(attrs={"rows": 2})}

    def _post_clean(self):
        """The service validates and saves."""


class ReadingImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV or XLSX file"),
        help_text=_("Columns: kpi, site, period (YYYY-MM), value, denominator (optional), comment (optional)."),
    )
    dry_run = forms.BooleanField(label=_("Check only (write nothing)"), required=False)

from __future__ import annotations

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ims.access.models import InspectorGrant
from ims.access.permissions import user_sites
from ims.org.forms import DateInput
from ims.reports.registry import section_choices, sections


class PackForm(forms.Form):
    title = forms.CharField(
        label=_("Title"),
        max_length=200,
        required=False,
        help_text=_("Shown on the cover, e.g. 'FDA PAI — Basel training and CAPA'."),
    )
    sites = forms.ModelMultipleChoiceField(label=_("Sites"), queryset=None, widget=forms.CheckboxSelectMultiple)
    period_start = forms.DateField(label=_("Records from"), widget=DateInput())
    period_end = forms.DateField(label=_("Records to"), widget=DateInput())
    sections = forms.MultipleChoiceField(label=_("Sections"), choices=(), widget=forms.CheckboxSelectMultiple)
    grant = forms.ModelChoiceField(
        label=_("For the inspection"),
        queryset=None,
        required=False,
        help_text=_("Once released, the pack is offered to this inspection's inspector in the inspection room."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.fields["sites"].queryset = user_sites(user, "evidence.add_evidencepack").order_by("code")
        self.fields["sections"].choices = section_choices()
        self.fields["sections"].initial = [code for code, _label in section_choices()]
        self.fields["period_start"].initial = today - datetime.timedelta(days=365)
        self.fields["period_end"].initial = today
        self.fields["grant"].queryset = (
            InspectorGrant.objects.restrict(user, "view").active().select_related("inspector").order_by("-valid_from")
        )
        self.option_names = []
        self.option_readers = {}
        for section in sections():
            for name, label in section.option_labels.items():
                field_name = "option__" + name.replace(".", "__")
                reader = section.option_references.get(name)
                self.fields[field_name] = forms.CharField(
                    label=f"{section.title}: {label}",
                    required=False,
                    max_length=4000,
                    widget=forms.TextInput(attrs={"autocomplete": "off"}),
                    help_text=(reader.help_text if reader else _("Record ids")) + " " + _("Separate them by commas."),
                )
                self.option_names.append((field_name, name))
                self.option_readers[name] = reader

    @property
    def option_fields(self):
        return [self[field_name] for field_name, _name in self.option_names]

    def clean(self):
        data = super().clean()
        options = {}
        site_ids = [site.pk for site in data.get("sites") or ()]
        for field_name, name in self.option_names:
            raw = (data.get(field_name) or "").replace(";", ",").replace("\n", ",")
            values = list(dict.fromkeys(v.strip() for v in raw.split(",") if v.strip()))
            if not values:
                continue
            reader = self.option_readers.get(name)
            if reader is None:
                if any(not v.isdigit() for v in values):
                    self.add_error(field_name, _("Give record ids (numbers) separated by commas."))
                    continue
                options[name] = [int(v) for v in values]
                continue
            if not site_ids:
                continue  # the sites' own error says what is missing
            found = reader.resolve(values, site_ids)
            if missing := [v for v in values if v not in found]:
                self.add_error(
                    field_name,
                    _("Not found at the chosen sites: %(missing)s.") % {"missing": ", ".join(missing[:20])},
                )
                continue
            options[name] = sorted(set(found.values()))
        data["options"] = options
        return data

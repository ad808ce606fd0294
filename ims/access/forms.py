"""Forms of inspector access: granting (with the e-signature ceremony) and ending a grant."""

from __future__ import annotations

import datetime

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ims.documents.forms import SignatureStepForm
from ims.org.choices import RoleCode
from ims.org.forms import DateInput
from ims.org.models import Person, Site
from ims.reports.registry import section_choices

from .choices import Agency
from .permissions import user_sites

DEFAULT_GRANT_DAYS = 5
DEFAULT_RECORD_YEARS = 2


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


def inspector_accounts(user):
    """Accounts a grant can be given to: external inspectors and holders of the Inspector role the user sees."""
    inspectors = Q(external_inspector=True) | Q(memberships__role__code=RoleCode.INSPECTOR)
    visible = Person.objects.restrict(user, "view").values("pk")
    return (
        Person.objects.filter(inspectors, pk__in=visible, is_active=True)
        .distinct()
        .order_by("last_name", "first_name", "pk")
    )


class GrantForm(SignatureStepForm):
    """What the inspector may read, for how long; the grant is signed ("approved") in the same step.

    Most fields are optional here: the grant service says what is missing in words a quality manager reads
    (``ims.access.inspection.grant_validate``)."""

    inspector = forms.ModelChoiceField(
        queryset=Person.objects.none(), required=False, label=_("Existing inspector account"),
        help_text=_("Or create the account below."),
    )  # fmt: skip
    new_first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    new_last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    new_email = forms.EmailField(
        label=_("E-mail"), required=False, help_text=_("Their user ID. A first password is shown to you once.")
    )
    agency = forms.ChoiceField(label=_("Agency"), choices=[("", "—"), *Agency.choices], required=False)
    reference = forms.CharField(
        label=_("Inspection"), max_length=160, required=False,
        help_text=_("What the inspection is, e.g. 'FDA pre-approval inspection'."),
    )  # fmt: skip
    sites = forms.ModelMultipleChoiceField(
        queryset=Site.objects.none(), required=False, widget=forms.CheckboxSelectMultiple, label=_("Sites"),
        help_text=_("Only the sites where you may grant inspector access."),
    )  # fmt: skip
    sections = forms.MultipleChoiceField(
        choices=(), required=False, widget=forms.CheckboxSelectMultiple, label=_("Sections of evidence")
    )
    records_from = forms.DateField(label=_("Records from"), required=False, widget=DateInput())
    records_to = forms.DateField(label=_("Records to"), required=False, widget=DateInput())
    valid_from = forms.DateTimeField(label=_("Access from"), required=False, widget=DateTimeLocalInput())
    valid_until = forms.DateTimeField(
        label=_("Access until"), required=False, widget=DateTimeLocalInput(),
        help_text=_("At most 90 days after the start."),
    )  # fmt: skip

    grant_fields = ("agency", "reference", "sites", "sections", "records_from", "records_to", "valid_from",
                    "valid_until")  # fmt: skip

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["reason"]
        self.fields["password"].help_text = _("Your password: you sign the grant.")
        self.fields["inspector"].queryset = inspector_accounts(user)
        self.fields["sites"].queryset = user_sites(user, "access.add_inspectorgrant").filter(is_active=True)
        self.fields["sections"].choices = section_choices()
        if not self.is_bound:
            now = timezone.localtime().replace(second=0, microsecond=0)
            today = now.date()
            self.initial.setdefault("valid_from", now)
            self.initial.setdefault("valid_until", now + datetime.timedelta(days=DEFAULT_GRANT_DAYS))
            self.initial.setdefault("records_to", today)
            self.initial.setdefault("records_from", _years_before(today, DEFAULT_RECORD_YEARS))
            self.initial.setdefault("sections", [code for code, _label in section_choices()])

    @property
    def new_inspector(self) -> dict | None:
        """The account to create, when any of its fields is filled (the service checks the rest)."""
        data = {
            "first_name": self.cleaned_data.get("new_first_name", ""),
            "last_name": self.cleaned_data.get("new_last_name", ""),
            "email": self.cleaned_data.get("new_email", ""),
        }
        return data if any(v.strip() for v in data.values()) else None

    @property
    def grant_data(self) -> dict:
        data = {name: self.cleaned_data.get(name) for name in self.grant_fields}
        data["agency"] = data["agency"] or ""
        data["reference"] = data["reference"] or ""
        data["sites"] = list(data["sites"] or [])
        data["sections"] = list(data["sections"] or [])
        data["inspector"] = self.cleaned_data.get("inspector")
        return data

    def fieldsets(self):
        sets = [
            (_("Inspector"), ["inspector", "new_first_name", "new_last_name", "new_email", "agency", "reference"]),
            (_("What they may read"), ["sites", "sections", "records_from", "records_to"]),
            (_("For how long"), ["valid_from", "valid_until"]),
        ]
        return [(legend, [self[n] for n in names]) for legend, names in sets]


class GrantEndForm(SignatureStepForm):
    """Ending a grant early: the reason and the signature."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].label = _("Why does the access end early?")
        self.fields["reason"].required = False  # the service says so in its words


def _years_before(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)

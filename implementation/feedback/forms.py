"""Forms of employee feedback: the employee's report, the kiosk's report and the QM's triage."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ims.org.models import Function, Person

from .choices import FeedbackKind, TriageDecision
from .services import submit_sites

DESCRIPTION = forms.Textarea(attrs={"rows": 5, "maxlength": 5000})


class KioskFeedbackForm(forms.Form):
    """The public form of a site's kiosk: always anonymous, nothing about the reporter is asked."""

    kind = forms.ChoiceField(
        label=_("What do you want to report?"), choices=FeedbackKind.choices, widget=forms.RadioSelect
    )
    location = forms.CharField(label=_("Where?"), max_length=200, required=False)
    description = forms.CharField(
        label=_("What happened, or what could be better?"), max_length=5000, widget=DESCRIPTION
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)


class FeedbackForm(KioskFeedbackForm):
    """An employee's report from the app (phone or desk), under their name or anonymously."""

    site = forms.ModelChoiceField(label=_("Site"), queryset=None)
    function = forms.ModelChoiceField(label=_("Function (optional)"), queryset=Function.objects.all(), required=False)
    anonymous = forms.BooleanField(
        label=_("Submit anonymously"),
        required=False,
        help_text=_(
            "Nothing about you is stored: not your name, your session, your address or your browser. You will not "
            "get status updates and the item will not appear under “My feedback”."
        ),
    )

    field_order = ["kind", "site", "function", "location", "description", "anonymous"]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        sites = submit_sites(user)
        self.fields["site"].queryset = sites
        if sites.count() == 1:
            self.fields["site"].initial = sites.first()


class TriageForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), choices=TriageDecision.choices, widget=forms.RadioSelect)
    outcome = forms.CharField(
        label=_("Outcome for the reporter"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What will be done, or why not. The reporter reads this."),
    )
    title = forms.CharField(label=_("Title of the action or CAPA"), max_length=200, required=False)
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=Person.objects.none(), required=False)
    due_date = forms.DateField(label=_("Due"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, user=None, item=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None:
            people = Person.objects.restrict(user, "view").filter(is_active=True)
            if item is not None:
                people = people.filter(memberships__site=item.site).distinct()
            self.fields["owner"].queryset = people.order_by("last_name", "first_name")

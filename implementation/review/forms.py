"""Forms of the management review pages. Choices are limited to what the user may do; the services check again."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ims.access.permissions import has_global_permission, user_sites
from ims.org.forms import DateInput, UserFormMixin
from ims.org.models import Person, Site

from .models import ManagementReview, ReviewDecision

PERM_ADD = "review.add_managementreview"


class ReviewForm(UserFormMixin, forms.ModelForm):
    class Meta:
        model = ManagementReview
        fields = ["title", "site", "period_start", "period_end", "meeting_date", "chair", "attendees", "minutes"]
        widgets = {
            "period_start": DateInput(),
            "period_end": DateInput(),
            "meeting_date": DateInput(),
            "minutes": forms.Textarea(attrs={"rows": 6}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        people = Person.objects.restrict(self.user, "view").filter(is_active=True).order_by("last_name", "first_name")
        self.fields["chair"].queryset = people
        self.fields["attendees"].queryset = people
        self.fields["attendees"].required = False
        if self.instance.pk:
            del self.fields["site"]
            if self.instance.held_at is not None:
                self.fields["period_start"].disabled = True
                self.fields["period_end"].disabled = True
            return
        self.fields["site"].queryset = user_sites(self.user, PERM_ADD).filter(is_active=True).order_by("code")
        if not has_global_permission(self.user, PERM_ADD):
            self.fields["site"].required = True
            self.fields["site"].help_text = _("Company-wide reviews are planned by a global administrator.")

    @property
    def review_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in self._meta.fields if name in self.cleaned_data}


class DecisionForm(forms.Form):
    text = forms.CharField(label=_("Decision"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000)


class ActionForm(forms.Form):
    title = forms.CharField(label=_("Action"), max_length=200)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=Person.objects.none())
    due_date = forms.DateField(label=_("Due"), widget=DateInput())
    decision = forms.ModelChoiceField(label=_("From decision"), queryset=ReviewDecision.objects.none(), required=False)
    site = forms.ModelChoiceField(label=_("Site"), queryset=Site.objects.none(), required=False)

    def __init__(self, *args, review: ManagementReview, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["owner"].queryset = Person.objects.restrict(self.user, "view").filter(is_active=True)
        self.fields["decision"].queryset = review.decisions.all()
        if review.site_id is not None:
            del self.fields["site"]
        else:
            self.fields["site"].queryset = Site.objects.restrict(self.user, "view").filter(is_active=True)
            self.fields["site"].required = True

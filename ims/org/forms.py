"""Forms of the organisation pages. Each accepts ``user``: choices are limited to what the user may do.

Forms validate input; the services in ``ims.org.services`` make the change. A site or role
a user may not grant is never offered, and the views check again before saving.
"""

from __future__ import annotations

import zoneinfo

from django import forms
from django.contrib.auth.password_validation import validate_password
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ims.access.permissions import has_global_permission, user_sites

from .models import Function, Membership, Person, Role, Site

TIMEZONE_CHOICES = [(tz, tz) for tz in sorted(zoneinfo.available_timezones()) if "/" in tz or tz == "UTC"]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def grantable_roles(user, perm: str):
    """Roles ``user`` may hand out: global roles only by someone who holds ``perm`` everywhere."""
    roles = Role.objects.all()
    if not has_global_permission(user, perm):
        roles = roles.filter(is_global=False)
    return roles


class UserFormMixin:
    """Accepts the ``user`` kwarg the generic edit view passes; codes never change after creation."""

    immutable_fields: tuple[str, ...] = ()

    def __init__(self, *args, user=None, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            for name in self.immutable_fields:
                if name in self.fields:
                    self.fields[name].disabled = True
                    self.fields[name].help_text = _("Records and exports refer to it, so it never changes.")


class SiteForm(UserFormMixin, forms.ModelForm):
    immutable_fields = ("code",)
    timezone = forms.ChoiceField(label=_("Time zone"), choices=TIMEZONE_CHOICES, initial="UTC")

    class Meta:
        model = Site
        fields = ["code", "name", "country", "timezone"]
        widgets = {"country": forms.TextInput(attrs={"maxlength": 2, "placeholder": "CH", "class": "text-uppercase"})}

    def clean_code(self):
        return (self.cleaned_data.get("code") or "").strip().upper()

    def clean_country(self):
        return (self.cleaned_data.get("country") or "").strip().upper()


class FunctionForm(UserFormMixin, forms.ModelForm):
    immutable_fields = ("code",)

    class Meta:
        model = Function
        fields = ["code", "name", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def clean_code(self):
        return (self.cleaned_data.get("code") or "").strip().upper()


class PersonForm(UserFormMixin, forms.ModelForm):
    """A person's details; on creation also their first membership (site, function, role)."""

    site = forms.ModelChoiceField(queryset=Site.objects.none(), label=_("Site"))
    function = forms.ModelChoiceField(queryset=Function.objects.none(), label=_("Function"))
    role = forms.ModelChoiceField(queryset=Role.objects.none(), label=_("Role"))
    valid_from = forms.DateField(label=_("Member from"), widget=DateInput(), initial=timezone.localdate)
    password = forms.CharField(
        label=_("Initial password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("Optional. At least 12 characters. Leave empty if the person signs in another way."),
    )

    membership_fields = ("site", "function", "role", "valid_from")

    class Meta:
        model = Person
        fields = ["first_name", "last_name", "username", "employee_id", "email", "job_title", "manager"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["manager"].queryset = (
            Person.objects.restrict(self.user, "view").filter(is_active=True).exclude(pk=self.instance.pk)
        )
        if self.instance.pk:
            for name in (*self.membership_fields, "password"):
                del self.fields[name]
            return
        self.fields["site"].queryset = user_sites(self.user, "org.add_person").filter(is_active=True)
        self.fields["function"].queryset = Function.objects.filter(is_active=True)
        self.fields["role"].queryset = grantable_roles(self.user, "org.add_membership")
        self.fields["role"].initial = Role.objects.filter(code="employee").values_list("pk", flat=True).first()

    def _unique_ignoring_case(self, name: str, message: str) -> str:
        """Usernames, employee ids and e-mails are unique ignoring case, deactivated people included."""
        value = (self.cleaned_data.get(name) or "").strip()
        if value and Person.objects.exclude(pk=self.instance.pk).filter(**{f"{name}__iexact": value}).exists():
            raise forms.ValidationError(message)
        return value

    def clean_username(self):
        return self._unique_ignoring_case(
            "username", _("This username is taken (perhaps by a deactivated person); usernames are never reused.")
        )

    def clean_employee_id(self):
        return self._unique_ignoring_case("employee_id", _("Another person already has this employee id."))

    def clean_email(self):
        return self._unique_ignoring_case("email", _("Another person already uses this e-mail address.")).lower()

    def clean_password(self):
        password = self.cleaned_data.get("password")
        if password:
            candidate = Person(
                username=self.cleaned_data.get("username", ""),
                first_name=self.cleaned_data.get("first_name", ""),
                last_name=self.cleaned_data.get("last_name", ""),
                email=self.cleaned_data.get("email", ""),
            )
            validate_password(password, candidate)
        return password

    @property
    def person_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in self._meta.fields if name in self.cleaned_data}

    @property
    def membership_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.membership_fields}

    # Fieldsets for the template: (legend, field names).
    def fieldsets(self):
        sets = [
            (_("Person"), ["first_name", "last_name", "job_title", "manager"]),
            (_("Account"), ["username", "employee_id", "email", "password"]),
            (_("First membership"), list(self.membership_fields)),
        ]
        return [
            (legend, [self[n] for n in names if n in self.fields])
            for legend, names in sets
            if any(n in self.fields for n in names)
        ]


class MembershipForm(UserFormMixin, forms.ModelForm):
    """Sites limited to those where the user may add (or change) memberships."""

    class Meta:
        model = Membership
        fields = ["person", "site", "function", "role", "valid_from", "valid_to"]
        widgets = {"valid_from": DateInput(), "valid_to": DateInput()}
        help_texts = {"valid_to": _("Leave empty while the membership lasts.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        action = "change" if self.instance.pk else "add"
        perm = f"org.{action}_membership"
        sites = user_sites(self.user, perm)
        self.fields["site"].queryset = sites if self.instance.pk else sites.filter(is_active=True)
        self.fields["role"].queryset = grantable_roles(self.user, perm)
        self.fields["function"].queryset = (
            Function.objects.all() if self.instance.pk else Function.objects.filter(is_active=True)
        )
        people = Person.objects.restrict(self.user, "view")
        if self.instance.pk:
            self.fields["person"].disabled = True
            self.fields["person"].queryset = Person.objects.filter(pk=self.instance.person_id)
        else:
            self.fields["person"].queryset = people.filter(is_active=True)

    @property
    def membership_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in self._meta.fields if name in self.cleaned_data}

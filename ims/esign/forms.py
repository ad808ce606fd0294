"""The sign dialog and the certification form. Credentials are checked by the ceremony service, not here."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import SignatureMeaning
from .services import MAX_REASON_LENGTH


class SignatureForm(forms.Form):
    username = forms.CharField(
        label=_("User ID"),
        required=False,
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"}),
    )
    password = forms.CharField(
        label=_("Password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}, render_value=False),
    )
    meaning = forms.ChoiceField(label=_("Meaning of my signature"), choices=SignatureMeaning.choices)
    reason = forms.CharField(
        label=_("Reason or comment"),
        required=False,
        max_length=MAX_REASON_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, meanings: tuple[str, ...] = (), ask_username: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if meanings:
            self.fields["meaning"].choices = [c for c in SignatureMeaning.choices if c[0] in meanings]
        if not ask_username:
            del self.fields["username"]
        self.ask_username = ask_username


class CertificationForm(forms.Form):
    username = SignatureForm.base_fields["username"]
    password = SignatureForm.base_fields["password"]

    def __init__(self, *args, ask_username: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not ask_username:
            del self.fields["username"]
        self.ask_username = ask_username

"""Forms of the document pages. Each accepts ``user``: sites and people offered are those the user may use.

Forms validate input; ``ims.documents.services`` makes the change (and checks the rules again).
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ims.access.permissions import user_sites
from ims.esign.services import MAX_REASON_LENGTH
from ims.org.forms import DateInput
from ims.org.models import Function, Person, Role

from .choices import Discipline
from .content_kinds import is_markdown
from .models import ControlledDocument, DocumentVersion

FILE_ACCEPT = ".pdf,.docx,application/pdf,application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def attachment_field() -> forms.FileField:
    return forms.FileField(
        label=_("File (PDF or DOCX)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": FILE_ACCEPT}),
        help_text=_("Optional: the controlled file itself. It is checked by its content, not only its name."),
    )


class ControlledDocumentForm(forms.ModelForm):
    disciplines = forms.MultipleChoiceField(
        label=_("Disciplines"),
        choices=Discipline.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("An integrated document serves several management systems."),
    )
    body = forms.CharField(label=_("Content (Markdown)"), required=False, widget=forms.Textarea(attrs={"rows": 12}))
    attachment = attachment_field()
    effective_date = forms.DateField(label=_("Planned effective date"), required=False, widget=DateInput())

    class Meta:
        model = ControlledDocument
        fields = [
            "number",
            "title",
            "doc_type",
            "disciplines",
            "owner",
            "sites",
            "functions",
            "roles",
            "review_interval_months",
            "requires_acknowledgement",
            "acknowledgement_days",
        ]
        widgets = {
            "sites": forms.CheckboxSelectMultiple,
            "functions": forms.CheckboxSelectMultiple,
            "roles": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, user=None, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
        sites = user_sites(user, "documents.add_controlleddocument")
        if self.instance.pk:
            sites = sites | self.instance.sites.all()
            self.fields["number"].disabled = True
            self.fields["number"].help_text = _("Records refer to the number, so it never changes.")
            for name in ("body", "attachment", "effective_date"):
                del self.fields[name]
        self.fields["sites"].queryset = sites.distinct().order_by("code")
        self.fields["functions"].queryset = Function.objects.filter(is_active=True)
        self.fields["functions"].required = False
        self.fields["roles"].queryset = Role.objects.filter(is_read_only=False).order_by("name")
        self.fields["roles"].required = False
        self.fields["acknowledgement_days"].required = False
        if not self.instance.pk:
            self.fields["requires_acknowledgement"].initial = True

        owners = Person.objects.restrict(user, "view").filter(is_active=True)
        if self.instance.pk:
            owners = owners | Person.objects.filter(pk=self.instance.owner_id)
        self.fields["owner"].queryset = owners.distinct()

    def clean_acknowledgement_days(self):
        value = self.cleaned_data.get("acknowledgement_days")
        return value if value is not None else (self.instance.acknowledgement_days or 14)

    def clean_number(self):
        return (self.cleaned_data.get("number") or "").strip().upper()


class DocumentVersionForm(forms.ModelForm):
    """Edit a draft (or start a new version: ``for_new=True``)."""

    attachment = attachment_field()
    remove_attachment = forms.BooleanField(label=_("Remove the current file"), required=False)

    class Meta:
        model = DocumentVersion
        fields = ["change_summary", "body", "effective_date"]
        widgets = {
            "body": forms.Textarea(attrs={"rows": 16, "class": "font-monospace"}),
            "change_summary": forms.Textarea(attrs={"rows": 3}),
            "effective_date": DateInput(),
        }

    def __init__(self, *args, user=None, for_new: bool = False, doc_type: str | None = None, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
        instance = self.instance
        doc_type = doc_type or (instance.document.doc_type if instance.pk else None)
        if doc_type and not is_markdown(doc_type):
            # Content of this kind is edited on its own page (e.g. the process-map modeler), never as Markdown.
            del self.fields["body"]
        if for_new or (instance.pk and instance.number > 1):
            self.fields["change_summary"].required = True
        if not instance.pk or not instance.attachment:
            del self.fields["remove_attachment"]


class SignatureStepForm(forms.Form):
    """The credentials of a review or approval signature (checked by the e-signature ceremony)."""

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
    reason = forms.CharField(
        label=_("Comment"), required=False, max_length=MAX_REASON_LENGTH, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, ask_username: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not ask_username:
            del self.fields["username"]

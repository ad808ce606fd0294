"""Forms of the request board: the inspector asks, the quality team provides."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from ims.access.models import InspectorGrant

from .models import EvidencePack
from .services_requests import request_links_clean


class RequestAskForm(forms.Form):
    grant = forms.ModelChoiceField(queryset=InspectorGrant.objects.none(), label=_("Inspection"), empty_label=None)
    subject = forms.CharField(label=_("What do you ask for?"), max_length=300,
                              help_text=_("E.g. 'CAPA log 2025 for Basel'."))  # fmt: skip
    detail = forms.CharField(label=_("Detail"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, grants, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grant"].queryset = grants
        if len(grants) == 1:
            self.fields["grant"].initial = grants[0].pk
            self.fields["grant"].widget = forms.HiddenInput()


class RequestProvideForm(forms.Form):
    answer = forms.CharField(label=_("Answer"), required=False, widget=forms.Textarea(attrs={"rows": 4}),
                             help_text=_("What the inspector reads."))  # fmt: skip
    links = forms.CharField(
        label=_("Records"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line: a path in the portal, optionally after a label and “|”, e.g. "
                    "“CAPA-BSL-2025-0012 | /capa/12/”."),
    )  # fmt: skip
    packs = forms.ModelMultipleChoiceField(
        queryset=EvidencePack.objects.none(), required=False, widget=forms.CheckboxSelectMultiple,
        label=_("Evidence packs"), help_text=_("Packs released for this inspection."),
    )  # fmt: skip

    def __init__(self, *args, inspection_request, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["packs"].queryset = EvidencePack.objects.filter(
            grant_id=inspection_request.grant_id, released_at__isnull=False
        ).order_by("-released_at")

    def clean_links(self) -> list[dict]:
        links = []
        for line in (self.cleaned_data.get("links") or "").splitlines():
            line = line.strip()
            if not line:
                continue
            label, _sep, url = line.rpartition("|")
            links.append({"label": label.strip(), "url": url.strip()})
        try:
            return request_links_clean(links)
        except ValidationError as error:
            raise ValidationError(error.message_dict["links"]) from None

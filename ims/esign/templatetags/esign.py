"""Template kit of the e-signatures: other apps sign and show signatures with two tags.

{% load esign %}
{% signature_block document_version %}          the manifestation, refreshed after each signing
{% sign_button document_version "approved" %}    opens the sign dialog (htmx + Bootstrap modal)
"""

from __future__ import annotations

from django import template
from django.urls import reverse

from ims.access.permissions import user_can_any_site

from .. import selectors, services
from ..choices import SignatureMeaning
from ..constants import REGISTER_PERMISSION
from ..registry import get_signable
from ..views import SIGNED_EVENT

register = template.Library()


def _record_args(record) -> list[str]:
    return [record._meta.label_lower, str(record.pk)]


@register.inclusion_tag("esign/sign_button.html", takes_context=True)
def sign_button(context, record, meaning: str = "", label: str = ""):
    entry = get_signable(type(record))
    if entry is None:
        raise template.TemplateSyntaxError(f"{record._meta.label} is not registered as signable")
    url = reverse("esign:sign", args=_record_args(record))
    if meaning:
        url += f"?meaning={meaning}"
    meaning_label = SignatureMeaning(meaning).label if meaning in SignatureMeaning.values else ""
    dom_id = f"esign-{record._meta.label_lower.replace('.', '-')}-{record.pk}-{meaning or 'any'}"
    return {
        "sign_url": url,
        "dom_id": dom_id,
        "label": label or (f"Sign: {meaning_label}" if meaning_label else "Sign"),
        "record": record,
        "request": context.get("request"),
    }


@register.inclusion_tag("esign/signature_block.html", takes_context=True)
def signature_block(context, record):
    request = context.get("request")
    viewer = getattr(request, "user", None)
    return {
        "record": record,
        "manifestations": selectors.manifestations_for(record, viewer=viewer),
        "block_url": reverse("esign:signature_block", args=_record_args(record)),
        "signed_event": SIGNED_EVENT,
    }


@register.inclusion_tag("esign/certification_card.html", takes_context=True)
def certification_card(context, person):
    certification = services.certification_current(person)
    manifestations = selectors.manifestations_for(certification, viewer=person) if certification else []
    return {
        "certification": certification,
        "manifestation": manifestations[0] if manifestations else None,
        "locked": services.signing_lock_open(person) is not None,
        "can_read_register": user_can_any_site(person, REGISTER_PERMISSION),
    }

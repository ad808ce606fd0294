"""Template helpers for the portal's pages: bootstrap form fields, status badges, detail attributes."""

from __future__ import annotations

import datetime

from django import forms, template
from django.db import models
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

register = template.Library()

_CHECKS = (forms.CheckboxInput,)
_SELECTS = (forms.Select, forms.SelectMultiple)
_CHOICE_LISTS = (forms.RadioSelect, forms.CheckboxSelectMultiple)


def widget_class(field) -> str:
    widget = field.field.widget
    if isinstance(widget, _CHECKS):
        return "form-check-input"
    if isinstance(widget, _CHOICE_LISTS):
        return ""
    if isinstance(widget, _SELECTS):
        return "form-select"
    return "form-control"


@register.filter
def bs_widget(field, extra: str = ""):
    """Render a bound field's widget with bootstrap classes (and ``is-invalid`` when it has errors)."""
    classes = [widget_class(field), field.field.widget.attrs.get("class", ""), extra]
    if field.errors:
        classes.append("is-invalid")
    attrs = {"class": " ".join(c for c in classes if c)}
    if field.errors:
        attrs["aria-describedby"] = f"{field.auto_id}_errors"
    elif field.help_text:
        attrs["aria-describedby"] = f"{field.auto_id}_help"
    return field.as_widget(attrs=attrs)


@register.inclusion_tag("web/includes/field.html")
def bs_field(field, compact: bool = False):
    """A form field with label, widget, help text and errors under it."""
    return {
        "field": field,
        "is_check": isinstance(field.field.widget, _CHECKS),
        "compact": compact,
    }


@register.filter
def is_checkbox(field) -> bool:
    return isinstance(field.field.widget, _CHECKS)


@register.simple_tag
def active_badge(is_active: bool, on: str | None = None, off: str | None = None):
    if is_active:
        return status_pill("success", on or _("Active"))
    return status_pill("muted", off or _("Inactive"))


def status_pill(style: str, label: str):
    """A soft, dotted status badge: success, warning, danger, info or muted."""
    return format_html('<span class="status-pill status-{}">{}</span>', style, label)


STATUS_STYLE = {
    "active": "success",
    "current": "success",
    "expired": "warning",
    "future": "info",
    "ended": "muted",
    "revoked": "muted",
}


@register.filter
def status_badge(status: str):
    """A status word as a badge, e.g. a token's ``active``/``expired``/``revoked``."""
    return status_pill(STATUS_STYLE.get(status, "muted"), _(status).capitalize())


@register.filter
def startswith(value, prefix) -> bool:
    return bool(value and prefix and str(value).startswith(str(prefix)))


def display_value(obj: models.Model, field: models.Field):
    value = getattr(obj, field.name)
    if field.choices and value not in (None, ""):
        value = getattr(obj, f"get_{field.name}_display")()
    if isinstance(field, models.BooleanField):
        return _("Yes") if value else _("No")
    if value in (None, ""):
        return mark_safe('<span class="text-body-tertiary">—</span>')  # noqa: S308
    if isinstance(value, datetime.datetime):
        return date_format(timezone.localtime(value), "DATETIME_FORMAT")
    if isinstance(value, datetime.date):
        return date_format(value, "DATE_FORMAT")
    if isinstance(value, models.Model) and hasattr(value, "get_absolute_url"):
        return format_html('<a href="{}">{}</a>', value.get_absolute_url(), value)
    return value


@register.simple_tag
def object_attributes(obj: models.Model, names=None) -> list[tuple[str, object]]:
    """(label, value) pairs for a detail card: the named fields, or every plain concrete field."""
    opts = obj._meta
    if names:
        fields = [opts.get_field(name) for name in names]
    else:
        fields = [f for f in opts.concrete_fields if not f.primary_key and f.editable and f.name not in {"password"}]
    return [(str(f.verbose_name).capitalize(), display_value(obj, f)) for f in fields]


@register.filter
def initials(person) -> str:
    """Up to two letters for an avatar: first and last name, else the username."""
    first = (getattr(person, "first_name", "") or "").strip()
    last = (getattr(person, "last_name", "") or "").strip()
    letters = (first[:1] + last[:1]) or (getattr(person, "username", "") or "?")[:2]
    return letters.upper()


@register.filter
def message_style(message) -> str:
    """Bootstrap alert style of a Django message level."""
    return {"error": "danger", "debug": "secondary"}.get(message.level_tag, message.level_tag or "info")


MESSAGE_ICONS = {"success": "check-circle", "error": "exclamation-octagon", "warning": "exclamation-triangle"}


@register.filter
def message_icon(message) -> str:
    return MESSAGE_ICONS.get(message.level_tag, "info-circle")

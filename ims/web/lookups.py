"""Search-as-you-type choices: a filter or form field over a large table (people, courses, documents) renders
only the chosen record, and a search box asks ``/lookup/<name>/`` for at most ``LIMIT`` matches as one types.

Apps register what can be looked up, once (``lookup_register``), with the queryset a user may see (always
``restrict()``-ed, so a lookup never shows a record of another site) and the fields searched. The widget
``SearchSelect(lookup=name)`` replaces the field's ``<select>`` of every row with that box and the select of
the current choice; htmx swaps the matches into the select.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import Q, QuerySet
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views import View

LIMIT = 20


@dataclass(frozen=True)
class Lookup:
    name: str
    queryset: Callable[[object], QuerySet]  # user → what the user may see
    search_fields: tuple[str, ...]
    ordering: tuple[str, ...]
    label: Callable[[object], str] = str


_lookups: dict[str, Lookup] = {}


def lookup_register(
    name: str,
    *,
    queryset: Callable[[object], QuerySet],
    search_fields: tuple[str, ...],
    ordering: tuple[str, ...],
    label: Callable[[object], str] = str,
) -> None:
    _lookups[name] = Lookup(name, queryset, search_fields, ordering, label)


def lookup_matches(name: str, *, user, text: str) -> list[tuple[str, str]]:
    """``[(pk, label)]``: at most ``LIMIT`` records ``user`` may see whose search fields contain ``text``."""
    lookup = _lookups.get(name)
    if lookup is None:
        raise Http404
    rows = lookup.queryset(user)
    text = text.strip()[:100]
    if text:
        condition = Q()
        for word in text.split()[:5]:
            condition &= Q.create([(f"{field}__icontains", word) for field in lookup.search_fields], connector=Q.OR)
        rows = rows.filter(condition)
    return [(str(obj.pk), lookup.label(obj)) for obj in rows.order_by(*lookup.ordering)[:LIMIT]]


class LookupView(LoginRequiredMixin, View):
    """``GET /lookup/<name>/?<field>__search=text`` → the ``<option>``s of the matches (htmx swaps them in)."""

    def get(self, request, name: str):
        text = request.GET.get("q") or next(
            (value for key, value in request.GET.items() if key.endswith("__search")), ""
        )
        matches = lookup_matches(name, user=request.user, text=text)
        return TemplateResponse(
            request,
            "web/widgets/search_select_options.html",
            {"matches": matches, "empty_label": request.GET.get("empty", ""), "text": text.strip()},
        )


class SearchSelect(forms.Select):
    """A select holding only the current choice, and a search box that fills it with up to 20 matches."""

    template_name = "web/widgets/search_select.html"

    def __init__(self, lookup: str, attrs=None):
        super().__init__(attrs)
        self.lookup = lookup

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["lookup_url"] = reverse("web:lookup", args=[self.lookup])
        context["widget"]["empty_label"] = getattr(self.choices, "field", None) and self.choices.field.empty_label
        return context

    def optgroups(self, name, value, attrs=None):
        """Only the empty choice and the chosen record: never one option per row of a large table."""
        chosen = [str(v) for v in value if v not in (None, "")]
        field = getattr(self.choices, "field", None)
        options = []
        if field is not None and field.empty_label is not None:
            options.append(("", field.empty_label))
        if field is not None and chosen:
            for obj in field.queryset.filter(pk__in=[v for v in chosen if v.isdigit()])[:1]:
                options.append((str(obj.pk), field.label_from_instance(obj)))
        groups = []
        for index, (option_value, label) in enumerate(options):
            selected = option_value in chosen or (not chosen and option_value == "")
            groups.append((None, [self.create_option(name, option_value, label, selected, index, attrs=attrs)], index))
        return groups

"""Reads of the inspection room: the inspector's grants, sections, packs and a search over the granted evidence.

Every read goes through ``restrict(user, "view")``, so the grant decides (sites, sections, period of records).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.apps import apps
from django.db import models
from django.urls import NoReverseMatch, reverse

from ims.access.inspection import InspectorScope
from ims.access.models import InspectorGrant
from ims.reports.registry import EvidenceSection, sections

from .models import EvidencePack

#: The fields searched on each model of a granted section, where the model has them.
SEARCH_FIELDS = ("reference", "number", "code", "title", "name", "subject")
SEARCH_LIMIT = 20
MIN_QUERY = 2


def url_or_none(name: str, *args) -> str | None:
    try:
        return reverse(name, args=args or None)
    except NoReverseMatch:
        return None


def room_grants(scope: InspectorScope) -> list[InspectorGrant]:
    """The inspector's grants in force, with their sites (the scope read them for this request)."""
    return list(
        InspectorGrant._base_manager.filter(pk__in=[g.pk for g in scope.grants])
        .prefetch_related("sites")
        .order_by("valid_until", "pk")
    )


def room_sections(scope: InspectorScope) -> list[dict]:
    """The granted sections in registry order, each with the pages that open (label, URL)."""
    result = []
    for section in sections():
        if section.code not in scope.sections:
            continue
        pages = [(label, url) for label, name in section.pages if (url := url_or_none(name))]
        result.append({"section": section, "pages": pages})
    return result


def room_packs(user, scope: InspectorScope) -> list[dict]:
    """The packs released to the inspector's inspections, newest first, with a link where the pack page exists."""
    packs = (
        EvidencePack.objects.restrict(user, "view")
        .filter(grant_id__in=[g.pk for g in scope.grants], released_at__isnull=False)
        .order_by("-released_at", "-pk")
    )
    return [{"pack": pack, "url": url_or_none("evidence:pack_detail", pack.pk)} for pack in packs]


@dataclass
class SearchGroup:
    section: EvidenceSection
    models: list[dict] = field(default_factory=list)

    @property
    def count(self) -> int:
        return sum(len(m["rows"]) for m in self.models)


def _searchable(model) -> list[str]:
    names = {f.name for f in model._meta.concrete_fields if isinstance(f, models.CharField | models.TextField)}
    return [name for name in SEARCH_FIELDS if name in names]


def _link(obj) -> str | None:
    try:
        return obj.get_absolute_url() if hasattr(obj, "get_absolute_url") else None
    except NoReverseMatch:
        return None


def room_search(user, scope: InspectorScope, query: str) -> list[SearchGroup]:
    """Records of the granted sections whose number, title or name contains ``query``, grouped by section, at
    most ``SEARCH_LIMIT`` per model (one query per model of the granted sections)."""
    query = (query or "").strip()
    if len(query) < MIN_QUERY:
        return []
    groups = []
    seen: set[str] = set()
    for section in sections():
        if section.code not in scope.sections:
            continue
        group = SearchGroup(section=section)
        for label in section.models:
            if label in seen:
                continue
            seen.add(label)
            try:
                model = apps.get_model(label)
            except (LookupError, ValueError):
                continue
            fields = _searchable(model)
            manager = model._default_manager
            if not fields or not hasattr(manager, "restrict"):
                continue
            condition = models.Q()
            for name in fields:
                condition |= models.Q(**{f"{name}__icontains": query})
            rows = list(manager.restrict(user, "view").filter(condition)[:SEARCH_LIMIT])
            if rows:
                group.models.append(
                    {
                        "name": model._meta.verbose_name_plural,
                        "rows": [{"label": str(obj), "url": _link(obj)} for obj in rows],
                        "capped": len(rows) == SEARCH_LIMIT,
                    }
                )
        if group.models:
            groups.append(group)
    return groups

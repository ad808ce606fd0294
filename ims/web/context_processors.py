from ims.access.inspection import inspector_scope
from ims.access.permissions import inspector_access, is_inspector_only

from .navigation import NAVIGATION, inspector_navigation, item_visible


def navigation(request) -> dict:
    """The sidebar: only the pages this user can open (the pages' own views decide, ``ims.web.links``).

    An external inspector's sidebar holds the inspection room and the pages of their granted sections only, and
    every page they open carries the banner of their grants in force (``inspection_banner``)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    cached = getattr(request, "_ims_navigation", None)
    if cached is not None:  # a page that renders more than one template asks once
        return cached
    scope = inspector_scope(user)
    if scope is not None:
        context = {
            "nav_sections": inspector_navigation(user, scope) if scope.active else [],
            "inspector_only": True,
            "inspection_banner": inspection_banner(user, scope),
        }
        request._ims_navigation = context
        return context
    inspector_only = is_inspector_only(user)
    sections = []
    for section in NAVIGATION:
        items = [
            {"label": i.label, "url": i.url(), "icon": i.icon}
            for i in section.items
            if item_visible(user, i, inspector_only=inspector_only)
        ]
        if items:
            sections.append({"label": section.label, "step": section.step, "icon": section.icon, "items": items})
    context = {"nav_sections": sections, "inspector_only": inspector_only}
    if inspector_only:
        context["inspector_grants"] = inspector_access(user)
    request._ims_navigation = context
    return context


def inspection_banner(user, scope) -> list[dict]:
    """The external inspector's grants in force, as the banner shows them (one query for the request): agency,
    inspection, sites and the end of the access in the inspector's time zone."""
    from django.utils import timezone

    from ims.access.choices import Agency
    from ims.access.models import InspectorGrant
    from ims.esign.selectors import viewer_timezone

    if not scope.active:
        return []
    tz = viewer_timezone(user)
    rows = (
        InspectorGrant._base_manager.filter(pk__in=[g.pk for g in scope.grants])
        .order_by("valid_until", "pk")
        .values("pk", "agency", "reference", "site_codes", "valid_until")
    )
    return [
        {
            "pk": row["pk"],
            "agency": Agency(row["agency"]).label,
            "reference": row["reference"],
            "sites": row["site_codes"].replace(",", ", "),
            "until": _local_text(timezone.localtime(row["valid_until"], tz)),
            "until_iso": row["valid_until"].isoformat(),
        }
        for row in rows
    ]


def _local_text(moment) -> str:
    """A date-time as the banner shows it, in the zone it is given in (template filters would convert it)."""
    return f"{moment:%Y-%m-%d %H:%M} {moment.tzname()}"

from ims.access.permissions import inspector_access, is_inspector_only

from .navigation import NAVIGATION, item_visible


def navigation(request) -> dict:
    """The sidebar: only the pages this user can open (the pages' own views decide, ``ims.web.links``)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    cached = getattr(request, "_ims_navigation", None)
    if cached is not None:  # a page that renders more than one template asks once
        return cached
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

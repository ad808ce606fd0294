from ims.access.permissions import user_can_any_site

from .navigation import NAVIGATION


def navigation(request) -> dict:
    """The sidebar: items needing more than reading are shown only to people who hold that permission somewhere."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    sections = []
    for section in NAVIGATION:
        items = [
            {"label": i.label, "url": i.url(), "icon": i.icon}
            for i in section.items
            if not i.permission
            or (".view_" in i.permission and not i.check_view)
            or user_can_any_site(user, i.permission)
        ]
        if items:
            sections.append({"label": section.label, "step": section.step, "icon": section.icon, "items": items})
    return {"nav_sections": sections}

from .navigation import NAVIGATION


def navigation(request) -> dict:
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    sections = []
    for section in NAVIGATION:
        items = [{"label": i.label, "url": i.url(), "icon": i.icon} for i in section.items]
        sections.append({"label": section.label, "step": section.step, "icon": section.icon, "items": items})
    return {"nav_sections": sections}

"""The register's views for managers: heat maps per site and discipline, top risks, and their PDF."""

from __future__ import annotations

from django.template.response import TemplateResponse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views import View

from .choices import Discipline
from .heatmap import heatmap_svg
from .selectors import heatmap_grids, top_risks, visible_sites


def chosen_sites(request) -> tuple[list, list]:
    """The visible sites and those chosen in ``?site=`` (none chosen: all visible)."""
    choices = list(visible_sites(user=request.user))
    wanted = {int(v) for v in request.GET.getlist("site") if v.isdigit()}
    chosen = [s for s in choices if s.pk in wanted]
    return choices, chosen


class HeatmapView(View):
    template_name = "risks/heatmap.html"

    def get(self, request):
        choices, chosen = chosen_sites(request)
        disciplines = [d for d in request.GET.getlist("discipline") if d in Discipline.values] or list(
            Discipline.values
        )
        basis = "inherent" if request.GET.get("basis") == "inherent" else "residual"
        grids = heatmap_grids(user=request.user, sites=chosen or choices, disciplines=disciplines, basis=basis)
        # heatmap_svg escapes every text it draws.
        drawn = [(grid, mark_safe(heatmap_svg(grid))) for grid in grids]  # noqa: S308
        return TemplateResponse(
            request,
            self.template_name,
            {
                "title": _("Risk heat map"),
                "grids": drawn,
                "site_choices": choices,
                "chosen_sites": {s.pk for s in chosen},
                "disciplines": Discipline.choices,
                "chosen_disciplines": set(disciplines),
                "basis": basis,
            },
        )


class TopRisksView(View):
    template_name = "risks/top_risks.html"

    def get(self, request):
        choices, chosen = chosen_sites(request)
        entries = top_risks(user=request.user, sites=chosen or None, per_site=10)
        by_site: dict[str, list] = {}
        for entry in entries:
            by_site.setdefault(f"{entry.site.code} · {entry.site.name}", []).append(entry)
        return TemplateResponse(
            request,
            self.template_name,
            {
                "title": _("Top risks per site"),
                "by_site": list(by_site.items()),
                "site_choices": choices,
                "chosen_sites": {s.pk for s in chosen},
            },
        )

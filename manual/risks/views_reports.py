"""The register's views for managers: heat maps per site and discipline, top risks, and their PDF."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.template.response import TemplateResponse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views import View

from .choices import Discipline
from .heatmap import heatmap_svg
from .selectors import heatmap_combined, heatmap_grids, top_risks, visible_sites


def chosen_sites(request) -> tuple[list, list]:
    """The visible sites and those chosen in ``?site=`` (none chosen: all visible)."""
    choices = list(visible_sites(user=request.user))
    wanted = {int(v) for v in request.GET.getlist("site") if v.isdigit()}
    chosen = [s for s in choices if s.pk in wanted]
    return choices, chosen


SITES_PER_PAGE = 6


class HeatmapView(View):
    template_name = "risks/heatmap.html"

    def get(self, request):
        choices, chosen = chosen_sites(request)
        disciplines = [d for d in request.GET.getlist("discipline") if d in Discipline.values] or list(
            Discipline.values
        )
        basis = "inherent" if request.GET.get("basis") == "inherent" else "residual"
        grids = heatmap_grids(user=request.user, sites=chosen or choices, disciplines=disciplines, basis=basis)
        site_codes = list(dict.fromkeys(grid.site_code for grid in grids))
        combined = []
        if len(site_codes) > 1:
            label = _("All %(n)d sites") % {"n": len(site_codes)}
            combined = [
                (grid, mark_safe(heatmap_svg(grid, element_id=f"heatmap-all-{grid.discipline}")))  # noqa: S308
                for grid in heatmap_combined(grids, label=label)
            ]
        # Each site's own maps, a few sites a page: 40 sites × 3 disciplines would be 120 drawings on one page.
        page = Paginator(site_codes, SITES_PER_PAGE).get_page(request.GET.get("page"))
        shown = set(page.object_list)
        # heatmap_svg escapes every text it draws.
        drawn = [(grid, mark_safe(heatmap_svg(grid))) for grid in grids if grid.site_code in shown]  # noqa: S308
        query = request.GET.copy()
        query.pop("page", None)
        return TemplateResponse(
            request,
            self.template_name,
            {
                "title": _("Risk heat map"),
                "grids": drawn,
                "combined": combined,
                "page_obj": page,
                "page_query": query.urlencode(),
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

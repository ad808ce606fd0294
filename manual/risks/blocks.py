"""The manual's live block ``risk_summary`` (clause 6): the register and obligations for the sites in scope.

It shows, for the sites in scope and what the author may see: a heat map per site and discipline (the same SVG as
the heat map page), the top residual risks per site, the significant environmental aspects, and the obligations
with their last evaluation. One ``Source`` per entry and obligation shown, with a digest of what was shown (its
scores, band and last change; the obligation's next and last evaluation), so that the manual can name what
changed since approval.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from manual.blockkit import digest, table
from manual.blocks import BlockContent, LiveBlock, Source, register_block

from .choices import Discipline
from .heatmap import heatmap_svg
from .selectors import heatmap_grids, obligations_for, significant_aspects, top_risks, visible_sites

TOP_PER_SITE = 5


def _entry_source(entry) -> Source:
    return Source(
        ref=f"risks.riskentry:{entry.pk}",
        label=f"{entry.reference} · {entry.title}",
        digest=digest(entry.title, entry.inherent_score, entry.residual_score, entry.residual_band,
                       entry.is_significant, entry.is_active, entry.updated_at.isoformat()),
    )  # fmt: skip


def _site_ids(user, sites) -> list[int]:
    visible = visible_sites(user=user)
    if sites is None:
        return list(visible.values_list("pk", flat=True))
    wanted = {getattr(site, "pk", site) for site in sites}
    return list(visible.filter(pk__in=wanted).values_list("pk", flat=True))


def risk_summary_validate(*, user, sites, params) -> dict:
    params = dict(params or {})
    discipline = params.get("discipline") or ""
    if discipline and discipline not in Discipline.values:
        raise ValidationError({"params": _("“%(v)s” is not a discipline.") % {"v": discipline}})
    wanted = {getattr(site, "pk", site) for site in (sites or [])}
    if wanted - set(_site_ids(user, wanted)):
        raise ValidationError({"params": _("The block covers a site you may not see.")})
    return {"discipline": discipline} if discipline else {}


def risk_summary_render(*, user, sites, params) -> BlockContent:
    params = params or {}
    discipline = params.get("discipline") or ""
    disciplines = [discipline] if discipline else list(Discipline.values)
    site_ids = _site_ids(user, sites)
    scope = visible_sites(user=user).filter(pk__in=site_ids)
    sources: list[Source] = []
    parts: list[str] = []

    grids = heatmap_grids(user=user, sites=scope, disciplines=disciplines)
    maps = [format_html('<figure class="manual-heatmap">{}</figure>', mark_safe(heatmap_svg(g))) for g in grids]  # noqa: S308 - heatmap_svg escapes every text
    parts.append(format_html("<h4>{}</h4>", _("Heat maps (residual risk)")))
    no_site = format_html('<p class="manual-empty">{}</p>', _("No site in scope."))
    figures = format_html('<div class="manual-figures">{}</div>', mark_safe("".join(maps)))  # noqa: S308 - figures built with format_html
    parts.append(figures if maps else no_site)  # noqa: S308 - figures built with format_html

    top = [e for e in top_risks(user=user, sites=scope, per_site=TOP_PER_SITE) if e.discipline in disciplines]
    sources.extend(_entry_source(e) for e in top)
    parts.append(format_html("<h4>{}</h4>", _("Top risks per site")))
    parts.append(table(
        [_("Site"), _("Reference"), _("Title"), _("Kind"), _("Residual"), _("Owner"), _("Next review")],
        ((e.site.code, e.reference, e.title, e.get_kind_display(),
          f"{e.residual_score} · {e.get_residual_band_display()}", e.owner.display_name, e.review_date.isoformat())
         for e in top),
        empty=_("No active entry at the sites in scope."),
    ))  # fmt: skip

    if Discipline.ENVIRONMENT in disciplines:
        aspects = list(significant_aspects(user=user, sites=scope))
        seen = {s.ref for s in sources}
        sources.extend(s for s in (_entry_source(e) for e in aspects) if s.ref not in seen)
        parts.append(format_html("<h4>{}</h4>", _("Significant environmental aspects")))
        parts.append(table(
            [_("Site"), _("Reference"), _("Aspect"), _("Impact"), _("Condition"), _("Inherent"), _("Residual")],
            ((e.site.code, e.reference, e.aspect, e.impact, e.get_operating_condition_display(), e.inherent_score,
              e.residual_score) for e in aspects),
            empty=_("No significant aspect at the sites in scope."),
        ))  # fmt: skip

    obligations = list(obligations_for(user=user, sites=scope))
    for obligation in obligations:
        sources.append(Source(
            ref=f"risks.obligation:{obligation.pk}", label=obligation.title,
            digest=digest(obligation.title, obligation.next_evaluation, obligation.last_evaluated_on,
                           obligation.last_result, obligation.updated_at.isoformat()),
        ))  # fmt: skip
    parts.append(format_html("<h4>{}</h4>", _("Legal and other requirements")))
    parts.append(table(
        [_("Obligation"), _("Type"), _("Jurisdiction"), _("Sites"), _("Last evaluation"), _("Next evaluation")],
        ((o.title, o.get_obligation_type_display(), o.jurisdiction, " ".join(s.code for s in o.sites.all()),
          f"{o.last_evaluated_on} · {o.last_result} ({o.last_site_code})" if o.last_evaluated_on else _("not yet"),
          o.next_evaluation.isoformat()) for o in obligations),
        empty=_("No obligation at the sites in scope."),
    ))  # fmt: skip
    html = format_html('<div class="manual-block risk-summary">{}</div>', mark_safe("".join(str(p) for p in parts)))  # noqa: S308 - parts are built with format_html
    return BlockContent(html=html, sources=tuple(sources))


def register() -> None:
    register_block(
        LiveBlock(
            key="risk_summary",
            label=gettext_lazy("Risk and obligation summary"),
            description=gettext_lazy(
                "Heat maps per site and discipline, top risks, significant aspects, and obligations with their "
                "last compliance evaluation, for the sites in scope."
            ),
            render=risk_summary_render,
            validate=risk_summary_validate,
            param_name="discipline",
            param_label=gettext_lazy("Discipline (optional)"),
            param_choices=lambda *, user: [(value, str(label)) for value, label in Discipline.choices],
            clause_hint="6",
        )
    )

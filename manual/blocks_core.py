"""The manual's own live blocks, over the records of steps 1 and 2 (read through their selectors).

- the effective IMS policy, the objectives table and the RACI (``policies``);
- the process landscape, a process map, each site's statement of applicability (``processes``).

Each renders only what the user may see, for the sites in scope, and names its sources so that a change after
approval shows up as "changed since approval".
"""

from __future__ import annotations

from django.db.models import Q
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from ims.access.permissions import user_can
from ims.documents.choices import DocumentType, VersionStatus
from ims.documents.content import render_markdown
from ims.documents.models import ControlledDocument, DocumentVersion
from ims.org.models import Site

from .blockkit import int_param, not_visible, source, table
from .blocks import BlockContent, LiveBlock, register_block

# --- The effective IMS policy -------------------------------------------------------------------------------------


def _policies(*, user, sites, params):
    documents = ControlledDocument.objects.restrict(user, "view").filter(doc_type=DocumentType.POLICY, is_active=True)
    if pk := params.get("document"):
        documents = documents.filter(pk=pk)
    else:
        documents = documents.filter(pk__in=ControlledDocument._base_manager.filter(sites__in=sites).values("pk"))
    return (
        DocumentVersion.objects.filter(document__in=documents.values("pk"), status=VersionStatus.EFFECTIVE)
        .select_related("document")
        .order_by("document__number")
    )


def policy_validate(*, user, sites, params) -> dict:
    pk = int_param(params, "document", label=_("policy"))
    if pk is None:
        return {}
    visible = ControlledDocument.objects.restrict(user, "view").filter(pk=pk, doc_type=DocumentType.POLICY)
    if not visible.exists():
        raise not_visible(_("policy"))
    return {"document": pk}


def policy_render(*, user, sites, params) -> BlockContent:
    parts, sources = [], []
    for version in _policies(user=user, sites=sites, params=params):
        document = version.document
        parts.append(
            format_html(
                '<div class="manual-policy"><p class="manual-meta">{} · {} · {}</p>{}</div>',
                document.number,
                _("version %(n)s") % {"n": version.number},
                _("effective %(d)s") % {"d": version.effective_date.isoformat() if version.effective_date else "—"},
                render_markdown(version.body),
            )
        )
        sources.append(
            source(
                f"documents.controlleddocument:{document.pk}",
                f"{document.number} · {document.title} (v{version.number})",
                version.pk,
                version.number,
            )
        )
    if not parts:
        parts.append(format_html('<p class="manual-empty">{}</p>', _("No effective policy for the sites in scope.")))
    return BlockContent(html=mark_safe("".join(parts)), sources=tuple(sources))  # noqa: S308 - format_html parts


def policy_choices(*, user):
    documents = ControlledDocument.objects.restrict(user, "view").filter(doc_type=DocumentType.POLICY, is_active=True)
    return [(str(d.pk), str(d)) for d in documents.order_by("number")]


# --- Objectives ---------------------------------------------------------------------------------------------------


def objectives_render(*, user, sites, params) -> BlockContent:
    from policies.choices import ObjectiveStatus
    from policies.selectors import objective_queryset

    objectives = (
        objective_queryset(user=user)
        .filter(Q(site__isnull=True) | Q(site__in=sites))
        .exclude(status__in=[ObjectiveStatus.CANCELLED, ObjectiveStatus.DRAFT])
        .order_by("site__code", "title", "pk")
    )
    rows, sources = [], []
    for o in objectives:
        target_text = o.target_display()
        rows.append(
            (
                o.title,
                o.site.code if o.site else _("Company"),
                o.kpi,
                target_text,
                o.due_date.isoformat(),
                o.owner.get_full_name() if o.owner else "",
                o.get_status_display(),
            )
        )
        sources.append(
            source(f"policies.objective:{o.pk}", o.title, o.title, o.kpi, target_text, o.due_date, o.status, o.owner_id)
        )
    html = table(
        [_("Objective"), _("Site"), _("KPI"), _("Target"), _("Due"), _("Owner"), _("Status")],
        rows,
        empty=_("No active objectives for the sites in scope."),
    )
    return BlockContent(html=html, sources=tuple(sources))


# --- RACI -----------------------------------------------------------------------------------------------------------


def raci_render(*, user, sites, params) -> BlockContent:
    from policies.selectors import responsibility_matrix

    matrix = responsibility_matrix(user=user)
    in_scope = set(ControlledDocument._base_manager.filter(sites__in=sites).values_list("pk", flat=True))
    rows = [row for row in matrix.rows if row.document.pk in in_scope]
    used = [i for i, role in enumerate(matrix.roles) if any(row.cells[i][1] for row in rows)]
    columns = [_("Document"), *[matrix.roles[i].name for i in used]]
    body, sources = [], []
    for row in rows:
        cells = [row.cells[i][1] for i in used]
        body.append((f"{row.document.number} · {row.document.title}", *cells))
        sources.append(
            source(f"documents.controlleddocument:{row.document.pk}", f"RACI {row.document.number}", *cells, *used)
        )
    html = table(columns, body, empty=_("No responsibilities are assigned for the sites in scope."))
    return BlockContent(html=html, sources=tuple(sources))


# --- Process landscape and maps -------------------------------------------------------------------------------------


def _site_param(*, user, sites, params) -> dict:
    pk = int_param(params, "site", label=_("site"))
    if pk is None:
        return {}
    if pk not in {s.pk for s in sites} or not Site.objects.restrict(user, "view").filter(pk=pk).exists():
        raise not_visible(_("site"))
    return {"site": pk}


def site_choices(*, user):
    return [(str(s.pk), f"{s.code} · {s.name}") for s in Site.objects.restrict(user, "view").order_by("code")]


def landscape_render(*, user, sites, params) -> BlockContent:
    from processes import landscape, register

    site = Site._base_manager.filter(pk=params["site"]).first() if params.get("site") else None
    if site is None and len(sites) == 1:
        site = sites[0]
    rows, arrows = register.landscape_data(user=user, site=site)
    boxes = [landscape.Box(r["pk"], r["code"], r["name"], r["process_type"]) for r in rows]
    links = [landscape.Link(a["source_id"], a["target_id"], a["description"]) for a in arrows]
    scope = site.code if site else _("all sites")
    svg = landscape.draw(boxes, links, title=_("Process landscape — %(scope)s") % {"scope": scope})
    targets: dict[int, list[int]] = {}
    for a in arrows:
        targets.setdefault(a["source_id"], []).append(a["target_id"])
    sources = tuple(
        source(
            f"processes.process:{r['pk']}",
            f"{r['code']} · {r['name']}",
            r["name"],
            r["process_type"],
            sorted(targets.get(r["pk"], [])),
        )
        for r in rows
    )
    html = format_html('<figure class="manual-figure">{}</figure>', mark_safe(svg))  # noqa: S308 - escaped SVG
    return BlockContent(html=html, sources=sources)


def _visible_process(user, pk):
    from processes import register

    return register.process_queryset().restrict(user, "view").filter(pk=pk).first()


def map_validate(*, user, sites, params) -> dict:
    pk = int_param(params, "process", label=_("process"), required=True)
    if _visible_process(user, pk) is None:
        raise not_visible(_("process"))
    return {"process": pk}


def map_render(*, user, sites, params) -> BlockContent:
    from processes import register

    process = _visible_process(user, params.get("process"))
    if process is None:
        return BlockContent(html=format_html('<p class="manual-empty">{}</p>', _("The process is not visible.")))
    detail = register.process_detail(user=user, process=process)
    version = detail.map_version
    if detail.map_svg:
        figure = format_html(
            '<figure class="manual-figure">{}<figcaption>{}</figcaption></figure>',
            mark_safe(detail.map_svg),  # noqa: S308 - sanitised when the map was saved
            f"{process.code} · {process.name} — {version.document.number} v{version.number}",
        )
    else:
        figure = format_html('<p class="manual-empty">{}</p>', _("No effective map for %(p)s.") % {"p": process.code})
    steps = format_html_join("", "<li>{}</li>", ((line,) for line in process.lines(process.outputs)))
    html = format_html(
        '<div class="manual-process"><p><strong>{}</strong> · {}</p>{}{}</div>',
        f"{process.code} {process.name}",
        process.purpose,
        figure,
        format_html("<p>{}</p><ul>{}</ul>", _("Outputs"), steps) if steps else "",
    )
    ref = source(
        f"processes.process:{process.pk}",
        f"{process.code} · {process.name}",
        process.name,
        process.purpose,
        process.outputs,
        version.pk if version else None,
    )
    return BlockContent(html=html, sources=(ref,))


def process_choices(*, user):
    from processes import register

    return [(str(p.pk), f"{p.code} · {p.name}") for p in register.process_queryset().restrict(user, "view")]


# --- Statements of applicability ----------------------------------------------------------------------------------


def soa_render(*, user, sites, params) -> BlockContent:
    from processes.applicability import current_statement

    chosen = [s for s in sites if not params.get("site") or s.pk == params["site"]]
    parts, sources = [], []
    for site in sorted(chosen, key=lambda s: s.code):
        statement = current_statement(site)
        if statement is None or not user_can(user, "view", statement):
            parts.append(
                format_html(
                    '<h4>{}</h4><p class="manual-empty">{}</p>',
                    f"{site.code} · {site.name}",
                    _("No approved statement of applicability."),
                )
            )
            continue
        entries = statement.entries.select_related("clause__standard").order_by(
            "clause__standard__code", "clause__position"
        )
        rows = [
            (
                f"{e.clause.standard.code}:{e.clause.standard.edition}",
                e.clause.number,
                e.clause.title,
                _("Applicable") if e.applicable else _("Not applicable"),
                e.justification,
            )
            for e in entries
        ]
        parts.append(
            format_html(
                '<h4>{}</h4><p class="manual-meta">{}</p>{}',
                f"{site.code} · {site.name}",
                _("Statement version %(n)s, approved %(d)s")
                % {
                    "n": statement.number,
                    "d": statement.approved_at.date().isoformat() if statement.approved_at else "—",
                },
                table([_("Standard"), _("Clause"), _("Title"), _("Applicability"), _("Justification")], rows),
            )
        )
        sources.append(
            source(
                f"processes.applicabilitystatement:{statement.pk}",
                _("Statement of applicability %(site)s v%(n)s") % {"site": site.code, "n": statement.number},
                statement.pk,
                statement.entries_digest,
            )
        )
    return BlockContent(html=mark_safe("".join(parts)), sources=tuple(sources))  # noqa: S308 - format_html parts


def register_core_blocks() -> None:
    """Called from ``ManualConfig.ready()``."""
    register_block(
        LiveBlock(
            key="ims_policy",
            label=_("Effective IMS policy"),
            description=_("The effective version of the IMS policy (or of the chosen policy) for the sites in scope."),
            render=policy_render,
            validate=policy_validate,
            param_name="document",
            param_label=_("Policy (optional)"),
            param_choices=policy_choices,
            clause_hint="5",
        )
    )
    register_block(
        LiveBlock(
            key="objectives",
            label=_("Objectives table"),
            description=_("The active company and site objectives with their KPI, target, due date and owner."),
            render=objectives_render,
            clause_hint="6",
        )
    )
    register_block(
        LiveBlock(
            key="raci",
            label=_("Roles and responsibilities (RACI)"),
            description=_("Policies and procedures of the sites in scope × roles: who is R, A, C and I."),
            render=raci_render,
            clause_hint="5",
        )
    )
    register_block(
        LiveBlock(
            key="process_landscape",
            label=_("Process landscape"),
            description=_("Management, core and support processes and their interactions, as a diagram."),
            render=landscape_render,
            validate=_site_param,
            param_name="site",
            param_label=_("Site (optional)"),
            param_choices=site_choices,
            clause_hint="4",
        )
    )
    register_block(
        LiveBlock(
            key="process_map",
            label=_("Process map"),
            description=_("The effective map (flowchart) of one process with its purpose and outputs."),
            render=map_render,
            validate=map_validate,
            param_name="process",
            param_label=_("Process"),
            param_choices=process_choices,
            clause_hint="8",
        )
    )
    register_block(
        LiveBlock(
            key="applicability",
            label=_("Statements of applicability"),
            description=_("Each site's approved statement of applicability: the clauses that apply and exclusions."),
            render=soa_render,
            validate=_site_param,
            param_name="site",
            param_label=_("Site (optional)"),
            param_choices=site_choices,
            clause_hint="4",
        )
    )

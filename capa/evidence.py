"""The CAPA sections of an inspector's evidence pack: the CAPA log of the period, and chosen CAPA files.

``capa`` renders in parts: ``log<n>`` (250 CAPAs opened at the pack's sites in its period, oldest first) and
``file<pk>`` (one CAPA's full record, as its PDF shows it, for each CAPA the pack chose under ``capa.files``
that belongs to one of its sites). Date-times are shown in the time zone of the CAPA's site.
"""

from __future__ import annotations

from django.db.models import OuterRef, QuerySet, Subquery
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from ims.reports.manifest import manifest_records
from ims.reports.registry import EvidenceSection, OptionReferences, PackScope, SectionPart, register_section
from ims.reports.render import ROWS_PER_PART, local_time, page_slice, paged_keys, table_html

from .choices import CheckStatus
from .models import Capa, CapaAction, EffectivenessCheck
from .reports import record_context

SECTION = "capa"
TITLE = "CAPA log"
FILES_OPTION = "capa.files"
LOG_PREFIX = "log"
FILE_PREFIX = "file"
EMPTY = "—"
#: Table rows per part (the pack's default; tests lower it to see paging).
PER_PART = ROWS_PER_PART


def _log(scope: PackScope) -> QuerySet:
    """CAPAs opened at the pack's sites in its period."""
    return Capa._base_manager.filter(
        site_id__in=scope.site_ids, opened_at__gte=scope.period_start_dt, opened_at__lt=scope.period_end_dt
    )


def _chosen_files(scope: PackScope) -> list[int]:
    """The chosen CAPAs that belong to the pack's sites, by reference."""
    ids = [int(pk) for pk in scope.option(FILES_OPTION) if str(pk).isdigit()]
    if not ids:
        return []
    return list(
        Capa._base_manager.filter(pk__in=ids, site_id__in=scope.site_ids)
        .order_by("reference")
        .values_list("pk", flat=True)
    )


def capa_references(references, site_ids) -> dict[str, int]:
    """CAPA references (any case) of the sites → their ids."""
    wanted = {r.strip().upper(): r for r in references}
    found = Capa._base_manager.filter(reference__in=list(wanted), site_id__in=list(site_ids))
    return {wanted[reference]: pk for reference, pk in found.values_list("reference", "pk")}


def capa_described(ids) -> list[str]:
    return list(Capa._base_manager.filter(pk__in=list(ids)).order_by("reference").values_list("reference", flat=True))


def capa_included(scope: PackScope) -> list[QuerySet]:
    """The CAPAs of the log, and the chosen CAPAs with their actions and effectiveness checks."""
    files = _chosen_files(scope)
    return [
        _log(scope),
        Capa._base_manager.filter(pk__in=files),
        CapaAction._base_manager.filter(capa_id__in=files),
        EffectivenessCheck._base_manager.filter(capa_id__in=files),
    ]


def capa_parts(scope: PackScope) -> list[str]:
    log = paged_keys(_log(scope).count(), per_part=PER_PART, prefix=LOG_PREFIX)
    return log + [f"{FILE_PREFIX}{pk}" for pk in _chosen_files(scope)]


def _effectiveness(status: str | None) -> str:
    return str(CheckStatus(status).label) if status in CheckStatus.values else EMPTY


def _render_log(scope: PackScope, key: str) -> SectionPart:
    window = page_slice(key, per_part=PER_PART, prefix=LOG_PREFIX)
    latest_check = EffectivenessCheck._base_manager.filter(capa=OuterRef("pk")).order_by("-due_date", "-pk")
    capas = list(
        _log(scope)
        .select_related("site", "owner")
        .annotate(effectiveness=Subquery(latest_check.values("status")[:1]))
        .order_by("opened_at", "pk")[window]
    )
    rows = []
    for capa in capas:
        tz = capa.site.tzinfo
        risk = f"{capa.get_risk_band_display()} ({capa.risk_score})" if capa.risk_score else EMPTY
        rows.append([
            capa.reference, capa.title, capa.site.code, capa.get_source_display(), risk, capa.get_state_display(),
            capa.owner.display_name, local_time(capa.opened_at, tz),
            capa.due_date.isoformat() if capa.due_date else EMPTY, local_time(capa.closed_at, tz),
            _effectiveness(capa.effectiveness),
        ])  # fmt: skip
    lead = _("CAPAs opened from %(start)s to %(end)s, oldest first.") % {
        "start": scope.period_start.isoformat(),
        "end": scope.period_end.isoformat(),
    }
    html = table_html(
        title=_("CAPA log"),
        lead=lead,
        columns=[_("Number"), _("Title"), _("Site"), _("Source"), _("Risk"), _("Status"), _("Owner"), _("Opened"),
                 _("Due"), _("Closed"), _("Effectiveness")],
        rows=rows,
        empty=_("No CAPA was opened at these sites in the period."),
    )  # fmt: skip
    title = f"{TITLE} {window.start + 1}–{window.start + len(capas)}" if capas else TITLE
    html = f'<div class="small">{html}</div>'  # eleven columns
    return SectionPart(title=title, html=html, records=manifest_records(capas))


def _render_file(scope: PackScope, key: str) -> SectionPart:
    pk = key.removeprefix(FILE_PREFIX)
    chosen = {str(c) for c in scope.option(FILES_OPTION)}
    capa = None
    if pk.isdigit() and pk in chosen:
        capa = Capa._base_manager.select_related("site").filter(pk=int(pk), site_id__in=scope.site_ids).first()
    if capa is None:
        return SectionPart(title=_("CAPA file"), html=f'<p class="muted">{_("Not a CAPA of this pack.")}</p>')
    tz = capa.site.tzinfo
    context = record_context(capa, viewer=None, tz=tz)
    with timezone.override(tz):  # the template's date filters show the site's wall clock and zone
        html = render_to_string("capa/evidence/capa_file.html", context)
    records = manifest_records([context["capa"]])
    records += manifest_records(context["actions"]) + manifest_records(context["checks"])
    return SectionPart(title=capa.reference, html=html, records=records)


def capa_render(scope: PackScope, key: str) -> SectionPart:
    if key.startswith(FILE_PREFIX):
        return _render_file(scope, key)
    return _render_log(scope, key)


def register() -> None:
    register_section(
        EvidenceSection(
            code=SECTION,
            title=TITLE,
            order=70,
            models=("capa.capa", "capa.capaaction", "capa.effectivenesscheck"),
            parts=capa_parts,
            render=capa_render,
            description="CAPAs opened at the sites in the period; the full record of chosen CAPAs.",
            pages=(("CAPA log", "capa:capa_list"),),
            option_labels={FILES_OPTION: "CAPA files"},
            option_references={
                FILES_OPTION: OptionReferences(
                    help_text="CAPA references whose full record the pack holds, e.g. CAPA-000012.",
                    resolve=capa_references,
                    describe=capa_described,
                )
            },
            period_lookups={
                "capa.capa": "opened_at",
                "capa.capaaction": "capa__opened_at",
                "capa.effectivenesscheck": "capa__opened_at",
            },
            included=capa_included,
        )
    )

"""The manual as HTML: its sections with their live blocks, the site annexes, the table of contents, and the
sources of every block; the Markdown text that is signed; and the comparison "changed since approval".

A draft (or a version in review) is rendered live for the person looking at it. An approved version is shown
from its ``ManualSnapshot``, never from live data.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from ims.documents.content import render_markdown

from .blocks import block_get
from .models import ManualSection, ManualSnapshot, SectionBlock, SiteAnnex

ANNEX_PARTS = (
    ("local_scope", "Local scope"),
    ("local_regulations", "Local regulations"),
    ("local_roles", "Local roles"),
)


@dataclass
class RenderedManual:
    core_html: SafeString
    toc: list[dict]
    #: ``{site id (str): {"code", "name", "anchor", "html"}}``
    annexes: dict[str, dict]
    sources: list[dict] = field(default_factory=list)

    def for_site(self, site_id: int | None) -> RenderedManual:
        """The manual for one site: the core plus that site's annex only."""
        if site_id is None:
            return self
        annexes = {k: v for k, v in self.annexes.items() if k == str(site_id)}
        return RenderedManual(core_html=self.core_html, toc=self.toc, annexes=annexes, sources=self.sources)

    def visible_to(self, site_ids: set[int]) -> RenderedManual:
        annexes = {k: v for k, v in self.annexes.items() if int(k) in site_ids}
        return RenderedManual(core_html=self.core_html, toc=self.toc, annexes=annexes, sources=self.sources)

    @property
    def full_toc(self) -> list[dict]:
        annex_entries = [
            {"anchor": a["anchor"], "title": _("Annex %(code)s — %(name)s") % {"code": a["code"], "name": a["name"]}}
            for a in sorted(self.annexes.values(), key=lambda a: a["code"])
        ]
        return [*self.toc, *annex_entries]

    @property
    def html(self) -> SafeString:
        annexes = "".join(a["html"] for a in sorted(self.annexes.values(), key=lambda a: a["code"]))
        return mark_safe(self.core_html + annexes)  # noqa: S308 - both built escaped


def active_sections(version) -> list[ManualSection]:
    return list(
        ManualSection._base_manager.filter(version=version, is_active=True)
        .order_by("order", "pk")
        .prefetch_related(_active_blocks())
    )


def _active_blocks():
    from django.db.models import Prefetch

    return Prefetch(
        "blocks",
        SectionBlock._base_manager.filter(is_active=True).order_by("order", "pk"),
        to_attr="active_blocks",
    )


def annexes_of(version) -> list[SiteAnnex]:
    return list(SiteAnnex._base_manager.filter(version=version).select_related("site").order_by("site__code"))


def manual_sites(version) -> list:
    return list(version.document.sites.order_by("code"))


def _block_html(block: SectionBlock, *, user, sites) -> tuple[SafeString, dict]:
    try:
        kind = block_get(block.block_key)
    except ValidationError:
        html = format_html(
            '<div class="manual-block manual-block-missing"><p>{}</p></div>',
            _("The live block “%(key)s” is not available.") % {"key": block.block_key},
        )
        return html, {"block": block.ref, "label": block.block_key, "sources": []}
    content = kind.render(user=user, sites=sites, params=dict(block.params or {}))
    html = format_html(
        '<div class="manual-block" data-block="{}"><h3 class="manual-block-title">{}</h3>{}</div>',
        block.block_key,
        kind.label,
        content.html,
    )
    sources = [{"ref": s.ref, "label": s.label, "digest": s.digest} for s in content.sources]
    return html, {"block": block.ref, "label": str(kind.label), "sources": sources}


def section_heading(section: ManualSection) -> str:
    return section.title


def render_live(version, *, user) -> RenderedManual:
    """Render ``version`` now, with live blocks showing what ``user`` may see for the manual's sites."""
    sites = manual_sites(version)
    parts, toc, sources = [], [], []
    for section in active_sections(version):
        blocks = []
        for block in section.active_blocks:
            html, block_sources = _block_html(block, user=user, sites=sites)
            blocks.append(html)
            sources.append({"section": section.title, **block_sources})
        parts.append(
            format_html(
                '<section class="manual-section" id="{}"><h2>{}</h2>{}{}</section>',
                section.anchor,
                section_heading(section),
                render_markdown(section.body),
                mark_safe("".join(blocks)),  # noqa: S308 - each block built with format_html
            )
        )
        toc.append({"anchor": section.anchor, "title": section_heading(section)})
    annexes = {}
    for annex in annexes_of(version):
        body = "".join(
            format_html("<h3>{}</h3>{}", _(label), render_markdown(getattr(annex, name)))
            for name, label in ANNEX_PARTS
            if getattr(annex, name).strip()
        )
        annexes[str(annex.site_id)] = {
            "code": annex.site.code,
            "name": annex.site.name,
            "anchor": annex.anchor,
            "html": str(
                format_html(
                    '<section class="manual-annex" id="{}" data-site="{}"><h2>{}</h2>{}</section>',
                    annex.anchor,
                    annex.site.code,
                    _("Annex %(code)s — %(name)s") % {"code": annex.site.code, "name": annex.site.name},
                    mark_safe(body),  # noqa: S308 - format_html parts
                )
            ),
        }
    return RenderedManual(
        core_html=mark_safe("".join(parts)),  # noqa: S308 - format_html parts
        toc=toc,
        annexes=annexes,
        sources=sources,
    )


def snapshot_sha256(*, core_html: str, annexes: dict, sources: list) -> str:
    payload = json.dumps({"core": core_html, "annexes": annexes, "sources": sources}, sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()


def from_snapshot(snapshot: ManualSnapshot) -> RenderedManual:
    return RenderedManual(
        core_html=mark_safe(snapshot.core_html),  # noqa: S308 - rendered escaped when approved
        toc=list(snapshot.toc),
        annexes=dict(snapshot.annexes),
        sources=list(snapshot.sources),
    )


def compile_text(version) -> str:
    """The Markdown that stands for the manual's content in the signed body of the version: every section's text,
    the live blocks it holds (key and parameters) and every site annex."""
    lines = []
    for section in active_sections(version):
        lines += [f"## {section.title}", ""]
        if section.body.strip():
            lines += [section.body.strip(), ""]
        for block in section.active_blocks:
            lines += [f"> Live block: {block.ref}", ""]
    annexes = [
        {"site": annex.site.code, **{name: getattr(annex, name).strip() for name, _label in ANNEX_PARTS}}
        for annex in annexes_of(version)
    ]
    if annexes:
        # The signature binds the annexes through their digest: their text is shown to the people of each site
        # only, never in the body that every reader of the document register sees.
        digest = hashlib.sha256(json.dumps(annexes, sort_keys=True).encode()).hexdigest()
        lines += [
            "## " + _("Site annexes"),
            "",
            _("%(n)d site annex(es), shown on the manual page to the people of each site; SHA-256 of their text: %(d)s")
            % {"n": len(annexes), "d": digest},
            "",
        ]
    return "\n".join(lines).strip() + "\n"


# --- Changed since approval ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SourceChange:
    kind: str  # "added" / "removed" / "changed"
    block: str
    label: str
    ref: str


def changes_since_approval(snapshot: ManualSnapshot, fresh: RenderedManual) -> list[SourceChange]:
    """What the live blocks would show differently now: added, removed and changed records, by block."""

    def index(entries) -> dict[tuple[str, str], tuple[str, str]]:
        out = {}
        for entry in entries:
            for s in entry.get("sources", []):
                out[(entry["block"], s["ref"])] = (entry.get("label", entry["block"]), s["label"], s["digest"])
        return out

    before, after = index(snapshot.sources), index(fresh.sources)
    changes = []
    for key, (block, label, digest) in after.items():
        if key not in before:
            changes.append(SourceChange("added", block, label, key[1]))
        elif before[key][2] != digest:
            changes.append(SourceChange("changed", block, label, key[1]))
    for key, (block, label, _digest) in before.items():
        if key not in after:
            changes.append(SourceChange("removed", block, label, key[1]))
    order = {"changed": 0, "added": 1, "removed": 2}
    return sorted(changes, key=lambda c: (order[c.kind], c.block, c.label))

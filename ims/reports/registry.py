"""The registry of evidence sections: what each app contributes to an inspector's evidence pack.

Each domain app registers its sections in ``AppConfig.ready()``::

    register_section(EvidenceSection(code="capa", title="CAPA log", order=70, models=("capa.capa", ...),
                                     parts=capa_parts, render=capa_render, pages=(("CAPA", "capa:capa_list"),)))

so that the ``evidence`` app (which builds packs) and the access kernel (which limits an inspector to the
sections of their grant) depend on the kernel alone.

A section is rendered in *parts* (``parts(scope)`` → keys; ``render(scope, key)`` → ``SectionPart``), each a
bounded piece of HTML (a few hundred table rows at most), so that a pack renders in parallel across workers and
one part's memory never holds a whole site's records.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django.db.models import QuerySet


@dataclass(frozen=True)
class PackScope:
    """What a pack covers: sites, a period of records, sections, and per-section choices (``options``: e.g.
    ``{"training.people": [ids], "capa.files": [ids]}``). ``viewer_id``: the requester (time zones, names)."""

    site_ids: tuple[int, ...]
    period_start: datetime.date
    period_end: datetime.date
    sections: tuple[str, ...]
    viewer_id: int
    options: Mapping[str, tuple] = field(default_factory=dict)
    pack_number: str = ""

    def option(self, name: str) -> tuple:
        return tuple(self.options.get(name) or ())

    @property
    def period_start_dt(self) -> datetime.datetime:
        return datetime.datetime.combine(self.period_start, datetime.time.min, tzinfo=datetime.UTC)

    @property
    def period_end_dt(self) -> datetime.datetime:
        """The first instant after the period (exclusive bound)."""
        return datetime.datetime.combine(
            self.period_end + datetime.timedelta(days=1), datetime.time.min, tzinfo=datetime.UTC
        )

    def viewer(self):
        from ims.org.models import Person

        return Person.objects.get(pk=self.viewer_id)


@dataclass(frozen=True)
class ManifestRecord:
    """One record in a pack: its model, id, version (the trail event of the state shown) and content hash."""

    model: str
    pk: str
    version: str
    sha256: str

    def as_dict(self) -> dict:
        return {"model": self.model, "id": self.pk, "version": self.version, "sha256": self.sha256}


@dataclass(frozen=True)
class Attachment:
    """A file shipped beside the PDF in the bundle (e.g. a controlled copy). ``name``: its path in the ZIP."""

    name: str
    data: bytes
    sha256: str
    source: str = ""  # "model:pk" of the record it belongs to

    def as_dict(self) -> dict:
        return {"file": self.name, "sha256": self.sha256, "size": len(self.data), "record": self.source}


@dataclass
class SectionPart:
    """A rendered piece of a section: its bookmark title, its body HTML, the records and files it holds."""

    title: str
    html: str
    records: list[ManifestRecord] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)


@dataclass(frozen=True)
class OptionReferences:
    """How people name the records of a section's choice (CAPA references, employee IDs, course codes):
    ``resolve(references, site_ids)`` → {reference: record id} for the references found at those sites."""

    help_text: str
    resolve: Callable[[Sequence[str], Sequence[int]], Mapping[str, int]]
    #: Record ids → the references again, to show what a pack chose.
    describe: Callable[[Sequence[int]], list[str]] | None = None


def options_described(sections_chosen: Iterable[str], options: Mapping[str, Sequence[int]]) -> list[tuple[str, str]]:
    """(label, the chosen records by reference) of a pack's per-section choices."""
    described = []
    for code in sections_chosen:
        section = _sections.get(code)
        if section is None:
            continue
        for name, label in section.option_labels.items():
            ids = list(options.get(name) or ())
            if not ids:
                continue
            reader = section.option_references.get(name)
            names = reader.describe(ids) if reader and reader.describe else [str(i) for i in ids]
            described.append((f"{section.title}: {label}", ", ".join(names)))
    return described


@dataclass(frozen=True)
class EvidenceSection:
    code: str
    title: str
    order: int
    #: The models whose records this section shows (``app_label.model_name``): an inspector granted the section
    #: reads these; one granted other sections only does not.
    models: tuple[str, ...]
    parts: Callable[[PackScope], list[str]]
    render: Callable[[PackScope, str], SectionPart]
    description: str = ""
    #: Pages of the section for the inspection room's navigation: (label, URL name).
    pages: tuple[tuple[str, str], ...] = ()
    #: Per-section choices a pack may make (name → label), e.g. {"training.people": "People"}.
    option_labels: Mapping[str, str] = field(default_factory=dict)
    #: How the pack form reads each choice: the references people type, turned into record ids.
    option_references: Mapping[str, OptionReferences] = field(default_factory=dict)
    #: Model label → the ORM path of the date (or date-time) that places a record in a grant's period of
    #: records (e.g. {"training.trainingrecord": "completed_at"}); models not named are not limited by period.
    period_lookups: Mapping[str, str] = field(default_factory=dict)
    #: The records the section puts in a pack, as querysets (one per model) of exactly those records: the trail
    #: extract holds their events, and the manifest lists no record outside them.
    included: Callable[[PackScope], Iterable[QuerySet]] | None = None


_sections: dict[str, EvidenceSection] = {}


def register_section(section: EvidenceSection) -> EvidenceSection:
    _sections[section.code] = section
    return section


def unregister_section(code: str) -> None:
    _sections.pop(code, None)


def get_section(code: str) -> EvidenceSection | None:
    return _sections.get(code)


def sections() -> list[EvidenceSection]:
    return sorted(_sections.values(), key=lambda s: (s.order, s.code))


def section_choices() -> list[tuple[str, str]]:
    return [(s.code, s.title) for s in sections()]


def models_by_section() -> dict[str, frozenset[str]]:
    return {s.code: frozenset(s.models) for s in sections()}


def period_lookup(label: str) -> str | None:
    for section in _sections.values():
        if label in section.period_lookups:
            return section.period_lookups[label]
    return None


def included_records(scope: PackScope) -> list[QuerySet]:
    """The records the pack's sections put in it: each section's ``included`` querysets."""
    records = []
    for code in scope.sections:
        section = _sections.get(code)
        if section is not None and section.included is not None:
            records.extend(section.included(scope))
    return records


def claimed_models() -> frozenset[str]:
    """Every model some section shows: an inspector reads one of them only through a granted section."""
    return frozenset(label for s in _sections.values() for label in s.models)

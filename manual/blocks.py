"""Live blocks of the IMS manual: the registry that the step-3 apps (and the manual itself) fill in.

A section of the manual holds our text plus *live blocks* — the effective policy, the objectives table, the
RACI, the risk and obligation summary, … — that insert, for the sites in scope, what the records say now.
Each block is registered once, by the app that owns its records, in ``AppConfig.ready()``; the manual only
iterates the registry, so it never imports the register's or the framework's models.

A block renders to an HTML fragment (escaped text, tables and inline server-side SVG only) and lists the
*sources* it was built from — one ``Source`` per record shown, with a digest of what was shown. The manual keeps
the sources of every block when a version is approved; comparing them with the sources of a fresh render is
how a "changed since approval" notice names what changed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils.safestring import SafeString


@dataclass(frozen=True)
class Source:
    """One record a block showed: a stable reference, a label people recognise, and a digest of what was shown."""

    ref: str  # "<app_label>.<model>:<pk>", e.g. "policies.objective:12"
    label: str  # "OBJ-03 · Reduce deviations"
    digest: str  # changes whenever what the block shows of the record changes (e.g. version number, updated_at)


@dataclass(frozen=True)
class BlockContent:
    html: SafeString
    sources: tuple[Source, ...] = ()


@dataclass(frozen=True)
class LiveBlock:
    """A kind of live block.

    ``render(*, user, sites, params)`` returns the block's ``BlockContent`` for the sites in scope, showing only
    what ``user`` may see. ``validate(*, user, sites, params)`` raises ``ValidationError`` (with a message a
    quality manager understands) when the parameters are wrong or point at a record ``user`` cannot see;
    it returns the cleaned parameters. ``param_choices(*, user)`` lists (value, label) pairs for the block's
    one optional parameter (e.g. a process), or is ``None`` for a block without parameters.
    """

    key: str
    label: str
    description: str
    render: Callable[..., BlockContent]
    validate: Callable[..., dict] = field(default=lambda *, user, sites, params: dict(params or {}))
    param_name: str = ""
    param_label: str = ""
    param_choices: Callable[..., Sequence[tuple[str, str]]] | None = None
    #: Harmonized clause (4–10) under which the block is normally placed; a hint for the section editor.
    clause_hint: str = ""


_BLOCKS: dict[str, LiveBlock] = {}


def register_block(block: LiveBlock) -> None:
    """Called from ``AppConfig.ready()``; registering the same key twice replaces the first (module reloads)."""
    _BLOCKS[block.key] = block


def block_get(key: str) -> LiveBlock:
    try:
        return _BLOCKS[key]
    except KeyError:
        raise ValidationError(f"There is no live block called '{key}'.", code="unknown_block") from None


def blocks_all() -> list[LiveBlock]:
    return sorted(_BLOCKS.values(), key=lambda b: (b.clause_hint or "99", b.label))

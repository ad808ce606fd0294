"""The registry of action kinds: apps say how an action of their kind is created; others raise one by key.

A domain app (e.g. process gap analysis) raises an action without knowing who handles it::

    ref = action_raise("action", actor=user, source=result, title=..., description=..., owner=person,
                       due_date=date, site=site)

and keeps ``ref.kind`` and ``ref.reference``. Step 6 registers ``"capa"`` in its ``AppConfig.ready()``, and
the same call opens a CAPA; ``processes`` never imports ``capa``.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

DEFAULT_KIND = "action"


@dataclass(frozen=True)
class ActionRef:
    """What a raised action is known by: its kind, its reference, and where to read it (if it has a page)."""

    kind: str
    reference: str
    url: str = ""


@dataclass(frozen=True)
class ActionKind:
    key: str
    label: str
    create: Callable[..., ActionRef]
    url: Callable[[str], str] | None = None


_kinds: dict[str, ActionKind] = {}


def action_kind_register(
    key: str, label: str, *, create: Callable[..., ActionRef], url: Callable[[str], str] | None = None
) -> None:
    """Register a kind. ``create(*, actor, source, title, description, owner, due_date, site) -> ActionRef``
    runs inside the caller's transaction; ``url(reference)`` gives the page of an action of this kind."""
    _kinds[key] = ActionKind(key=key, label=str(label), create=create, url=url)


def action_kinds() -> list[ActionKind]:
    return sorted(_kinds.values(), key=lambda kind: (kind.key != DEFAULT_KIND, kind.label))


def action_kind(key: str) -> ActionKind:
    try:
        return _kinds[key]
    except KeyError:
        raise ValidationError({"action_kind": _("“%(kind)s” is not a kind of action.") % {"kind": key}}) from None


def action_url(kind: str, reference: str) -> str:
    """The page of a raised action, or "" when its kind has none (or is no longer registered)."""
    entry = _kinds.get(kind)
    if entry is None or entry.url is None or not reference:
        return ""
    return entry.url(reference)


def action_raise(
    kind: str,
    *,
    actor,
    source,
    title: str,
    description: str = "",
    owner=None,
    due_date: datetime.date | None = None,
    site,
) -> ActionRef:
    """Create an action of ``kind`` through its registered handler (raises ``ValidationError`` if unknown)."""
    if not (title or "").strip():
        raise ValidationError({"title": _("Give the action a title.")})
    return action_kind(kind).create(
        actor=actor,
        source=source,
        title=title.strip(),
        description=description,
        owner=owner,
        due_date=due_date,
        site=site,
    )


def register_default_kind() -> None:
    from . import services

    action_kind_register(
        DEFAULT_KIND, _("Tracked action"), create=services.action_create, url=services.action_url_for_reference
    )

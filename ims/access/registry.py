"""The registry of site-scoped models.

A model joins site scoping with one decorator on its class::

    @site_scoped(site_lookup="site")
    class Membership(models.Model): ...

``site_lookup`` is the ORM path from the model to ``org.Site`` (``""`` for ``Site`` itself).
The kernel iterates this registry to create the per-site permissions, to build the role
permission sets and to give every registered model the generic isolation tests.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import models

DEFAULT_ACTIONS: tuple[str, ...] = ("view", "add", "change", "delete")


@dataclass(frozen=True)
class ScopedModel:
    model: type[models.Model]
    site_lookup: str
    actions: tuple[str, ...] = DEFAULT_ACTIONS
    extra_actions: tuple[str, ...] = field(default_factory=tuple)

    @property
    def label(self) -> str:
        return self.model._meta.label_lower

    @property
    def all_actions(self) -> tuple[str, ...]:
        return self.actions + self.extra_actions

    def codename(self, action: str) -> str:
        return f"{action}_{self.model._meta.model_name}"

    def site_codename(self, action: str) -> str:
        """The codename of the per-site (django-guardian object) permission on ``org.Site``."""
        return site_codename(self.model._meta.app_label, self.codename(action))

    @property
    def crosses_many(self) -> bool:
        """True when the path to the site goes through a to-many relation (a row may belong to several sites)."""
        if not self.site_lookup:
            return False
        opts = self.model._meta
        for part in self.site_lookup.split("__"):
            field_ = opts.get_field(part)
            if field_.many_to_many or field_.one_to_many:
                return True
            opts = field_.related_model._meta
        return False


_registry: dict[str, ScopedModel] = {}


def site_codename(app_label: str, codename: str) -> str:
    return f"{app_label}__{codename}"


def site_scoped(*, site_lookup: str, extra_actions: tuple[str, ...] = ()):
    """Class decorator: register ``model`` as scoped to sites through ``site_lookup``."""

    def decorator(model: type[models.Model]) -> type[models.Model]:
        if model._meta.abstract:
            raise TypeError("site_scoped applies to concrete models")
        entry = ScopedModel(model=model, site_lookup=site_lookup, extra_actions=tuple(extra_actions))
        _registry[entry.label] = entry
        return model

    return decorator


def get_scoped(model: type[models.Model]) -> ScopedModel | None:
    return _registry.get(model._meta.label_lower)


def scoped_models() -> list[ScopedModel]:
    return list(_registry.values())

"""What the audit kernel protects. Apps register with one line on the model class.

- ``@audited(...)``: every INSERT/UPDATE/DELETE on the table is written to the audit trail by a
  database trigger (whatever the path: pages, API, admin, ``update()``, ``bulk_create``, raw SQL),
  and the table refuses DELETE (regulated records are deactivated or retired, never deleted).
- ``@append_only``: the application's database role may only read and insert rows (signatures,
  certifications); triggers reject UPDATE and DELETE for every role.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import models


@dataclass(frozen=True)
class AuditedModel:
    model: type[models.Model]
    # Columns never copied into the trail (noise such as last_login), and columns whose value is hidden.
    ignored: tuple[str, ...] = ()
    masked: tuple[str, ...] = ()
    # SQL expression over the row variable ``r`` giving the site ids the row belongs to (bigint[]),
    # or None for company-wide reference data.
    site_sql: str | None = None
    block_delete: bool = True

    @property
    def table(self) -> str:
        return self.model._meta.db_table

    @property
    def label(self) -> str:
        return self.model._meta.label_lower


@dataclass(frozen=True)
class AppendOnlyModel:
    model: type[models.Model]
    extra_checks: tuple[str, ...] = field(default_factory=tuple)

    @property
    def table(self) -> str:
        return self.model._meta.db_table


_audited: dict[str, AuditedModel] = {}
_append_only: dict[str, AppendOnlyModel] = {}


def audited(
    *,
    ignored: tuple[str, ...] = (),
    masked: tuple[str, ...] = (),
    site_sql: str | None = None,
    block_delete: bool = True,
):
    def decorator(model):
        entry = AuditedModel(
            model=model, ignored=tuple(ignored), masked=tuple(masked), site_sql=site_sql, block_delete=block_delete
        )
        _audited[entry.label] = entry
        return model

    return decorator


def append_only(model):
    entry = AppendOnlyModel(model=model)
    _append_only[model._meta.label_lower] = entry
    return model


def audited_models() -> list[AuditedModel]:
    return list(_audited.values())


def is_audited(model) -> bool:
    return model._meta.concrete_model._meta.label_lower in _audited


def append_only_models() -> list[AppendOnlyModel]:
    return list(_append_only.values())


def is_append_only(model) -> bool:
    """Rows of ``model`` are never changed: the runtime role may not UPDATE them, nor lock them FOR UPDATE."""
    return model._meta.concrete_model._meta.label_lower in _append_only


def get_audited(model) -> AuditedModel | None:
    return _audited.get(model._meta.label_lower)


def audited_for_table(table: str) -> AuditedModel | None:
    for entry in _audited.values():
        if entry.table == table:
            return entry
    return None

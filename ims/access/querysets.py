"""``RestrictedQuerySet``: the one place where reads are filtered by the user's sites.

``Model.objects.restrict(user, action)`` returns the rows ``user`` may ``action``:
- an anonymous or deactivated user gets nothing;
- a user holding the model permission globally (Global Admin, superuser) gets every row;
- everyone else gets the rows of the sites where one of their current memberships grants
  the per-site permission, expressed as a single SQL subquery (never a list of ids).
Models that are not site-scoped (reference data such as functions and roles) are visible
to every active user; other actions on them need the permission globally or at any site.
"""

from __future__ import annotations

from django.db import models

from . import registry

SITE_SCOPE_HINT = "ims_site_scope"


@models.Field.register_lookup
class AnyOfSubquery(models.Lookup):
    """``field__any_of=<queryset of one column>`` → ``field = ANY(ARRAY(SELECT …))`` (PostgreSQL)."""

    lookup_name = "any_of"

    def as_sql(self, compiler, connection):
        lhs_sql, lhs_params = self.process_lhs(compiler, connection)
        rhs_sql, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs_sql} = ANY(ARRAY({rhs_sql}))", [*lhs_params, *rhs_params]


class RegulatedRecordDeletion(Exception):
    """Raised when code tries to hard-delete a regulated record; deactivate or retire it instead."""


class RestrictedQuerySet(models.QuerySet):
    def restrict(self, user, action: str = "view") -> RestrictedQuerySet:
        from .permissions import has_global_permission, site_ids_with_permission, site_permissions_held

        if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        opts = self.model._meta
        codename = f"{action}_{opts.model_name}"
        if has_global_permission(user, f"{opts.app_label}.{codename}"):
            return self
        scoped = registry.get_scoped(self.model)
        if scoped is None and action == "view":
            return self
        if registry.site_codename(opts.app_label, codename) not in site_permissions_held(user):
            return self.none()
        if scoped is None:
            return self
        sites = site_ids_with_permission(user, opts.app_label, codename)
        if not scoped.site_lookup:
            return self.filter(pk__in=sites)
        if scoped.crosses_many:
            inner = self.model._base_manager.filter(**{f"{scoped.site_lookup}__in": sites}).values("pk")
            return self.filter(pk__in=inner)
        # ``site = ANY(ARRAY(<the user's sites>))`` rather than ``IN (subquery)``: the sites are computed once and
        # the database reads the rows of those sites from an index on the site column (a count of one site's
        # 200,000 rows: 9 ms instead of 100 ms reading all 2 M entries through a hash join).
        restricted = self.filter(**{f"{scoped.site_lookup}__pk__{AnyOfSubquery.lookup_name}": sites})
        # Kept with every chained copy: how the rows were scoped, for a row estimate (``ims.web.tables``).
        restricted._hints = {**restricted._hints, SITE_SCOPE_HINT: (scoped.site_lookup, sites)}
        return restricted

    def delete(self):
        raise RegulatedRecordDeletion(
            f"{self.model._meta.verbose_name_plural} are regulated records and are never deleted; "
            "deactivate them instead."
        )

    delete.queryset_only = True


class RestrictedManager(models.Manager.from_queryset(RestrictedQuerySet)):
    pass

"""``RestrictedQuerySet``: the one place where reads are filtered by the user's sites.

``Model.objects.restrict(user, action)`` returns the rows ``user`` may ``action``:
- an anonymous or deactivated user gets nothing;
- a user holding the model permission globally (Global Admin, superuser) gets every row;
- an external inspector gets what their grants in force open (``ims.access.inspection``), read-only;
- everyone else gets the rows of the sites where one of their current memberships grants
  the per-site permission: the ids of those sites (a handful, read once per request), never a list of the
  records' ids.
Models that are not site-scoped (reference data such as functions and roles) are visible
to every active user; other actions on them need the permission globally or at any site.
"""

from __future__ import annotations

from django.db import models

from . import registry


class RegulatedRecordDeletion(Exception):
    """Raised when code tries to hard-delete a regulated record; deactivate or retire it instead."""


class RestrictedQuerySet(models.QuerySet):
    def restrict(self, user, action: str = "view") -> RestrictedQuerySet:
        from .permissions import has_global_permission, site_id_list, site_permissions_held

        if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        if getattr(user, "external_inspector", False):
            from .inspection import inspector_scope

            return inspector_scope(user).restrict(self, action, user)
        opts = self.model._meta
        codename = f"{action}_{opts.model_name}"
        if has_global_permission(user, f"{opts.app_label}.{codename}"):
            return self
        if hasattr(self.model, "inspector_q"):
            from .permissions import is_inspector_only

            if is_inspector_only(user):
                # An inspection's own records (grants, requests, packs) are read under a grant only.
                return self.none()
        scoped = registry.get_scoped(self.model)
        if scoped is None and action == "view":
            return self
        if registry.site_codename(opts.app_label, codename) not in site_permissions_held(user):
            return self.none()
        if scoped is None:
            return self
        # The user's sites as literal ids (one small query, kept for the request), never the ids of the records:
        # the database then knows which share of the rows they hold (its statistics per site), reads one site's
        # rows from the site index and counts them there (one site's 200,000 of 2 M assignments: 8 ms, not 100).
        sites = site_id_list(user, opts.app_label, codename)
        if not scoped.site_lookup:
            return self.filter(pk__in=sites)
        if scoped.crosses_many:
            inner = self.model._base_manager.filter(**{f"{scoped.site_lookup}__in": sites}).values("pk")
            return self.filter(pk__in=inner)
        return self.filter(**{f"{scoped.site_lookup}__in": sites})

    def delete(self):
        raise RegulatedRecordDeletion(
            f"{self.model._meta.verbose_name_plural} are regulated records and are never deleted; "
            "deactivate them instead."
        )

    delete.queryset_only = True


class RestrictedManager(models.Manager.from_queryset(RestrictedQuerySet)):
    pass

"""Read helpers of the policies app, with the scope rule for company-level rows.

An objective belongs to a level of the cascade: the company (no site), a site, or a function at a
site. ``@site_scoped(site_lookup="site")`` alone would hide company objectives from everybody but
global holders, so ``restrict()`` adds them — for reading only — for every user who holds the view
permission at one or more sites. Writing a company-level row needs the permission globally
(Global Admin). The rule stays one SQL query: the kernel's site subquery, used once with ``IN`` and
once with ``EXISTS``.
"""

from __future__ import annotations

from django.db.models import OuterRef, Q, Subquery

from ims.access.permissions import has_global_permission, site_id_list
from ims.access.querysets import RestrictedQuerySet


class CompanyLevelQuerySet(RestrictedQuerySet):
    """``restrict()`` plus the rows without a site (``company_lookup`` is null) for readers at any site."""

    company_lookup: str = "site"

    def restrict(self, user, action: str = "view") -> CompanyLevelQuerySet:
        active = user is not None and getattr(user, "is_authenticated", False) and user.is_active
        if action != "view" or not active:
            return super().restrict(user, action)
        if getattr(user, "external_inspector", False):
            return self._inspector_rows(user)
        opts = self.model._meta
        codename = f"{action}_{opts.model_name}"
        if has_global_permission(user, f"{opts.app_label}.{codename}"):
            return self
        sites = site_id_list(user, opts.app_label, codename)
        if not sites:
            return self.none()
        return self.filter(Q(**{f"{self.company_lookup}__in": sites}) | Q(**{f"{self.company_lookup}__isnull": True}))

    def _inspector_rows(self, user) -> CompanyLevelQuerySet:
        """An external inspector reads the site rows their grants open (``super().restrict``: sections, sites,
        period), and the company rows only under a grant of a section that shows this model, in its period."""
        from ims.access.inspection import inspector_scope

        rows = super().restrict(user, "view")
        opts = self.model._meta
        scope = inspector_scope(user)
        grants = scope.grants_for(opts.label_lower)
        if not grants or not site_id_list(user, opts.app_label, f"view_{opts.model_name}"):
            return rows
        company = Q(**{f"{self.company_lookup}__isnull": True})
        if (periods := scope.period_q(self.model, grants)) is not None:
            company &= periods
        return rows | self.filter(company)


class ObjectiveQuerySet(CompanyLevelQuerySet):
    company_lookup = "site"

    def with_latest_reading(self) -> ObjectiveQuerySet:
        """Annotate ``latest_value`` and ``latest_period_end``: the newest reading that is not voided."""
        from .models import ObjectiveReading

        newest = ObjectiveReading.objects.filter(objective=OuterRef("pk"), is_void=False).order_by("-period_end", "-pk")
        return self.annotate(
            latest_value=Subquery(newest.values("value")[:1]),
            latest_period_end=Subquery(newest.values("period_end")[:1]),
        )

    def for_site(self, site) -> ObjectiveQuerySet:
        return self.filter(site=site)

    def open(self) -> ObjectiveQuerySet:
        from .choices import ObjectiveStatus

        return self.exclude(status=ObjectiveStatus.CANCELLED)


class ObjectiveReadingQuerySet(CompanyLevelQuerySet):
    company_lookup = "objective__site"

    def valid(self) -> ObjectiveReadingQuerySet:
        return self.filter(is_void=False)

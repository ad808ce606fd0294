"""Tables of the organisation pages (django-tables2): linkified names, status badges, no N+1.

Counts and a person's current sites come from annotations and one prefetch made by the
views, so a page of 50 rows runs the same queries as a page of one.
"""

from __future__ import annotations

import django_tables2 as tables
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from ims.web.tables import OPTIONAL, BaseTable
from ims.web.templatetags.ims_ui import active_badge, status_badge

from .models import Function, Membership, Person, Role, Site


def _status(value: bool):
    return active_badge(value)


class SiteTable(BaseTable):
    code = tables.Column(linkify=True, attrs={"td": {"class": "fw-semibold text-nowrap"}})
    name = tables.Column(linkify=True)
    country = tables.Column()
    timezone = tables.Column(verbose_name=_("Time zone"), attrs=OPTIONAL)
    people = tables.Column(verbose_name=_("People"), attrs={"td": {"class": "text-end"}, "th": {"class": "text-end"}})
    is_active = tables.Column(verbose_name=_("Status"))

    class Meta(BaseTable.Meta):
        model = Site
        fields = ("code", "name", "country", "timezone", "people", "is_active")

    def render_is_active(self, value):
        return _status(value)


class FunctionTable(BaseTable):
    name = tables.Column(linkify=True, attrs={"td": {"class": "fw-semibold"}})
    code = tables.Column(attrs={"td": {"class": "font-monospace small"}})
    description = tables.Column(orderable=False, attrs={"td": {"class": "text-body-secondary small text-truncate-2"}})
    is_active = tables.Column(verbose_name=_("Status"))

    class Meta(BaseTable.Meta):
        model = Function
        fields = ("name", "code", "description", "is_active")

    def render_is_active(self, value):
        return _status(value)


class RoleTable(BaseTable):
    name = tables.Column(linkify=True, attrs={"td": {"class": "fw-semibold text-nowrap"}})
    description = tables.Column(orderable=False, attrs={"td": {"class": "text-body-secondary small"}})
    is_global = tables.Column(verbose_name=_("Scope"))
    is_read_only = tables.Column(verbose_name=_("Access"))
    permission_count = tables.Column(
        verbose_name=_("Permissions"), attrs={"td": {"class": "text-end"}, "th": {"class": "text-end"}}
    )

    class Meta(BaseTable.Meta):
        model = Role
        fields = ("name", "description", "is_global", "is_read_only", "permission_count")

    def render_is_global(self, value):
        if value:
            return format_html('<span class="status-pill status-info">{}</span>', _("Every site"))
        return format_html('<span class="text-body-secondary">{}</span>', _("Per site"))

    def render_is_read_only(self, value):
        if value:
            return format_html('<span class="status-pill status-warning">{}</span>', _("Read only"))
        return format_html('<span class="text-body-secondary">{}</span>', _("Read & write"))


class PersonTable(BaseTable):
    name = tables.Column(
        accessor="display_name",
        linkify=True,
        order_by=("last_name", "first_name"),
        verbose_name=_("Name"),
        attrs={"td": {"class": "fw-semibold text-nowrap"}},
    )
    employee_id = tables.Column(attrs={"td": {"class": "font-monospace small"}})
    job_title = tables.Column(attrs=OPTIONAL)
    email = tables.EmailColumn(attrs=OPTIONAL)
    sites = tables.Column(empty_values=(), orderable=False, verbose_name=_("Current sites"))
    is_active = tables.Column(verbose_name=_("Status"))

    class Meta(BaseTable.Meta):
        model = Person
        fields = ("name", "employee_id", "job_title", "email", "sites", "is_active")

    def render_sites(self, record):
        """The sites of the person's current memberships the viewer may see (prefetched by the view)."""
        memberships = getattr(record, "visible_memberships", [])
        codes = sorted({m.site.code for m in memberships})
        if not codes:
            return format_html('<span class="text-body-tertiary">{}</span>', _("none"))
        return format_html_join(" ", '<span class="badge site-badge">{}</span>', ((c,) for c in codes))

    def render_is_active(self, value):
        return _status(value)


class MembershipTable(BaseTable):
    person = tables.Column(
        linkify=True, order_by=("person__last_name", "person__first_name"), attrs={"td": {"class": "fw-semibold"}}
    )
    site = tables.Column(
        accessor="site__code", linkify=lambda record: record.site.get_absolute_url(), verbose_name=_("Site")
    )
    function = tables.Column(order_by=("function__name",), attrs=OPTIONAL)
    role = tables.Column(order_by=("role__name",))
    valid_from = tables.DateColumn(verbose_name=_("From"))
    valid_to = tables.DateColumn(verbose_name=_("To"), attrs=OPTIONAL)
    status = tables.Column(empty_values=(), orderable=False, verbose_name=_("Status"))
    details = tables.LinkColumn(
        "org:membership_detail",
        args=[tables.A("pk")],
        text=_("Details"),
        orderable=False,
        verbose_name="",
        attrs={"a": {"class": "btn btn-sm btn-outline-secondary"}, "td": {"class": "text-end"}},
    )

    class Meta(BaseTable.Meta):
        model = Membership
        fields = ("person", "site", "function", "role", "valid_from", "valid_to", "status", "details")

    def render_status(self, record):
        return status_badge(membership_status(record))


def membership_status(membership: Membership) -> str:
    from django.utils import timezone

    today = timezone.localdate()
    if membership.valid_from > today:
        return "future"
    if membership.valid_to is not None and membership.valid_to < today:
        return "ended"
    return "current"

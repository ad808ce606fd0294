"""The feedback list table."""

from __future__ import annotations

import django_tables2 as tables
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ims.access.permissions import user_can_any_site
from ims.web.tables import OPTIONAL, BaseTable

from .models import FeedbackItem
from .services import PERM_TRIAGE


class FeedbackTable(BaseTable):
    reference = tables.Column(linkify=True, attrs={"td": {"class": "fw-semibold text-nowrap"}})
    kind = tables.Column(verbose_name=gettext_lazy("Kind"))
    site = tables.Column(order_by=("site__code",))
    location = tables.Column(attrs=OPTIONAL)
    submitter = tables.Column(empty_values=(), orderable=False, verbose_name=gettext_lazy("Reported by"))
    status = tables.Column()
    submitted_at = tables.DateTimeColumn(format="Y-m-d H:i")

    class Meta(BaseTable.Meta):
        model = FeedbackItem
        fields = ("reference", "kind", "site", "location", "submitter", "status", "submitted_at")

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        user = getattr(request, "user", None)
        # Who reported is for the people who triage; colleagues see the report, not the name.
        self.show_names = user is not None and user_can_any_site(user, PERM_TRIAGE)

    def render_site(self, record):
        return format_html('<span class="badge site-badge">{}</span>', record.site.code)

    def render_submitter(self, record):
        if record.submitter_id is None:
            return format_html('<span class="text-body-secondary">{}</span>', _("Anonymous"))
        return record.submitter.display_name if self.show_names else _("Named")

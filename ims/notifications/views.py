"""The person's inbox: the same notices the daily digest e-mails, newest first."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from .models import Notice

PER_PAGE = 30


class InboxView(View):
    template_name = "notifications/inbox.html"

    def get(self, request):
        notices = Notice.objects.filter(person=request.user).order_by("-day", "-created_at", "-pk")
        page = Paginator(notices, PER_PAGE).get_page(request.GET.get("page"))
        unread = notices.filter(read_at__isnull=True).count()
        return TemplateResponse(request, self.template_name, {"title": _("Inbox"), "page": page, "unread": unread})

    def post(self, request):
        """Mark all one's notices read (they stay in the inbox)."""
        marked = Notice.objects.filter(person=request.user, read_at__isnull=True).update(read_at=timezone.now())
        messages.success(request, _("%(n)s notice(s) marked as read.") % {"n": marked})
        return redirect("notifications:inbox")

"""The import page: upload, check (a dry run shows what would change or every error), import."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView

from ims.access.permissions import user_can_any_site

from .importer import COLUMNS, MAX_BYTES, REQUIRED_COLUMNS, register_import, template_csv
from .services import PERM_ADD


class RegisterImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("CSV or XLSX file"))


class RegisterImportView(TemplateView):
    template_name = "risks/entry_import.html"

    @classmethod
    def user_may_open(cls, user, **url_kwargs) -> bool:
        return user_can_any_site(user, PERM_ADD)

    def dispatch(self, request, *args, **kwargs):
        if not self.user_may_open(request.user):
            raise PermissionDenied(_("You may not add register entries."))
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        if request.GET.get("download") == "template":
            response = HttpResponse(template_csv(), content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = 'attachment; filename="risk-register-template.csv"'
            return response
        return self.render_to_response(self.get_context_data(form=RegisterImportForm()))

    def post(self, request, *args, **kwargs):
        form = RegisterImportForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        upload = form.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            form.add_error("file", _("The file is larger than the limit of %(limit)s bytes.") % {"limit": MAX_BYTES})
            return self.render_to_response(self.get_context_data(form=form), status=400)
        dry_run = request.POST.get("action") != "import"
        report = register_import(actor=request.user, content=upload.read(), filename=upload.name, dry_run=dry_run)
        if report.applied:
            messages.success(
                request,
                _("%(created)s entries added, %(updated)s updated, %(unchanged)s unchanged.")
                % {"created": report.created, "updated": report.updated, "unchanged": report.unchanged},
            )
            return redirect("risks:entry_list")
        status = 200 if report.accepted else 400
        return self.render_to_response(self.get_context_data(form=form, report=report), status=status)

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "title": _("Import register entries"),
            "columns": COLUMNS,
            "required": REQUIRED_COLUMNS,
        }

"""Placeholder: the org import upload page (dry-run preview, confirm) is being built."""

from django.views.generic import TemplateView


class OrgImportView(TemplateView):
    template_name = "org/import.html"

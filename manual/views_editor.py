"""The section editor of a draft manual: add, reorder and remove sections, place and remove live blocks, open the
annexes. One page, one POST endpoint per action; every change goes through ``manual.services``."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from ims.access.permissions import user_can
from ims.audit.context import audit_context
from ims.documents import services as document_services
from ims.documents.choices import VersionStatus
from ims.web.input import REASON_FIELD
from ims.web.views import REASON_REQUIRED

from . import selectors, services
from .blocks import blocks_all
from .forms import BlockAddForm, SectionAddForm, VersionMetaForm
from .models import ManualSection, SectionBlock, SiteAnnex

#: Actions that change or remove what is there: they need a reason for change.
CHANGING = {"section_up", "section_down", "section_remove", "block_remove", "version_meta"}


class SectionEditorView(TemplateView):
    template_name = "manual/section_editor.html"

    def dispatch(self, request, *args, **kwargs):
        self.version = get_object_or_404(selectors.version_queryset(user=request.user), pk=kwargs["pk"])
        if not user_can(request.user, "change", self.version):
            raise PermissionDenied(_("You may not change this manual."))
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        sections = ManualSection.objects.restrict(user, "view").filter(version=self.version, is_active=True)
        blocks = SectionBlock.objects.filter(section__version=self.version, is_active=True).order_by("order", "pk")
        by_section: dict[int, list] = {}
        for block in blocks:
            by_section.setdefault(block.section_id, []).append(block)
        labels = {b.key: b.label for b in blocks_all()}
        annexes = {a.site_id: a for a in SiteAnnex.objects.restrict(user, "view").filter(version=self.version)}
        sites = self.version.document.sites.restrict(user, "view").order_by("code")
        context.update(
            {
                "title": _("Edit the content of %(v)s") % {"v": self.version},
                "version": self.version,
                "document": self.version.document,
                "editable": self.version.status == VersionStatus.DRAFT,
                "sections": [
                    (s, [(b, labels.get(b.block_key, b.block_key)) for b in by_section.get(s.pk, [])])
                    for s in sections.order_by("order", "pk")
                ],
                "block_kinds": [(b, b.param_choices(user=user) if b.param_choices else None) for b in blocks_all()],
                "section_form": SectionAddForm(),
                "meta_form": VersionMetaForm(
                    initial={
                        "effective_date": self.version.effective_date,
                        "change_summary": self.version.change_summary,
                    }
                ),
                "block_form": BlockAddForm(),
                "annex_sites": [(site, annexes.get(site.pk)) for site in sites],
                "reason_field": REASON_FIELD,
            }
        )
        return context

    def post(self, request, *args, **kwargs):
        action = request.POST.get("action", "")
        reason = (request.POST.get(REASON_FIELD) or "").strip()
        if action in CHANGING and not reason:
            messages.error(request, REASON_REQUIRED)
            return redirect("manual:section_editor", pk=self.version.pk)
        try:
            with audit_context(reason=reason or _("Added to the draft manual")):
                done = self.apply(action, request.POST)
        except (ValidationError, PermissionDenied) as error:
            messages.error(
                request, " ".join(getattr(error, "messages", None) or [str(error)]) + " " + _("Nothing was changed.")
            )
        else:
            messages.success(request, done)
        return redirect("manual:section_editor", pk=self.version.pk)

    def _section(self, data) -> ManualSection:
        return get_object_or_404(
            ManualSection.objects.restrict(self.request.user, "view").filter(version=self.version),
            pk=data.get("section") or 0,
        )

    def apply(self, action: str, data) -> str:
        user = self.request.user
        if action == "section_add":
            form = SectionAddForm(data)
            if not form.is_valid():
                raise ValidationError(_("Choose the clause and give the section a title."))
            section = services.section_create(actor=user, version=self.version, **form.cleaned_data)
            return _("Section “%(t)s” added.") % {"t": section.title}
        if action in ("section_up", "section_down"):
            services.section_move(actor=user, section=self._section(data), up=action == "section_up")
            return _("Section moved.")
        if action == "section_remove":
            section = services.section_remove(actor=user, section=self._section(data))
            return _("Section “%(t)s” removed from the draft.") % {"t": section.title}
        if action == "block_add":
            form = BlockAddForm(data)
            if not form.is_valid():
                raise ValidationError(_("Choose a live block."))
            key = form.cleaned_data["block_key"]
            kind = next(b for b in blocks_all() if b.key == key)
            params = (
                {kind.param_name: form.cleaned_data["param"]} if kind.param_name and form.cleaned_data["param"] else {}
            )
            block = services.block_add(actor=user, section=self._section(data), block_key=key, params=params)
            return _("Live block “%(b)s” added.") % {"b": kind.label if block else key}
        if action == "block_remove":
            block = get_object_or_404(
                SectionBlock.objects.restrict(user, "view").filter(section__version=self.version),
                pk=data.get("block") or 0,
            )
            services.block_remove(actor=user, block=block)
            return _("Live block removed from the draft.")
        if action == "version_meta":
            form = VersionMetaForm(data)
            if not form.is_valid():
                raise ValidationError(_("Give a valid effective date and a change summary."))
            document_services.version_update(actor=user, version=self.version, data=form.cleaned_data)
            return _("Effective date and change summary saved.")
        raise ValidationError(_("Unknown action."))

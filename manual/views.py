"""Pages of the IMS manual: thin adapters over ``manual.services`` and ``manual.selectors``.

Review, approval and the e-signatures are the document-control kernel's pages (``documents:version_*``); these
pages show the manual, edit a draft's content, and issue it as HTML, PDF and DOCX.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import TemplateView, View

from ims.access.permissions import user_can
from ims.audit.context import audit_context
from ims.documents.choices import DocumentType, VersionStatus
from ims.documents.models import ControlledDocument
from ims.documents.selectors import with_version_summary
from ims.documents.services import may_start_version
from ims.org.models import Site
from ims.web.input import REASON_FIELD
from ims.web.views import ObjectEditView, ObjectListView, reason_field

from . import selectors, services
from .forms import AnnexForm, ManualForm, NewDraftForm, SectionForm
from .models import ManualSection, SiteAnnex
from .outputs import OutputRefused, output_prepare, render_docx, render_pdf
from .tables import AnnexTable, ManualTable


class ManualListView(ObjectListView):
    queryset = ControlledDocument.objects.filter(doc_type=DocumentType.MANUAL).prefetch_related("sites")
    table_class = ManualTable
    title = _("IMS manual")
    add_url_name = "manual:manual_add"
    export_fields = ("id", "number", "title", "owner__username", "review_due", "is_active")

    def get_queryset(self, action=None):
        return with_version_summary(super().get_queryset(action))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["model_name"] = _("manual")
        return context


class AnnexListView(ObjectListView):
    """The site annexes of the sites one may read (another site's annex never shows)."""

    queryset = SiteAnnex.objects.select_related("site", "version__document")
    table_class = AnnexTable
    title = _("Site annexes of the IMS manual")
    export_fields = ("id", "site__code", "version__document__number", "version__number")


class ManualAddView(ObjectEditView):
    queryset = ControlledDocument.objects.filter(doc_type=DocumentType.MANUAL)
    form_class = ManualForm

    def get_form(self):
        return self.form_class(**self.get_form_kwargs())

    def save(self, form):
        data = form.cleaned_data
        return services.manual_create(
            actor=self.request.user,
            number=data["number"],
            title=data["title"],
            owner=data["owner"],
            sites=data["sites"],
            effective_date=data["effective_date"],
        )


def _manual(request, pk) -> ControlledDocument:
    return get_object_or_404(selectors.manual_queryset(user=request.user), pk=pk)


def _version(request, pk):
    return get_object_or_404(selectors.version_queryset(user=request.user), pk=pk)


def _site_param(request, version):
    """``?site=<id or code>``: one of the manual's sites whose annex the user may read (else 404)."""
    raw = (request.GET.get("site") or "").strip()
    if not raw:
        return None
    sites = version.document.sites.all()
    site = sites.filter(pk=int(raw)).first() if raw.isdigit() else sites.filter(code__iexact=raw).first()
    if site is None or not Site.objects.restrict(request.user, "view").filter(pk=site.pk).exists():
        raise Http404
    return site


class ManualDetailView(TemplateView):
    template_name = "manual/manual_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        document = _manual(self.request, kwargs["pk"])
        chosen = self.request.GET.get("version")
        if chosen and chosen.isdigit():
            version = get_object_or_404(selectors.version_queryset(user=user).filter(document=document), pk=chosen)
        else:
            version = selectors.current_version(document, user=user)
        if version is None:
            raise Http404
        site = _site_param(self.request, version)
        rendered = selectors.manual_rendered(version, user=user)
        if site is not None:
            rendered = rendered.for_site(site.pk)
        frozen = version.status in selectors.FROZEN_STATUSES
        changes = selectors.changes_for(version, user=user) if version.status == VersionStatus.EFFECTIVE else None
        open_version = document.versions.filter(status__in=[VersionStatus.DRAFT, VersionStatus.IN_REVIEW]).first()
        context.update(
            {
                "title": str(document.title),
                "document": document,
                "version": version,
                "versions": list(selectors.version_queryset(user=user).filter(document=document).order_by("-number")),
                "rendered": rendered,
                "toc": rendered.full_toc,
                "annexes": sorted(rendered.annexes.values(), key=lambda a: a["code"]),
                "site": site,
                "frozen": frozen,
                "snapshot": selectors.snapshot_of(version) if frozen else None,
                "changes": changes,
                "open_version": open_version,
                "can_edit": version.status == VersionStatus.DRAFT and user_can(user, "change", version),
                "can_start": not open_version and may_start_version(actor=user, document=document),
                "new_draft_form": NewDraftForm(),
                "is_effective": version.status == VersionStatus.EFFECTIVE,
            }
        )
        return context


class ManualPrintView(TemplateView):
    """A standalone page of one version, for the browser's print (no navigation)."""

    template_name = "manual/manual_print.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        version = _version(self.request, kwargs["pk"])
        site = _site_param(self.request, version)
        rendered = selectors.manual_rendered(version, user=self.request.user)
        if site is not None:
            rendered = rendered.for_site(site.pk)
        context.update({"version": version, "document": version.document, "rendered": rendered, "site": site})
        return context


class ManualFileView(View):
    """The PDF or DOCX of a version: refused (409) for a version that is not effective unless ``?draft=1``."""

    kind = "pdf"

    def get(self, request, pk):
        version = _version(request, pk)
        site = _site_param(request, version)
        try:
            output = output_prepare(version, viewer=request.user, draft=request.GET.get("draft") == "1", site=site)
        except OutputRefused as refused:
            messages.error(request, " ".join(refused.messages))
            response = redirect(reverse("manual:manual_detail", args=[version.document_id]) + f"?version={version.pk}")
            response.status_code = 303
            return response
        if self.kind == "pdf":
            data, content_type = render_pdf(output), "application/pdf"
        else:
            data = render_docx(output)
            content_type = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        response = HttpResponse(data, content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="{output.filename(self.kind)}"'
        response["X-Content-Type-Options"] = "nosniff"
        return response


class NewDraftView(View):
    """ "Start a new draft" (from the changed-since-approval notice): the kernel's new version, sections copied."""

    http_method_names = ["post"]

    def post(self, request, pk):
        document = _manual(request, pk)
        form = NewDraftForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Say what changes in the new draft and why; nothing was started."))
            return redirect("manual:manual_detail", pk=document.pk)
        try:
            version = services.new_draft_start(
                actor=request.user, document=document, change_summary=form.cleaned_data["change_summary"]
            )
        except PermissionDenied as denied:
            raise PermissionDenied(str(denied)) from denied
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("manual:manual_detail", pk=document.pk)
        messages.success(request, _("Version %(n)s started as a draft.") % {"n": version.number})
        return redirect("manual:section_editor", pk=version.pk)


class SectionEditView(ObjectEditView):
    queryset = ManualSection.objects.select_related("version__document")
    form_class = SectionForm

    def save(self, form):
        data = {name: form.cleaned_data[name] for name in ("slot", "title", "body", "mandatory")}
        return services.section_update(actor=self.request.user, section=self.object, data=data)

    def post(self, request, *args, **kwargs):
        """Saved: back to the section editor (where the author came from), the next section at hand."""
        response = super().post(request, *args, **kwargs)
        if response.status_code == 302:
            return redirect("manual:section_editor", pk=self.object.version_id)
        return response

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["cancel_url"] = reverse("manual:section_editor", args=[self.object.version_id])
        return context


class AnnexDetailView(TemplateView):
    """One site's annex: only the people of that site see it (another site's annex is 404)."""

    template_name = "manual/annex_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        annex = get_object_or_404(selectors.annex_queryset(user=self.request.user), pk=kwargs["pk"])
        version = annex.version
        rendered = selectors.manual_rendered(version, user=self.request.user)
        entry = rendered.annexes.get(str(annex.site_id))
        context.update(
            {"annex": annex, "title": str(annex), "html": entry["html"] if entry else "", "version": version}
        )
        return context


class AnnexEditView(TemplateView):
    """Write or change the annex of one site on a draft (a change needs a reason)."""

    template_name = "web/object_edit.html"

    def dispatch(self, request, *args, **kwargs):
        self.version = _version(request, kwargs["pk"])
        if not user_can(request.user, "change", self.version):
            raise PermissionDenied(_("You may not change this manual."))
        self.site = get_object_or_404(self.version.document.sites.restrict(request.user, "view"), pk=kwargs["site"])
        self.annex = SiteAnnex.objects.filter(version=self.version, site=self.site).first()
        return super().dispatch(request, *args, **kwargs)

    def form(self):
        form = AnnexForm(
            self.request.POST or None, instance=self.annex or SiteAnnex(version=self.version, site=self.site)
        )
        if self.annex is not None:
            form.fields[REASON_FIELD] = reason_field()
        return form

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", self.form())
        context.update(
            {
                "title": _("Annex %(site)s of %(v)s") % {"site": self.site.code, "v": self.version},
                "model_name": _("site annex"),
                "cancel_url": reverse("manual:section_editor", args=[self.version.pk]),
            }
        )
        return context

    def post(self, request, *args, **kwargs):
        form = self.form()
        if form.is_valid():
            data = {n: form.cleaned_data[n] for n in ("local_scope", "local_regulations", "local_roles")}
            try:
                with audit_context(reason=form.cleaned_data.get(REASON_FIELD) or None):
                    services.annex_save(actor=request.user, version=self.version, site=self.site, data=data)
            except (ValidationError, PermissionDenied) as error:
                messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
            else:
                messages.success(request, _("Annex %(site)s saved.") % {"site": self.site.code})
                return redirect("manual:section_editor", pk=self.version.pk)
        return self.render_to_response(self.get_context_data(form=form), status=400)

"""Evidence-pack pages: the list, building one (with a live progress bar), releasing it with an e-signature,
and the downloads (PDF for the quality team; bundle and manifest once released)."""

from __future__ import annotations

import json

import django_tables2 as tables
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from ims.access.permissions import user_can, user_can_any_site
from ims.documents.forms import SignatureStepForm
from ims.documents.views import client_ip
from ims.esign import selectors as esign_selectors
from ims.esign.choices import SignatureChannel
from ims.esign.services import SignatureRefused, username_required
from ims.jobs.services import job_cancel
from ims.org.filtersets import SearchFilterSet
from ims.reports.registry import get_section, options_described
from ims.web.tables import BaseTable
from ims.web.views import ObjectListView, apply_validation_error

from . import services, storage
from .forms import PackForm
from .models import EvidencePack, PackStatus
from .selectors import packs_for


class PackTable(BaseTable):
    number = tables.Column(linkify=True, verbose_name=_("Pack"))
    title = tables.Column()
    site_codes = tables.Column(verbose_name=gettext_lazy("Sites"))
    period_start = tables.DateColumn(verbose_name=gettext_lazy("From"))
    period_end = tables.DateColumn(verbose_name=gettext_lazy("To"))
    status = tables.Column(accessor="get_status_display", orderable=False, verbose_name=gettext_lazy("Status"))
    page_count = tables.Column(verbose_name=gettext_lazy("Pages"))
    created_at = tables.DateTimeColumn(verbose_name=gettext_lazy("Requested"))

    class Meta(BaseTable.Meta):
        model = EvidencePack
        fields = ("number", "title", "site_codes", "period_start", "period_end", "status", "page_count", "created_at")


class PackFilterSet(SearchFilterSet):
    search_fields = ("number", "title", "site_codes")

    class Meta:
        model = EvidencePack
        fields = []


class PackListView(ObjectListView):
    queryset = EvidencePack.objects.select_related("job").order_by("-created_at", "-pk")
    table_class = PackTable
    filterset_class = PackFilterSet
    title = gettext_lazy("Evidence packs")
    add_url_name = "evidence:pack_create"

    def get_queryset(self, action=None):
        return packs_for(self.request.user).order_by("-created_at", "-pk")


class PackCreateView(View):
    template_name = "evidence/pack_form.html"

    @classmethod
    def user_may_open(cls, user, **url_kwargs) -> bool:
        return user_can_any_site(user, "evidence.add_evidencepack")

    def dispatch(self, request, *args, **kwargs):
        if not self.user_may_open(request.user):
            raise PermissionDenied(_("You may not build evidence packs."))
        return super().dispatch(request, *args, **kwargs)

    def render(self, form, status=200):
        return TemplateResponse(
            self.request, self.template_name, {"title": _("Build an evidence pack"), "form": form}, status=status
        )

    def get(self, request):
        initial = {}
        if request.GET.get("grant", "").isdigit():
            initial["grant"] = int(request.GET["grant"])
        return self.render(PackForm(user=request.user, initial=initial))

    def post(self, request):
        form = PackForm(request.POST, user=request.user)
        if not form.is_valid():
            return self.render(form, status=400)
        data = form.cleaned_data
        try:
            pack, created = services.pack_request(
                actor=request.user,
                sites=list(data["sites"]),
                period_start=data["period_start"],
                period_end=data["period_end"],
                sections=data["sections"],
                options=data["options"],
                grant=data.get("grant"),
                title=data.get("title", ""),
            )
        except ValidationError as error:
            apply_validation_error(form, error)
            return self.render(form, status=400)
        if created:
            messages.success(
                request, _("%(number)s is being built; this page shows its progress.") % {"number": pack.number}
            )
        else:
            messages.info(request, _("The same pack is already being built: %(number)s.") % {"number": pack.number})
        return redirect(pack)


def _pack(request, pk: int) -> EvidencePack:
    return get_object_or_404(packs_for(request.user), pk=pk)


def _parts(pack: EvidencePack) -> list[dict]:
    rows = []
    for chunk in pack.chunks.order_by("index"):
        section = get_section(chunk.section)
        rows.append(
            {
                "section": section.title if section else chunk.section,
                "title": chunk.title or chunk.key,
                "status": chunk.get_status_display(),
                "pages": chunk.pages,
                "seconds": chunk.seconds,
            }
        )
    return rows


class PackDetailView(View):
    template_name = "evidence/pack_detail.html"

    def get(self, request, pk: int):
        pack = _pack(request, pk)
        user = request.user
        inspector = getattr(user, "external_inspector", False)
        manifest = pack.manifest or {}
        contents = manifest.get("contents") or {}
        context = {
            "title": f"{pack.number} — {pack.title}",
            "pack": pack,
            "job": pack.job,
            "inspector": inspector,
            "parts": [] if inspector else _parts(pack),
            "records": len(contents.get("records", [])),
            "attachments": len(contents.get("attachments", [])),
            "sections": [get_section(code) for code in pack.sections if get_section(code)],
            "chosen": options_described(pack.sections, pack.options or {}),
            "can_release": not inspector and pack.status == PackStatus.BUILT and user_can(user, "release", pack),
            "can_cancel": not inspector and pack.job.is_open and pack.job.requested_by_id == user.pk,
            "manifestations": esign_selectors.manifestations_for(pack, viewer=user),
        }
        return TemplateResponse(request, self.template_name, context)


class PackProgressView(View):
    """The progress card, polled by htmx every two seconds while the pack is building."""

    def get(self, request, pk: int):
        pack = _pack(request, pk)
        response = TemplateResponse(request, "evidence/_pack_progress.html", {"pack": pack, "job": pack.job})
        if not pack.job.is_open and request.headers.get("HX-Request"):
            response["HX-Refresh"] = "true"  # built, failed or cancelled: show the whole page once
        return response


class PackCancelView(View):
    def post(self, request, pk: int):
        pack = _pack(request, pk)
        try:
            job_cancel(job=pack.job, by=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.info(request, _("Cancelled: %(number)s stops at its next part.") % {"number": pack.number})
        return redirect(pack)


class PackReleaseView(View):
    template_name = "esign/sign_record.html"

    def record(self, request, pk: int) -> EvidencePack:
        pack = _pack(request, pk)
        if not user_can(request.user, "release", pack):
            raise PermissionDenied(_("You may not release this pack."))
        return pack

    def render(self, pack, form, status=200, refusal=None):
        return TemplateResponse(
            self.request,
            self.template_name,
            {
                "title": _("Release %(number)s") % {"number": pack.number},
                "record": pack,
                "form": form,
                "refusal": refusal,
                "statement": _(
                    "Meaning of your signature: approved — this pack is complete and correct evidence for the "
                    "scope on its cover, and may be given to the inspectors."
                ),
                "summary": [
                    (_("Pack"), pack.number),
                    (_("Pages"), pack.page_count),
                    (_("Records"), pack.record_count),
                    (_("Manifest SHA-256"), pack.contents_sha256),
                    (_("PDF SHA-256"), pack.pdf_sha256),
                ],
            },
            status=status,
        )

    def get(self, request, pk: int):
        pack = self.record(request, pk)
        return self.render(pack, SignatureStepForm(ask_username=username_required(session=request.session)))

    def post(self, request, pk: int):
        pack = self.record(request, pk)
        form = SignatureStepForm(request.POST, ask_username=True)
        if not form.is_valid():
            return self.render(pack, form, status=400)
        data = form.cleaned_data
        try:
            services.pack_release_signed(
                pack=pack,
                actor=request.user,
                password=data["password"],
                username=data.get("username"),
                session=request.session,
                channel=SignatureChannel.WEB,
                ip=client_ip(request),
            )
        except SignatureRefused as refusal:
            retry = SignatureStepForm(initial={"reason": data.get("reason", "")}, ask_username=True)
            return self.render(pack, retry, status=refusal.status, refusal=refusal)
        except ValidationError as error:
            apply_validation_error(form, error)
            return self.render(pack, form, status=409)
        messages.success(
            request, _("Released: %(number)s. Its bundle can now be downloaded.") % {"number": pack.number}
        )
        return redirect(pack)


def _file_response(name: str, filename: str, content_type: str):
    try:
        handle = storage.absolute(name).open("rb")
    except (OSError, ValueError) as error:
        raise Http404("The file is not available.") from error
    return FileResponse(handle, as_attachment=True, filename=filename, content_type=content_type)


class PackPdfView(View):
    def get(self, request, pk: int):
        pack = _pack(request, pk)
        if not pack.pdf_file:
            raise Http404("The pack is not built yet.")
        return _file_response(pack.pdf_file, f"{pack.number}.pdf", "application/pdf")


class PackBundleView(View):
    def get(self, request, pk: int):
        pack = _pack(request, pk)
        if not pack.bundle_file:
            raise Http404("The pack is not released yet.")
        return _file_response(pack.bundle_file, f"{pack.number}.zip", "application/zip")


class PackManifestView(View):
    def get(self, request, pk: int):
        pack = _pack(request, pk)
        if not pack.manifest:
            raise Http404("The pack is not built yet.")
        response = HttpResponse(
            json.dumps(pack.manifest, indent=2, sort_keys=True, ensure_ascii=False),
            content_type="application/json; charset=utf-8",
        )
        response["Content-Disposition"] = f'attachment; filename="{pack.number}-manifest.json"'
        return response


urlpatterns = [
    path("packs/", PackListView.as_view(), name="pack_list"),
    path("packs/new/", PackCreateView.as_view(), name="pack_create"),
    path("packs/<int:pk>/", PackDetailView.as_view(), name="pack_detail"),
    path("packs/<int:pk>/progress/", PackProgressView.as_view(), name="pack_progress"),
    path("packs/<int:pk>/cancel/", PackCancelView.as_view(), name="pack_cancel"),
    path("packs/<int:pk>/release/", PackReleaseView.as_view(), name="pack_release"),
    path("packs/<int:pk>/pack.pdf", PackPdfView.as_view(), name="pack_pdf"),
    path("packs/<int:pk>/bundle.zip", PackBundleView.as_view(), name="pack_bundle"),
    path("packs/<int:pk>/manifest.json", PackManifestView.as_view(), name="pack_manifest"),
]

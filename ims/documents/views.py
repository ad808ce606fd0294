"""Document-control pages: thin subclasses of the generic views; every write calls ``ims.documents.services``."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import View

from ims.access.permissions import user_can, user_can_any_site
from ims.audit.context import audit_context
from ims.esign import selectors as esign_selectors
from ims.esign.choices import SignatureChannel
from ims.esign.services import SignatureRefused, username_required
from ims.web.views import (
    REASON_FIELD,
    REASON_REQUIRED,
    ObjectDeactivateView,
    ObjectDetailView,
    ObjectEditView,
    ObjectListView,
    ScopedViewMixin,
    apply_validation_error,
)

from . import selectors, services
from .choices import VersionStatus
from .content_kinds import is_markdown, version_content_html, version_edit_url
from .filtersets import ControlledDocumentFilterSet, DocumentVersionFilterSet
from .forms import ControlledDocumentForm, DocumentVersionForm, SignatureStepForm
from .models import ControlledDocument, DocumentVersion
from .related import related_pages
from .tables import ControlledDocumentTable, DocumentVersionTable, version_status_badge
from .uploads import ATTACHMENT_CSP, download_response


def client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


# --- Documents ---------------------------------------------------------------------------------------------------


class DocumentListView(ObjectListView):
    queryset = selectors.with_version_summary(ControlledDocument.objects.all())
    table_class = ControlledDocumentTable
    filterset_class = ControlledDocumentFilterSet
    export_fields = (
        "id",
        "number",
        "title",
        "doc_type",
        "owner__username",
        "review_interval_months",
        "review_due",
        "is_active",
    )
    add_url_name = "documents:document_add"
    title = gettext_lazy("Controlled documents")


class DocumentDetailView(ObjectDetailView):
    queryset = ControlledDocument.objects.select_related("owner").prefetch_related("sites", "functions", "roles")
    template_name = "documents/document_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        document = kwargs["object"]
        user = self.request.user
        versions = list(selectors.document_versions(document=document, user=user))
        effective = next((v for v in versions if v.status == VersionStatus.EFFECTIVE), None)
        open_version = next(
            (v for v in versions if v.status in (VersionStatus.DRAFT, VersionStatus.IN_REVIEW, VersionStatus.APPROVED)),
            None,
        )
        context.update(
            {
                "model_name": _("controlled document"),
                "list_url": reverse("documents:document_list"),
                "list_label": _("Controlled documents"),
                "edit_url": reverse("documents:document_edit", args=[document.pk]),
                "deactivate_url": reverse("documents:document_retire", args=[document.pk]),
                "deactivate_label": _("Retire"),
                "is_active": document.is_active,
                "has_status": True,
                "versions": [(v, version_status_badge(v.status)) for v in versions],
                "effective": effective,
                "effective_html": version_content_html(effective) if effective else "",
                "open_version": open_version,
                "can_new_version": document.is_active
                and open_version is None
                and services.may_start_version(actor=user, document=document),
                "can_record_review": effective is not None
                and document.is_active
                and user_can(user, "review", document),
                "review_overdue": document.is_active
                and document.review_due is not None
                and document.review_due < timezone.localdate(),
                # Acknowledgement coverage is an app's page; the link shows when it is installed and allowed.
                "can_view_coverage": user_can_any_site(self.request.user, "policies.view_acknowledgement"),
                "related_pages": related_pages(user, document),
            }
        )
        return context


class DocumentEditView(ObjectEditView):
    queryset = ControlledDocument.objects.all()
    form_class = ControlledDocumentForm
    template_name = "documents/document_edit.html"

    def save(self, form) -> ControlledDocument:
        data = form.cleaned_data
        if self.object is None:
            return services.document_create(
                actor=self.request.user,
                number=data["number"],
                title=data["title"],
                doc_type=data["doc_type"],
                disciplines=data["disciplines"],
                owner=data["owner"],
                sites=data["sites"],
                functions=data["functions"],
                roles=data["roles"],
                review_interval_months=data["review_interval_months"],
                requires_acknowledgement=data["requires_acknowledgement"],
                acknowledgement_days=data["acknowledgement_days"],
                body=data.get("body", ""),
                attachment=data.get("attachment"),
                effective_date=data.get("effective_date"),
            )
        fields = (*services.DOCUMENT_FIELDS, *services.DOCUMENT_SCOPE_FIELDS)
        return services.document_update(
            actor=self.request.user, document=self.object, data={k: data[k] for k in fields}
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["cancel_url"] = self.object.get_absolute_url() if self.object else reverse("documents:document_list")
        return context


class DocumentRetireView(ObjectDeactivateView):
    queryset = ControlledDocument.objects.all()
    success_message = gettext_lazy("“%(obj)s” retired.")

    def deactivate(self, obj) -> None:
        services.document_retire(actor=self.request.user, document=obj)


class DocumentReviewRecordView(ScopedViewMixin, View):
    """POST: the periodic review found the document still fit; the next review is one interval on."""

    http_method_names = ["post"]
    queryset = ControlledDocument.objects.all()

    def post(self, request, pk: int):
        document = self.get_object("review")
        reason = (request.POST.get(REASON_FIELD) or "").strip()
        if not reason:
            messages.error(request, REASON_REQUIRED)
            return redirect(document)
        try:
            with audit_context(reason=reason):
                services.document_review_record(actor=request.user, document=document)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Periodic review recorded."))
        return redirect(document)


class ReviewOverdueListView(DocumentListView):
    """The documents whose periodic review is overdue (the list filter, as its own page)."""

    title = gettext_lazy("Periodic reviews overdue")

    def get_queryset(self, action=None):
        return super().get_queryset(action).review_overdue()


# --- Versions ------------------------------------------------------------------------------------------------------


class VersionListView(ObjectListView):
    queryset = DocumentVersion.objects.select_related("document", "author")
    table_class = DocumentVersionTable
    filterset_class = DocumentVersionFilterSet
    export_fields = ("id", "document__number", "number", "status", "author__username", "effective_date", "approved_at")
    title = gettext_lazy("Document versions")


class VersionDetailView(ObjectDetailView):
    queryset = DocumentVersion.objects.select_related("document", "author", "approved_by")
    template_name = "documents/version_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        version = kwargs["object"]
        user = self.request.user
        in_review = version.status == VersionStatus.IN_REVIEW
        not_author = version.author_id != user.pk
        others = selectors.document_versions(document=version.document, user=user).exclude(pk=version.pk)
        context.update(
            {
                "model_name": _("document version"),
                "list_url": version.document.get_absolute_url(),
                "list_label": str(version.document),
                "edit_url": (version_edit_url(version) or reverse("documents:version_edit", args=[version.pk]))
                if version.is_editable
                else None,
                "deactivate_url": reverse("documents:version_retire", args=[version.pk]),
                "deactivate_label": _("Retire"),
                "is_active": version.status not in (VersionStatus.SUPERSEDED, VersionStatus.RETIRED),
                "status_badge": version_status_badge(version.status),
                "body_html": version_content_html(version),
                "manifestations": esign_selectors.manifestations_for(version, viewer=user),
                "can_submit": version.status == VersionStatus.DRAFT and context["can_change"],
                "can_review": in_review and not_author and user_can(user, "review", version),
                "can_approve": in_review and not_author and user_can(user, "approve", version),
                "can_return": in_review and (user_can(user, "review", version) or user_can(user, "approve", version)),
                "other_versions": [(v.pk, str(v)) for v in others],
            }
        )
        return context


class VersionCreateView(ScopedViewMixin, View):
    """A new version of a document: a draft started from the latest content, with its change summary."""

    queryset = ControlledDocument.objects.all()
    template_name = "documents/version_edit.html"

    def render(self, document, form, status=200):
        return TemplateResponse(
            self.request,
            self.template_name,
            {
                "title": _("New version of %(doc)s") % {"doc": document},
                "document": document,
                "form": form,
                "cancel_url": document.get_absolute_url(),
            },
            status=status,
        )

    def get_object(self, action: str = "view") -> ControlledDocument:
        document = super().get_object("view")
        if not services.may_start_version(actor=self.request.user, document=document):
            raise PermissionDenied(_("You may not write new versions of this document."))
        return document

    def get(self, request, pk: int):
        document = self.get_object("view")
        latest = document.versions.order_by("-number").first()
        form = DocumentVersionForm(
            user=request.user, for_new=True, doc_type=document.doc_type, initial={"body": latest.body if latest else ""}
        )
        return self.render(document, form)

    def post(self, request, pk: int):
        document = self.get_object("view")
        form = DocumentVersionForm(
            request.POST, request.FILES, user=request.user, for_new=True, doc_type=document.doc_type
        )
        if form.is_valid():
            data = form.cleaned_data
            try:
                version = services.version_create(
                    actor=request.user,
                    document=document,
                    change_summary=data["change_summary"],
                    body=data.get("body"),
                    attachment=data.get("attachment"),
                    effective_date=data.get("effective_date"),
                )
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(request, _("Version %(v)s started as a draft.") % {"v": version.number})
                return redirect(version)
        return self.render(document, form, status=400)


class VersionEditView(ObjectEditView):
    queryset = DocumentVersion.objects.select_related("document")
    form_class = DocumentVersionForm
    template_name = "documents/version_edit.html"

    def save(self, form) -> DocumentVersion:
        data = dict(form.cleaned_data)
        data.pop(REASON_FIELD, None)
        return services.version_update(actor=self.request.user, version=self.object, data=data)

    def get(self, request, *args, **kwargs):
        if not is_markdown(self.object.document.doc_type) and version_edit_url(self.object):
            return redirect(version_edit_url(self.object))
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update({"document": self.object.document, "cancel_url": self.object.get_absolute_url()})
        return context


class VersionRetireView(ObjectDeactivateView):
    queryset = DocumentVersion.objects.all()
    success_message = gettext_lazy("“%(obj)s” retired.")

    def deactivate(self, obj) -> None:
        services.version_retire(actor=self.request.user, version=obj)


class VersionTransitionView(ScopedViewMixin, View):
    """POST: submit for review or return for rework (no signature needed)."""

    http_method_names = ["post"]
    queryset = DocumentVersion.objects.all()
    steps = {"submit": services.version_submit, "return": services.version_return}

    def post(self, request, pk: int, step: str):
        if step not in self.steps:
            raise Http404
        version = self.get_object("view")
        try:
            with audit_context(reason=(request.POST.get(REASON_FIELD) or "").strip() or None):
                self.steps[step](actor=request.user, version=version)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                _("%(v)s: %(status)s.")
                % {"v": version, "status": DocumentVersion.objects.get(pk=version.pk).get_status_display()},
            )
        return redirect(version)


class VersionSignView(ScopedViewMixin, View):
    """Review or approve a version with the e-signature ceremony (GET: the form; POST: sign)."""

    queryset = DocumentVersion.objects.select_related("document")
    template_name = "documents/version_sign.html"
    steps = {
        "review": (services.version_review, gettext_lazy("Review")),
        "approve": (services.version_approve, gettext_lazy("Approve")),
    }

    def render(self, version, step, form, status=200, refusal=None):
        return TemplateResponse(
            self.request,
            self.template_name,
            {
                "title": f"{self.steps[step][1]}: {version}",
                "version": version,
                "step": step,
                "form": form,
                "refusal": refusal,
                "body_html": version_content_html(version),
            },
            status=status,
        )

    def version(self, step):
        if step not in self.steps:
            raise Http404
        version = self.get_object("view")
        if not user_can(self.request.user, step, version):
            raise PermissionDenied(_("You may not %(step)s this version.") % {"step": step})
        return version

    def get(self, request, pk: int, step: str):
        version = self.version(step)
        return self.render(version, step, SignatureStepForm(ask_username=username_required(session=request.session)))

    def post(self, request, pk: int, step: str):
        version = self.version(step)
        form = SignatureStepForm(request.POST, ask_username=True)
        if not form.is_valid():
            return self.render(version, step, form, status=400)
        data = form.cleaned_data
        service = self.steps[step][0]
        try:
            service(
                actor=request.user,
                version=version,
                password=data["password"],
                username=data.get("username"),
                reason=data["reason"],
                session=request.session,
                channel=SignatureChannel.WEB,
                ip=client_ip(request),
            )
        except SignatureRefused as refusal:
            retry = SignatureStepForm(initial={"reason": data["reason"]}, ask_username=True)
            return self.render(version, step, retry, status=refusal.status, refusal=refusal)
        except ValidationError as error:
            apply_validation_error(form, error)
            return self.render(version, step, form, status=409)
        messages.success(
            request,
            _("Signed. %(v)s is now %(status)s.")
            % {"v": version, "status": DocumentVersion.objects.get(pk=version.pk).get_status_display().lower()},
        )
        return redirect(version)


class VersionDiffView(ScopedViewMixin, View):
    """GET ``?against=<id>&mode=side|unified``: what changed between two versions of one document."""

    queryset = DocumentVersion.objects.select_related("document")

    def get(self, request, pk: int):
        version = self.get_object("view")
        others = selectors.document_versions(document=version.document, user=request.user)
        against_id = request.GET.get("against", "")
        against = None
        if against_id.isdigit():
            against = get_object_or_404(others, pk=int(against_id))
        elif version.number > 1:
            against = others.filter(number__lt=version.number).order_by("-number").first()
        mode = "unified" if request.GET.get("mode") == "unified" else "side"
        diff = None
        if against is not None:
            old, new = (against, version) if against.number < version.number else (version, against)
            diff = selectors.version_diff(old=old, new=new, mode=mode)
        return TemplateResponse(
            request,
            "documents/version_diff.html",
            {
                "title": _("Compare %(v)s") % {"v": version},
                "version": version,
                "against": against,
                "mode": mode,
                "diff": diff,
                "choices": [(v.pk, str(v)) for v in others if v.pk != version.pk],
            },
        )


class VersionFileView(ScopedViewMixin, View):
    """GET: the version's file, always as a download, never rendered in the portal's origin."""

    queryset = DocumentVersion.objects.all()

    def get(self, request, pk: int):
        version = self.get_object("view")
        if not version.attachment:
            raise Http404
        return download_response(
            version.attachment,
            filename=version.attachment_name or "document",
            content_type=version.attachment_type or "application/octet-stream",
        )


class VersionPdfView(ScopedViewMixin, View):
    """GET: the version as a PDF controlled copy (a download), for anyone who may view the version."""

    queryset = DocumentVersion.objects.select_related("document", "author", "approved_by")

    def get(self, request, pk: int):
        from .pdf import render_version_pdf, version_pdf_filename

        version = self.get_object("view")
        return pdf_response(render_version_pdf(version, viewer=request.user), version_pdf_filename(version))


def pdf_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = ATTACHMENT_CSP
    response["Cache-Control"] = "private, no-store"
    return response

"""Pages of the e-signature kernel: the sign dialog (htmx), the signature block, certification, register, locks.

Thin adapters: parse, authorise, call ``services``/``selectors``, render.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.generic import View

from ims.access.permissions import has_global_permission, user_can_any_site
from ims.web.views import csv_response

from . import selectors, services
from .choices import SignatureChannel
from .constants import CURRENT_STATEMENT_VERSION, REGISTER_PERMISSION, UNLOCK_PERMISSION, statement_text
from .forms import CertificationForm, SignatureForm
from .registry import get_signable

SIGNED_EVENT = "esign:signed"


def client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def dialog_base(request) -> str:
    """Inside the modal (htmx) the dialog is a fragment; opened directly it is a page of its own."""
    return "esign/_fragment.html" if getattr(request, "htmx", False) else "esign/_page.html"


class RecordMixin:
    """The signable record named in the URL, if the user may view it (else 404)."""

    def get_record(self):
        record = selectors.record_for(
            content_type=self.kwargs["content_type"], object_pk=self.kwargs["object_pk"], user=self.request.user
        )
        if record is None:
            raise Http404
        return record


class SignView(RecordMixin, View):
    """GET: the sign dialog's form for the record; POST: the ceremony. Rendered into a modal by htmx."""

    template_name = "esign/sign_dialog.html"

    def auto_id(self) -> str:
        """Field ids unique per record, so several sign dialogs can share a page."""
        slug = f"{self.kwargs['content_type']}-{self.kwargs['object_pk']}".replace(".", "-")
        return f"esign-{slug}-%s"

    def context(self, record, form, **extra) -> dict:
        return {
            "record": record,
            "form": form,
            "content_type": self.kwargs["content_type"],
            "object_pk": self.kwargs["object_pk"],
            "action_url": self.request.path,
            "base_template": dialog_base(self.request),
            **extra,
        }

    def get(self, request, content_type: str, object_pk: str):
        record = self.get_record()
        entry = get_signable(type(record))
        meaning = request.GET.get("meaning")
        initial = {"meaning": meaning} if meaning in entry.meanings else {}
        form = SignatureForm(
            auto_id=self.auto_id(),
            initial=initial,
            meanings=entry.meanings,
            ask_username=services.username_required(session=request.session),
        )
        return TemplateResponse(request, self.template_name, self.context(record, form))

    def post(self, request, content_type: str, object_pk: str):
        record = self.get_record()
        entry = get_signable(type(record))
        form = SignatureForm(request.POST, meanings=entry.meanings, ask_username=True, auto_id=self.auto_id())
        if not form.is_valid():
            return TemplateResponse(request, self.template_name, self.context(record, form), status=400)
        data = form.cleaned_data
        try:
            signature = services.signature_create(
                signer=request.user,
                record=record,
                meaning=data["meaning"],
                password=data["password"],
                username=data.get("username"),
                reason=data["reason"],
                session=request.session,
                channel=SignatureChannel.WEB,
                ip=client_ip(request),
            )
        except services.SignatureRefused as refusal:
            ask = refusal.field == "username" or services.username_required(session=request.session)
            retry = SignatureForm(
                auto_id=self.auto_id(),
                initial={"meaning": data["meaning"], "reason": data["reason"], "username": data.get("username", "")},
                meanings=entry.meanings,
                ask_username=ask,
            )
            return TemplateResponse(
                request, self.template_name, self.context(record, retry, refusal=refusal), status=refusal.status
            )
        tz = selectors.viewer_timezone(request.user)
        response = TemplateResponse(
            request,
            "esign/sign_done.html",
            {
                "record": record,
                "manifestation": selectors.manifestation(signature, tz=tz),
                "base_template": dialog_base(request),
            },
            status=201,
        )
        response["HX-Trigger"] = SIGNED_EVENT
        return response


class SignatureBlockView(RecordMixin, View):
    """GET: the record's signature block (refreshed by htmx after a signing)."""

    def get(self, request, content_type: str, object_pk: str):
        record = self.get_record()
        return TemplateResponse(
            request,
            "esign/signature_block.html",
            {
                "record": record,
                "manifestations": selectors.manifestations_for(record, viewer=request.user),
                "block_url": request.path,
                "signed_event": SIGNED_EVENT,
            },
        )


class CertifyView(View):
    """The Part 11 §11.100(c) certification: the statement, signed with the meaning "acknowledged"."""

    template_name = "esign/certify.html"

    def context(self, form=None, **extra) -> dict:
        user = self.request.user
        certification = services.certification_current(user)
        manifestations = selectors.manifestations_for(certification, viewer=user) if certification else []
        return {
            "title": _("E-signature certification"),
            "statement": statement_text(),
            "statement_version": CURRENT_STATEMENT_VERSION,
            "certification": certification,
            "manifestations": manifestations,
            "form": form,
            "locked": services.signing_lock_open(user) is not None,
            "can_read_register": user_can_any_site(user, REGISTER_PERMISSION),
            **extra,
        }

    def get(self, request):
        form = CertificationForm(ask_username=services.username_required(session=request.session))
        return TemplateResponse(request, self.template_name, self.context(form))

    def post(self, request):
        form = CertificationForm(request.POST, ask_username=True)
        if not form.is_valid():
            return TemplateResponse(request, self.template_name, self.context(form), status=400)
        try:
            services.certification_create(
                person=request.user,
                password=form.cleaned_data["password"],
                username=form.cleaned_data.get("username"),
                session=request.session,
                channel=SignatureChannel.WEB,
                ip=client_ip(request),
            )
        except services.SignatureRefused as refusal:
            ask = refusal.field == "username" or services.username_required(session=request.session)
            retry = CertificationForm(initial={"username": form.cleaned_data.get("username", "")}, ask_username=ask)
            return TemplateResponse(
                request, self.template_name, self.context(retry, refusal=refusal), status=refusal.status
            )
        messages.success(request, _("Thank you: your electronic signature is certified and you can sign records."))
        next_url = request.GET.get("next", "")
        if next_url and url_has_allowed_host_and_scheme(
            next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return redirect(next_url)
        return redirect("esign:certify")


class CertificationRegisterView(View):
    """The per-site certification register for Quality Managers, Compliance Officers, Inspectors and Global Admins."""

    template_name = "esign/certification_register.html"
    per_page = 100
    export_header = (
        "site",
        "employee_id",
        "name",
        "username",
        "statement_version",
        "certified_at_utc",
        "signature_hash",
    )

    @classmethod
    def user_may_open(cls, user, **url_kwargs) -> bool:
        return user_can_any_site(user, REGISTER_PERMISSION)

    def get(self, request):
        sites = selectors.register_sites(request.user)
        if not sites.exists():
            raise PermissionDenied(_("You may not read the e-signature certification register."))
        site = None
        if code := request.GET.get("site"):
            site = sites.filter(code__iexact=code).first()
            if site is None:
                raise Http404
        rows = selectors.certification_register(user=request.user, site=site)
        if request.GET.get("export") == "csv":
            return csv_response(
                f"esign-certifications{'-' + site.code if site else ''}.csv",
                self.export_header,
                (
                    (
                        r["person__memberships__site__code"],
                        r["person__employee_id"],
                        f"{r['person__first_name']} {r['person__last_name']}".strip(),
                        r["person__username"],
                        r["statement_version"],
                        selectors.iso_utc(r["certified_at"]),
                        r["signature_hash"] or "",
                    )
                    for r in rows.iterator()
                ),
            )
        from django.core.paginator import Paginator

        page = Paginator(rows, self.per_page).get_page(request.GET.get("page"))
        query = request.GET.copy()
        query.pop("page", None)
        return TemplateResponse(
            request,
            self.template_name,
            {
                "title": _("E-signature certification register"),
                "sites": sites.order_by("code"),
                "site": site,
                "page": page,
                "rows": [dict(r, certified_at_utc=selectors.iso_utc(r["certified_at"])) for r in page.object_list],
                "summary": selectors.register_summary(user=request.user),
                "statement_version": CURRENT_STATEMENT_VERSION,
                "export_query": (query.urlencode() + "&" if query else "") + "export=csv",
                "page_query": query.urlencode(),
            },
        )


class SigningLockListView(View):
    """Global Admins: people whose signing is locked, and the unlock action."""

    @classmethod
    def user_may_open(cls, user, **url_kwargs) -> bool:
        return has_global_permission(user, UNLOCK_PERMISSION)

    def get(self, request):
        if not has_global_permission(request.user, UNLOCK_PERMISSION):
            raise PermissionDenied(_("Only a Global Admin can see and unlock signing locks."))
        return TemplateResponse(
            request,
            "esign/lock_list.html",
            {
                "title": _("E-signature locks"),
                "locks": selectors.open_signing_locks(),
            },
        )


class SigningUnlockView(View):
    http_method_names = ["post"]

    def post(self, request, pk: int):
        if not has_global_permission(request.user, UNLOCK_PERMISSION):
            raise PermissionDenied(_("Only a Global Admin can unlock signing."))
        lock = get_object_or_404(selectors.open_signing_locks(), pk=pk)
        try:
            services.signing_unlock(actor=request.user, person=lock.person, reason=request.POST.get("reason", ""))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Signing unlocked for %(person)s.") % {"person": lock.person})
        return redirect(reverse("esign:lock_list"))

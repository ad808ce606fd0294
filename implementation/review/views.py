"""Pages of the management review: thin adapters over ``implementation.review.services``."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from ims.access.permissions import user_can
from ims.documents.forms import SignatureStepForm
from ims.documents.views import client_ip, pdf_response
from ims.esign import selectors as esign_selectors
from ims.esign.choices import SignatureChannel
from ims.esign.services import SignatureRefused, username_required
from ims.web.views import ObjectDetailView, ObjectEditView, ObjectListView, ScopedViewMixin

from . import services
from .choices import ReviewStatus
from .filtersets import ReviewFilterSet
from .forms import ActionForm, DecisionForm, ReviewForm
from .models import ManagementReview, ReviewPack
from .pdf import minutes_pdf
from .selectors import review_actions_with_status, review_inputs
from .tables import ReviewTable
from .tasks import pack_file

REVIEW_EXPORT = ("id", "reference", "title", "site__code", "period_start", "period_end", "meeting_date", "status")


def _review(request, pk: int) -> ManagementReview:
    return get_object_or_404(ManagementReview.objects.restrict(request.user, "view"), pk=pk)


def _errors(error: ValidationError) -> str:
    return " ".join(error.messages)


class ReviewListView(ObjectListView):
    queryset = ManagementReview.objects.select_related("site", "chair")
    table_class = ReviewTable
    filterset_class = ReviewFilterSet
    export_fields = REVIEW_EXPORT
    add_url_name = "review:review_add"
    title = gettext_lazy("Management reviews")


class ReviewDetailView(ObjectDetailView):
    queryset = ManagementReview.objects.select_related("site", "chair", "created_by")
    template_name = "review/review_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        review: ManagementReview = kwargs["object"]
        user = self.request.user
        can_change = context["can_change"] and not review.is_signed
        context.update(
            {
                "review": review,
                "inputs": review_inputs(user=user, review=review),
                "decisions": list(review.decisions.order_by("created_at", "pk")),
                "actions": review_actions_with_status(review),
                "attendees": list(review.attendees.order_by("last_name", "first_name")),
                "manifestations": esign_selectors.manifestations_for(review, viewer=user),
                "packs": list(review.packs.filter(requested_by=user).select_related("job")[:5]),
                "can_change": can_change,
                "can_hold": can_change and review.status == ReviewStatus.PLANNED,
                "can_record": can_change and review.status == ReviewStatus.HELD,
                "can_sign": review.status == ReviewStatus.HELD and review.chair_id == user.pk,
                "decision_form": DecisionForm(),
                "action_form": ActionForm(review=review, user=user),
                "list_url": reverse("review:review_list"),
                "list_label": _("Management reviews"),
                "edit_url": reverse("review:review_edit", args=[review.pk]),
            }
        )
        return context


class ReviewEditView(ObjectEditView):
    queryset = ManagementReview.objects.select_related("site", "chair")
    form_class = ReviewForm

    def get_object(self, action: str = "view"):
        review = super().get_object(action)
        if action == "change" and review.is_signed:
            raise PermissionDenied(_("The minutes are signed: the review no longer changes."))
        return review

    def save(self, form) -> ManagementReview:
        data = dict(form.review_data)
        attendees = data.pop("attendees", [])
        if self.object is None:
            return services.review_create(actor=self.request.user, attendees=attendees, **data)
        data.pop("site", None)
        return services.review_update(actor=self.request.user, review=self.object, attendees=attendees, **data)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["list_url"] = reverse("review:review_list")
        context["list_label"] = _("Management reviews")
        context["cancel_url"] = self.object.get_absolute_url() if self.object else context["list_url"]
        return context


class _ReviewPostView(ScopedViewMixin, View):
    queryset = ManagementReview.objects.all()
    http_method_names = ["post"]

    def post(self, request, pk: int):
        review = self.get_object("change")
        try:
            message = self.act(review)
        except ValidationError as error:
            messages.error(request, _errors(error))
        else:
            messages.success(request, message)
        return redirect(review)

    def act(self, review) -> str:
        raise NotImplementedError


class ReviewHoldView(_ReviewPostView):
    def act(self, review) -> str:
        services.review_hold(actor=self.request.user, review=review)
        return _("%(ref)s held: its inputs are fixed as they stand now.") % {"ref": review.reference}


class DecisionAddView(_ReviewPostView):
    def act(self, review) -> str:
        form = DecisionForm(self.request.POST)
        if not form.is_valid():
            raise ValidationError(_("Write the decision."))
        services.decision_record(actor=self.request.user, review=review, text=form.cleaned_data["text"])
        return _("Decision recorded.")


class ActionAddView(_ReviewPostView):
    def act(self, review) -> str:
        form = ActionForm(self.request.POST, review=review, user=self.request.user)
        if not form.is_valid():
            raise ValidationError(
                "; ".join(
                    f"{form.fields[n].label if n in form.fields else ''}: {' '.join(e)}" for n, e in form.errors.items()
                )
            )
        action = services.action_record(actor=self.request.user, review=review, **form.cleaned_data)
        return _("Action raised as %(ref)s.") % {"ref": action.action_reference}


class ReviewSignView(View):
    """The chair signs the minutes (meaning: approved)."""

    template_name = "esign/sign_record.html"

    def render(self, review, form, status=200, refusal=None):
        context = {
            "title": _("Sign the minutes: %(ref)s") % {"ref": review.reference},
            "record": review,
            "form": form,
            "refusal": refusal,
            "statement": _(
                "Meaning of your signature: approved — these minutes, the inputs fixed when the meeting was held, its "
                "decisions and actions are the record of this management review."
            ),
            "summary": [
                (_("Reference"), review.reference),
                (_("Period"), f"{review.period_start:%Y-%m-%d} – {review.period_end:%Y-%m-%d}"),
                (_("Chair"), str(review.chair)),
                (_("Content digest (SHA-256)"), services.review_content_digest(review)),
            ],
        }
        return TemplateResponse(self.request, self.template_name, context, status=status)

    def get(self, request, pk: int):
        review = _review(request, pk)
        return self.render(review, SignatureStepForm(ask_username=username_required(session=request.session)))

    def post(self, request, pk: int):
        review = _review(request, pk)
        form = SignatureStepForm(request.POST, ask_username=True)
        if not form.is_valid():
            return self.render(review, form, status=400)
        data = form.cleaned_data
        try:
            services.review_minutes_sign(
                signer=request.user, review=review, password=data["password"], username=data.get("username"),
                reason=data["reason"], session=request.session, channel=SignatureChannel.WEB, ip=client_ip(request),
            )  # fmt: skip
        except SignatureRefused as refusal:
            retry = SignatureStepForm(initial={"reason": data["reason"]}, ask_username=True)
            return self.render(review, retry, status=refusal.status, refusal=refusal)
        except ValidationError as error:
            messages.error(request, _errors(error))
            return redirect(review)
        messages.success(request, _("Minutes of %(ref)s signed.") % {"ref": review.reference})
        return redirect(review)


class MinutesPdfView(View):
    def get(self, request, pk: int):
        review = _review(request, pk)
        return pdf_response(minutes_pdf(review, viewer=request.user), f"{review.reference}-minutes.pdf")


class PackRequestView(View):
    http_method_names = ["post"]

    def post(self, request, pk: int):
        review = _review(request, pk)
        pack, created = services.review_pack_request(actor=request.user, review=review)
        if created:
            messages.info(request, _("The management review pack is being built."))
        return redirect(pack)


def _pack(request, pk: int, pack_pk: int) -> ReviewPack:
    review = _review(request, pk)
    pack = get_object_or_404(ReviewPack.objects.select_related("job", "review"), pk=pack_pk, review=review)
    if pack.requested_by_id != request.user.pk and not user_can(request.user, "change", review):
        raise Http404
    return pack


class PackDetailView(View):
    def get(self, request, pk: int, pack_pk: int):
        pack = _pack(request, pk, pack_pk)
        return TemplateResponse(
            request,
            "review/pack_detail.html",
            {"title": str(pack), "pack": pack, "job": pack.job, "review": pack.review},
        )


class PackProgressView(View):
    """The progress card, polled by htmx every two seconds while the pack is building."""

    def get(self, request, pk: int, pack_pk: int):
        pack = _pack(request, pk, pack_pk)
        response = TemplateResponse(request, "review/_pack_progress.html", {"pack": pack, "job": pack.job})
        if not pack.job.is_open and request.headers.get("HX-Request"):
            response["HX-Refresh"] = "true"
        return response


class PackDownloadView(View):
    def get(self, request, pk: int, pack_pk: int):
        pack = _pack(request, pk, pack_pk)
        path = pack_file(pack)
        if path is None:
            raise Http404
        return pdf_response(path.read_bytes(), f"{pack.review.reference}-management-review-pack.pdf")

"""``/api/v1/reviews/reviews/``: management reviews, thin adapters over ``implementation.review.services``.

A review is created, changed (reason for change and ``If-Match``), held (inputs fixed), given decisions and
actions, and its minutes signed by the chair; never deleted. Another site's review answers 404. The pack is a
background job: ``POST …/pack/`` starts it, ``GET …/packs/{id}/`` reports progress, ``…/download/`` gives the PDF.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions
from rest_framework.decorators import action
from rest_framework.response import Response

from ims.documents.views import pdf_response
from ims.esign.api.serializers import RefusalSerializer
from ims.esign.api.views import sign_through_api
from ims.web.api import ScopedModelViewSet

from .. import services
from ..filtersets import ReviewFilterSet
from ..models import ManagementReview, ReviewPack
from ..selectors import review_actions_with_status, review_inputs
from ..tasks import pack_file
from .serializers import (
    MinutesSignSerializer,
    ReviewActionSerializer,
    ReviewDecisionSerializer,
    ReviewInputSerializer,
    ReviewPackSerializer,
    ReviewSerializer,
)

REFUSED = {
    400: OpenApiResponse(description="Bad input (e.g. a missing decision text or owner)."),
    403: OpenApiResponse(description="Not permitted at the review's site."),
    409: OpenApiResponse(RefusalSerializer, description="Not allowed in the review's status (e.g. minutes signed)."),
}


def _refused(error: ValidationError) -> Response:
    if hasattr(error, "error_dict"):
        return Response(error.message_dict, status=400)
    return Response({"code": getattr(error, "code", None) or "not_allowed", "detail": " ".join(error.messages)}, 409)


@extend_schema_view(
    list=extend_schema(summary="List management reviews"),
    retrieve=extend_schema(summary="A management review"),
    create=extend_schema(summary="Plan a management review"),
    update=extend_schema(summary="Change a management review (reason required)"),
    partial_update=extend_schema(summary="Change some fields of a management review (reason required)"),
)
class ReviewViewSet(ScopedModelViewSet):
    queryset = ManagementReview.objects.select_related("site", "chair").prefetch_related("attendees")
    serializer_class = ReviewSerializer
    filterset_class = ReviewFilterSet

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = services.review_create(
            actor=self.request.user, attendees=data.pop("attendees", []), site=data.pop("site", None), **data
        )

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        if "site" in data and data.pop("site") != serializer.instance.site:
            raise exceptions.ValidationError({"site": ["The site of a review never changes."]})
        serializer.instance = services.review_update(
            actor=self.request.user, review=serializer.instance, attendees=data.pop("attendees", None), **data
        )

    def perform_deactivate(self, obj) -> None:
        raise ValidationError(_("A management review is the record of a meeting: it is kept, never deactivated."))

    def _fresh(self, review) -> dict:
        return ReviewSerializer(self.get_queryset().get(pk=review.pk), context=self.get_serializer_context()).data

    @extend_schema(summary="The review's inputs (live before the meeting, as fixed when held)",
                   responses=ReviewInputSerializer(many=True))  # fmt: skip
    @action(detail=True, methods=["get"], pagination_class=None)
    def inputs(self, request, pk=None):
        review = self.get_object()
        items = review_inputs(user=request.user, review=review)
        return Response(ReviewInputSerializer([item.__dict__ for item in items], many=True).data)

    @extend_schema(
        summary="Hold the meeting: fix the inputs", request=None, responses={200: ReviewSerializer, **REFUSED}
    )
    @action(detail=True, methods=["post"])
    def hold(self, request, pk=None):
        review = self.get_object()
        try:
            services.review_hold(actor=request.user, review=review)
        except ValidationError as error:
            return _refused(error)
        return Response(self._fresh(review))

    @extend_schema(methods=["GET"], summary="Decisions of the review", responses=ReviewDecisionSerializer(many=True))
    @extend_schema(methods=["POST"], summary="Record a decision", request=ReviewDecisionSerializer,
                   responses={201: ReviewDecisionSerializer, **REFUSED})  # fmt: skip
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def decisions(self, request, pk=None):
        review = self.get_object()
        if request.method == "GET":
            return Response(ReviewDecisionSerializer(review.decisions.order_by("created_at", "pk"), many=True).data)
        body = ReviewDecisionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            decision = services.decision_record(actor=request.user, review=review, text=body.validated_data["text"])
        except ValidationError as error:
            return _refused(error)
        return Response(ReviewDecisionSerializer(decision).data, status=201)

    @extend_schema(methods=["GET"], summary="Actions of the review", responses=ReviewActionSerializer(many=True))
    @extend_schema(methods=["POST"], summary="Raise an action (tracked in /actions/)", request=ReviewActionSerializer,
                   responses={201: ReviewActionSerializer, **REFUSED})  # fmt: skip
    @action(detail=True, methods=["get", "post"], url_path="actions", pagination_class=None)
    def review_actions(self, request, pk=None):
        review = self.get_object()
        if request.method == "GET":
            return Response(ReviewActionSerializer(review_actions_with_status(review), many=True).data)
        body = ReviewActionSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        try:
            created = services.action_record(actor=request.user, review=review, **body.validated_data)
        except ValidationError as error:
            return _refused(error)
        return Response(ReviewActionSerializer(created).data, status=201)

    @extend_schema(summary="Sign the minutes as the chair (approved)", request=MinutesSignSerializer,
                   responses={200: ReviewSerializer, 401: OpenApiResponse(RefusalSerializer), **REFUSED})  # fmt: skip
    @action(detail=True, methods=["post"])
    def sign(self, request, pk=None):
        review = self.get_object()
        MinutesSignSerializer(data=request.data).is_valid(raise_exception=True)
        data = request.data if hasattr(request.data, "get") else {}

        def service(*, actor, **kwargs):
            return services.review_minutes_sign(signer=actor, **kwargs)

        refusal = sign_through_api(
            request, service, refused=ValidationError, review=review, reason=data.get("reason", "")
        )
        return refusal or Response(self._fresh(review))

    @extend_schema(summary="Build the management review pack (a background job)", request=None,
                   responses={202: ReviewPackSerializer})  # fmt: skip
    @action(detail=True, methods=["post"])
    def pack(self, request, pk=None):
        review = self.get_object()
        pack, _created = services.review_pack_request(actor=request.user, review=review)
        return Response(ReviewPackSerializer(pack).data, status=202)

    def _pack(self, request, pack_pk) -> ReviewPack:
        review = self.get_object()
        pack = ReviewPack.objects.select_related("job").filter(pk=pack_pk, review=review).first()
        if pack is None or pack.requested_by_id != request.user.pk:
            raise Http404
        return pack

    @extend_schema(summary="Progress of a pack job", responses=ReviewPackSerializer)
    @action(detail=True, methods=["get"], url_path=r"packs/(?P<pack_pk>\d+)", url_name="pack-status")
    def pack_status(self, request, pk=None, pack_pk=None):
        return Response(ReviewPackSerializer(self._pack(request, pack_pk)).data)

    @extend_schema(summary="Download a built pack (PDF)", responses={(200, "application/pdf"): bytes})
    @action(detail=True, methods=["get"], url_path=r"packs/(?P<pack_pk>\d+)/download", url_name="pack-download")
    def pack_download(self, request, pk=None, pack_pk=None):
        pack = self._pack(request, pack_pk)
        path = pack_file(pack)
        if path is None:
            raise Http404
        return pdf_response(path.read_bytes(), f"{pack.review.reference}-management-review-pack.pdf")

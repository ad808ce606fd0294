"""API of inspector grants (``/api/v1/evidence/grants/``, routed by the evidence app's API).

List and detail of the grants the caller may view; granting and ending early are e-signed like every signing
endpoint (``password`` always, ``username`` outside a continuous web session). A grant is never changed or
deleted: PUT, PATCH and DELETE answer 405.
"""

from __future__ import annotations

import secrets

from django.core.exceptions import ValidationError
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from ims.esign.api.serializers import RefusalSerializer
from ims.esign.api.views import refusal_response
from ims.esign.choices import SignatureChannel
from ims.esign.services import SignatureRefused
from ims.org.api.serializers import PersonBriefSerializer, ScopedRelatedField, StrictInputSerializer
from ims.org.models import Person, Site
from ims.reports.registry import section_choices
from ims.web.api import ScopedModelViewSet

from .choices import Agency, GrantStatus
from .filtersets import InspectorGrantFilterSet
from .inspection import grant_create_signed, grant_end_signed
from .models import InspectorGrant

TAGS = ["inspection"]


def _client_ip(request) -> str | None:
    return request._request.META.get("REMOTE_ADDR") or None


def _session(request):
    return request._request.session if request.auth is None and hasattr(request._request, "session") else None


class SignatureFields(StrictInputSerializer):
    username = serializers.CharField(
        required=False, allow_blank=True, max_length=150,
        help_text="Your user ID: required outside a continuous web session (token clients: always).",
    )  # fmt: skip
    password = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False, write_only=True,
                                     style={"input_type": "password"}, help_text="Always required.")  # fmt: skip


class InspectorGrantSerializer(serializers.ModelSerializer):
    inspector_detail = PersonBriefSerializer(source="inspector", read_only=True)
    status = serializers.ChoiceField(choices=GrantStatus.choices, read_only=True)
    sites = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = InspectorGrant
        fields = [
            "id", "inspector", "inspector_detail", "agency", "reference", "sites", "site_codes", "sections",
            "records_from", "records_to", "valid_from", "valid_until", "status", "granted_by", "granted_at",
            "ended_at", "ended_by", "end_reason",
        ]  # fmt: skip
        read_only_fields = fields


class NewInspectorSerializer(StrictInputSerializer):
    first_name = serializers.CharField(max_length=150)
    last_name = serializers.CharField(max_length=150)
    email = serializers.EmailField(help_text="Their user ID.")


class InspectorGrantCreateSerializer(SignatureFields):
    inspector = ScopedRelatedField(queryset=Person.objects.all(), lookup_code=False, required=False, allow_null=True,
                                   help_text="An existing inspector account (id), or give new_inspector.")  # fmt: skip
    new_inspector = NewInspectorSerializer(required=False, help_text="Create the inspector's account.")
    agency = serializers.ChoiceField(choices=Agency.choices)
    reference = serializers.CharField(max_length=160, help_text="What the inspection is.")
    sites = ScopedRelatedField(queryset=Site.objects.all(), many=True, help_text="Site ids or codes.")
    sections = serializers.ListField(child=serializers.CharField(max_length=40),
                                     help_text="Codes of the evidence sections (see the registry).")  # fmt: skip
    records_from = serializers.DateField()
    records_to = serializers.DateField()
    valid_from = serializers.DateTimeField()
    valid_until = serializers.DateTimeField(help_text="At most 90 days after valid_from.")

    def validate_sections(self, value):
        known = {code for code, _title in section_choices()}
        unknown = sorted(set(value) - known)
        if unknown:
            raise serializers.ValidationError(f"Unknown sections: {', '.join(unknown)}.")
        return value


class InspectorGrantCreatedSerializer(InspectorGrantSerializer):
    inspector_first_password = serializers.CharField(
        read_only=True, required=False,
        help_text="Only when the account was created: its first password, in this answer only.",
    )  # fmt: skip

    class Meta(InspectorGrantSerializer.Meta):
        fields = [*InspectorGrantSerializer.Meta.fields, "inspector_first_password"]
        read_only_fields = fields


class GrantEndSerializer(SignatureFields):
    reason = serializers.CharField(max_length=300, help_text="Why the access ends early.")


SIGN_REFUSED = {
    400: OpenApiResponse(description="Bad input: the rules of a grant (field errors), or missing credentials."),
    401: OpenApiResponse(RefusalSerializer, description="Wrong credentials; attempt recorded; nothing created."),
    403: OpenApiResponse(description="May not grant at these sites, or may not sign."),
    423: OpenApiResponse(description="Signing locked."),
}


@extend_schema_view(
    list=extend_schema(summary="List inspector grants", description="Filter by status, agency, site; q searches."),
    retrieve=extend_schema(summary="Show an inspector grant"),
)
@extend_schema(tags=TAGS)
class InspectorGrantViewSet(ScopedModelViewSet):
    queryset = (
        InspectorGrant.objects.select_related("inspector").prefetch_related("sites").order_by("-valid_from", "-pk")
    )
    serializer_class = InspectorGrantSerializer
    filterset_class = InspectorGrantFilterSet
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self):
        if getattr(self.request.user, "external_inspector", False):
            return self.queryset.none()  # the quality manager's register, not the inspector's
        return super().get_queryset()

    @extend_schema(
        summary="Grant an inspector access (e-signed)",
        description="Sites, sections of evidence, period of records and access period (at most 90 days) for an "
        "existing inspector account or a new one (``new_inspector``: its first password is in this answer only). "
        "Signed ``approved`` by the caller: a refused signature creates nothing.",
        request=InspectorGrantCreateSerializer,
        responses={201: InspectorGrantCreatedSerializer, **SIGN_REFUSED},
    )
    def create(self, request, *args, **kwargs):
        body = InspectorGrantCreateSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        credentials = {"password": data.pop("password", None), "username": data.pop("username", None)}
        new_inspector = data.pop("new_inspector", None)
        first_password = None
        if new_inspector is not None:
            first_password = secrets.token_urlsafe(15)
            new_inspector = {**new_inspector, "password": first_password}
        data.setdefault("inspector", None)
        try:
            grant, _signature = grant_create_signed(
                actor=request.user, session=_session(request), channel=SignatureChannel.API, ip=_client_ip(request),
                new_inspector=new_inspector, **credentials, **data,
            )  # fmt: skip
        except SignatureRefused as refusal:
            return refusal_response(refusal)
        except ValidationError as error:
            raise exceptions.ValidationError(
                error.message_dict if hasattr(error, "error_dict") else {"non_field_errors": error.messages}
            ) from None
        grant = self.queryset.all().get(pk=grant.pk)
        answer = InspectorGrantCreatedSerializer(grant, context={"request": request}).data
        if first_password is None:
            answer.pop("inspector_first_password", None)
        else:
            answer["inspector_first_password"] = first_password
        return Response(answer, status=status.HTTP_201_CREATED)

    @extend_schema(exclude=True)
    def update(self, request, *args, **kwargs):
        raise exceptions.MethodNotAllowed(request.method, detail="A grant is never changed; end it and grant again.")

    @extend_schema(exclude=True)
    def partial_update(self, request, *args, **kwargs):
        raise exceptions.MethodNotAllowed(request.method, detail="A grant is never changed; end it and grant again.")

    @extend_schema(exclude=True)
    @action(detail=True, methods=["post"])
    def deactivate(self, request, *args, **kwargs):
        self.get_object()
        raise exceptions.MethodNotAllowed("POST", detail="A grant is ended, not deactivated: POST …/end/.")

    @extend_schema(
        summary="End an inspector's access now (e-signed)",
        description="The inspector loses access at once; the reason is kept with the signature.",
        request=GrantEndSerializer,
        responses={200: InspectorGrantSerializer, 409: OpenApiResponse(description="Already ended."),
                   **SIGN_REFUSED},
    )  # fmt: skip
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        grant = self.get_object()
        body = GrantEndSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        try:
            grant_end_signed(
                grant=grant, actor=request.user, reason=data["reason"], password=data.get("password"),
                username=data.get("username"), session=_session(request), channel=SignatureChannel.API,
                ip=_client_ip(request),
            )  # fmt: skip
        except SignatureRefused as refusal:
            return refusal_response(refusal)
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                raise exceptions.ValidationError(error.message_dict) from None
            return Response({"code": "not_allowed", "detail": " ".join(error.messages)}, status=409)
        return Response(InspectorGrantSerializer(self.queryset.all().get(pk=grant.pk)).data)

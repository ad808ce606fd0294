"""API serializers of the e-signatures: they parse and render only; the ceremony is ``services.signature_create``."""

from __future__ import annotations

from rest_framework import serializers

from ims.web.input import reject_unknown_fields

from ..choices import SignatureMeaning
from ..models import Signature
from ..selectors import iso_utc, manifestation
from ..services import MAX_REASON_LENGTH


class SignatureCreateSerializer(serializers.Serializer):
    """What a client may send. Anything else (``signer``, ``signed_at``, ``record_hash``, …) is refused."""

    content_type = serializers.CharField(max_length=100, help_text='The record type as "app_label.model".')
    object_pk = serializers.CharField(max_length=64, help_text="The record's id.")
    meaning = serializers.ChoiceField(choices=SignatureMeaning.choices)
    password = serializers.CharField(
        required=False,
        allow_blank=True,
        trim_whitespace=False,
        write_only=True,
        style={"input_type": "password"},
        help_text="Always required.",
    )
    username = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=150,
        help_text="Your user ID: required outside a continuous web session (token clients: always).",
    )
    reason = serializers.CharField(required=False, allow_blank=True, max_length=MAX_REASON_LENGTH, default="")

    def to_internal_value(self, data):
        reject_unknown_fields(data, self.fields)
        return super().to_internal_value(data)


class SignatureSerializer(serializers.ModelSerializer):
    """A signature and its manifestation: printed name, ISO-8601 date-time with zone, meaning."""

    content_type = serializers.SerializerMethodField()
    meaning_label = serializers.CharField(source="get_meaning_display")
    signed_at = serializers.SerializerMethodField(help_text="ISO-8601, UTC.")
    signed_at_local = serializers.SerializerMethodField(help_text="ISO-8601 in the viewer's site time zone.")
    time_zone = serializers.SerializerMethodField()
    manifestation = serializers.SerializerMethodField()

    class Meta:
        model = Signature
        fields = [
            "id",
            "content_type",
            "object_pk",
            "meaning",
            "meaning_label",
            "reason",
            "signer",
            "signer_name",
            "signer_username",
            "signed_at",
            "signed_at_local",
            "time_zone",
            "channel",
            "record_hash",
            "signature_hash",
            "manifestation",
        ]
        read_only_fields = fields

    def _manifestation(self, obj):
        cache = self.context.setdefault("_manifestations", {})
        if obj.pk not in cache:
            cache[obj.pk] = manifestation(obj, tz=self.context["tz"])
        return cache[obj.pk]

    def get_content_type(self, obj) -> str:
        return f"{obj.content_type.app_label}.{obj.content_type.model}"

    def get_signed_at(self, obj) -> str:
        return iso_utc(obj.signed_at)

    def get_signed_at_local(self, obj) -> str:
        return self._manifestation(obj).signed_at_local

    def get_time_zone(self, obj) -> str:
        return self._manifestation(obj).time_zone

    def get_manifestation(self, obj) -> str:
        return self._manifestation(obj).text


class RefusalSerializer(serializers.Serializer):
    """Why nothing was signed or recorded (a refused signature, or a workflow step that is not allowed now)."""

    code = serializers.CharField()
    detail = serializers.CharField()
    field = serializers.CharField(required=False)

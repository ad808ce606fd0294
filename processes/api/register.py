"""``/api/v1/processes/processes/`` and ``…/process-interactions/``: the process register, thin adapters.

Every write calls ``processes.register`` (the same services as the pages). Processes and interactions are
created, changed (with a reason for change and ``If-Match``) and retired (``POST …/{id}/deactivate/`` with a
reason), never deleted. Lists and details hold only the caller's sites; another site's record answers 404.
The filters are those of the list page (``processes.filtersets_register``).
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers

from ims.documents.choices import DocumentType
from ims.documents.models import ControlledDocument
from ims.org.api.serializers import PersonBriefSerializer, ScopedRelatedField, StrictSerializer
from ims.org.models import Function, Person, Site
from ims.web.api import ScopedModelViewSet
from policies.models import Objective

from .. import register
from ..filtersets_register import ProcessFilterSet, ProcessInteractionFilterSet
from ..models import Clause, Process, ProcessInteraction


class ProcessSerializer(StrictSerializer):
    owner = ScopedRelatedField(queryset=Person.objects.all(), lookup_code=False, help_text="Person id.")
    owner_detail = PersonBriefSerializer(source="owner", read_only=True)
    sites = ScopedRelatedField(queryset=Site.objects.all(), many=True, help_text="Site ids or codes.")
    functions = ScopedRelatedField(
        queryset=Function.objects.all(), many=True, required=False, help_text="Function ids or codes (the lanes)."
    )
    objectives = ScopedRelatedField(
        queryset=Objective.objects.all(), many=True, required=False, lookup_code=False,
        help_text="Objective ids whose KPIs measure the process.",
    )  # fmt: skip
    documents = ScopedRelatedField(
        queryset=ControlledDocument.objects.all(), many=True, required=False, lookup_code=False,
        help_text="Controlled document ids (procedures, work instructions, forms).",
    )  # fmt: skip
    map_document = ScopedRelatedField(
        queryset=ControlledDocument.objects.filter(doc_type=DocumentType.PROCESS_MAP),
        lookup_code=False, allow_null=True, required=False,
        help_text="Id of the controlled document of type process map.",
    )  # fmt: skip
    clauses = ScopedRelatedField(
        queryset=Clause.objects.all(), many=True, required=False, lookup_code=False, help_text="Clause ids."
    )
    site_codes = serializers.SlugRelatedField(source="sites", slug_field="code", many=True, read_only=True)

    class Meta:
        model = Process
        fields = [
            "id",
            "code",
            "name",
            "process_type",
            "purpose",
            "owner",
            "owner_detail",
            "sites",
            "site_codes",
            "functions",
            "suppliers",
            "inputs",
            "outputs",
            "customers",
            "objectives",
            "documents",
            "map_document",
            "clauses",
            "is_active",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "is_active", "created_at", "updated_at"]
        upper_case_fields = ["code"]
        # The service checks the code (case-insensitively, retired processes included) and answers 400.
        validators: list = []
        extra_kwargs = {"code": {"validators": []}}

    def validate_code(self, value: str) -> str:
        if self.instance is not None and value.strip().upper() != self.instance.code:
            raise serializers.ValidationError("Records and exports refer to the code, so it never changes.")
        return value


@extend_schema_view(
    list=extend_schema(summary="List processes", description="The processes of the sites you may view."),
    retrieve=extend_schema(summary="Show a process"),
    create=extend_schema(
        summary="Register a process",
        description="You need the add permission at every site named; choices are limited to what you may view.",
    ),
    update=extend_schema(summary="Replace a process", description="`change_reason` is required."),
    partial_update=extend_schema(summary="Change a process", description="`change_reason` is required."),
    deactivate=extend_schema(
        summary="Retire a process",
        request=None,
        description="The process and its interactions are kept, retired; `change_reason` is required.",
        responses={200: ProcessSerializer},
    ),
)
@extend_schema(tags=["processes"])
class ProcessViewSet(ScopedModelViewSet):
    queryset = Process.objects.select_related("owner").prefetch_related(
        "sites", "functions", "objectives", "documents", "clauses"
    )
    serializer_class = ProcessSerializer
    filterset_class = ProcessFilterSet
    ordering_fields = ["code", "name", "created_at", "updated_at"]

    def _fresh(self, process: Process) -> Process:
        return self.queryset.all().get(pk=process.pk)

    def perform_create(self, serializer):
        process = register.process_create(actor=self.request.user, **serializer.validated_data)
        serializer.instance = self._fresh(process)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("code", None)
        process = register.process_update(actor=self.request.user, process=serializer.instance, data=data)
        serializer.instance = self._fresh(process)

    def perform_deactivate(self, obj):
        register.process_retire(actor=self.request.user, process=obj)


class ProcessInteractionSerializer(StrictSerializer):
    source = ScopedRelatedField(queryset=Process.objects.all(), help_text="Process id or code; fixed once created.")
    target = ScopedRelatedField(queryset=Process.objects.all(), help_text="Process id or code; fixed once created.")
    source_code = serializers.CharField(source="source.code", read_only=True)
    target_code = serializers.CharField(source="target.code", read_only=True)

    class Meta:
        model = ProcessInteraction
        fields = ["id", "source", "source_code", "target", "target_code", "description", "is_active", "created_at",
                  "updated_at"]  # fmt: skip
        read_only_fields = ["id", "is_active", "created_at", "updated_at"]
        validators: list = []

    def validate(self, attrs):
        if self.instance is not None:
            for name in ("source", "target"):
                if name in attrs and attrs[name].pk != getattr(self.instance, f"{name}_id"):
                    raise serializers.ValidationError(
                        {name: "An interaction keeps its processes; retire it and record a new one."}
                    )
        return attrs


@extend_schema_view(
    list=extend_schema(summary="List process interactions", description="Arrows of the process landscape."),
    retrieve=extend_schema(summary="Show a process interaction"),
    create=extend_schema(summary="Record that one process hands output to another"),
    update=extend_schema(summary="Replace what passes", description="`change_reason` is required."),
    partial_update=extend_schema(summary="Change what passes", description="`change_reason` is required."),
    deactivate=extend_schema(
        summary="Retire an interaction",
        request=None,
        description="Kept, retired; `change_reason` is required.",
        responses={200: ProcessInteractionSerializer},
    ),
)
@extend_schema(tags=["processes"])
class ProcessInteractionViewSet(ScopedModelViewSet):
    queryset = ProcessInteraction.objects.select_related("source", "target")
    serializer_class = ProcessInteractionSerializer
    filterset_class = ProcessInteractionFilterSet
    ordering_fields = ["created_at", "updated_at"]

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = register.interaction_create(
            actor=self.request.user,
            source=data["source"],
            target=data["target"],
            description=data.get("description", ""),
        )

    def perform_update(self, serializer):
        interaction = serializer.instance
        description = serializer.validated_data.get("description", interaction.description)
        serializer.instance = register.interaction_update(
            actor=self.request.user, interaction=interaction, description=description
        )

    def perform_deactivate(self, obj):
        register.interaction_retire(actor=self.request.user, interaction=obj)


def routes(router) -> None:
    """Register this part's viewsets on the app's router."""
    router.register("processes", ProcessViewSet, basename="processes-process")
    router.register("process-interactions", ProcessInteractionViewSet, basename="processes-processinteraction")


__all__ = ["ProcessInteractionSerializer", "ProcessSerializer", "routes"]

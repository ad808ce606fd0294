"""``/api/v1/kpis/…``: KPI definitions, readings (single and bulk), the time series and signals — thin adapters
over the same services as the pages. Nothing is deleted: KPIs are retired and readings voided, with a reason."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from ims.audit.context import audit_context
from ims.web.api import ScopedModelViewSet

from .. import services
from ..bulk import BulkRefused, readings_bulk_record
from ..choices import ReadingChannel
from ..filtersets import KpiFilterSet, ReadingFilterSet, SignalFilterSet
from ..models import Kpi, KpiSignal, Reading
from ..signals import signal_dismiss, signal_raise_capa
from .serializers import (
    BulkRequestSerializer,
    BulkResponseSerializer,
    KpiSerializer,
    KpiSignalSerializer,
    ReadingCorrectionSerializer,
    ReadingSerializer,
    SeriesPointSerializer,
)


@extend_schema_view(
    list=extend_schema(summary="List KPIs", description="The KPIs measured at the sites you may view."),
    retrieve=extend_schema(summary="Show a KPI"),
    create=extend_schema(summary="Define a KPI", description="You need the add permission at every site named."),
    update=extend_schema(summary="Replace a KPI", description="`change_reason` is required."),
    partial_update=extend_schema(summary="Change a KPI", description="`change_reason` is required."),
    deactivate=extend_schema(summary="Retire a KPI", request=None, responses={200: KpiSerializer}),
)
@extend_schema(tags=["kpis"])
class KpiViewSet(ScopedModelViewSet):
    queryset = Kpi.objects.select_related("owner").prefetch_related("sites")
    serializer_class = KpiSerializer
    filterset_class = KpiFilterSet
    ordering_fields = ["code", "name", "updated_at"]

    def _fresh(self, kpi: Kpi) -> Kpi:
        return self.queryset.all().get(pk=kpi.pk)

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        sites = data.pop("sites")
        serializer.instance = self._fresh(services.kpi_create(actor=self.request.user, sites=sites, **data))

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("code", None)
        sites = data.pop("sites", None)
        kpi = services.kpi_update(actor=self.request.user, kpi=serializer.instance, sites=sites, **data)
        serializer.instance = self._fresh(kpi)

    def perform_deactivate(self, obj):
        services.kpi_retire(actor=self.request.user, kpi=obj)


@extend_schema_view(
    list=extend_schema(summary="List readings", description="Voided readings only with `include_void=true` or "
                       "`updated_since` (a poller must learn that a reading was voided)."),
    retrieve=extend_schema(summary="Show a reading"),
    create=extend_schema(summary="Record a reading", description="One per KPI, site and period; outside the KPI's "
                         "possible range or a duplicate period answers 400."),
    update=extend_schema(summary="Correct a reading", request=ReadingCorrectionSerializer,
                         description="`change_reason` is required; the old value stays in the audit trail."),
    partial_update=extend_schema(summary="Correct a reading", request=ReadingCorrectionSerializer),
    deactivate=extend_schema(summary="Void a reading", request=None, responses={200: ReadingSerializer},
                             description="Kept with the reason (`change_reason`); the period is free again."),
)  # fmt: skip
@extend_schema(tags=["kpis"])
class ReadingViewSet(ScopedModelViewSet):
    queryset = Reading.objects.select_related("kpi", "site")
    serializer_class = ReadingSerializer
    filterset_class = ReadingFilterSet
    ordering_fields = ["period_start", "updated_at"]

    def get_queryset(self):
        rows = super().get_queryset()
        query = self.request.query_params
        if self.action == "list" and not (query.get("include_void") in ("true", "1") or query.get("updated_since")):
            rows = rows.filter(is_void=False)
        return rows

    def get_serializer_class(self):
        if self.action in ("update", "partial_update"):
            return ReadingCorrectionSerializer
        return super().get_serializer_class()

    def perform_create(self, serializer):
        data = serializer.validated_data
        reading = services.reading_record(
            actor=self.request.user, kpi=data["kpi"], site=data["site"], period=data["period"], value=data["value"],
            denominator=data.get("denominator"), comment=data.get("comment", ""), channel=ReadingChannel.API,
        )  # fmt: skip
        serializer.instance = reading

    def create(self, request, *args, **kwargs):
        serializer = ReadingSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        self.perform_create(serializer)
        return Response(ReadingSerializer(serializer.instance).data, status=status.HTTP_201_CREATED)

    def perform_update(self, serializer):
        data = serializer.validated_data
        instance = serializer.instance
        reading = services.reading_correct(
            actor=self.request.user, reading=instance, value=data.get("value", instance.value),
            denominator=data["denominator"] if "denominator" in data else None,
            comment=data.get("comment"),
        )  # fmt: skip
        serializer.instance = reading

    def update(self, request, *args, **kwargs):
        response = super().update(request, *args, **kwargs)
        response.data = ReadingSerializer(self.get_queryset().get(pk=kwargs["pk"])).data
        return response

    def perform_deactivate(self, obj):
        from ims.audit.context import current

        services.reading_void(actor=self.request.user, reading=obj, reason=current().get("reason") or "")

    @extend_schema(
        summary="Record readings in bulk",
        request=BulkRequestSerializer,
        responses={201: BulkResponseSerializer, 200: BulkResponseSerializer, 400: BulkResponseSerializer},
        description="For BI, LIMS, ERP and EHS systems: every row is checked and all are recorded, or none (400 "
        "with the errors of each row). `dry_run` checks only.",
    )
    @action(detail=False, methods=["post"])
    def bulk(self, request):
        body = BulkRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        rows = body.validated_data["readings"]
        dry_run = body.validated_data["dry_run"]
        try:
            with audit_context(reason=request.headers.get("X-Change-Reason") or None):
                result = readings_bulk_record(
                    actor=request.user, rows=rows, channel=ReadingChannel.API, dry_run=dry_run
                )
        except BulkRefused as refused:
            result = refused.result
            data = {"rows": result.rows, "created": 0, "dry_run": dry_run,
                    "errors": [vars(e) for e in result.errors]}  # fmt: skip
            return Response(data, status=status.HTTP_400_BAD_REQUEST)
        data = {"rows": result.rows, "created": result.created, "dry_run": dry_run, "errors": []}
        return Response(data, status=status.HTTP_200_OK if dry_run else status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(
        summary="Time series of readings",
        description="Readings by KPI, site and period in a flat shape for BI tools, ordered by `updated_at` then "
        "`id`, so a poller asks again with `updated_since` = the last `updated_at` it saw. Voided readings come "
        "with `is_void: true`.",
    )
)
@extend_schema(tags=["kpis"])
class SeriesViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    queryset = Reading.objects.select_related("kpi", "site")
    serializer_class = SeriesPointSerializer
    filterset_class = ReadingFilterSet

    def get_queryset(self):
        return self.queryset.all().restrict(self.request.user, "view").order_by("updated_at", "id")


@extend_schema(tags=["kpis"])
@extend_schema_view(
    list=extend_schema(summary="Out-of-control signals"), retrieve=extend_schema(summary="Show a signal")
)
class KpiSignalViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    queryset = KpiSignal.objects.select_related("kpi", "site", "reading")
    serializer_class = KpiSignalSerializer
    filterset_class = SignalFilterSet

    def get_queryset(self):
        return self.queryset.all().restrict(self.request.user, "view").order_by("-created_at")

    @extend_schema(
        summary="Open a CAPA for a signal",
        request=None,
        responses={201: KpiSignalSerializer},
        description="Once per signal: a second request answers 400 with the CAPA already opened.",
    )
    @action(detail=True, methods=["post"], url_path="raise-capa")
    def raise_capa(self, request, pk=None):
        signal = self.get_object()
        with audit_context(reason=request.headers.get("X-Change-Reason") or "CAPA opened from a KPI signal"):
            raised = signal_raise_capa(actor=request.user, signal=signal)
        return Response(KpiSignalSerializer(raised).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Dismiss a signal",
        request=None,
        responses={200: KpiSignalSerializer},
        description="Closes the signal without a CAPA; `change_reason` (body or `X-Change-Reason`) is required.",
    )
    @action(detail=True, methods=["post"])
    def deactivate(self, request, pk=None):
        signal = self.get_object()
        reason = ScopedModelViewSet.change_reason(self, request)
        dismissed = signal_dismiss(actor=request.user, signal=signal, reason=reason)
        return Response(KpiSignalSerializer(dismissed).data)

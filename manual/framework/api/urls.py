"""API routes of step 3 (``/api/v1/framework/…``)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from .views import MatrixApi, MonitoringPlanItemViewSet, ProcedureDraftApi, ProcedureRecordViewSet

router = SimpleRouter()
router.register("procedure-records", ProcedureRecordViewSet, basename="framework-procedurerecord")
router.register("monitoring-plan", MonitoringPlanItemViewSet, basename="framework-monitoringplanitem")

urlpatterns = [
    path("matrix/", MatrixApi.as_view(), name="framework-matrix"),
    path("procedure-drafts/", ProcedureDraftApi.as_view(), name="framework-procedure-draft"),
    *router.urls,
]

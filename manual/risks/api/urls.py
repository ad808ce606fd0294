"""API routes of step 3's register (``/api/v1/risks/…``; URL names ``risks-entry-list``, …)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from .imports import RegisterImportApi
from .views import ComplianceEvaluationViewSet, ControlViewSet, ObligationViewSet, RiskEntryViewSet

router = SimpleRouter()
router.register("entries", RiskEntryViewSet, basename="risks-entry")
router.register("controls", ControlViewSet, basename="risks-control")
router.register("obligations", ObligationViewSet, basename="risks-obligation")
router.register("evaluations", ComplianceEvaluationViewSet, basename="risks-evaluation")

urlpatterns = [path("import/", RegisterImportApi.as_view(), name="risks-import"), *router.urls]

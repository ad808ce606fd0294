"""API routes of step 5 (``/api/v1/kpis/…``)."""

from rest_framework.routers import SimpleRouter

from .views import KpiSignalViewSet, KpiViewSet, ReadingViewSet, SeriesViewSet

router = SimpleRouter()
router.register("kpis", KpiViewSet, basename="kpi")
router.register("readings", ReadingViewSet, basename="kpi-reading")
router.register("series", SeriesViewSet, basename="kpi-series")
router.register("signals", KpiSignalViewSet, basename="kpi-signal")

urlpatterns = router.urls

"""``/api/v1/`` routes of objectives, RACI and acknowledgements (URL names ``objective-list``,
``acknowledgement-acknowledge``, ``acknowledgement-coverage``, …)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from .views import (
    AcknowledgementCoverageApi,
    AcknowledgementViewSet,
    DistributionViewSet,
    ObjectiveReadingViewSet,
    ObjectiveViewSet,
    ResponsibilityViewSet,
)

router = SimpleRouter()
router.register("objectives", ObjectiveViewSet, basename="objective")
router.register("objective-readings", ObjectiveReadingViewSet, basename="objective-reading")
router.register("responsibilities", ResponsibilityViewSet, basename="responsibility")
router.register("acknowledgements", AcknowledgementViewSet, basename="acknowledgement")
router.register("distributions", DistributionViewSet, basename="distribution")

urlpatterns = [
    path("acknowledgement-coverage/", AcknowledgementCoverageApi.as_view(), name="acknowledgement-coverage"),
    *router.urls,
]

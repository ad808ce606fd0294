"""``/api/v1/`` routes of objectives (URL names ``objective-list``, ``objective-reading-detail``, …)."""

from rest_framework.routers import SimpleRouter

from .views import ObjectiveReadingViewSet, ObjectiveViewSet, ResponsibilityViewSet

router = SimpleRouter()
router.register("objectives", ObjectiveViewSet, basename="objective")
router.register("objective-readings", ObjectiveReadingViewSet, basename="objective-reading")
router.register("responsibilities", ResponsibilityViewSet, basename="responsibility")

urlpatterns = router.urls

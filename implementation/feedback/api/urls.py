"""API routes of step 5 (``/api/v1/feedback/…``; URL names ``feedback-list``, ``feedback-triage``, …)."""

from rest_framework.routers import SimpleRouter

from .views import FeedbackItemViewSet

router = SimpleRouter()
router.register("items", FeedbackItemViewSet, basename="feedback")

urlpatterns = router.urls

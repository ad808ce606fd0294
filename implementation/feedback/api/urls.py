"""API routes of step 5 (``/api/v1/feedback/…``)."""

from rest_framework.routers import SimpleRouter

router = SimpleRouter()

urlpatterns = router.urls

"""API routes of step 5 (``/api/v1/review/…``)."""

from rest_framework.routers import SimpleRouter

router = SimpleRouter()

urlpatterns = router.urls

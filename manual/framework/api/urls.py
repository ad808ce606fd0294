"""API routes of step 3 (``/api/v1/framework/…``)."""

from rest_framework.routers import SimpleRouter

router = SimpleRouter()

urlpatterns = router.urls

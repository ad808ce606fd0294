"""API routes of step 5 (``/api/v1/implementation/…``)."""

from rest_framework.routers import SimpleRouter

router = SimpleRouter()

urlpatterns = router.urls

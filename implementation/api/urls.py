"""API routes of step 5 (``/api/v1/implementation/…``; URL names ``implementation-plan-list``, …)."""

from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
views.routes(router)

urlpatterns = router.urls

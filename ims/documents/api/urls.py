"""``/api/v1/documents/…`` routes (URL names ``controlleddocument-list``, ``documentversion-detail``, …)."""

from rest_framework.routers import SimpleRouter

from .views import ControlledDocumentViewSet, DocumentVersionViewSet

router = SimpleRouter()
router.register("documents/versions", DocumentVersionViewSet, basename="documentversion")
router.register("documents", ControlledDocumentViewSet, basename="controlleddocument")

urlpatterns = router.urls

"""API routes of step 2 (``/api/v1/processes/…``; URL names ``processes-standard-list``, …)."""

from rest_framework.routers import SimpleRouter

from . import gaps, maps, register
from .views import ClauseMappingViewSet, ClauseViewSet, DocumentClauseViewSet, StandardViewSet

router = SimpleRouter()
router.register("standards", StandardViewSet, basename="processes-standard")
router.register("clauses", ClauseViewSet, basename="processes-clause")
router.register("clause-mappings", ClauseMappingViewSet, basename="processes-clausemapping")
router.register("document-clauses", DocumentClauseViewSet, basename="processes-documentclause")
register.routes(router)
maps.routes(router)
gaps.routes(router)

urlpatterns = router.urls

"""API routes of the IMS manual (``/api/v1/manual/…``; URL names ``manual-manual-list``, …)."""

from rest_framework.routers import SimpleRouter

from .views import AnnexViewSet, BlockViewSet, ManualVersionViewSet, ManualViewSet, SectionViewSet

router = SimpleRouter()
router.register("manuals", ManualViewSet, basename="manual-manual")
router.register("versions", ManualVersionViewSet, basename="manual-version")
router.register("sections", SectionViewSet, basename="manual-section")
router.register("blocks", BlockViewSet, basename="manual-block")
router.register("annexes", AnnexViewSet, basename="manual-annex")

urlpatterns = router.urls

"""API routes of CAPA (``/api/v1/capa/…``; URL names ``capa-list``, ``capa-action-list``, …)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from .views import CapaActionViewSet, CapaViewSet, EffectivenessCheckViewSet, TrendsApi

router = SimpleRouter()
router.register("capas", CapaViewSet, basename="capa")
router.register("actions", CapaActionViewSet, basename="capa-action")
router.register("effectiveness-checks", EffectivenessCheckViewSet, basename="capa-check")

urlpatterns = [path("trends/", TrendsApi.as_view(), name="capa-trends"), *router.urls]

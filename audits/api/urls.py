"""API routes of internal audits (``/api/v1/audits/…``; URL names ``audits-audit-list``, …)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from .views import AuditProgrammeViewSet, AuditViewSet, ChecklistItemViewSet, FindingViewSet, TrendsApi

router = SimpleRouter()
router.register("programmes", AuditProgrammeViewSet, basename="audits-auditprogramme")
router.register("audits", AuditViewSet, basename="audits-audit")
router.register("checklist-items", ChecklistItemViewSet, basename="audits-checklistitem")
router.register("findings", FindingViewSet, basename="audits-finding")

urlpatterns = [path("trends/", TrendsApi.as_view(), name="audits-trends"), *router.urls]

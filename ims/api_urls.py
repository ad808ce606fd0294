"""``/api/v1/``: one router for the kernel's and the apps' API endpoints."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from ims.actions.api import ActionViewSet
from ims.audit.api import AuditEventViewSet

router = DefaultRouter()
router.register("audit/events", AuditEventViewSet, basename="auditevent")
router.register("actions", ActionViewSet, basename="action")

urlpatterns = [
    path("", include("ims.org.api.urls")),
    path("", include("ims.esign.api.urls")),
    path("", include("ims.documents.api.urls")),
    path("", include("policies.api.urls")),
    path("processes/", include("processes.api.urls")),
    path("framework/", include("manual.framework.api.urls")),
    path("risks/", include("manual.risks.api.urls")),
    path("manual/", include("manual.api.urls")),
    path("implementation/", include("implementation.api.urls")),
    path("kpis/", include("implementation.kpis.api.urls")),
    path("feedback/", include("implementation.feedback.api.urls")),
    path("reviews/", include("implementation.review.api.urls")),
    path("training/", include("training.api.urls")),
    path("capa/", include("capa.api.urls")),
    path("audits/", include("audits.api.urls")),
    path("evidence/", include("evidence.api.urls")),
    path("", include(router.urls)),
]

"""``/api/v1/`` routes of the organisation (URL names ``site-list``, ``person-detail``, …)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from .imports import OrgImportApi
from .views import FunctionViewSet, MembershipViewSet, PersonViewSet, RoleViewSet, SiteViewSet

router = SimpleRouter()
router.register("sites", SiteViewSet, basename="site")
router.register("functions", FunctionViewSet, basename="function")
router.register("roles", RoleViewSet, basename="role")
router.register("people", PersonViewSet, basename="person")
router.register("memberships", MembershipViewSet, basename="membership")

urlpatterns = [
    path("org/import/", OrgImportApi.as_view(), name="org-import"),
    *router.urls,
]

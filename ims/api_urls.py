"""``/api/v1/``: one router for the kernel's and the apps' API endpoints."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

router = DefaultRouter()

urlpatterns = [
    path("", include("ims.org.api.urls")),
    path("", include(router.urls)),
]

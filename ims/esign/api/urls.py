"""``/api/v1/esign/`` routes (URL name ``esign-signature-list``)."""

from django.urls import path

from .views import SignatureListCreateApi

urlpatterns = [
    path("esign/signatures/", SignatureListCreateApi.as_view(), name="esign-signature-list"),
]

"""``/api/v1/training/…``: each part of training keeps its own routes."""

from django.urls import include, path

from . import urls_assessments, urls_core, urls_sessions
from .matrix import TrainingMatrixApi

urlpatterns = [
    path("matrix/", TrainingMatrixApi.as_view(), name="training-matrix"),
    path("", include(urls_core.urlpatterns)),
    path("", include(urls_sessions.urlpatterns)),
    path("", include(urls_assessments.urlpatterns)),
]

from django.urls import include, path

from . import urls_assessments, urls_core, urls_matrix, urls_sessions

app_name = "training"

# Each part of training keeps its own routes; the URL names share the "training:" namespace.
urlpatterns = [
    path("", include(urls_matrix.urlpatterns)),
    path("", include(urls_core.urlpatterns)),
    path("sessions/", include(urls_sessions.urlpatterns)),
    path("assessments/", include(urls_assessments.urlpatterns)),
]

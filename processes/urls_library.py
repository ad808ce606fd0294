"""Pages of the standards library: standards, clauses, mappings, company-standard import, the overlap view."""

from django.urls import path

from . import views

urlpatterns = [
    path("standards/", views.StandardListView.as_view(), name="standard_list"),
    path("clauses/", views.ClauseListView.as_view(), name="clause_list"),
]

"""Pages of step 2: processes and gap analysis."""

from django.urls import path

from . import views

app_name = "processes"

urlpatterns = [
    path("standards/", views.StandardListView.as_view(), name="standard_list"),
    path("clauses/", views.ClauseListView.as_view(), name="clause_list"),
]

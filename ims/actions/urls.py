"""``/actions/``: tracked actions."""

from django.urls import path

from . import views

app_name = "actions"

urlpatterns = [
    path("", views.ActionListView.as_view(), name="action_list"),
    path("<int:pk>/", views.ActionDetailView.as_view(), name="action_detail"),
    path("<int:pk>/edit/", views.ActionEditView.as_view(), name="action_edit"),
    path("<int:pk>/cancel/", views.ActionCancelView.as_view(), name="action_cancel"),
]

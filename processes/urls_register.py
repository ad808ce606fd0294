"""Pages of the process register and the process landscape."""

from django.urls import path

from . import views_register as views

urlpatterns = [
    path("register/", views.ProcessListView.as_view(), name="process_list"),
    path("register/add/", views.ProcessEditView.as_view(), name="process_create"),
    path("register/<int:pk>/", views.ProcessDetailView.as_view(), name="process_detail"),
    path("register/<int:pk>/edit/", views.ProcessEditView.as_view(), name="process_edit"),
    path("register/<int:pk>/retire/", views.ProcessRetireView.as_view(), name="process_retire"),
    path("register/<int:pk>/interactions/add/", views.InteractionCreateView.as_view(), name="interaction_create"),
    path("interactions/", views.InteractionListView.as_view(), name="interaction_list"),
    path("interactions/<int:pk>/", views.InteractionDetailView.as_view(), name="interaction_detail"),
    path("interactions/<int:pk>/retire/", views.InteractionRetireView.as_view(), name="interaction_retire"),
    path("landscape/", views.LandscapeView.as_view(), name="landscape"),
    path("landscape.pdf", views.LandscapePdfView.as_view(), name="landscape_pdf"),
]

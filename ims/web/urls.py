from django.contrib.auth import views as auth_views
from django.urls import path
from django.views.generic import TemplateView

app_name = "web"
urlpatterns = [
    path("", TemplateView.as_view(template_name="web/dashboard.html"), name="dashboard"),
]

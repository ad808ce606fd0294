from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [path("", views.InboxView.as_view(), name="inbox")]

from django.urls import path

from . import lookups, pages

app_name = "web"
urlpatterns = [
    path("", pages.DashboardView.as_view(), name="dashboard"),
    path("profile/", pages.ProfileView.as_view(), name="profile"),
    path("lookup/<slug:name>/", lookups.LookupView.as_view(), name="lookup"),
    path("profile/tokens/", pages.ApiTokenCreateView.as_view(), name="token_create"),
    path("profile/tokens/<int:pk>/revoke/", pages.ApiTokenRevokeView.as_view(), name="token_revoke"),
]

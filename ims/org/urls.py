from django.urls import path

from . import views
from .import_views import OrgImportView

app_name = "org"


def pages(
    prefix: str,
    name: str,
    list_view,
    detail_view,
    edit_view=None,
    deactivate_view=None,
    deactivate_page: str = "deactivate",
) -> list:
    """The list / add / detail / edit / deactivate routes of one model."""
    routes = [
        path(f"{prefix}/", list_view.as_view(), name=f"{name}_list"),
        path(f"{prefix}/<int:pk>/", detail_view.as_view(), name=f"{name}_detail"),
    ]
    if edit_view is not None:
        routes += [
            path(f"{prefix}/add/", edit_view.as_view(), name=f"{name}_add"),
            path(f"{prefix}/<int:pk>/edit/", edit_view.as_view(), name=f"{name}_edit"),
        ]
    if deactivate_view is not None:
        routes.append(
            path(f"{prefix}/<int:pk>/{deactivate_page}/", deactivate_view.as_view(), name=f"{name}_{deactivate_page}")
        )
    return routes


urlpatterns = [
    *pages("sites", "site", views.SiteListView, views.SiteDetailView, views.SiteEditView, views.SiteDeactivateView),
    *pages(
        "functions",
        "function",
        views.FunctionListView,
        views.FunctionDetailView,
        views.FunctionEditView,
        views.FunctionDeactivateView,
    ),
    *pages("roles", "role", views.RoleListView, views.RoleDetailView),
    *pages(
        "people",
        "person",
        views.PersonListView,
        views.PersonDetailView,
        views.PersonEditView,
        views.PersonDeactivateView,
    ),
    *pages(
        "memberships",
        "membership",
        views.MembershipListView,
        views.MembershipDetailView,
        views.MembershipEditView,
        views.MembershipEndView,
        deactivate_page="end",
    ),
    path("import/", OrgImportView.as_view(), name="import"),
]

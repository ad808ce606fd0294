"""Pages of the standards library: standards, clauses, mappings, company-standard import, the overlap view."""

from django.urls import path

from . import views, views_library

urlpatterns = [
    path("standards/", views.StandardListView.as_view(), name="standard_list"),
    path("standards/import/", views_library.StandardImportView.as_view(), name="standard_import"),
    path("standards/<int:pk>/", views_library.StandardDetailView.as_view(), name="standard_detail"),
    path("clauses/", views.ClauseListView.as_view(), name="clause_list"),
    path("clause-mappings/add/", views_library.ClauseMappingEditView.as_view(), name="clausemapping_add"),
    path("clause-mappings/<int:pk>/edit/", views_library.ClauseMappingEditView.as_view(), name="clausemapping_edit"),
    path(
        "clause-mappings/<int:pk>/deactivate/",
        views_library.ClauseMappingDeactivateView.as_view(),
        name="clausemapping_deactivate",
    ),
    path("documents/<int:pk>/clauses/", views_library.DocumentClausesView.as_view(), name="document_clauses"),
    path("document-clauses/", views_library.DocumentClauseListView.as_view(), name="documentclause_list"),
    path("document-clauses/<int:pk>/", views_library.DocumentClauseDetailView.as_view(), name="documentclause_detail"),
    path(
        "document-clauses/<int:pk>/deactivate/",
        views_library.DocumentClauseDeactivateView.as_view(),
        name="documentclause_deactivate",
    ),
    path("overlap/", views_library.OverlapView.as_view(), name="overlap"),
]

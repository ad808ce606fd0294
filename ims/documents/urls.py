from django.urls import path

from . import views

app_name = "documents"

urlpatterns = [
    path("", views.DocumentListView.as_view(), name="document_list"),
    path("add/", views.DocumentEditView.as_view(), name="document_add"),
    path("review-overdue/", views.ReviewOverdueListView.as_view(), name="review_overdue"),
    path("<int:pk>/", views.DocumentDetailView.as_view(), name="document_detail"),
    path("<int:pk>/edit/", views.DocumentEditView.as_view(), name="document_edit"),
    path("<int:pk>/retire/", views.DocumentRetireView.as_view(), name="document_retire"),
    path("<int:pk>/periodic-review/", views.DocumentReviewRecordView.as_view(), name="document_review_record"),
    path("<int:pk>/versions/new/", views.VersionCreateView.as_view(), name="version_add"),
    path("versions/", views.VersionListView.as_view(), name="version_list"),
    path("versions/<int:pk>/", views.VersionDetailView.as_view(), name="version_detail"),
    path("versions/<int:pk>/edit/", views.VersionEditView.as_view(), name="version_edit"),
    path("versions/<int:pk>/retire/", views.VersionRetireView.as_view(), name="version_retire"),
    path("versions/<int:pk>/file/", views.VersionFileView.as_view(), name="version_file"),
    path("versions/<int:pk>/pdf/", views.VersionPdfView.as_view(), name="version_pdf"),
    path("versions/<int:pk>/compare/", views.VersionDiffView.as_view(), name="version_diff"),
    path("versions/<int:pk>/submit/", views.VersionTransitionView.as_view(), {"step": "submit"}, name="version_submit"),
    path("versions/<int:pk>/return/", views.VersionTransitionView.as_view(), {"step": "return"}, name="version_return"),
    path("versions/<int:pk>/review/", views.VersionSignView.as_view(), {"step": "review"}, name="version_review"),
    path("versions/<int:pk>/approve/", views.VersionSignView.as_view(), {"step": "approve"}, name="version_approve"),
]

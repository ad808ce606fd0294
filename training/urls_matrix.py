"""Pages of training: matrix, compliance and "My training" (included by training/urls.py)."""

from django.urls import path

from . import views_matrix

urlpatterns: list = [
    path("matrix/", views_matrix.TrainingMatrixView.as_view(), name="matrix"),
    path("compliance/", views_matrix.ComplianceView.as_view(), name="compliance"),
    path("my/", views_matrix.MyTrainingView.as_view(), name="my_training"),
    path("my/<int:pk>/", views_matrix.MyAssignmentView.as_view(), name="my_assignment"),
]

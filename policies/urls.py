from django.urls import path

from . import acknowledgement_views, views

app_name = "policies"

urlpatterns = [
    path("", acknowledgement_views.PolicyListView.as_view(), name="document_list"),
    path("my-tasks/", acknowledgement_views.MyTasksView.as_view(), name="my_tasks"),
    path("tasks/<int:pk>/", acknowledgement_views.TaskDetailView.as_view(), name="task_detail"),
    path("coverage/", acknowledgement_views.CoverageView.as_view(), name="coverage"),
    path("objectives/", views.ObjectiveListView.as_view(), name="objective_list"),
    path("objectives/roll-up/", views.ObjectiveTreeView.as_view(), name="objective_tree"),
    path("objectives/sites/<int:site_pk>/", views.ObjectiveTreeView.as_view(), name="site_objectives"),
    path("objectives/add/", views.ObjectiveEditView.as_view(), name="objective_add"),
    path("objectives/<int:pk>/", views.ObjectiveDetailView.as_view(), name="objective_detail"),
    path("objectives/<int:pk>/edit/", views.ObjectiveEditView.as_view(), name="objective_edit"),
    path("objectives/<int:pk>/cancel/", views.ObjectiveCancelView.as_view(), name="objective_cancel"),
    path("readings/", views.ReadingListView.as_view(), name="reading_list"),
    path("readings/add/", views.ReadingEditView.as_view(), name="reading_add"),
    path("readings/<int:pk>/", views.ReadingDetailView.as_view(), name="reading_detail"),
    path("readings/<int:pk>/edit/", views.ReadingEditView.as_view(), name="reading_edit"),
    path("readings/<int:pk>/void/", views.ReadingVoidView.as_view(), name="reading_void"),
    path("leadership/", views.LeadershipView.as_view(), name="leadership"),
    path("leadership/sites/<int:site_pk>/", views.LeadershipView.as_view(), name="site_leadership"),
    path("responsibilities/", views.ResponsibilityListView.as_view(), name="responsibility_list"),
    path("responsibilities/matrix/", views.ResponsibilityMatrixView.as_view(), name="raci_matrix"),
    path("responsibilities/<int:pk>/", views.ResponsibilityDetailView.as_view(), name="responsibility_detail"),
]

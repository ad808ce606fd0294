from django.urls import path

from . import views, views_grants

app_name = "access"
urlpatterns = [
    path("mfa/", views.SecondFactorVerifyView.as_view(), name="mfa_verify"),
    path("mfa/setup/", views.SecondFactorSetupView.as_view(), name="mfa_setup"),
    path("mfa/recovery-codes/", views.RecoveryCodesRenewView.as_view(), name="mfa_recovery_codes"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("confirm/", views.ReauthenticateView.as_view(), name="reauthenticate"),
    path("sessions/", views.SessionListView.as_view(), name="sessions"),
    path("sessions/<int:pk>/end/", views.SessionEndView.as_view(), name="session_end"),
    path("sessions/end-others/", views.SessionEndOthersView.as_view(), name="session_end_others"),
    path("lockouts/", views.LockoutListView.as_view(), name="lockouts"),
    path("lockouts/unlock/", views.LockoutClearView.as_view(), name="lockout_clear"),
    # Inspector access: the quality manager's pages (the inspector reads in the inspection room, ``evidence``).
    path("grants/", views_grants.GrantListView.as_view(), name="grant_list"),
    path("grants/new/", views_grants.GrantCreateView.as_view(), name="grant_add"),
    path("grants/<int:pk>/", views_grants.GrantDetailView.as_view(), name="grant_detail"),
    path("grants/<int:pk>/reads/", views_grants.GrantReadsView.as_view(), name="grant_reads"),
    path("grants/<int:pk>/end/", views_grants.GrantEndView.as_view(), name="grant_end"),
]

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from ims.web.health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/", include("ims.access.urls")),
    path("", include("ims.web.urls")),
    path("org/", include("ims.org.urls")),
    path("audit/", include("ims.audit.urls")),
    path("esign/", include("ims.esign.urls")),
    path("documents/", include("ims.documents.urls")),
    path("inbox/", include("ims.notifications.urls")),
    path("actions/", include("ims.actions.urls")),
    path("policies/", include("policies.urls")),
    path("processes/", include("processes.urls")),
    path("framework/", include("manual.framework.urls")),
    path("risks/", include("manual.risks.urls")),
    path("manual/", include("manual.urls")),
    path("implementation/", include("implementation.urls")),
    path("kpis/", include("implementation.kpis.urls")),
    path("feedback/", include("implementation.feedback.urls")),
    path("reviews/", include("implementation.review.urls")),
    path("training/", include("training.urls")),
    path("audits/", include("audits.urls")),
    path("capa/", include("capa.urls")),
    path("evidence/", include("evidence.urls")),
    path("api/v1/", include("ims.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves its start-up script as a file, so the page runs under the strict CSP.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("admin/", admin.site.urls),
]

handler404 = "ims.web.errors.page_not_found"
handler403 = "ims.web.errors.permission_denied"
handler500 = "ims.web.errors.server_error"

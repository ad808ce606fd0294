from django.urls import path

from . import views

app_name = "esign"
urlpatterns = [
    path("certification/", views.CertifyView.as_view(), name="certify"),
    path("certifications/", views.CertificationRegisterView.as_view(), name="certification_register"),
    path("locks/", views.SigningLockListView.as_view(), name="lock_list"),
    path("locks/<int:pk>/unlock/", views.SigningUnlockView.as_view(), name="lock_unlock"),
    path("sign/<str:content_type>/<str:object_pk>/", views.SignView.as_view(), name="sign"),
    path("signatures/<str:content_type>/<str:object_pk>/", views.SignatureBlockView.as_view(), name="signature_block"),
]

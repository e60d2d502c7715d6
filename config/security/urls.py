from django.urls import path

from . import views

app_name = "security"

urlpatterns = [
    path("2fa/verify/", views.otp_verify_view, name="otp-verify"),
    path("2fa/setup/", views.otp_enrol_view, name="otp-enrol"),
]

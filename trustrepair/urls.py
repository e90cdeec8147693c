from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.urls import include, path
from django.views.generic import TemplateView

from . import health, pages

admin.site.site_header = "TrustRepair staff"
admin.site.site_title = "TrustRepair staff"

urlpatterns = [
    path("", pages.landing, name="landing"),
    path("home/", login_required(TemplateView.as_view(template_name="pages/home.html")), name="home"),
    path("support/", pages.resources, name="resources"),
    path("privacy/", pages.privacy, name="privacy"),
    path("healthz", health.healthz, name="healthz"),
    path("accounts/", include("allauth.urls")),
    path("settings/", include("accounts.urls")),
    path("staff/", admin.site.urls),
]

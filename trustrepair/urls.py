from django.contrib import admin
from django.urls import include, path

from accounts.views import pairing

from . import health, pages

urlpatterns = [
    path("", pages.landing, name="landing"),
    path("home/", pages.home, name="home"),
    path("support/", pages.resources, name="resources"),
    path("privacy/", pages.privacy, name="privacy"),
    path("healthz", health.healthz, name="healthz"),
    path("accounts/", include("allauth.urls")),
    path("settings/data/", include("accounts.data.urls")),
    path("settings/", include("accounts.urls")),
    path("couple/exercises/", include("exercises.urls")),
    path("couple/progress/", include("exercises.insights.urls")),
    path("couple/therapist/", include("accounts.therapist_couple_urls")),
    path("therapist/", include("accounts.therapist_urls")),
    path("", include("exercises.daily.urls")),
    path("couple/", include("accounts.couple_urls")),
    path("join/<str:token>/", pairing.join_link, name="join_link"),
    path("staff/", admin.site.urls),
    path("bench/", include("trustrepair.bench.views")),  # routes nothing unless settings.BENCH_ENDPOINTS
]

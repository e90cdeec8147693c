"""Couple-side therapist URLs (invite, consent, revoke, who has seen what), under /couple/therapist/."""

from django.urls import path

from .therapists import couple_views as views

app_name = "couple_therapist"
urlpatterns = [
    path("", views.index, name="index"),
    path("invite/", views.invite, name="invite"),
    path("code/", views.code, name="code"),
    path("invitations/<int:pk>/withdraw/", views.invitation_withdraw, name="invitation_withdraw"),
    path("links/<int:pk>/consent/", views.consent, name="consent"),
    path("links/<int:pk>/revoke/", views.revoke, name="revoke"),
    path("links/<int:pk>/end/", views.end, name="end"),
    path("who-has-seen-what/", views.access_log, name="access_log"),
    path("suggestions/<int:pk>/dismiss/", views.recommendation_dismiss, name="recommendation_dismiss"),
]

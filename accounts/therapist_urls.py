"""Therapist-side URLs (sign-up as a therapist, caseload, couple view)."""

from django.urls import path

from .therapists import views

app_name = "therapist"
urlpatterns = [
    path("", views.caseload, name="caseload"),
    path("join/", views.join, name="join"),
    path("two-factor/", views.mfa_required, name="mfa_required"),
    path("invitations/<str:token>/", views.invitation, name="invitation"),
    path("couples/<int:couple_id>/", views.couple_detail, name="couple"),
    path("couples/<int:couple_id>/notes/", views.note_create, name="note_create"),
    path("couples/<int:couple_id>/notes/<int:note_id>/", views.note_edit, name="note_edit"),
    path("couples/<int:couple_id>/recommend/", views.recommend, name="recommend"),
    path("couples/<int:couple_id>/unlock/", views.unlock, name="unlock"),
]

"""Therapist-side URLs (sign-up as a therapist, caseload, couple view)."""

app_name = "therapist"
urlpatterns: list = []

"""Couple-side therapist URLs (invite, consent, revoke, who has seen what), under /couple/therapist/."""

app_name = "couple_therapist"
urlpatterns: list = []

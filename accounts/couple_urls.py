from django.urls import path

from .views import couple as views
from .views import pairing

app_name = "couple"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("start/", pairing.create, name="create"),
    path("invite/email/", pairing.invite_email, name="invite_email"),
    path("invite/code/", pairing.invite_code, name="invite_code"),
    path("invitations/<int:pk>/revoke/", pairing.invitation_revoke, name="invitation_revoke"),
    path("join/", pairing.join_code, name="join_code"),
    path("onboarding/", views.onboarding_view, name="onboarding"),
    path("together/", views.together, name="together"),
    path("safety-check/", views.safety_check, name="safety_check"),
    path("safety-check/support/", views.safety_support, name="safety_support"),
    path("leave/", views.leave, name="leave"),
    path("notice/dismiss/", views.dismiss_notice, name="dismiss_notice"),
]

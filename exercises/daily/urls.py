"""URLs of the daily rhythm: check-ins, prompt preferences, notifications, unsubscribe."""

from django.urls import path

from . import views

app_name = "daily"
urlpatterns = [
    path("couple/checkin/", views.checkin, name="checkin"),
    path("couple/quiet-time/", views.quiet_window, name="quiet_window"),
    path("settings/prompts/", views.preferences, name="preferences"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/<int:pk>/read/", views.notification_read, name="notification_read"),
    path("notifications/read-all/", views.notifications_read_all, name="notifications_read_all"),
    # The token travels as a query parameter: the link must work for anyone holding it, logged in or not.
    path("unsubscribe/", views.unsubscribe, name="unsubscribe"),
]

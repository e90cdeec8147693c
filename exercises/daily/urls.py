"""URLs of the daily rhythm: check-ins, prompt preferences, notifications, unsubscribe."""

app_name = "daily"
urlpatterns: list = []

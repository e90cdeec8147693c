"""URLs for owning your data: export and account deletion, under /settings/data/."""

app_name = "data"
urlpatterns: list = []

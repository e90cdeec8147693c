"""URLs of the accountability flow (filled in with its views)."""

urlpatterns: list = []

"""URLs of the paired flow (filled in with its views)."""

urlpatterns: list = []

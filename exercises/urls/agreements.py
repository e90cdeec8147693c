"""URLs of the agreements flow (filled in with its views)."""

urlpatterns: list = []

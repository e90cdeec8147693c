"""URLs of the questions flow (filled in with its views)."""

urlpatterns: list = []

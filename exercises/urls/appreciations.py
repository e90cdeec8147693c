"""URLs of the appreciations flow (filled in with its views)."""

urlpatterns: list = []

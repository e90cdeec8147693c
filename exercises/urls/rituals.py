"""URLs of the rituals flow (filled in with its views)."""

urlpatterns: list = []

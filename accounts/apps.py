from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from . import couple_cache, middleware, signals  # noqa: F401 - connects the receivers (pairing, session policy)

        couple_cache.connect()  # every write to a couple's data bumps its cache version

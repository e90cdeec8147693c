from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from . import middleware, signals  # noqa: F401 - connects the receivers (pairing, session policy)

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _grant(sender, using, **kwargs):
    from django.db import connections

    from .roles import grant
    from .router import KEYRING

    if using == KEYRING:
        with connections[using].cursor() as cursor:
            grant(cursor)


class KeyringConfig(AppConfig):
    name = "trustrepair.keyring"
    label = "keyring"
    verbose_name = "Keyring"

    def ready(self):
        from . import checks  # noqa: F401 - the start-up check of DATA_KEYS and the keyring database

        post_migrate.connect(_grant, sender=self, dispatch_uid="keyring-grant")

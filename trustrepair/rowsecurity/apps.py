from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _grant(sender, using, **kwargs):
    from django.db import connections

    from . import roles

    if using != "default":
        return  # the keyring database has its own grants (trustrepair/keyring/roles.py)
    with connections[using].cursor() as cursor:
        roles.grant(cursor)


class RowSecurityConfig(AppConfig):
    name = "trustrepair.rowsecurity"
    label = "rowsecurity"
    verbose_name = "Row security"

    def ready(self):
        from . import checks, identity  # noqa: F401 - the start-up check; the identity on every connection

        # Once per migrate (this app migrates last): every table, old or new, granted to the roles.
        post_migrate.connect(_grant, sender=self, dispatch_uid="rowsecurity-grant")

from django.core.management.commands.migrate import Command as DjangoMigrate

from trustrepair.rowsecurity.roles import as_owner


class Command(DjangoMigrate):
    """Django's migrate, logged in as the owner (DATABASE_OWNER_URL): the application role owns no table.

    ``execute``, not ``handle``: the system checks that run first already connect.
    """

    def execute(self, *args, **options):
        with as_owner(options.get("database") or "default"):
            return super().execute(*args, **options)

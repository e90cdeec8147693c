from django.core.management import call_command
from django.core.management.commands.migrate import Command as DjangoMigrate
from django.db import connections

from trustrepair.keyring.router import KEYRING
from trustrepair.rowsecurity.roles import as_owner


def _create_keyring_database() -> None:
    """The keyring is a database of its own (docs/privacy.md); make it when the owner may."""
    keyring = connections[KEYRING]
    name = keyring.settings_dict["NAME"]
    with as_owner("default"), connections["default"].cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{name}"')  # our own setting, never input


class Command(DjangoMigrate):
    """Django's migrate, logged in as the owner (DATABASE_OWNER_URL): the application role owns no table.

    ``execute``, not ``handle``: the system checks that run first already connect. Migrating
    the app's database also migrates the keyring's, making it first when it is missing; the
    test runner (``run_syncdb``) creates and migrates each test database itself.
    """

    def execute(self, *args, **options):
        database = options.get("database") or "default"
        with as_owner(database):
            result = super().execute(*args, **options)
        if database == "default" and not options.get("run_syncdb") and not options.get("app_label"):
            if connections["default"].settings_dict["HOST"] == connections[KEYRING].settings_dict["HOST"]:
                _create_keyring_database()
            call_command("migrate", database=KEYRING, verbosity=options.get("verbosity", 1), interactive=False)
        return result

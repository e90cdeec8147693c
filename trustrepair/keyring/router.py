"""The keyring app's one table lives in the keyring database; everything else in the default one."""

KEYRING = "keyring"


class KeyringRouter:
    def _db(self, model) -> str:
        return KEYRING if model._meta.app_label == KEYRING else "default"

    def db_for_read(self, model, **hints):
        return self._db(model)

    def db_for_write(self, model, **hints):
        return self._db(model)

    def allow_relation(self, obj1, obj2, **hints):
        labels = {obj1._meta.app_label, obj2._meta.app_label}
        return labels == {KEYRING} if KEYRING in labels else None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return (db == KEYRING) == (app_label == KEYRING)

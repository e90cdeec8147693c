from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from . import kek


@checks.register(checks.Tags.security)
def data_keys_usable(app_configs, **kwargs):
    try:
        kek.current_id()
    except ImproperlyConfigured as exc:
        return [checks.Error(str(exc), id="keyring.E001")]
    return []

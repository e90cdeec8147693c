import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trustrepair.settings")
application = get_wsgi_application()

from trustrepair.rowsecurity.checks import refuse_to_start  # noqa: E402 - after Django is set up

refuse_to_start()

import os

from celery import Celery
from celery.signals import beat_init, worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trustrepair.settings")

app = Celery("trustrepair")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Tasks that live in the project package itself (not in an app).
app.autodiscover_tasks(["trustrepair"])


@worker_init.connect
@beat_init.connect
def _refuse_without_the_wall(**kwargs):
    """Workers and beat refuse to start when the application role could read past row security."""
    from trustrepair.rowsecurity.checks import refuse_to_start

    refuse_to_start()

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trustrepair.settings")

app = Celery("trustrepair")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Tasks that live in the project package itself (not in an app).
app.autodiscover_tasks(["trustrepair"])

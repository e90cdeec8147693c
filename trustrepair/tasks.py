from celery import shared_task
from django.utils import timezone


@shared_task
def heartbeat() -> str:
    """Answer with the worker's clock; beat runs it so a stalled worker shows in the logs."""
    return timezone.now().isoformat()

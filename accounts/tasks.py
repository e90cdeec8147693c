"""Celery tasks of the accounts app. Thin: they take ids and call services that check state first."""

from __future__ import annotations

from celery import shared_task

from accounts.data import services
from trustrepair.rowsecurity.identity import acting_as, acts_as_jobs


@shared_task(bind=True, name="accounts.tasks.export_build", acks_late=True, max_retries=3, ignore_result=True)
def export_build_task(self, export_id: int, person_id: int) -> None:
    """Build one data export, acting for its owner. A retry or a second delivery of the message is a no-op once ready."""
    try:
        with acting_as(person_id):
            services.export_build(export_id=export_id)
    except Exception as exc:
        if self.request.retries >= self.max_retries:
            with acting_as(person_id):
                services.export_mark_failed(export_id=export_id)
            raise
        raise self.retry(exc=exc, countdown=30 * 2**self.request.retries) from exc


@shared_task(name="accounts.tasks.export_expire_sweep", ignore_result=True)
@acts_as_jobs
def export_expire_sweep() -> int:
    """Periodic (beat): delete the files of expired exports."""
    return services.export_expire_sweep()

"""Isolation cases of the data pages: a partner's ready export, reached by nobody else, and one's own data pages."""

from datetime import timedelta

from django.utils import timezone

from accounts.models import DataExport


def _ready_export(world) -> dict:
    # No file is written: everyone but the owner must be turned away before it would be read.
    # The marker sits in the stored name, which no response may echo.
    now = timezone.now()
    export = DataExport.objects.create(
        user=world.partner_a,
        status=DataExport.Status.READY,
        file=f"exports/{world.marker}.zip",
        ready_at=now,
        expires_at=now + timedelta(days=7),
    )
    return {"pk": export.pk}


CASES = {
    "data:download": _ready_export,
    "data:index": lambda world: {},
    "data:export": lambda world: {},
    "data:erase": lambda world: {},
    "data:erased": lambda world: {},
}

"""Safety protection moves from the couple to the person who answered (accounts/safety.py).

A couple-wide switch changed the other partner's pages at once, so he could tell.
Everyone whose current answers signal fear or control, and everyone in a couple
that was in safety mode whose answers did, is protected from their answer's time.
"""

from django.db import migrations, models
from django.db.models import Q

WORRYING = ["yes", "sometimes"]


def protect_worrying_answers(apps, schema_editor):
    SafetyCheck = apps.get_model("accounts", "SafetyCheck")
    worrying = (
        Q(afraid_of_partner__in=WORRYING)
        | Q(threats_or_violence__in=WORRYING)
        | Q(controls_phone=True)
        | Q(controls_money=True)
        | Q(controls_whereabouts=True)
        | Q(controls_contacts=True)
    )
    SafetyCheck.objects.filter(worrying).update(protected_since=models.F("updated_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0008_data_export"),
    ]

    operations = [
        migrations.AddField(
            model_name="safetycheck",
            name="protected_since",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(protect_worrying_answers, migrations.RunPython.noop),
        migrations.RemoveField(
            model_name="couple",
            name="safety_mode",
        ),
    ]

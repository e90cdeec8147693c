from django.db import migrations, models
from django.utils import timezone


class Migration(migrations.Migration):
    initial = True
    dependencies = []

    operations = [
        migrations.CreateModel(
            name="DataKey",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("scope", models.CharField(choices=[("person", "Person"), ("couple", "Couple")], max_length=10)),
                ("owner_id", models.BigIntegerField()),
                ("kek_id", models.CharField(db_index=True, max_length=16, verbose_name="wrapped by")),
                ("wrapped", models.BinaryField()),
                ("created_at", models.DateTimeField(default=timezone.now)),
            ],
            options={
                "constraints": [models.UniqueConstraint(fields=("scope", "owner_id"), name="datakey_one_per_owner")]
            },
        ),
    ]

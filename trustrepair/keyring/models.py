from django.db import models
from django.utils import timezone


class DataKey(models.Model):
    """One person's key for their private writing, or one couple's for its shared writing.

    Lives in the keyring database (``trustrepair/keyring/router.py``), never in the app's:
    a backup of the app's database holds no key that opens it, so deleting a key here
    reaches every older backup of the writing (crypto-shredding).
    """

    class Scope(models.TextChoices):
        PERSON = "person", "Person"
        COUPLE = "couple", "Couple"

    scope = models.CharField(max_length=10, choices=Scope.choices)
    # The person's or the couple's id in the app's database: no foreign key across databases.
    owner_id = models.BigIntegerField()
    kek_id = models.CharField("wrapped by", max_length=16, db_index=True)
    wrapped = models.BinaryField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["scope", "owner_id"], name="datakey_one_per_owner")]

    def __str__(self) -> str:
        return f"{self.scope} key #{self.owner_id}"

"""Seed the default prompt wording and appreciation starters. Safe to run again: staff edits are kept."""

from django.core.management.base import BaseCommand
from django.db import transaction

from exercises.daily.copy import DEFAULT_COPY, DEFAULT_STARTERS
from exercises.models import AppreciationStarter, PromptCopy


class Command(BaseCommand):
    help = (
        "Create the prompt copy rows that are missing (one per prompt kind) and, for each starter kind that has "
        "none yet, the default appreciation starters. Existing rows, edited or not, are left alone."
    )

    @transaction.atomic
    def handle(self, *args, **options):
        created_copy = 0
        for kind, copy in DEFAULT_COPY.items():
            _, created = PromptCopy.objects.get_or_create(
                kind=kind, defaults={"subject": copy.subject, "body": copy.body}
            )
            created_copy += created
        created_starters = 0
        seeded_kinds = set(AppreciationStarter.objects.values_list("kind", flat=True).distinct())
        for kind, text in DEFAULT_STARTERS:
            if kind not in seeded_kinds:
                AppreciationStarter.objects.create(kind=kind, text=text)
                created_starters += 1
        self.stdout.write(f"Prompt copy: {created_copy} created. Appreciation starters: {created_starters} created.")

"""Install the curriculum shipped with the app (exercises/curriculum/curriculum.json). Safe to run again."""

from django.core.management.base import BaseCommand, CommandError

from exercises.curriculum.schema import CurriculumError
from exercises.curriculum.serialization import CURRICULUM_PATH, load_shipped_curriculum
from trustrepair.rowsecurity.roles import as_owner

from .import_content import apply_curriculum


class Command(BaseCommand):
    help = (
        "Create the default modules, exercises and steps that are missing. Content that staff have edited "
        "(anything that differs from the shipped file) is left alone unless --force."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true", help="Overwrite edited modules and exercises with the shipped text."
        )
        parser.add_argument("--dry-run", action="store_true", help="Report what would change, save nothing.")

    def handle(self, *args, force: bool, dry_run: bool, **options):
        # As the owner: a forced import may delete answered steps, and the answers it then unlinks
        # belong to couples whose rows row security shows no operator (docs/privacy.md).
        with as_owner():
            return self._handle(*args, force=force, dry_run=dry_run, **options)

    def _handle(self, *args, force: bool, dry_run: bool, **options):
        self.verbosity = options["verbosity"]
        try:
            data = load_shipped_curriculum()
        except CurriculumError as exc:
            raise CommandError(str(exc)) from None
        apply_curriculum(self, data, force=force, dry_run=dry_run, source=str(CURRICULUM_PATH))

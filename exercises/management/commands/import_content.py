"""Read a curriculum JSON file (``-`` for standard input) written by export_content, and apply it."""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from exercises.curriculum.importing import import_curriculum
from exercises.curriculum.schema import CurriculumError
from exercises.curriculum.serialization import loads
from trustrepair.rowsecurity.roles import as_owner


def read_curriculum(file: str):
    """The parsed file, or a CommandError that says what is wrong with it."""
    if file == "-":
        text, source = sys.stdin.read(), "standard input"
    else:
        path = Path(file)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise CommandError(f"{path} does not exist.") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"Could not read {path}: {exc}.") from None
        source = str(path)
    try:
        return loads(text, source=source)
    except CurriculumError as exc:
        raise CommandError(str(exc)) from None


def apply_curriculum(command: BaseCommand, data, *, force: bool, dry_run: bool, source: str) -> None:
    try:
        summary = import_curriculum(data, force=force, dry_run=dry_run)
    except CurriculumError as exc:
        problems = "\n".join(f"  - {problem}" for problem in exc.problems)
        raise CommandError(f"{source} was not imported; nothing was changed.\n{problems}") from None
    if command.verbosity > 0:
        for line in summary.lines():
            command.stdout.write(line)


class Command(BaseCommand):
    help = (
        "Import modules, exercises and steps from FILE.json (or - for standard input), matched by slug. "
        "Anything that exists and differs from the file is kept unless --force."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="A file written by export_content; - reads standard input.")
        parser.add_argument(
            "--force", action="store_true", help="Replace modules and exercises that differ from the file."
        )
        parser.add_argument("--dry-run", action="store_true", help="Report what would change, save nothing.")

    def handle(self, *args, file: str, force: bool, dry_run: bool, **options):
        # As the owner: a forced import may delete answered steps, and the answers it then unlinks
        # belong to couples whose rows row security shows no operator (docs/privacy.md).
        with as_owner():
            return self._handle(*args, file=file, force=force, dry_run=dry_run, **options)

    def _handle(self, *args, file: str, force: bool, dry_run: bool, **options):
        self.verbosity = options["verbosity"]
        data = read_curriculum(file)
        apply_curriculum(self, data, force=force, dry_run=dry_run, source="standard input" if file == "-" else file)

"""Write the whole curriculum to a JSON file (``-`` for standard output), for review or another environment."""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from exercises.curriculum.serialization import dumps, export_curriculum


class Command(BaseCommand):
    help = "Export every module, exercise and step to FILE.json (or - for standard output)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="Where to write the JSON; - writes to standard output.")

    def handle(self, *args, file: str, **options):
        data = export_curriculum()  # read everything before touching the file
        text = dumps(data)
        if file == "-":
            sys.stdout.write(text)
            return
        path = Path(file)
        try:
            path.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"Could not write {path}: {exc.strerror or exc}.") from None
        exercises = sum(len(module["exercises"]) for module in data["modules"])
        if options["verbosity"] > 0:
            self.stdout.write(f"Wrote {len(data['modules'])} modules and {exercises} exercises to {path}.")

"""The curriculum as plain data: its file format, checking a file, exporting and importing it.

``curriculum.json`` beside this package is the curriculum shipped by default. The code
is split by what each part does, so each can be read alone:

- ``schema``: the format (name, version, which fields of each model) and the rules a
  file and the admin share (``CurriculumError``, ``step_choice_problems``);
- ``validation``: a whole file checked and normalised before anything is written;
- ``serialization``: the database as plain data, and plain data as JSON text (and the
  shipped file read back);
- ``importing``: a checked file applied to the database in one transaction.

Dependencies only point down that list (``importing`` → ``validation`` → ``schema``,
``importing`` → ``serialization`` → ``schema``).
"""

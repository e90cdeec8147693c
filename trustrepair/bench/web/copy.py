"""Bulk loading with PostgreSQL ``COPY … FROM STDIN``: a million rows in seconds, not minutes.

``CopyTable(Model, ["user_id", "local_date", …])`` hands out primary keys
itself (from the table's current maximum), buffers rows in the text format and
sends them in chunks. Columns the caller does not name are filled with the
field's default (or NULL), so a field added to a model later does not break the
seeding as long as it has a default. ``close()`` moves the id sequence past the
rows written, so the app's own inserts continue after them.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Callable, Sequence

from django.db import connection, models

CHUNK_ROWS = 50_000
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
NULL = "\\N"


def _text(value) -> str:
    if value is None:
        return NULL
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        return value.translate(_ESCAPES)
    if isinstance(value, dt.date | dt.time):  # datetime is a date
        return value.isoformat()
    if isinstance(value, dict | list):
        return json.dumps(value).translate(_ESCAPES)
    raise TypeError(f"Cannot COPY a {type(value).__name__}: {value!r}")


def _json(value) -> str:
    # A JSONField stores Python None as SQL NULL; everything else as its JSON text.
    return NULL if value is None else json.dumps(value).translate(_ESCAPES)


class CopyTable:
    """Rows for one model's table. Use as a context manager, or call ``close()``."""

    def __init__(self, model: type[models.Model], attnames: Sequence[str]):
        self.model = model
        self.table = model._meta.db_table
        fields = {f.attname: f for f in model._meta.concrete_fields}
        pk = model._meta.pk
        unknown = [name for name in attnames if name not in fields]
        if unknown:
            raise ValueError(f"{model.__name__} has no columns {unknown}")
        self.formatters: list[Callable] = [
            _json if isinstance(fields[name], models.JSONField) else _text for name in attnames
        ]
        defaults = []
        for name, field in fields.items():
            if name in attnames or field is pk:
                continue
            if field.has_default():
                value = field.get_default()
            elif field.null:
                value = None
            elif field.blank and field.empty_strings_allowed:
                value = ""  # a blank text field, as a form leaves it
            else:
                raise ValueError(f"{model.__name__}.{name} has no default: name it in the COPY columns.")
            defaults.append((field.column, (_json if isinstance(field, models.JSONField) else _text)(value)))
        self.columns = [pk.column] + [fields[name].column for name in attnames] + [column for column, _ in defaults]
        self.suffix = "".join("\t" + text for _, text in defaults)
        with connection.cursor() as cursor:
            cursor.execute(f'SELECT COALESCE(MAX("{pk.column}"), 0) FROM "{self.table}"')  # noqa: S608 -- model metadata
            self.next_id = cursor.fetchone()[0] + 1
        self.buffer = io.StringIO()
        self.pending = 0
        self.written = 0

    def add(self, *values) -> int:
        """Queue one row (values in the order of ``attnames``); returns its primary key."""
        pk = self.next_id
        self.next_id += 1
        self.buffer.write(str(pk))
        for formatter, value in zip(self.formatters, values, strict=True):
            self.buffer.write("\t")
            self.buffer.write(formatter(value))
        self.buffer.write(self.suffix)
        self.buffer.write("\n")
        self.pending += 1
        if self.pending >= CHUNK_ROWS:
            self.flush()
        return pk

    def flush(self) -> None:
        if not self.pending:
            return
        self.buffer.seek(0)
        columns = ", ".join(f'"{column}"' for column in self.columns)
        with connection.cursor() as cursor:
            cursor.cursor.copy_expert(f'COPY "{self.table}" ({columns}) FROM STDIN', self.buffer)
        self.written += self.pending
        self.pending = 0
        self.buffer = io.StringIO()

    def close(self) -> int:
        self.flush()
        if self.written:
            pk = self.model._meta.pk.column
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT setval(pg_get_serial_sequence(%s, %s), %s)", [f'"{self.table}"', pk, self.next_id - 1]
                )
        return self.written

    def __enter__(self) -> CopyTable:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close()

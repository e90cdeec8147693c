"""Model fields whose values are sealed at rest (``sealing.py``) and opened on first read.

A model with such fields subclasses ``SealedModel`` and says whose key seals its row
(``sealing_owner``). The row's id is taken from its sequence before the insert, because
the associated data names the row. Empty text stays ``""`` and a missing JSON value
``NULL``, so "has this been answered" stays a plain SQL test; everything else is sealed.
Search and ordering never touch these columns in SQL.
"""

from __future__ import annotations

import json

from django import forms
from django.core.validators import MaxLengthValidator
from django.db import connection, models
from django.db.models.query_utils import DeferredAttribute
from django.utils.functional import cached_property

from . import datakeys, sealing

UNREADABLE = "(This writing can no longer be read: its key was destroyed when an account was deleted.)"


class _SealedAttribute(DeferredAttribute):
    """A data descriptor (it has ``__set__``), so every read comes here and a sealed value opens once."""

    def __set__(self, instance, value):
        instance.__dict__[self.field.attname] = value

    def __get__(self, instance, cls=None):
        value = super().__get__(instance, cls)
        if isinstance(value, sealing.Ciphertext):
            value = self.field.open(instance, value)
            instance.__dict__[self.field.attname] = value
        return value


class SealedTextField(models.TextField):
    """Text sealed at rest. ``single_line`` keeps the one-line input of the CharField it replaced."""

    descriptor_class = _SealedAttribute

    def __init__(self, *args, single_line: bool = False, **kwargs):
        self.single_line = single_line
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        if self.single_line:
            kwargs["single_line"] = True
        return name, path, args, kwargs

    @cached_property
    def validators(self):
        return [*super().validators, *([MaxLengthValidator(self.max_length)] if self.max_length else [])]

    def formfield(self, **kwargs):
        if self.single_line:
            kwargs.setdefault("widget", forms.TextInput)
        return super().formfield(**kwargs)

    # Plaintext to stored text and back; the JSON field overrides these two.
    def encode(self, value) -> str:
        return value

    def decode(self, text: str):
        return text

    def _is_empty(self, value) -> bool:
        return value is None or value == ""

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        if value.startswith(sealing.PREFIX):
            return sealing.Ciphertext(value)
        return self.decode(value)  # written before sealing began: `manage.py seal_plaintext` seals it

    def to_python(self, value):
        return value if isinstance(value, sealing.Ciphertext) else super().to_python(value)

    def aad(self, instance) -> bytes:
        return sealing.context(instance._meta.db_table, self.column, instance.pk)

    def open(self, instance, token: str):
        text = sealing.open_or_none(token, aad=self.aad(instance))
        return self.decode(text) if text is not None else self.unreadable

    unreadable = UNREADABLE

    def pre_save(self, instance, add):
        value = getattr(instance, self.attname)
        if self._is_empty(value):
            return value
        return sealing.seal(self.encode(value), owner=instance.sealing_owner(), aad=self.aad(instance))

    def get_prep_value(self, value):
        return value  # pre_save already made stored text of the plaintext


class SealedJSONField(SealedTextField):
    """A JSON value (an answer: words, a choice, a list of ticks) sealed at rest as its JSON text."""

    unreadable = None

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("null", True)
        super().__init__(*args, **kwargs)

    def encode(self, value) -> str:
        return json.dumps(value, ensure_ascii=False)

    def decode(self, text: str):
        return json.loads(text)

    def _is_empty(self, value) -> bool:
        return value is None

    def to_python(self, value):
        return value

    def formfield(self, **kwargs):
        return forms.JSONField(**kwargs)


def _next_id(model) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s))", [model._meta.db_table, model._meta.pk.column])
        return cursor.fetchone()[0]


class SealedModel(models.Model):
    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self._state.adding and self.pk is None:
            self.pk = _next_id(type(self))  # the sealed values name the row
            kwargs["force_insert"] = kwargs.get("force_insert") or True
        super().save(*args, **kwargs)

    def sealing_owner(self) -> datakeys.Owner:
        """Whose key seals this row's writing: the author's for what only they read, the couple's otherwise."""
        raise NotImplementedError

    def reseal(self) -> None:
        """Seal this row's writing again (its owner changed, e.g. it was shared): read, then written back."""
        names = [field.attname for field in self._meta.concrete_fields if isinstance(field, SealedTextField)]
        for name in names:
            getattr(self, name)
        self.save(update_fields=names)


def by_visibility(*, private: bool, author_id: int, couple_id: int | None) -> datakeys.Owner:
    """The one rule: writing only its author may read is sealed with their key, shared writing with the couple's."""
    if private or couple_id is None:
        return datakeys.person(author_id)
    return datakeys.couple(couple_id)

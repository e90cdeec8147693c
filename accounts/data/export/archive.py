"""The export packed for download: ``data.json`` for machines, ``index.html`` for people.

Both come from the same ``collect(user)`` dict. The page is rendered from
``account_data/export/index.html`` with autoescaping, no scripts and nothing
loaded from elsewhere, so it opens offline and a hostile value stays text; answer
values are turned into words (``as_text``) on a copy, leaving the JSON untouched.
"""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.models import User

from .contents import collect


def as_text(value: Any) -> str:
    """An answer value (text, number, choices, checklist, date) as words for the readable page."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, list | tuple):
        return ", ".join(as_text(item) for item in value)
    if isinstance(value, dict):
        return "; ".join(f"{key}: {as_text(item)}" for key, item in value.items())
    return str(value)


def _readable(data: dict[str, Any]) -> dict[str, Any]:
    """The same data, with answer values turned into words for the template (a copy, data is untouched)."""
    readable = {**data, "private": {**data["private"]}}
    for section, holder in (("exercise_answers", readable), ("drafts", readable["private"])):
        holder[section] = [
            {
                **response,
                "answers": [
                    {
                        **answer,
                        "answer_text": as_text(answer["answer"]),
                        "guess_text": as_text(answer["guess_of_partner"]),
                    }
                    for answer in response["answers"]
                ],
            }
            for response in holder[section]
        ]
    return readable


def to_json(data: dict[str, Any]) -> str:
    return json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)


def to_html(data: dict[str, Any], *, time_zone: str) -> str:
    """A self-contained page: every value autoescaped, no scripts, no styles or anything else loaded from elsewhere."""
    with timezone.override(time_zone):
        return render_to_string("account_data/export/index.html", {"data": _readable(data), "time_zone": time_zone})


def build_zip(user: User) -> bytes:
    data = collect(user)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data.json", to_json(data))
        archive.writestr("index.html", to_html(data, time_zone=user.time_zone))
    return buffer.getvalue()

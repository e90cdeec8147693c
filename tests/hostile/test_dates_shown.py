"""No page a partner or a therapist opens shows a date the way a machine writes it (2026-12-03).

People read "3 Dec 2026" or "yesterday"; ISO dates belong only in machine attributes
(``<time datetime="…">``, ``<input type="date" value="…">``), which are not visible text.
The hostile world fills every section of a couple space, so each kind of row with a date
is on one of these pages.
"""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from tests.helpers import Node, parse_html, sign_in_as
from tests.hostile.pages import partner_pages

pytestmark = pytest.mark.django_db

ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
INVISIBLE = frozenset({"script", "style", "template", "head"})


def visible_text(node: Node) -> str:
    parts: list[str] = []
    for child in node.children:
        if isinstance(child, str):
            parts.append(child)
        elif child.tag not in INVISIBLE:
            parts.append(visible_text(child))
    return " ".join(parts)


def raw_dates(client: Client, url: str) -> list[str]:
    response = client.get(url, follow=True)
    assert response.status_code == 200, f"GET {url}: {response.status_code}"
    return ISO_DATE.findall(visible_text(parse_html(response.content)))


def test_no_partner_or_therapist_page_shows_a_raw_iso_date(hostile):
    found: dict[str, list[str]] = {}
    for viewer in hostile.partners:
        client = Client()
        sign_in_as(client, viewer)
        for url, _ in partner_pages(hostile, viewer, every_variant=False):
            if dates := raw_dates(client, url):
                found[f"{viewer.email} {url}"] = dates
    for therapist in (hostile.therapist, hostile.therapist2):
        client = Client()
        sign_in_as(client, therapist)
        for url in (reverse("therapist:caseload"), reverse("therapist:couple", args=[hostile.couple.pk])):
            if dates := raw_dates(client, url):
                found[f"{therapist.email} {url}"] = dates
    assert not found, found
